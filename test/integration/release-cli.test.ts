/**
 * Releases through the real binary against moto: two regions, three functions (one name in both
 * regions). Every outcome is checked with a client of its own, not from what the tool says.
 */
import { GetObjectCommand } from "@aws-sdk/client-s3";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { runCli, startCli } from "../support/lambda-fixtures.js";
import { type Moto, startMoto } from "../support/moto.js";
import {
  createReleaseFunction,
  objectsUnder,
  type ReleaseFunctionFixture,
  regionClients,
  releaseAliasOf,
  setRegionAlarm,
  versionsOf,
  writeReleaseConfig,
} from "../support/release-fixtures.js";

let moto: Moto;
let counter = 0;

beforeAll(async () => {
  // Behind the guards proxy: RevisionId and CodeSha256 enforced as Lambda does; every request recorded.
  moto = await startMoto({}, { guards: true });
});
afterAll(async () => {
  await moto?.stop();
});

const EU = "eu-west-1";
const US = "us-east-1";
const WAVES = [{ regions: [EU], bake: "1s" }, { regions: [US] }];

/** Three functions: `a` in both regions, `b` in eu-west-1 only. */
async function release3(label: string) {
  const n = ++counter;
  const a = `${label}-a-${n}`;
  const b = `${label}-b-${n}`;
  const functions = [
    await createReleaseFunction(moto, a, EU),
    await createReleaseFunction(moto, b, EU),
    await createReleaseFunction(moto, a, US),
  ];
  return { functions, prefix: `${label}-${n}` };
}

const args = (dir: string, command = "deploy", ...extra: string[]) => [
  command,
  "--config",
  `${dir}/lambda-rollout.yml`,
  "--env",
  "production",
  "--json",
  ...extra,
];

async function everyAlias(functions: ReleaseFunctionFixture[]) {
  return await Promise.all(functions.map(async (fn) => (await releaseAliasOf(moto, fn)).version));
}

describe("a release of three functions in two regions", () => {
  test("waves run in order; within a wave every function shifts in lockstep; all end on the new version", async () => {
    const { functions, prefix } = await release3("order");
    const dir = await writeReleaseConfig({ functions, prefix, waves: WAVES });
    const names = new Set(functions.map((fn) => fn.name));
    const requests = moto.proxy?.requests ?? [];
    const from = requests.length;
    const run = await runCli(moto, args(dir), dir);
    expect(run.code, run.stderr).toBe(0);
    expect(run.events.at(-1)).toMatchObject({ type: "result", outcome: "promoted", exitCode: 0 });
    expect(await everyAlias(functions)).toEqual(["2", "2", "2"]);

    const writes = requests
      .slice(from)
      .filter((r) => r.operation === "UpdateAlias" && names.has(r.functionName ?? ""));
    const steps = writes.map(
      (w) => `${w.region}:${w.functionName?.split("-")[1]}:${w.routing?.additional?.weight ?? 100}`,
    );
    // Wave 1 (eu-west-1, two functions) entirely before wave 2 (us-east-1); each step's writes of a
    // wave all land before the next step's.
    expect(steps.slice(0, 2).sort()).toEqual([`${EU}:a:50`, `${EU}:b:50`]);
    expect(steps.slice(2, 4).sort()).toEqual([`${EU}:a:100`, `${EU}:b:100`]);
    expect(steps.slice(4)).toEqual([`${US}:a:50`, `${US}:a:100`]);
    // Lockstep: the functions of a step are written together, not one roll-out after another.
    expect(Math.abs((writes[1]?.at ?? 0) - (writes[0]?.at ?? 0))).toBeLessThan(500);
    // The wave's bake (1 s) passed between wave 1's promotion and wave 2's first shift.
    expect((writes[4]?.at ?? 0) - (writes[3]?.at ?? 0)).toBeGreaterThanOrEqual(1000);

    // Events say which function and region they are about.
    const shifts = run.events.filter((e) => e.type === "shift");
    expect(shifts.map((e) => `${e.region}:${e.weight}`)).toEqual([
      ...[`${EU}:50`, `${EU}:50`, `${EU}:100`, `${EU}:100`],
      ...[`${US}:50`, `${US}:100`],
    ]);
    expect(shifts.every((e) => names.has(String(e.function)))).toBe(true);
  }, 60_000);

  test("an alarm in wave 2 rolls back wave 1 too: every function ends on its pre-release version (exit 1)", async () => {
    const { functions, prefix } = await release3("alarm");
    const dir = await writeReleaseConfig({ functions, prefix, waves: WAVES, steps: "50%:3s" });
    const run = startCli(moto, args(dir), dir);
    await run.waitFor((e) => e.type === "shift" && e.region === US && e.weight === 50);
    expect(await everyAlias(functions)).toEqual(["2", "2", "1"]);
    await setRegionAlarm(moto, US, (functions[2] as ReleaseFunctionFixture).alarm, "ALARM");
    const done = await run.done;
    expect(done.code, done.stderr).toBe(1);
    expect(done.events.at(-1)).toMatchObject({ outcome: "rolled_back" });
    expect(String(done.events.at(-1)?.reason)).toContain(functions[2]?.alarm);
    expect(await everyAlias(functions)).toEqual(["1", "1", "1"]);
    for (const fn of functions) expect((await releaseAliasOf(moto, fn)).weights).toEqual({});
  }, 60_000);

  test("SIGTERM mid-release rolls back everything, the promoted wave included (exit 1)", async () => {
    const { functions, prefix } = await release3("term");
    const dir = await writeReleaseConfig({ functions, prefix, waves: WAVES, steps: "50%:3s" });
    const run = startCli(moto, args(dir), dir);
    await run.waitFor((e) => e.type === "shift" && e.region === US && e.weight === 50);
    run.child.kill("SIGTERM");
    const done = await run.done;
    expect(done.code, done.stderr).toBe(1);
    expect(done.events.at(-1)).toMatchObject({ outcome: "rolled_back" });
    expect(await everyAlias(functions)).toEqual(["1", "1", "1"]);
  }, 60_000);

  test("after SIGKILL in wave 2: status shows every function, rollback restores all (wave 1 too), from AWS alone", async () => {
    const { functions, prefix } = await release3("kill");
    const dir = await writeReleaseConfig({ functions, prefix, waves: WAVES, steps: "50%:4s" });
    const run = startCli(moto, args(dir), dir);
    await run.waitFor((e) => e.type === "shift" && e.region === US && e.weight === 50);
    run.child.kill("SIGKILL");
    await run.done;
    expect(await everyAlias(functions)).toEqual(["2", "2", "1"]);

    const status = await runCli(moto, args(dir, "status"), dir);
    expect(status.code, status.stderr).toBe(0);
    const report = JSON.parse(status.stdout) as {
      inProgress: boolean;
      functions: { function: string; region: string; state: string; wave: number }[];
    };
    expect(report.inProgress).toBe(true);
    expect(report.functions.map((f) => `${f.region}:${f.state}:${f.wave}`)).toEqual([
      `${EU}:promoted:1`,
      `${EU}:promoted:1`,
      `${US}:shifting:2`,
    ]);
    const plain = await runCli(
      moto,
      ["status", "--config", `${dir}/lambda-rollout.yml`, "--env", "production"],
      dir,
    );
    for (const fn of functions) expect(plain.stdout).toContain(`${fn.name} [${fn.region}]`);

    const rollback = await runCli(moto, args(dir, "rollback"), dir);
    expect(rollback.code, rollback.stderr).toBe(0);
    expect(rollback.events.at(-1)).toMatchObject({ outcome: "rolled_back" });
    expect(await everyAlias(functions)).toEqual(["1", "1", "1"]);
    for (const fn of functions) expect((await releaseAliasOf(moto, fn)).weights).toEqual({});
    // Nothing is left to undo.
    const again = await runCli(moto, args(dir, "rollback"), dir);
    expect(again.events.at(-1)).toMatchObject({ outcome: "noop" });
  }, 60_000);

  test("after SIGKILL in wave 2, promote finishes the release", async () => {
    const { functions, prefix } = await release3("finish");
    const dir = await writeReleaseConfig({ functions, prefix, waves: WAVES, steps: "50%:4s" });
    const run = startCli(moto, args(dir), dir);
    await run.waitFor((e) => e.type === "shift" && e.region === US && e.weight === 50);
    run.child.kill("SIGKILL");
    await run.done;
    const promote = await runCli(moto, args(dir, "promote"), dir);
    expect(promote.code, promote.stderr).toBe(0);
    expect(promote.events.at(-1)).toMatchObject({ outcome: "promoted" });
    expect(await everyAlias(functions)).toEqual(["2", "2", "2"]);
    const status = JSON.parse((await runCli(moto, args(dir, "status"), dir)).stdout) as {
      inProgress: boolean;
    };
    expect(status.inProgress).toBe(false);
  }, 60_000);

  test("a running release obeys `rollback --config --env` run from another process (exit 1, nothing written after)", async () => {
    const n = ++counter;
    const functions = [
      await createReleaseFunction(moto, `operator-a-${n}`, EU),
      await createReleaseFunction(moto, `operator-b-${n}`, EU),
    ];
    const dir = await writeReleaseConfig({ functions, prefix: `operator-${n}`, steps: "50%:8s" });
    const run = startCli(moto, args(dir), dir);
    await run.waitFor((e) => e.type === "bake");
    for (const fn of functions) expect((await releaseAliasOf(moto, fn)).weights).toEqual({ "2": 0.5 });
    const rollback = await runCli(moto, args(dir, "rollback"), dir);
    expect(rollback.code, rollback.stderr).toBe(0);
    const rolledBackAt = Date.now();
    const done = await run.done;
    expect(done.code, done.stderr).toBe(1);
    expect(done.events.at(-1)).toMatchObject({ type: "result", outcome: "rolled_back", exitCode: 1 });
    expect(String(done.events.at(-1)?.reason)).toContain("rolled back by an operator");
    // Seen within a poll or two (interval 500 ms), not at the end of the 8 s bake.
    expect(Date.now() - rolledBackAt).toBeLessThan(4_000);
    expect(done.events.filter((e) => e.type === "rollback")).toEqual([]);
    expect(await everyAlias(functions)).toEqual(["1", "1"]);
    for (const fn of functions) expect((await releaseAliasOf(moto, fn)).weights).toEqual({});
  }, 60_000);

  test("`promote --config --env` during wave 1 of a running release says the release ships the rest; it does (exit 0)", async () => {
    const { functions, prefix } = await release3("promote-w1");
    const dir = await writeReleaseConfig({ functions, prefix, waves: WAVES, steps: "50%:5s" });
    const run = startCli(moto, args(dir), dir);
    await run.waitFor((e) => e.type === "bake" && e.weight === 50);
    const promote = await runCli(moto, args(dir, "promote"), dir);
    expect(promote.code, promote.stderr).toBe(0);
    const said = promote.events.at(-1);
    expect(said).toMatchObject({ outcome: "promoted", exitCode: 0 });
    expect(String(said?.reason)).toMatch(
      /waves 2\.\.2 are not published yet, and the running release \(started by .*\) ships them under its plan\.$/,
    );
    expect(String(said?.hint)).not.toContain("deploy");
    // The release still runs: its locks stay held (a second roll-out of these aliases must wait).
    const [first] = functions as [ReleaseFunctionFixture];
    const head = await regionClients(moto, first.region).s3.send(
      new GetObjectCommand({
        Bucket: `artifacts-${first.region}`,
        Key: `${prefix}/rollouts/aliases/123456789012/${first.region}/${first.name}/live.json`,
      }),
    );
    expect(JSON.parse((await head.Body?.transformToString()) ?? "{}").holder).not.toBeNull();
    const done = await run.done;
    expect(done.code, done.stderr).toBe(0);
    expect(String(done.events.at(-1)?.reason)).toContain("wave 1 promoted by an operator");
    expect(await everyAlias(functions)).toEqual(["2", "2", "2"]);
    // The operator's promote did not end the release's record early: its runner wrote the outcome,
    // and the operator's action is in the timeline.
    const history = JSON.parse((await runCli(moto, args(dir, "history"), dir)).stdout) as {
      rollouts: {
        kind: string;
        outcome: { outcome: string; reason: string } | null;
        timeline: { type: string }[];
      }[];
    };
    const [release] = history.rollouts;
    expect(release?.kind).toBe("release");
    expect(release?.outcome?.outcome).toBe("promoted");
    expect(release?.outcome?.reason).toContain("every function serves its new version");
    expect(release?.timeline.some((entry) => entry.type === "operator")).toBe(true);
  }, 60_000);

  test("bad input in one function changes nothing anywhere (exit 2, every problem named)", async () => {
    const { functions, prefix } = await release3("bad");
    const [a, b, c] = functions as [ReleaseFunctionFixture, ReleaseFunctionFixture, ReleaseFunctionFixture];
    const dir = await writeReleaseConfig({
      functions: [a, { ...b, zip: "dist/missing.zip" }, { ...c, alarms: ["no-such-alarm"] }],
      prefix,
      waves: WAVES,
    });
    const run = await runCli(moto, args(dir), dir);
    expect(run.code, run.stderr).toBe(2);
    const reason = String(run.events.at(-1)?.reason);
    expect(reason).toContain("environments.production.functions[1]");
    expect(reason).toContain("no-such-alarm");
    // The missing package is fixed in the configuration: the hint names its key, not --zip.
    expect(String(run.events.at(-1)?.hint)).toContain("environments.production.functions[1].zip");
    expect(String(run.events.at(-1)?.hint)).not.toContain("--zip");
    expect(await everyAlias(functions)).toEqual(["1", "1", "1"]);
    for (const fn of functions) expect(await versionsOf(moto, fn)).toEqual(["1"]);
    expect(await objectsUnder(moto, EU, prefix)).toBe(0);
    expect(await objectsUnder(moto, US, prefix)).toBe(0);
  }, 60_000);

  test("--function or --zip with a release environment is refused (exit 2)", async () => {
    const { functions, prefix } = await release3("flags");
    const dir = await writeReleaseConfig({ functions, prefix });
    const run = await runCli(moto, args(dir, "deploy", "--function", "x", "--zip", "x.zip"), dir);
    expect(run.code).toBe(2);
    expect(String(run.events.at(-1)?.reason)).toContain("--function, --zip cannot be used");
    expect(await everyAlias(functions)).toEqual(["1", "1", "1"]);
  }, 60_000);
});
