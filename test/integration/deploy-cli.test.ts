import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { GetFunctionConfigurationCommand, UpdateFunctionConfigurationCommand } from "@aws-sdk/client-lambda";
import { ListObjectsV2Command } from "@aws-sdk/client-s3";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { sha256 } from "../../src/artifact/hash.js";
import {
  aliasOf,
  clients,
  codeShaOf,
  createTarget,
  packageBytes,
  runCli,
  setAlarm,
  startCli,
} from "../support/lambda-fixtures.js";
import { type Moto, queueInvokeResults, startMoto } from "../support/moto.js";
import { commandLines } from "../support/runner-commands.js";

let moto: Moto;
const sha256Base64 = (bytes: Uint8Array) => sha256(bytes).base64;
let counter = 0;
const uniqueName = (label: string) => `${label}-${++counter}`;

beforeAll(async () => {
  // Behind the guards proxy: RevisionId and CodeSha256 enforced as Lambda does; every request recorded.
  moto = await startMoto({}, { guards: true });
});
afterAll(async () => {
  await moto?.stop();
});

const deployArgs = (target: { name: string; bucket: string }, zip: string, ...extra: string[]) => [
  "deploy",
  "--function",
  target.name,
  "--alias",
  "live",
  "--zip",
  zip,
  "--bucket",
  target.bucket,
  "--json",
  ...extra,
];

describe("deploy against moto, through the real binary", () => {
  test("first release from $LATEST: a baseline is published first, then the canary runs as asked", async () => {
    const target = await createTarget(moto, uniqueName("first"), { aliasOn: "$LATEST" });
    const run = await runCli(moto, deployArgs(target, target.v2, "--steps", "10%:1s", "--interval", "500ms"));
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toContain("published as a baseline version");
    expect(run.events.filter((e) => e.type === "shift").map((e) => e.weight)).toEqual([10, 100]);
    expect(run.events.at(-1)).toMatchObject({
      type: "result",
      outcome: "promoted",
      fromVersion: "1",
      toVersion: "2",
    });
    expect(await aliasOf(moto, target.name)).toEqual({ version: "2", weights: {} });
    expect(await codeShaOf(moto, target.name, "1")).toBe(sha256Base64(packageBytes("v1")));
  });

  test("first release from $LATEST with a failing smoke check: the old code serves, not the new", async () => {
    const target = await createTarget(moto, uniqueName("first-bad"), { aliasOn: "$LATEST" });
    await queueInvokeResults(moto, [JSON.stringify({ statusCode: 500, body: "boom" })]);
    const run = await runCli(moto, deployArgs(target, target.v2, "--smoke-payload", "{}"));
    expect(run.code, run.stderr).toBe(1);
    expect(run.events.at(-1)).toMatchObject({ outcome: "rolled_back", fromVersion: "1", toVersion: "2" });
    expect(await aliasOf(moto, target.name)).toEqual({ version: "1", weights: {} });
    expect(await codeShaOf(moto, target.name, "1")).toBe(sha256Base64(packageBytes("v1")));
  });

  test("a configuration change in $LATEST alone (same package) is published and rolled out, not a noop", async () => {
    const target = await createTarget(moto, uniqueName("config"));
    const first = await runCli(moto, deployArgs(target, target.v2));
    expect(first.code, first.stderr).toBe(0);
    await clients(moto).lambda.send(
      new UpdateFunctionConfigurationCommand({
        FunctionName: target.name,
        Environment: { Variables: { TABLE: "names-v2" } },
        MemorySize: 256,
      }),
    );
    const again = await runCli(moto, deployArgs(target, target.v2));
    expect(again.code, again.stderr).toBe(0);
    expect(again.stderr).toContain("changes: configuration: Environment, MemorySize");
    expect(again.events.at(-1)).toMatchObject({ outcome: "promoted", fromVersion: "2", toVersion: "3" });
    const live = await clients(moto).lambda.send(
      new GetFunctionConfigurationCommand({ FunctionName: target.name, Qualifier: "live" }),
    );
    expect(live).toMatchObject({
      Version: "3",
      MemorySize: 256,
      Environment: { Variables: { TABLE: "names-v2" } },
    });
    // And once live has it, the same package with the same settings is a noop again.
    const third = await runCli(moto, deployArgs(target, target.v2));
    expect(third.events.at(-1)).toMatchObject({ outcome: "noop", toVersion: "3" });
  });

  test('a canary with --steps "10%:2s,50%:2s" is promoted with no routing left', async () => {
    const target = await createTarget(moto, uniqueName("canary"));
    const run = await runCli(
      moto,
      deployArgs(target, target.v2, "--steps", "10%:2s,50%:2s", "--alarm", target.alarm, "--interval", "1s"),
    );
    expect(run.code, run.stderr).toBe(0);
    const shifts = run.events.filter((e) => e.type === "shift").map((e) => e.weight);
    expect(shifts).toEqual([10, 50, 100]);
    expect(run.events.at(-1)).toMatchObject({
      type: "result",
      outcome: "promoted",
      fromVersion: "1",
      toVersion: "2",
    });
    expect(await aliasOf(moto, target.name)).toEqual({ version: "2", weights: {} });
    expect(run.events.some((e) => e.type === "artifact" && e.uploaded === true)).toBe(true);

    // After a finished roll-out, rollback has nothing to resolve but says how to return to v1.
    const rollback = await runCli(moto, ["rollback", "--function", target.name, "--json"]);
    expect(rollback.code, rollback.stderr).toBe(0);
    expect(rollback.events.at(-1)).toMatchObject({
      outcome: "noop",
      hint: `v2 replaced v1. To go back to it, with the same gates: lambda-rollout deploy --function ${target.name} --alias live --version 1`,
    });
  });

  test("the same package again is a noop: nothing published, nothing uploaded", async () => {
    const target = await createTarget(moto, uniqueName("noop"));
    const first = await runCli(moto, deployArgs(target, target.v2));
    expect(first.code, first.stderr).toBe(0);
    const again = await runCli(moto, deployArgs(target, target.v2));
    expect(again.code, again.stderr).toBe(0);
    expect(again.events.at(-1)).toMatchObject({ outcome: "noop", toVersion: "2" });
    expect(again.events.some((e) => e.type === "published" || e.type === "artifact")).toBe(false);
  });

  test("an alarm in ALARM during the bake rolls back: exit 1, 100% old, no routing", async () => {
    const target = await createTarget(moto, uniqueName("alarm"));
    const cli = startCli(
      moto,
      deployArgs(target, target.v2, "--steps", "10%:30s", "--alarm", target.alarm, "--interval", "1s"),
    );
    await cli.waitFor((e) => e.type === "shift" && e.weight === 10);
    await setAlarm(moto, target.alarm, "ALARM");
    const run = await cli.done;
    expect(run.code, run.stderr).toBe(1);
    expect(run.events.at(-1)).toMatchObject({ outcome: "rolled_back", fromVersion: "1", toVersion: "2" });
    expect(String(run.events.at(-1)?.reason)).toContain(target.alarm);
    expect(await aliasOf(moto, target.name)).toEqual({ version: "1", weights: {} });
  });

  test("a failing smoke invocation rolls back before any traffic moves", async () => {
    const target = await createTarget(moto, uniqueName("smoke"));
    await queueInvokeResults(moto, [JSON.stringify({ statusCode: 500, body: "boom" })]);
    const run = await runCli(
      moto,
      deployArgs(
        target,
        target.v2,
        "--steps",
        "10%:30s",
        "--smoke-payload",
        '{"httpMethod":"GET","queryStringParameters":{"name":"John Doe"}}',
      ),
    );
    expect(run.code, run.stderr).toBe(1);
    expect(run.events.some((e) => e.type === "shift")).toBe(false);
    expect(String(run.events.at(-1)?.reason)).toContain("statusCode 500");
    expect(await aliasOf(moto, target.name)).toEqual({ version: "1", weights: {} });
  });

  test("hook commands: a pre-traffic check passes, a failing post-traffic check rolls back from 100%", async () => {
    const target = await createTarget(moto, uniqueName("hooks"));
    const run = await runCli(
      moto,
      deployArgs(
        target,
        target.v2,
        ...["--steps", "50%:1s", "--interval", "1s"],
        ...[
          "--pre-traffic-hook",
          'test "$LAMBDA_ROLLOUT_NEW_VERSION" = 2 && test "$LAMBDA_ROLLOUT_WEIGHT" = 0',
        ],
        ...["--post-traffic-hook", "echo checkout journey failed >&2; exit 1"],
      ),
    );
    expect(run.code, run.stderr).toBe(1);
    expect(run.events.filter((e) => e.type === "shift").map((e) => e.weight)).toEqual([50, 100]);
    expect(String(run.events.at(-1)?.reason)).toContain("(post-traffic): exit 1: checkout journey failed");
    expect(await aliasOf(moto, target.name)).toEqual({ version: "1", weights: {} });
  });

  test("SIGTERM during a bake rolls back and exits 1", async () => {
    const target = await createTarget(moto, uniqueName("sigterm"));
    const cli = startCli(moto, deployArgs(target, target.v2, "--steps", "25%:60s", "--interval", "1s"));
    await cli.waitFor((e) => e.type === "shift" && e.weight === 25);
    expect(await aliasOf(moto, target.name)).toEqual({ version: "1", weights: { "2": 0.25 } });
    cli.child.kill("SIGTERM");
    const run = await cli.done;
    expect(run.code, run.stderr).toBe(1);
    expect(run.events.at(-1)).toMatchObject({ outcome: "rolled_back" });
    expect(String(run.events.at(-1)?.reason)).toContain("SIGTERM");
    expect(await aliasOf(moto, target.name)).toEqual({ version: "1", weights: {} });
  });

  test("stdout closed by its reader (`deploy --json | head -1`): the roll-out still ends promoted", async () => {
    const target = await createTarget(moto, uniqueName("epipe"));
    const cli = startCli(moto, deployArgs(target, target.v2, "--steps", "10%:2s", "--interval", "500ms"));
    await cli.waitFor((e) => e.type === "shift" && e.weight === 10);
    cli.child.stdout?.destroy();
    const run = await cli.done;
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toContain("result: promoted");
    expect(run.stderr).not.toMatch(/^\s+at /m);
    expect(await aliasOf(moto, target.name)).toEqual({ version: "2", weights: {} });
  });

  test("SIGHUP (the SSH session closed) mid-bake: the roll-out carries on to its end", async () => {
    const target = await createTarget(moto, uniqueName("sighup"));
    const cli = startCli(moto, deployArgs(target, target.v2, "--steps", "10%:2s", "--interval", "500ms"));
    await cli.waitFor((e) => e.type === "shift" && e.weight === 10);
    cli.child.kill("SIGHUP");
    const run = await cli.done;
    expect(run.code, run.stderr).toBe(0);
    expect(run.events.at(-1)).toMatchObject({ outcome: "promoted", toVersion: "2" });
    expect(await aliasOf(moto, target.name)).toEqual({ version: "2", weights: {} });
  });

  test("an uncaught exception mid-bake stops the roll-out and waits for the rollback", async () => {
    const target = await createTarget(moto, uniqueName("crash"));
    const bug = join(target.dir, "bug.mjs");
    // Its message is outside text too: in a GitHub Actions job it must not become a workflow command.
    await writeFile(
      bug,
      'setTimeout(() => { throw new Error("injected bug\\n\\u0085::add-mask::crash"); }, 1500);\n',
    );
    const run = await runCli(
      moto,
      deployArgs(target, target.v2, "--steps", "10%:30s", "--interval", "500ms"),
      undefined,
      { NODE_OPTIONS: `--import=${bug}`, GITHUB_ACTIONS: "true" },
    );
    expect(run.code, run.stderr).toBe(1);
    expect(run.stderr).toContain("unexpected failure, rolling back: injected bug");
    expect(commandLines(run.stderr)).toEqual([]);
    expect(run.stderr).not.toMatch(/^\s+at /m);
    expect(run.events.at(-1)).toMatchObject({ outcome: "rolled_back", exitCode: 1 });
    expect(await aliasOf(moto, target.name)).toEqual({ version: "1", weights: {} });
  });

  test("SIGKILL during a bake: status reports the split, rollback resolves it", async () => {
    const target = await createTarget(moto, uniqueName("sigkill"));
    const cli = startCli(moto, deployArgs(target, target.v2, "--steps", "10%:60s", "--interval", "1s"));
    await cli.waitFor((e) => e.type === "shift" && e.weight === 10);
    cli.child.kill("SIGKILL");
    await cli.done;
    const status = await runCli(moto, ["status", "--function", target.name, "--alias", "live", "--json"]);
    expect(status.code, status.stderr).toBe(0);
    expect(JSON.parse(status.stdout)).toMatchObject({
      inProgress: true,
      fromVersion: "1",
      toVersion: "2",
      weight: 10,
      weights: { "1": 90, "2": 10 },
      // Read from the alias description the deploy wrote with the routing: no local state.
      progress: { step: 1, steps: 2, weight: 10, toVersion: "2", fromVersion: "1" },
    });
    const human = await runCli(moto, ["status", "--function", target.name]);
    expect(human.stdout).toContain("mid-roll-out");
    expect(human.stdout).toContain("(step 1 of 2, at this weight since ");
    const rollback = await runCli(moto, ["rollback", "--function", target.name, "--alias", "live", "--json"]);
    expect(rollback.code, rollback.stderr).toBe(0);
    expect(rollback.events.at(-1)).toMatchObject({
      outcome: "rolled_back",
      fromVersion: "1",
      toVersion: "2",
    });
    expect(await aliasOf(moto, target.name)).toEqual({ version: "1", weights: {} });
    const after = await runCli(moto, ["status", "--function", target.name, "--json"]);
    expect(JSON.parse(after.stdout)).toMatchObject({
      inProgress: false,
      version: "1",
      weights: { "1": 100 },
    });
  });

  test("promote finishes an interrupted roll-out", async () => {
    const target = await createTarget(moto, uniqueName("promote"));
    const cli = startCli(moto, deployArgs(target, target.v2, "--steps", "10%:60s", "--interval", "1s"));
    await cli.waitFor((e) => e.type === "shift" && e.weight === 10);
    cli.child.kill("SIGKILL");
    await cli.done;
    const promote = await runCli(moto, ["promote", "--function", target.name, "--json"]);
    expect(promote.code, promote.stderr).toBe(0);
    expect(await aliasOf(moto, target.name)).toEqual({ version: "2", weights: {} });
  });

  test("a second deploy started while one bakes: exit 3, the first unharmed", async () => {
    const target = await createTarget(moto, uniqueName("race"));
    const first = startCli(moto, deployArgs(target, target.v2, "--steps", "10%:4s", "--interval", "1s"));
    await first.waitFor((e) => e.type === "shift" && e.weight === 10);
    const second = await runCli(moto, deployArgs(target, target.v3, "--steps", "10%:1s"));
    expect(second.code, second.stderr).toBe(3);
    expect(second.stderr).toContain("mid-roll-out");
    expect(second.events.some((e) => e.type === "published" || e.type === "artifact")).toBe(false);
    const run = await first.done;
    expect(run.code, run.stderr).toBe(0);
    expect(await aliasOf(moto, target.name)).toEqual({ version: "2", weights: {} });
  });
});

describe("requests: Lambda's own guards instead of reads before writes", () => {
  /** The Lambda operations one run made for `name`, sorted (validation reads run in parallel). */
  const lambdaRequests = async (name: string, args: string[]) => {
    const requests = moto.proxy?.requests ?? [];
    const from = requests.length;
    const run = await runCli(moto, args);
    expect(run.code, run.stderr).toBe(0);
    expect(run.events.at(-1)).toMatchObject({ outcome: "promoted" });
    return requests
      .slice(from)
      .filter((r) => r.service === "lambda" && r.functionName === name)
      .map((r) => r.operation)
      .sort();
  };

  test("a healthy all-at-once deploy: 6 Lambda requests, 5 once the ledger recorded what the live version is", async () => {
    const target = await createTarget(moto, uniqueName("floor"));
    // v1 was published by hand: what it is made of is read once (GetFunction of v1).
    expect(
      await lambdaRequests(target.name, deployArgs(target, target.v2, "--strategy", "AllAtOnce")),
    ).toEqual([
      "GetAlias",
      "GetFunction",
      "GetFunction",
      "PublishVersion",
      "UpdateAlias",
      "UpdateFunctionCode",
    ]);
    // v2's record says it: GetFunction($LATEST), GetAlias, UpdateFunctionCode, PublishVersion, UpdateAlias.
    expect(
      await lambdaRequests(target.name, deployArgs(target, target.v3, "--strategy", "AllAtOnce")),
    ).toEqual(["GetAlias", "GetFunction", "PublishVersion", "UpdateAlias", "UpdateFunctionCode"]);
    expect(await aliasOf(moto, target.name)).toEqual({ version: "3", weights: {} });
  });
});

describe("bad input found before the first write", () => {
  test("an artifact bucket that does not exist (the ledger elsewhere): exit 2, nothing changed, nothing recorded", async () => {
    const target = await createTarget(moto, uniqueName("no-bucket"));
    const requests = moto.proxy?.requests ?? [];
    const from = requests.length;
    const run = await runCli(moto, [
      ...deployArgs({ ...target, bucket: "no-such-artifacts" }, target.v2),
      ...["--ledger-bucket", target.bucket],
    ]);
    expect(run.code, run.stderr).toBe(2);
    expect(run.events.at(-1)).toMatchObject({
      outcome: "failed",
      reason: "S3 bucket no-such-artifacts does not exist.",
    });
    const writes = ["UpdateAlias", "PublishVersion", "UpdateFunctionCode", "PutObject"];
    expect(requests.slice(from).filter((r) => writes.includes(r.operation))).toEqual([]);
    expect(await aliasOf(moto, target.name)).toEqual({ version: "1", weights: {} });
    const ledger = await clients(moto).s3.send(new ListObjectsV2Command({ Bucket: target.bucket }));
    expect(ledger.KeyCount).toBe(0);
  });
});

describe("configuration and dry runs", () => {
  test("lambda-rollout.yml: the branch picks the environment; other branches deploy nothing", async () => {
    const target = await createTarget(moto, uniqueName("config"));
    await writeFile(
      join(target.dir, "lambda-rollout.yml"),
      [
        "version: 1",
        `defaults: { artifact: { bucket: ${target.bucket}, prefix: builds }, interval: 1s }`,
        "environments:",
        `  production: { function: ${target.name}, steps: "20%:1s", alarms: [${target.alarm}], branches: [main] }`,
        "  staging: { function: some-other-function, branches: [develop] }",
      ].join("\n"),
    );
    const feature = await runCli(moto, ["deploy", "--zip", target.v2, "--json"], target.dir, {
      GITHUB_REF_NAME: "feature/x",
    });
    expect(feature.code, feature.stderr).toBe(0);
    expect(feature.events.at(-1)).toMatchObject({ outcome: "noop" });
    expect(String(feature.events.at(-1)?.reason)).toContain('Branch "feature/x" deploys to no environment');
    expect(await aliasOf(moto, target.name)).toEqual({ version: "1", weights: {} });

    const main = await runCli(moto, ["deploy", "--zip", target.v2, "--json"], target.dir, {
      GITHUB_REF_NAME: "main",
    });
    expect(main.code, main.stderr).toBe(0);
    expect(main.stderr).toContain('branch "main" matches pattern "main" of environment "production"');
    expect(main.events.filter((e) => e.type === "shift").map((e) => e.weight)).toEqual([20, 100]);
    expect(main.events.find((e) => e.type === "artifact")).toMatchObject({
      key: expect.stringMatching(/^builds\/config-\d+\/[0-9a-f]{64}\.zip$/),
    });
    expect(await aliasOf(moto, target.name)).toEqual({ version: "2", weights: {} });

    // status, rollback and promote take the same environment, by --env or by branch
    const status = await runCli(moto, ["status", "--env", "production", "--json", "--debug"], target.dir);
    expect(status.code, status.stderr).toBe(0);
    expect(JSON.parse(status.stdout)).toMatchObject({ function: target.name, alias: "live", version: "2" });
    const byBranch = await runCli(moto, ["rollback"], target.dir, { GITHUB_REF_NAME: "main" });
    expect(byBranch.code, byBranch.stderr).toBe(0);
    expect(byBranch.stderr).toContain("nothing to roll back");
    const unmapped = await runCli(moto, ["status"], target.dir, { GITHUB_REF_NAME: "feature/x" });
    expect(unmapped.code).toBe(2);
    expect(unmapped.stderr).toContain("Pass --env NAME or --function NAME.");
  });

  test("--dry-run validates and prints the plan, and changes nothing", async () => {
    const target = await createTarget(moto, uniqueName("dry"));
    const run = await runCli(
      moto,
      deployArgs(target, target.v2, "--strategy", "Linear10PercentEvery1Minute", "--dry-run"),
    );
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toContain("Linear10PercentEvery1Minute: 10% for 1m → 20% for 1m");
    expect(run.events.at(-1)).toMatchObject({ outcome: "noop", reason: "dry run: nothing was changed" });
    expect(run.events.some((e) => e.type === "artifact" || e.type === "published")).toBe(false);
    expect(await aliasOf(moto, target.name)).toEqual({ version: "1", weights: {} });
  });

  test("status of an unknown function: exit 2 naming it", async () => {
    const run = await runCli(moto, ["status", "--function", "no-such-function"]);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain("no-such-function");
  });
});

describe("bad input: exit 2 and the alias exactly as before", () => {
  let target: Awaited<ReturnType<typeof createTarget>>;
  let notZip: string;
  beforeAll(async () => {
    target = await createTarget(moto, uniqueName("bad"));
    notZip = join(target.dir, "not-a.zip");
    await writeFile(notZip, "this is text, not a zip");
  });

  test.each([
    ["missing zip", (t: typeof target) => deployArgs(t, join(t.dir, "missing.zip")), /Package not found/],
    ["a file that is not a zip", (t: typeof target) => deployArgs(t, notZip), /not a valid zip/],
    [
      "unknown function",
      (t: typeof target) => deployArgs({ ...t, name: "no-such-function" }, t.v2),
      /no-such-function/,
    ],
    [
      "unknown alias",
      (t: typeof target) => [
        "deploy",
        "--function",
        t.name,
        "--alias",
        "nope",
        "--zip",
        t.v2,
        "--bucket",
        t.bucket,
        "--json",
      ],
      /nope/,
    ],
    [
      "bad --steps",
      (t: typeof target) => deployArgs(t, t.v2, "--steps", "50%:1m,10%:1m"),
      /strictly increase/,
    ],
    ["bad duration", (t: typeof target) => deployArgs(t, t.v2, "--steps", "10%:5x"), /Invalid duration/],
    [
      "unknown preset",
      (t: typeof target) => deployArgs(t, t.v2, "--strategy", "Canary50Percent"),
      /Unknown strategy/,
    ],
    ["unknown alarm", (t: typeof target) => deployArgs(t, t.v2, "--alarm", "no-such-alarm"), /no-such-alarm/],
    ["bad interval", (t: typeof target) => deployArgs(t, t.v2, "--interval", "often"), /Invalid --interval/],
    ["unknown flag", (t: typeof target) => [...deployArgs(t, t.v2), "--canary"], /unknown option/],
  ])("%s", async (_label, args, message) => {
    const before = await aliasOf(moto, target.name);
    const run = await runCli(moto, args(target));
    expect(run.code, run.stderr).toBe(2);
    expect(run.stderr).toMatch(message);
    expect(run.stderr).not.toMatch(/\n\s+at .*\(.*:\d+:\d+\)/);
    expect(await aliasOf(moto, target.name)).toEqual(before);
  });
});
