/**
 * The roll-out ledger against moto (real S3 conditional writes: a second `If-None-Match: *` and a stale
 * `If-Match` answer 412), driven through the real binary, read back with a client of the test's own.
 */

import { createHash } from "node:crypto";
import { readFile } from "node:fs/promises";
import { CreateRoleCommand } from "@aws-sdk/client-iam";
import {
  GetAliasCommand,
  ListVersionsByFunctionCommand,
  PublishVersionCommand,
  UpdateAliasCommand,
  UpdateFunctionCodeCommand,
} from "@aws-sdk/client-lambda";
import { GetObjectCommand, ListObjectsV2Command, PutObjectCommand } from "@aws-sdk/client-s3";
import { CreateStateMachineCommand, DescribeExecutionCommand, SFNClient } from "@aws-sdk/client-sfn";
import { afterAll, beforeAll, beforeEach, describe, expect, test } from "vitest";
import { stateMachineJson } from "../../src/stepfunctions/definition.js";
import {
  aliasOf,
  clients,
  createTarget,
  deployOf,
  packageBytes,
  runCli,
  setAlarm,
  startCli,
} from "../support/lambda-fixtures.js";
import { type Moto, startMoto } from "../support/moto.js";
import {
  createReleaseFunction,
  type ReleaseFunctionFixture,
  regionClients,
  releaseAliasOf,
  writeReleaseConfig,
} from "../support/release-fixtures.js";

let moto: Moto;
let counter = 0;
const uniqueName = (label: string) => `${label}-${++counter}`;

beforeAll(async () => {
  // Behind the guards proxy: UpdateAlias's RevisionId is enforced as Lambda enforces it.
  moto = await startMoto({}, { guards: true });
});
afterAll(async () => {
  await moto?.stop();
});

async function objectText(bucket: string, key: string): Promise<string | undefined> {
  try {
    const reply = await clients(moto).s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
    return await reply.Body?.transformToString();
  } catch {
    return undefined;
  }
}

async function keysUnder(bucket: string, prefix: string): Promise<string[]> {
  const reply = await clients(moto).s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix }));
  return (reply.Contents ?? []).map((item) => item.Key as string);
}

const headKeyOf = (name: string) => `rollouts/aliases/123456789012/us-east-1/${name}/live.json`;

/** True once a roll-out holds the alias's lock and its record is written. */
async function lockedWithRecord(bucket: string, name: string): Promise<boolean> {
  const head = JSON.parse((await objectText(bucket, headKeyOf(name))) ?? "{}");
  return Boolean(head.holder) && (await objectText(bucket, `rollouts/${head.holder.record}`)) !== undefined;
}

describe("deploy keeps a record and holds the alias's lock", () => {
  test("a promoted deploy leaves its record (shifts, outcome, actor) and frees the lock", async () => {
    const target = await createTarget(moto, uniqueName("ledger-ok"));
    const run = await runCli(
      moto,
      [...deployOf(target), "--steps", "50%:1s", "--interval", "500ms", "--json"],
      undefined,
      {
        GITHUB_ACTIONS: "true",
        GITHUB_ACTOR: "octocat",
        GITHUB_REPOSITORY: "octo/shop",
        GITHUB_RUN_ID: "42",
        GITHUB_SHA: "abc123",
      },
    );
    expect(run.code, run.stderr).toBe(0);
    const result = run.events.at(-1) as { outcome: string; ledger: { id: string; record: string } };
    expect(result.outcome).toBe("promoted");
    const id = result.ledger.id;
    const recordKey = `rollouts/records/123456789012/us-east-1/${target.name}/${id}.json`;
    expect(result.ledger.record).toBe(`s3://${target.bucket}/${recordKey}`);
    const record = JSON.parse((await objectText(target.bucket, recordKey)) ?? "{}");
    expect(record.outcome).toMatchObject({ outcome: "promoted", exitCode: 0 });
    expect(record.actor).toMatchObject({
      name: "octocat",
      repository: "octo/shop",
      runUrl: "https://github.com/octo/shop/actions/runs/42",
      commit: "abc123",
    });
    expect(record.targets).toEqual([
      expect.objectContaining({
        function: target.name,
        alias: "live",
        stableVersion: "1",
        newVersion: "2",
        state: "promoted",
      }),
    ]);
    const shifts = record.timeline.filter((entry: { type: string }) => entry.type === "shift");
    expect(shifts.map((entry: { weight: number }) => entry.weight)).toEqual([50, 100]);
    const head = JSON.parse((await objectText(target.bucket, headKeyOf(target.name))) ?? "{}");
    expect(head.holder).toBeNull();
    expect(head.recent.map((entry: { id: string }) => entry.id)).toEqual([id]);
  });

  test("a second deploy of the same alias, from another process, is exit 3 before it publishes anything", async () => {
    const target = await createTarget(moto, uniqueName("ledger-lock"));
    // The first one holds the alias through a pre-traffic hook that takes a few seconds.
    const first = startCli(moto, [
      ...deployOf(target),
      "--steps",
      "50%:1s",
      "--interval",
      "500ms",
      "--pre-traffic-hook",
      "sleep 3",
      "--json",
    ]);
    await first.waitFor((event) => event.type === "published");
    const second = await runCli(moto, [
      "deploy",
      "--function",
      target.name,
      "--zip",
      target.v3,
      "--bucket",
      target.bucket,
      "--strategy",
      "AllAtOnce",
      "--json",
    ]);
    expect(second.code, second.stderr).toBe(3);
    const result = second.events.at(-1) as { reason: string; hint: string };
    expect(result.reason).toMatch(/is locked by roll-out r-[0-9a-z]+-[0-9a-z]+, started by .* since/);
    expect(result.hint).toContain("lambda-rollout unlock");
    // Nothing of the second: its package was never uploaded, and no v3 exists.
    const packages = await keysUnder(target.bucket, "");
    expect(packages.filter((key) => key.endsWith(".zip"))).toHaveLength(1);
    const done = await first.done;
    expect(done.code, done.stderr).toBe(0);
    expect(await aliasOf(moto, target.name)).toEqual({ version: "2", weights: {} });
    // The lock is free again: a third deploy goes through.
    const third = await runCli(moto, [
      "deploy",
      "--function",
      target.name,
      "--zip",
      target.v3,
      "--bucket",
      target.bucket,
      "--strategy",
      "AllAtOnce",
      "--json",
    ]);
    expect(third.code, third.stderr).toBe(0);
    expect(await aliasOf(moto, target.name)).toEqual({ version: "3", weights: {} });
  });

  test("a ledger object that is not ours at the head key is exit 2 with nothing changed", async () => {
    const target = await createTarget(moto, uniqueName("ledger-foreign"));
    await clients(moto).s3.send(
      new PutObjectCommand({ Bucket: target.bucket, Key: headKeyOf(target.name), Body: "not json" }),
    );
    const run = await runCli(moto, [...deployOf(target), "--strategy", "AllAtOnce", "--json"]);
    expect(run.code).toBe(2);
    expect(await aliasOf(moto, target.name)).toEqual({ version: "1", weights: {} });
  });

  test("a missing ledger bucket is exit 2 before any change", async () => {
    const target = await createTarget(moto, uniqueName("ledger-nobucket"));
    const run = await runCli(moto, [
      ...deployOf(target),
      "--ledger-bucket",
      "no-such-ledger",
      "--strategy",
      "AllAtOnce",
      "--json",
    ]);
    expect(run.code, run.stderr).toBe(2);
    expect((run.events.at(-1) as { reason: string }).reason).toContain(
      "The ledger bucket no-such-ledger does not exist",
    );
    expect(await aliasOf(moto, target.name)).toEqual({ version: "1", weights: {} });
    expect((await keysUnder(target.bucket, "")).filter((key) => key.endsWith(".zip"))).toEqual([]);
  });
});

/** A target whose v2 and v3 are published (packages v2, v3) while the alias serves v1. */
async function targetWithVersions(label: string, count = 3) {
  const target = await createTarget(moto, uniqueName(label));
  const { lambda } = clients(moto);
  for (let n = 2; n <= count; n++) {
    await lambda.send(
      new UpdateFunctionCodeCommand({ FunctionName: target.name, ZipFile: packageBytes(`v${n}`) }),
    );
    await lambda.send(new PublishVersionCommand({ FunctionName: target.name }));
  }
  return target;
}

async function versionsOf(name: string): Promise<string[]> {
  const listed = await clients(moto).lambda.send(new ListVersionsByFunctionCommand({ FunctionName: name }));
  return (listed.Versions ?? []).map((v) => v.Version as string).filter((v) => v !== "$LATEST");
}

describe("what the ledger fixes", () => {
  test("prune during a `--version N` pre-traffic phase keeps N (the record names it)", async () => {
    const target = await targetWithVersions("ledger-prune-pre");
    const ledger = ["--ledger-bucket", target.bucket];
    const deploy = startCli(moto, [
      "deploy",
      "--function",
      target.name,
      "--version",
      "2",
      "--strategy",
      "AllAtOnce",
      "--pre-traffic-hook",
      "sleep 3",
      "--json",
      ...ledger,
    ]);
    await deploy.waitFor((event) => event.type === "plan");
    // Wait until the lock is held and the record written (both before the hook runs).
    await until(() => lockedWithRecord(target.bucket, target.name));
    const prune = await runCli(moto, [
      "prune",
      "--function",
      target.name,
      "--keep",
      "1",
      "--json",
      ...ledger,
    ]);
    expect(prune.code, prune.stderr).toBe(0);
    const report = JSON.parse(prune.stdout) as {
      deleted: { version: string }[];
      protected: { version: string; reasons: string[] }[];
    };
    expect(report.deleted).toEqual([]);
    expect(report.protected.find((p) => p.version === "2")?.reasons.join(" ")).toMatch(
      /rollout r-\S+ on alias live is unfinished \(ledger\)/,
    );
    const done = await deploy.done;
    expect(done.code, done.stderr).toBe(0);
    expect(await aliasOf(moto, target.name)).toEqual({ version: "2", weights: {} });
    expect(await versionsOf(target.name)).toEqual(["1", "2", "3"]);
  });

  test("after `deploy --version N`, the rollback hint names the version N replaced", async () => {
    const target = await createTarget(moto, uniqueName("ledger-hint"));
    const base = ["--function", target.name, "--bucket", target.bucket, "--strategy", "AllAtOnce", "--json"];
    expect((await runCli(moto, ["deploy", "--zip", target.v2, ...base])).code).toBe(0);
    expect((await runCli(moto, ["deploy", "--zip", target.v3, ...base])).code).toBe(0);
    // Back to v2 by version: v2's own description still says it replaced v1.
    const back = await runCli(moto, ["deploy", "--version", "2", ...base]);
    expect(back.code, back.stderr).toBe(0);
    const hint = await runCli(moto, [
      "rollback",
      "--function",
      target.name,
      "--ledger-bucket",
      target.bucket,
      "--json",
    ]);
    const result = hint.events.at(-1) as { outcome: string; hint: string };
    expect(result.outcome).toBe("noop");
    expect(result.hint).toContain("v2 replaced v3");
    expect(result.hint).toContain("--version 3");
  });

  test("with a ledger, a description edited to claim the new package is live cannot turn a deploy into a noop", async () => {
    const target = await createTarget(moto, uniqueName("ledger-forged"));
    const base = ["--function", target.name, "--bucket", target.bucket, "--strategy", "AllAtOnce", "--json"];
    expect((await runCli(moto, ["deploy", "--zip", target.v2, ...base])).code).toBe(0);
    const { lambda } = clients(moto);
    const live = await lambda.send(new GetAliasCommand({ FunctionName: target.name, Name: "live" }));
    const v3Sha = createHash("sha256")
      .update(await readFile(target.v3))
      .digest("base64");
    const forged = (live.Description ?? "").replace(/code=[A-Za-z0-9+/=]{44}/, `code=${v3Sha}`);
    expect(forged).toContain(v3Sha);
    await lambda.send(
      new UpdateAliasCommand({ FunctionName: target.name, Name: "live", Description: forged }),
    );
    const run = await runCli(moto, ["deploy", "--zip", target.v3, ...base]);
    expect(run.code, run.stderr).toBe(0);
    expect(run.events.at(-1)).toMatchObject({ outcome: "promoted", toVersion: "3" });
    expect(await aliasOf(moto, target.name)).toEqual({ version: "3", weights: {} });
  });

  test("rollback and promote settle a split whose description names an execution that no longer exists", async () => {
    const target = await targetWithVersions("ledger-vanished", 2);
    const gone = "arn:aws:states:us-east-1:123456789012:execution:lambda-rollout-gone:r-0000-dead";
    for (const verb of ["rollback", "promote"] as const) {
      await clients(moto).lambda.send(
        new UpdateAliasCommand({
          FunctionName: target.name,
          Name: "live",
          FunctionVersion: "1",
          RoutingConfig: { AdditionalVersionWeights: { "2": 0.5 } },
          Description: `lambda-rollout: step 1/2, 50% to v2 from v1 since 2026-01-01T00:00:00Z [execution=${gone}]`,
        }),
      );
      const run = await runCli(moto, [verb, "--function", target.name, "--json"]);
      expect(run.code, run.stderr).toBe(0);
      expect(await aliasOf(moto, target.name)).toEqual({
        version: verb === "rollback" ? "1" : "2",
        weights: {},
      });
      if (verb === "promote") break;
    }
  });

  test("history lists five roll-outs newest first, with their outcomes and actors", async () => {
    const target = await targetWithVersions("ledger-history", 3);
    const ledger = ["--ledger-bucket", target.bucket];
    const as = (name: string) => ({ USER: name, GITHUB_ACTIONS: undefined });
    const ci = {
      GITHUB_ACTIONS: "true",
      GITHUB_ACTOR: "octocat",
      GITHUB_REPOSITORY: "octo/shop",
      GITHUB_RUN_ID: "7",
    };
    const deploy = (...extra: string[]) => [
      "deploy",
      "--function",
      target.name,
      "--json",
      ...ledger,
      ...extra,
    ];
    // 1. promoted (v1 → v2), from CI
    expect(
      (await runCli(moto, deploy("--version", "2", "--strategy", "AllAtOnce"), undefined, ci)).code,
    ).toBe(0);
    // 2. rolled back by an alarm that fires mid-bake (v2 → v3)
    const alarmed = startCli(
      moto,
      deploy("--version", "3", "--steps", "50%:20s", "--interval", "500ms", "--alarm", target.alarm),
      undefined,
      as("alice"),
    );
    await alarmed.waitFor((event) => event.type === "bake");
    await setAlarm(moto, target.alarm, "ALARM");
    const alarmedDone = await alarmed.done;
    await setAlarm(moto, target.alarm, "OK");
    expect(alarmedDone.code, alarmedDone.stderr).toBe(1);
    // 3. failed: someone else moves the alias while a pre-traffic hook runs (exit 3)
    const foreign = `aws --endpoint-url ${moto.endpoint} --region us-east-1 lambda update-alias --function-name ${target.name} --name live --function-version 1 > /dev/null`;
    const failed = await runCli(
      moto,
      deploy("--version", "3", "--steps", "50%:1s", "--pre-traffic-hook", foreign),
      undefined,
      as("bob"),
    );
    expect(failed.code, failed.stderr).toBe(3);
    // 4. an operator's rollback mid-bake (v1 → v3)
    const running = startCli(
      moto,
      deploy("--version", "3", "--steps", "50%:20s", "--interval", "500ms"),
      undefined,
      as("carol"),
    );
    await running.waitFor((event) => event.type === "bake");
    expect(
      (
        await runCli(
          moto,
          ["rollback", "--function", target.name, "--json", ...ledger],
          undefined,
          as("dave"),
        )
      ).code,
    ).toBe(0);
    expect((await running.done).code).toBe(1);
    // 5. a noop: v1 is live already
    expect((await runCli(moto, deploy("--version", "1"), undefined, as("erin"))).code).toBe(0);

    const history = await runCli(moto, ["history", "--function", target.name, "--json", ...ledger]);
    expect(history.code, history.stderr).toBe(0);
    const rollouts = (
      JSON.parse(history.stdout) as {
        rollouts: { actor: { name: string }; outcome: { outcome: string } | null }[];
      }
    ).rollouts;
    expect(rollouts.map((r) => `${r.outcome?.outcome}:${r.actor.name}`)).toEqual([
      "noop:erin",
      "rolled_back:carol",
      "failed:bob",
      "rolled_back:alice",
      "promoted:octocat",
    ]);
    const table = await runCli(moto, ["history", "--function", target.name, ...ledger]);
    const lines = table.stdout.trim().split("\n");
    expect(lines[0]).toMatch(/^WHEN\s+ID\s+WHO\s+FROM→TO\s+PLAN\s+OUTCOME\s+DURATION\s+REASON$/);
    expect(lines).toHaveLength(6);
    expect(lines[5]).toContain("octocat (https://github.com/octo/shop/actions/runs/7)");
    expect(lines[5]).toContain("v1→v2");
    // One roll-out whole: the operator's rollback is in its timeline.
    const carol = (rollouts[1] as unknown as { id: string }).id;
    const one = await runCli(moto, ["history", carol, ...ledger]);
    expect(one.code, one.stderr).toBe(0);
    expect(one.stdout).toMatch(/operator rollback by dave@/);
    expect(one.stdout).toMatch(/outcome: rolled_back \(exit 1\)/);
  }, 60_000);

  test("unlock says what held the lock and frees it", async () => {
    const target = await targetWithVersions("ledger-unlock", 2);
    const ledger = ["--ledger-bucket", target.bucket];
    // Killed in its pre-traffic phase: the alias is whole, the lock held, its lease still running.
    const running = startCli(
      moto,
      [
        "deploy",
        "--function",
        target.name,
        "--version",
        "2",
        "--strategy",
        "AllAtOnce",
        "--pre-traffic-hook",
        "sleep 20",
        "--json",
        ...ledger,
      ],
      undefined,
      { USER: "frank" },
    );
    // Killed once its lock is taken and its record written (both come before the hook runs).
    await until(() => lockedWithRecord(target.bucket, target.name));
    running.child.kill("SIGKILL");
    await running.done;
    const refused = await runCli(moto, [
      "deploy",
      "--function",
      target.name,
      "--version",
      "2",
      "--strategy",
      "AllAtOnce",
      "--json",
      ...ledger,
    ]);
    expect(refused.code).toBe(3);
    expect((refused.events.at(-1) as { reason: string }).reason).toMatch(
      /is locked by roll-out r-\S+, started by frank@/,
    );
    const status = JSON.parse(
      (await runCli(moto, ["status", "--function", target.name, "--json", ...ledger])).stdout,
    );
    expect(status).toMatchObject({
      inProgress: true,
      ledger: { lock: { expired: false }, rollout: { stableVersion: "1", newVersion: "2" } },
    });
    const unlocked = await runCli(moto, ["unlock", "--function", target.name, "--json", ...ledger]);
    expect(unlocked.code, unlocked.stderr).toBe(0);
    expect(unlocked.events.at(-1)).toMatchObject({ outcome: "unlocked" });
    expect((unlocked.events.at(-1) as { reason: string }).reason).toMatch(
      /held by roll-out r-\S+ by frank@\S+ since /,
    );
    const again = await runCli(moto, ["unlock", "--function", target.name, "--json", ...ledger]);
    expect(again.events.at(-1)).toMatchObject({ outcome: "noop" });
    // Free again: the deploy goes through, and the killed one's record says it was abandoned.
    const retried = await runCli(moto, [
      "deploy",
      "--function",
      target.name,
      "--version",
      "2",
      "--strategy",
      "AllAtOnce",
      "--json",
      ...ledger,
    ]);
    expect(retried.code, retried.stderr).toBe(0);
    const history = JSON.parse(
      (await runCli(moto, ["history", "--function", target.name, "--json", ...ledger])).stdout,
    );
    expect(history.rollouts.map((r: { outcome: { outcome: string } }) => r.outcome.outcome)).toEqual([
      "promoted",
      "abandoned",
    ]);
  }, 60_000);
});

async function until(done: () => Promise<boolean | undefined>, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await done())) {
    if (Date.now() > deadline) throw new Error("condition not met in time");
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

describe("a release's record is the truth of what it moved", () => {
  const EU = "eu-west-1";
  const US = "us-east-1";
  const releaseArgs = (dir: string, command = "deploy") => [
    command,
    "--config",
    `${dir}/lambda-rollout.yml`,
    "--env",
    "production",
    "--json",
  ];

  test("killed in wave 2, a wave-1 description rewritten by hand: rollback still restores every function", async () => {
    const n = ++counter;
    const functions = [
      await createReleaseFunction(moto, `rel-a-${n}`, EU),
      await createReleaseFunction(moto, `rel-b-${n}`, EU),
      await createReleaseFunction(moto, `rel-a-${n}`, US),
    ];
    const dir = await writeReleaseConfig({
      functions,
      prefix: `rel-${n}`,
      waves: [{ regions: [EU] }, { regions: [US] }],
      steps: "50%:4s",
    });
    const run = startCli(moto, releaseArgs(dir), dir);
    await run.waitFor((e) => e.type === "shift" && e.region === US && e.weight === 50);
    run.child.kill("SIGKILL");
    await run.done;
    const versions = async () =>
      await Promise.all(functions.map(async (fn) => (await releaseAliasOf(moto, fn)).version));
    expect(await versions()).toEqual(["2", "2", "1"]);
    // A console edit (or a Terraform apply) replaces one wave-1 alias's description.
    const [first] = functions as [ReleaseFunctionFixture];
    await regionClients(moto, EU).lambda.send(
      new UpdateAliasCommand({ FunctionName: first.name, Name: "live", Description: "managed by terraform" }),
    );
    const status = JSON.parse((await runCli(moto, releaseArgs(dir, "status"), dir)).stdout) as {
      inProgress: boolean;
      release: string | null;
    };
    expect(status.inProgress).toBe(true);
    expect(status.release).toMatch(/^r-/);
    const rollback = await runCli(moto, releaseArgs(dir, "rollback"), dir);
    expect(rollback.code, rollback.stderr).toBe(0);
    expect(rollback.events.at(-1)).toMatchObject({ outcome: "rolled_back" });
    expect(await versions()).toEqual(["1", "1", "1"]);
    for (const fn of functions) expect((await releaseAliasOf(moto, fn)).weights).toEqual({});
    // The record says how it ended, and who ended it.
    const history = JSON.parse((await runCli(moto, [...releaseArgs(dir, "history")], dir)).stdout) as {
      rollouts: {
        id: string;
        kind: string;
        outcome: { outcome: string } | null;
        timeline: { type: string }[];
      }[];
    };
    const [newest] = history.rollouts;
    expect(newest).toMatchObject({ kind: "release", outcome: { outcome: "rolled_back" } });
    expect(newest?.timeline.some((entry) => entry.type === "operator")).toBe(true);
    const again = await runCli(moto, releaseArgs(dir, "rollback"), dir);
    expect(again.events.at(-1)).toMatchObject({ outcome: "noop" });
  }, 60_000);
});

describe("server-side roll-outs keep their record", () => {
  // An emulator of their own that runs state machines, reset before each test: moto runs one
  // Step Functions execution per backend, and a reset gives it a new one (see stepfunctions.test.ts).
  let sfnMoto: Moto;
  beforeAll(async () => {
    sfnMoto = await startMoto({}, { stepFunctions: true });
  });
  afterAll(async () => {
    await sfnMoto?.stop();
  });
  beforeEach(async () => {
    await sfnMoto.reset();
    await clients(sfnMoto).iam.send(
      new CreateRoleCommand({ RoleName: "lambda-exec", AssumeRolePolicyDocument: "{}" }),
    );
  });

  test("prune during the final bake of a state machine with a 40-character name keeps the stable version; the alarm then restores it", async () => {
    const target = await createTarget(sfnMoto, "ledger-sfn-final-bake");
    const name = "lambda-rollout-state-machine-for-orders1";
    expect(name).toHaveLength(40);
    const sfn = new SFNClient({
      endpoint: sfnMoto.endpoint,
      region: sfnMoto.region,
      credentials: sfnMoto.credentials,
    });
    const machine = await sfn.send(
      new CreateStateMachineCommand({
        name,
        definition: stateMachineJson(),
        roleArn: "arn:aws:iam::123456789012:role/lambda-rollout-state-machine",
      }),
    );
    // v2 published by someone else: no "(previous v1)" in its description to protect v1 by.
    await clients(sfnMoto).lambda.send(
      new UpdateFunctionCodeCommand({ FunctionName: target.name, ZipFile: packageBytes("v2") }),
    );
    await clients(sfnMoto).lambda.send(new PublishVersionCommand({ FunctionName: target.name }));
    const run = startCli(sfnMoto, [
      "deploy",
      "--function",
      target.name,
      "--version",
      "2",
      "--bucket",
      target.bucket,
      "--steps",
      "50%:1s",
      "--final-bake",
      "20s",
      "--interval",
      "1s",
      "--alarm",
      target.alarm,
      "--engine",
      "stepfunctions",
      "--state-machine",
      machine.stateMachineArn as string,
      "--json",
    ]);
    await run.waitFor((event) => event.type === "shift" && event.weight === 100, 45_000);
    const prune = await runCli(sfnMoto, [
      "prune",
      "--function",
      target.name,
      "--keep",
      "1",
      "--json",
      "--ledger-bucket",
      target.bucket,
    ]);
    expect(prune.code, prune.stderr).toBe(0);
    const report = JSON.parse(prune.stdout) as {
      deleted: unknown[];
      protected: { version: string; reasons: string[] }[];
    };
    expect(report.deleted).toEqual([]);
    expect(report.protected.map((p) => p.version)).toEqual(["1"]);
    await setAlarm(sfnMoto, target.alarm, "ALARM");
    const done = await run.done;
    expect(done.code, done.stderr).toBe(1);
    expect(await aliasOf(sfnMoto, target.name)).toEqual({ version: "1", weights: {} });
    const result = done.events.at(-1) as { ledger: { id: string; record: string }; executionArn: string };
    const record = JSON.parse(
      (await clients(sfnMoto)
        .s3.send(
          new GetObjectCommand({
            Bucket: target.bucket,
            Key: result.ledger.record.replace(`s3://${target.bucket}/`, ""),
          }),
        )
        .then((r) => r.Body?.transformToString())) ?? "{}",
    );
    expect(record).toMatchObject({
      engine: "stepfunctions",
      executionArn: result.executionArn,
      outcome: { outcome: "rolled_back", exitCode: 1 },
    });
  }, 90_000);

  test("detached: the lock is kept while the execution runs; once it ended, status writes its outcome and the next deploy goes on", async () => {
    const target = await createTarget(sfnMoto, "ledger-sfn-detached");
    const sfn = new SFNClient({
      endpoint: sfnMoto.endpoint,
      region: sfnMoto.region,
      credentials: sfnMoto.credentials,
    });
    const machine = await sfn.send(
      new CreateStateMachineCommand({
        name: "lambda-rollout-detached",
        definition: stateMachineJson(),
        roleArn: "arn:aws:iam::123456789012:role/lambda-rollout-state-machine",
      }),
    );
    const ledger = ["--ledger-bucket", target.bucket];
    const started = await runCli(sfnMoto, [
      ...deployOf(target),
      "--steps",
      "50%:2s",
      "--interval",
      "1s",
      "--engine",
      "stepfunctions",
      "--state-machine",
      machine.stateMachineArn as string,
      "--detach",
      "--json",
    ]);
    expect(started.code, started.stderr).toBe(0);
    expect(started.events.at(-1)).toMatchObject({ outcome: "started" });
    // While it runs, another deploy of the alias is refused by the lock.
    const refused = await runCli(sfnMoto, [
      "deploy",
      "--function",
      target.name,
      "--zip",
      target.v3,
      "--bucket",
      target.bucket,
      "--strategy",
      "AllAtOnce",
      "--json",
    ]);
    expect(refused.code).toBe(3);
    await until(async () => (await aliasOf(sfnMoto, target.name)).version === "2", 30_000);
    const arn = (started.events.at(-1) as { executionArn: string }).executionArn;
    await until(
      async () =>
        (await sfn.send(new DescribeExecutionCommand({ executionArn: arn }))).status === "SUCCEEDED",
      30_000,
    );
    const status = JSON.parse(
      (await runCli(sfnMoto, ["status", "--function", target.name, "--json", ...ledger])).stdout,
    );
    expect(status).toMatchObject({ inProgress: false, ledger: { lock: null } });
    const history = JSON.parse(
      (await runCli(sfnMoto, ["history", "--function", target.name, "--json", ...ledger])).stdout,
    );
    expect(history.rollouts[0]).toMatchObject({
      engine: "stepfunctions",
      executionArn: arn,
      outcome: { outcome: "promoted" },
    });
    const next = await runCli(sfnMoto, [
      "deploy",
      "--function",
      target.name,
      "--zip",
      target.v3,
      "--bucket",
      target.bucket,
      "--strategy",
      "AllAtOnce",
      "--json",
    ]);
    expect(next.code, next.stderr).toBe(0);
  }, 90_000);
});
