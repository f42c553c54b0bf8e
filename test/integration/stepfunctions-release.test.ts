/**
 * Releases run server-side against moto, which runs the release definition for real (its ASL
 * interpreter calls moto's own Lambda and CloudWatch). Through the real binary; every outcome is read
 * back with clients of the test's own. moto 5.2.1 runs one execution per process (see
 * stepfunctions.test.ts), so each test that starts one gets its own emulator (well under a second).
 */
import { PublishVersionCommand, UpdateAliasCommand, UpdateFunctionCodeCommand } from "@aws-sdk/client-lambda";
import { CreateBucketCommand, GetObjectCommand, ListObjectsV2Command } from "@aws-sdk/client-s3";
import {
  CreateStateMachineCommand,
  DescribeExecutionCommand,
  GetExecutionHistoryCommand,
  SFNClient,
  StartExecutionCommand,
} from "@aws-sdk/client-sfn";
import { describe, expect, onTestFinished, test } from "vitest";
import { buildPlan } from "../../src/plan/plan.js";
import { releaseStateMachineJson } from "../../src/stepfunctions/release-definition.js";
import { releaseExecutionEvents, releaseExecutionInput } from "../../src/stepfunctions/release-input.js";
import { packageBytes, runCli, startCli } from "../support/lambda-fixtures.js";
import { type Moto, startMoto } from "../support/moto.js";
import {
  bucketOf,
  createReleaseFunction,
  objectsUnder,
  type ReleaseFunctionFixture,
  regionClients,
  releaseAliasOf,
  setRegionAlarm,
  versionsOf,
  writeReleaseConfig,
} from "../support/release-fixtures.js";

const US = "us-east-1";
const EU = "eu-west-1";
let counter = 0;

async function emulator(stepFunctions = true): Promise<Moto> {
  const moto = await startMoto({}, { stepFunctions });
  onTestFinished(() => moto.stop());
  return moto;
}

/** Three functions in us-east-1 (an alarm each), their bucket, and the release state machine. */
async function setUp(label: string, regions: string[] = [US, US, US], stepFunctions = true, on?: Moto) {
  const moto = on ?? (await emulator(stepFunctions));
  const n = ++counter;
  for (const region of new Set(regions)) {
    // createReleaseFunction creates a region's bucket once per test process: each emulator needs its own.
    await regionClients(moto, region)
      .s3.send(
        new CreateBucketCommand({
          Bucket: bucketOf(region),
          ...(region === US
            ? {}
            : { CreateBucketConfiguration: { LocationConstraint: region as "eu-west-1" } }),
        }),
      )
      .catch(() => undefined);
  }
  const functions: ReleaseFunctionFixture[] = [];
  for (const [index, region] of regions.entries())
    functions.push(await createReleaseFunction(moto, `${label}-${"abc"[index]}-${n}`, region));
  const sfn = new SFNClient({ endpoint: moto.endpoint, region: US, credentials: moto.credentials });
  const created = await sfn.send(
    new CreateStateMachineCommand({
      name: `lambda-rollout-release-${n}`,
      definition: releaseStateMachineJson(),
      roleArn: "arn:aws:iam::123456789012:role/lambda-rollout-state-machine",
    }),
  );
  const execution = async (arn: string) =>
    await sfn.send(new DescribeExecutionCommand({ executionArn: arn }));
  const historyLength = async (arn: string) => {
    let count = 0;
    let nextToken: string | undefined;
    do {
      const page = await sfn.send(
        new GetExecutionHistoryCommand({ executionArn: arn, maxResults: 1000, nextToken }),
      );
      count += page.events?.length ?? 0;
      nextToken = page.nextToken;
    } while (nextToken);
    return count;
  };
  return {
    moto,
    functions,
    prefix: `${label}-${n}`,
    stateMachine: created.stateMachineArn as string,
    execution,
    historyLength,
  };
}

const args = (dir: string, stateMachine: string, command = "deploy", ...extra: string[]) => [
  command,
  "--config",
  `${dir}/lambda-rollout.yml`,
  "--env",
  "production",
  "--json",
  ...(command === "deploy" ? ["--engine", "stepfunctions", "--state-machine", stateMachine] : []),
  ...extra,
];

/** Every ledger object under the release's prefix, parsed. */
async function ledgerOf(moto: Moto, prefix: string) {
  const s3 = regionClients(moto, US).s3;
  const listed = await s3.send(
    new ListObjectsV2Command({ Bucket: bucketOf(US), Prefix: `${prefix}/rollouts/` }),
  );
  return await Promise.all(
    (listed.Contents ?? []).map(async (item) => {
      const reply = await s3.send(new GetObjectCommand({ Bucket: bucketOf(US), Key: item.Key }));
      return { key: item.Key as string, body: JSON.parse((await reply.Body?.transformToString()) ?? "{}") };
    }),
  );
}

async function aliases(moto: Moto, functions: ReleaseFunctionFixture[]) {
  return await Promise.all(
    functions.map(async (fn) => {
      const alias = await releaseAliasOf(moto, fn);
      return { version: alias.version, weights: alias.weights };
    }),
  );
}

describe("a release of three functions run in Step Functions", () => {
  test("healthy: every member shifts in lockstep, step by step, and is promoted (exit 0)", async () => {
    const target = await setUp("ok");
    const dir = await writeReleaseConfig({
      functions: target.functions,
      prefix: target.prefix,
      steps: "50%:1s",
      interval: "1s",
      // A smoke invocation per function (moto echoes the event: no statusCode, so it passes).
      extra: ["    smoke: [{ payload: { ping: true } }]"],
    });
    const run = await runCli(target.moto, args(dir, target.stateMachine), dir);
    expect(run.code, run.stderr).toBe(0);
    const result = run.events.at(-1) as Record<string, unknown> & {
      release: { functions: { state: string }[] };
    };
    expect(result).toMatchObject({ type: "result", outcome: "promoted", exitCode: 0 });
    expect(result.release.functions.map((fn) => fn.state)).toEqual(["promoted", "promoted", "promoted"]);
    expect(await aliases(target.moto, target.functions)).toEqual([
      { version: "2", weights: {} },
      { version: "2", weights: {} },
      { version: "2", weights: {} },
    ]);
    expect(
      run.events.find((e) => e.type === "gate" && (e.verdict as { gate: string }).gate === "smoke"),
    ).toMatchObject({
      verdict: { status: "pass", detail: "3 invocation(s) of the new versions passed" },
    });
    // Lockstep: all three at 50%, then all three at 100%.
    const shifts = run.events.filter((e) => e.type === "shift").map((e) => `${e.weight}`);
    expect(shifts).toEqual(["50", "50", "50", "100", "100", "100"]);
    const byStep = run.events.filter((e) => e.type === "shift").map((e) => e.function);
    expect(new Set(byStep.slice(0, 3))).toEqual(new Set(target.functions.map((fn) => fn.name)));
    // Each description carries the release, its wave and the execution (status/rollback read it).
    const described = await releaseAliasOf(target.moto, target.functions[0] as ReleaseFunctionFixture);
    expect(described.description).toMatch(/ release=\S+ wave=1\/1 from=v1 \[execution=arn:aws:states:/);
    // The history bound's constants (release-input.ts), measured against the emulator's history.
    expect(await target.historyLength(result.executionArn as string)).toBe(
      releaseExecutionEvents({
        plan: buildPlan({ steps: "50%:1s" }),
        pollSeconds: 1,
        waves: [{ bakeMs: 0, members: 3, alarms: 3, smoke: 3 }],
      }),
    );

    // The same release run by the local engine tells the same story, function by function.
    const local = await setUp("ok-local", [US, US, US], true, target.moto);
    const localDir = await writeReleaseConfig({
      functions: local.functions,
      prefix: local.prefix,
      steps: "50%:1s",
      interval: "1s",
      extra: ["    smoke: [{ payload: { ping: true } }]"],
    });
    const localArgs = args(localDir, local.stateMachine).filter(
      (arg) => !["--engine", "stepfunctions", "--state-machine", local.stateMachine].includes(arg),
    );
    const localRun = await runCli(target.moto, localArgs, localDir);
    expect(localRun.code, localRun.stderr).toBe(0);
    const story = (events: Record<string, unknown>[], names: string[]) =>
      names.map((name) =>
        events
          .filter((e) => e.function === name && ["shift", "rollback", "promoted"].includes(e.type as string))
          .map((e) => `${e.type}:${e.weight ?? ""}`),
      );
    const names = target.functions.map((fn) => fn.name);
    const localNames = local.functions.map((fn) => fn.name);
    expect(story(run.events, names)).toEqual(story(localRun.events, localNames));
    expect(story(run.events, names)[0]).toEqual(["shift:50", "shift:100", "promoted:"]);
    expect(localRun.events.at(-1)).toMatchObject({ outcome: "promoted", exitCode: 0 });
  }, 120_000);

  test("an alarm on one member: every member back on its stable version, exit 1", async () => {
    const target = await setUp("alarm");
    const dir = await writeReleaseConfig({
      functions: target.functions,
      prefix: target.prefix,
      steps: "10%:8s",
      interval: "1s",
    });
    const cli = startCli(target.moto, args(dir, target.stateMachine), dir);
    await cli.waitFor((e) => e.type === "shift" && e.weight === 10, 40_000);
    const last = target.functions[2] as ReleaseFunctionFixture;
    await setRegionAlarm(target.moto, US, last.alarm, "ALARM");
    const run = await cli.done;
    expect(run.code, run.stderr).toBe(1);
    const result = run.events.at(-1) as Record<string, unknown> & {
      release: { functions: { state: string }[] };
    };
    expect(result).toMatchObject({ outcome: "rolled_back", exitCode: 1 });
    expect(result.reason).toContain(last.alarm);
    expect(result.release.functions.map((fn) => fn.state)).toEqual([
      "rolled_back",
      "rolled_back",
      "rolled_back",
    ]);
    expect(await aliases(target.moto, target.functions)).toEqual([
      { version: "1", weights: {} },
      { version: "1", weights: {} },
      { version: "1", weights: {} },
    ]);
    expect(run.events.filter((e) => e.type === "rollback").map((e) => e.function)).toHaveLength(3);
    expect((await target.execution(result.executionArn as string)).error).toBe(
      "lambda-rollout.AlarmGateFailed",
    );
  }, 90_000);

  test("someone else changes one member mid-bake: the others are restored, theirs is left as set (exit 3)", async () => {
    const target = await setUp("foreign");
    const dir = await writeReleaseConfig({
      functions: target.functions,
      prefix: target.prefix,
      steps: "10%:3s",
      interval: "1s",
    });
    const cli = startCli(target.moto, args(dir, target.stateMachine), dir);
    await cli.waitFor((e) => e.type === "bake", 40_000);
    const other = target.functions[1] as ReleaseFunctionFixture;
    await regionClients(target.moto, US).lambda.send(
      new UpdateAliasCommand({
        FunctionName: other.name,
        Name: "live",
        FunctionVersion: "1",
        RoutingConfig: { AdditionalVersionWeights: { "2": 0.3 } },
      }),
    );
    const run = await cli.done;
    expect(run.code, run.stderr).toBe(3);
    const result = run.events.at(-1) as Record<string, unknown> & {
      release: { functions: { state: string }[] };
    };
    expect(result).toMatchObject({ outcome: "failed", exitCode: 3 });
    expect(result.reason).toContain(`the alias ${other.name}:live was changed outside this execution`);
    expect(result.release.functions.map((fn) => fn.state)).toEqual(["rolled_back", "failed", "rolled_back"]);
    expect(await aliases(target.moto, target.functions)).toEqual([
      { version: "1", weights: {} },
      { version: "1", weights: { "2": 0.3 } },
      { version: "1", weights: {} },
    ]);
  }, 90_000);

  test("--detach with no follower: the execution finishes the release by itself", async () => {
    const target = await setUp("detach");
    const dir = await writeReleaseConfig({
      functions: target.functions,
      prefix: target.prefix,
      steps: "50%:1s",
      interval: "1s",
    });
    const run = await runCli(target.moto, args(dir, target.stateMachine, "deploy", "--detach"), dir);
    expect(run.code, run.stderr).toBe(0);
    const result = run.events.at(-1) as Record<string, unknown>;
    expect(result).toMatchObject({ outcome: "started", exitCode: 0 });
    expect(run.events.some((e) => e.type === "shift")).toBe(false);
    // The ledger as for a local release: the record (engine, execution) and every alias's lock, kept
    // by the detached execution for the release's worst case.
    const ledger = await ledgerOf(target.moto, target.prefix);
    const record = ledger.find((item) => item.key.includes("/releases/"))?.body as {
      engine: string;
      executionArn: string;
    };
    expect(record).toMatchObject({ engine: "stepfunctions", executionArn: result.executionArn });
    for (const fn of target.functions) {
      const head = ledger.find((item) => item.key.endsWith(`/${fn.name}/live.json`))?.body as {
        holder: { leaseUntil: string } | null;
      };
      expect(Date.parse(head.holder?.leaseUntil ?? "")).toBeGreaterThan(Date.now() + 60_000);
    }
    // Nobody follows: only an independent client watches the execution end.
    const deadline = Date.now() + 60_000;
    let status = "RUNNING";
    while (status === "RUNNING" && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 500));
      status = (await target.execution(result.executionArn as string)).status ?? "";
    }
    expect(status).toBe("SUCCEEDED");
    expect(await aliases(target.moto, target.functions)).toEqual([
      { version: "2", weights: {} },
      { version: "2", weights: {} },
      { version: "2", weights: {} },
    ]);
  }, 90_000);

  test("rollback --config --env during the execution stops it first, then restores every member", async () => {
    const target = await setUp("stop");
    const dir = await writeReleaseConfig({
      // No alarm: nothing but Wait states runs in the bake, whatever the machine's load.
      functions: target.functions.map((fn) => ({ ...fn, alarms: [] })),
      prefix: target.prefix,
      steps: "10%:30s",
      interval: "1s",
    });
    const started = await runCli(target.moto, args(dir, target.stateMachine, "deploy", "--detach"), dir);
    expect(started.code, started.stderr).toBe(0);
    const arn = (started.events.at(-1) as { executionArn: string }).executionArn;
    const deadline = Date.now() + 30_000;
    while (Date.now() < deadline) {
      const now = await aliases(target.moto, target.functions);
      if (now.every((alias) => Object.keys(alias.weights).length > 0)) break;
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
    // status names the running execution; rollback stops it, then settles every alias.
    const status = await runCli(target.moto, args(dir, target.stateMachine, "status"), dir);
    expect(status.code, status.stderr).toBe(0);
    expect(status.events.at(-1)).toMatchObject({
      type: "release-status",
      inProgress: true,
      execution: { arn, status: "RUNNING" },
    });
    const rollback = await runCli(target.moto, args(dir, target.stateMachine, "rollback"), dir);
    expect(rollback.code, rollback.stderr).toBe(0);
    // The emulator reflects a stop once its worker has ended (soon after StopExecution returns).
    let stopped = await target.execution(arn);
    for (let tries = 0; stopped.status === "RUNNING" && tries < 20; tries++) {
      await new Promise((resolve) => setTimeout(resolve, 250));
      stopped = await target.execution(arn);
    }
    expect(stopped.status, `${stopped.error}: ${stopped.cause}`).toBe("ABORTED");
    expect(await aliases(target.moto, target.functions)).toEqual([
      { version: "1", weights: {} },
      { version: "1", weights: {} },
      { version: "1", weights: {} },
    ]);
  }, 90_000);
});

describe("the release definition with two waves (one region ships in one wave: driven directly)", () => {
  test("an alarm during wave 2 restores wave 1's promoted members too", async () => {
    const target = await setUp("waves");
    const lambda = regionClients(target.moto, US).lambda;
    const members = [];
    for (const fn of target.functions) {
      await lambda.send(
        new UpdateFunctionCodeCommand({ FunctionName: fn.name, ZipFile: packageBytes(`v2-${fn.name}`) }),
      );
      const version = (await lambda.send(new PublishVersionCommand({ FunctionName: fn.name })))
        .Version as string;
      members.push({
        functionName: fn.name,
        aliasName: "live",
        stableVersion: "1",
        newVersion: version,
        alarms: [fn.alarm],
      });
    }
    const input = releaseExecutionInput({
      releaseId: "r-0mx6test1-wave",
      plan: buildPlan({ steps: "50%:1s" }),
      intervalMs: 1000,
      waves: [
        { bakeMs: 0, members: members.slice(0, 2) },
        { bakeMs: 0, members: members.slice(2) },
      ],
    });
    const last = target.functions[2] as ReleaseFunctionFixture;
    const sfn = new SFNClient({
      endpoint: target.moto.endpoint,
      region: US,
      credentials: target.moto.credentials,
    });
    const started = await sfn.send(
      new StartExecutionCommand({
        stateMachineArn: target.stateMachine,
        name: "two-waves",
        input: JSON.stringify(input),
      }),
    );
    const arn = started.executionArn as string;
    // Once wave 1 is promoted, wave 2's alarm fires.
    const deadline = Date.now() + 60_000;
    while (Date.now() < deadline) {
      const now = await aliases(target.moto, target.functions.slice(0, 2));
      if (now.every((alias) => alias.version === "2")) break;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    await setRegionAlarm(target.moto, US, last.alarm, "ALARM");
    let execution = await target.execution(arn);
    while (execution.status === "RUNNING" && Date.now() < deadline + 30_000) {
      await new Promise((resolve) => setTimeout(resolve, 500));
      execution = await target.execution(arn);
    }
    expect(execution).toMatchObject({ status: "FAILED", error: "lambda-rollout.AlarmGateFailed" });
    expect(await aliases(target.moto, target.functions)).toEqual([
      { version: "1", weights: {} },
      { version: "1", weights: {} },
      { version: "1", weights: {} },
    ]);
  }, 120_000);
});

describe("a release across two regions", () => {
  test("is refused with exit 2 (one state machine reaches one region's aliases), nothing changed", async () => {
    const target = await setUp("regions", [EU, EU, US], false);
    const dir = await writeReleaseConfig({
      functions: target.functions,
      prefix: target.prefix,
      waves: [{ regions: [EU] }, { regions: [US] }],
    });
    const run = await runCli(target.moto, args(dir, target.stateMachine), dir);
    expect(run.code, run.stderr).toBe(2);
    const result = run.events.at(-1) as Record<string, unknown>;
    expect(result.reason).toContain("spans 2 regions (eu-west-1, us-east-1)");
    expect(result.hint).toContain("--engine local");
    expect(result.hint).toContain("one environment per region");
    for (const fn of target.functions) {
      expect(await releaseAliasOf(target.moto, fn)).toMatchObject({ version: "1", weights: {} });
      expect(await versionsOf(target.moto, fn)).toEqual(["1"]);
    }
    expect(await objectsUnder(target.moto, EU, target.prefix)).toBe(0);
    expect(await objectsUnder(target.moto, US, target.prefix)).toBe(0);
  }, 60_000);
});
