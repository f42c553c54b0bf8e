/**
 * Server-side roll-outs against moto, which runs the generic state machine for real (its ASL
 * interpreter calls moto's own Lambda and CloudWatch). Bakes of 1-6 s and a 1 s poll keep it short;
 * alarms only where they are the point (each alarm read is a task, about a second in the emulator).
 */

import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DeleteAlarmsCommand } from "@aws-sdk/client-cloudwatch";
import { CreateRoleCommand } from "@aws-sdk/client-iam";
import { ListVersionsByFunctionCommand, UpdateAliasCommand } from "@aws-sdk/client-lambda";
import {
  CreateStateMachineCommand,
  DescribeExecutionCommand,
  GetExecutionHistoryCommand,
  SFNClient,
} from "@aws-sdk/client-sfn";
import { afterAll, beforeAll, beforeEach, describe, expect, onTestFinished, test } from "vitest";
import { buildPlan } from "../../src/plan/plan.js";
import { stateMachineJson } from "../../src/stepfunctions/definition.js";
import { executionEvents } from "../../src/stepfunctions/history-bound.js";
import {
  aliasOf,
  clients,
  codeShaOf,
  createTarget,
  runCli,
  setAlarm,
  startCli,
} from "../support/lambda-fixtures.js";
import { type Moto, queueInvokeResults, startMoto } from "../support/moto.js";

let counter = 0;
const uniqueName = (label: string) => `sfn-${label}-${++counter}`;

/**
 * One emulator for the file, reset before each test. moto 5.2.1 runs one execution per backend: its
 * StartExecution deep-copies the state machine and, through it, the backend, and fails with HTTP 500
 * ("cannot pickle '_thread.RLock'") once an earlier execution exists there, on any state machine.
 * `POST /moto-api/reset` gives it a new backend (checked: an execution after a reset succeeds, even
 * while one from before the reset still runs), so each test may start one execution.
 */
let moto: Moto;
beforeAll(async () => {
  moto = await startMoto({}, { stepFunctions: true });
});
afterAll(async () => {
  await moto?.stop();
});
beforeEach(async () => {
  await moto.reset();
  // createTarget creates the functions' role once per process; a reset takes it away.
  await clients(moto).iam.send(
    new CreateRoleCommand({ RoleName: "lambda-exec", AssumeRolePolicyDocument: "{}" }),
  );
});

/** A function to deploy (see createTarget) and the state machine, as the Terraform module creates it. */
async function setUp(label: string) {
  const sfn = new SFNClient({ endpoint: moto.endpoint, region: moto.region, credentials: moto.credentials });
  const target = await createTarget(moto, uniqueName(label));
  const created = await sfn.send(
    new CreateStateMachineCommand({
      name: `lambda-rollout-${target.name}`,
      definition: stateMachineJson(),
      roleArn: "arn:aws:iam::123456789012:role/lambda-rollout-state-machine",
    }),
  );
  const execution = async (arn: string) =>
    await sfn.send(new DescribeExecutionCommand({ executionArn: arn }));
  /** Every event the execution wrote, all pages. */
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
  return { ...target, moto, execution, historyLength, stateMachine: created.stateMachineArn as string };
}

const deployArgs = (
  target: { name: string; bucket: string; alarm: string; v2: string; stateMachine: string },
  ...extra: string[]
) => [
  "deploy",
  "--function",
  target.name,
  "--zip",
  target.v2,
  "--bucket",
  target.bucket,
  "--interval",
  "1s",
  "--engine",
  "stepfunctions",
  "--state-machine",
  target.stateMachine,
  "--json",
  ...extra,
];

async function until<T>(
  what: string,
  read: () => Promise<T>,
  done: (value: T) => boolean,
  timeoutMs = 30_000,
) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (done(value)) return value;
    if (Date.now() > deadline) throw new Error(`${what}: still ${JSON.stringify(value)}`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

const projection = (events: Record<string, unknown>[]) =>
  events
    .filter((e) => ["shift", "rollback", "promoted", "result"].includes(e.type as string))
    .map((e) => (e.type === "result" ? `result:${e.outcome}:${e.exitCode}` : `${e.type}:${e.weight ?? ""}`));

describe("deploy --engine stepfunctions against moto", () => {
  test("followed and healthy: the execution promotes, SUCCEEDED, with the local engine's events", async () => {
    const target = await setUp("follow");
    const run = await runCli(target.moto, deployArgs(target, "--steps", "10%:2s", "--alarm", target.alarm));
    expect(run.code, run.stderr).toBe(0);
    const result = run.events.at(-1) as Record<string, unknown>;
    expect(result).toMatchObject({ type: "result", outcome: "promoted", fromVersion: "1", toVersion: "2" });
    expect((await target.execution(result.executionArn as string)).status).toBe("SUCCEEDED");
    // The history bound's constants (history-bound.ts), with alarms read at every check.
    expect(await target.historyLength(result.executionArn as string)).toBe(
      executionEvents({ plan: buildPlan({ steps: "10%:2s" }), pollSeconds: 1, alarms: 1, smoke: 0 }),
    );
    expect(await aliasOf(target.moto, target.name)).toEqual({ version: "2", weights: {} });
    expect(run.events.some((e) => e.type === "bake")).toBe(true);

    // The same plan run by the local engine reports the same story.
    const local = await setUp("local");
    const localArgs = deployArgs(local, "--steps", "10%:2s", "--alarm", local.alarm);
    localArgs.splice(localArgs.indexOf("--engine"), 4);
    const localRun = await runCli(target.moto, localArgs);
    expect(localRun.code, localRun.stderr).toBe(0);
    expect(projection(run.events)).toEqual(projection(localRun.events));
    expect(projection(run.events)).toEqual(["shift:10", "shift:100", "promoted:", "result:promoted:0"]);
  }, 60_000);

  test("two steps with a fractional weight, bakes that are not whole polls: each guard reads back what the last write stored, and it promotes", async () => {
    const target = await setUp("steps");
    // A 2 s poll: the 1 s bake is one short wait, the 3 s bake a poll and a 1 s rest.
    const args = deployArgs(target, "--steps", "2.5%:1s,50%:3s");
    args.splice(args.indexOf("--interval"), 2, "--interval", "2s");
    const run = await runCli(target.moto, args);
    expect(run.code, run.stderr).toBe(0);
    // The history bound's constants (history-bound.ts) without alarms, short last waits included.
    const arn = (run.events.at(-1) as { executionArn: string }).executionArn;
    expect(await target.historyLength(arn)).toBe(
      executionEvents({ plan: buildPlan({ steps: "2.5%:1s,50%:3s" }), pollSeconds: 2, alarms: 0, smoke: 0 }),
    );
    expect(projection(run.events)).toEqual([
      "shift:2.5",
      "shift:50",
      "shift:100",
      "promoted:",
      "result:promoted:0",
    ]);
    expect(await aliasOf(target.moto, target.name)).toEqual({ version: "2", weights: {} });
  }, 60_000);

  test("--detach returns at once with outcome started; the execution promotes on its own", async () => {
    const target = await setUp("detach");
    const started = Date.now();
    const run = await runCli(target.moto, deployArgs(target, "--steps", "10%:1s", "--detach"));
    const elapsed = Date.now() - started;
    expect(run.code, run.stderr).toBe(0);
    const result = run.events.at(-1) as Record<string, unknown>;
    expect(result).toMatchObject({ type: "result", outcome: "started", exitCode: 0 });
    expect(result.executionArn).toMatch(
      /^arn:aws:states:us-east-1:123456789012:execution:lambda-rollout-sfn-/,
    );
    expect(run.events.some((e) => e.type === "shift")).toBe(false);
    // The CLI's own time, publishing included; a followed run of this plan takes several seconds more.
    expect(elapsed).toBeLessThan(6_000);
    await until(
      "execution",
      () => target.execution(result.executionArn as string),
      (e) => e.status !== "RUNNING",
    );
    expect((await target.execution(result.executionArn as string)).status).toBe("SUCCEEDED");
    expect(await aliasOf(target.moto, target.name)).toEqual({ version: "2", weights: {} });
  }, 60_000);

  test("an alarm in ALARM mid-bake: the execution restores the stable version and ends FAILED", async () => {
    const target = await setUp("alarm");
    const cli = startCli(target.moto, deployArgs(target, "--steps", "10%:6s", "--alarm", target.alarm));
    await cli.waitFor((e) => e.type === "shift" && e.weight === 10);
    await setAlarm(target.moto, target.alarm, "ALARM");
    const run = await cli.done;
    expect(run.code, run.stderr).toBe(1);
    const result = run.events.at(-1) as Record<string, unknown>;
    expect(result).toMatchObject({ outcome: "rolled_back", fromVersion: "1", toVersion: "2" });
    // Worded as the local engine words it, the alarm named with its state.
    expect(result.reason).toMatch(
      new RegExp(`^Health gate "alarms" failed at 10% \\(bake\\): in ALARM: ${target.alarm}, in execution `),
    );
    const rollback = run.events.find((e) => e.type === "rollback");
    expect(rollback?.reason).toBe(`Health gate "alarms" failed at 10% (bake): in ALARM: ${target.alarm}`);
    const ended = await target.execution(result.executionArn as string);
    expect(ended.status).toBe("FAILED");
    expect(ended.error).toBe("lambda-rollout.AlarmGateFailed");
    // The execution's own cause, for `status` and the console: each list said for what it is.
    expect(ended.cause).toContain(`the metric alarms ["${target.alarm}"] are in the states ["ALARM"]`);
    expect(await aliasOf(target.moto, target.name)).toEqual({ version: "1", weights: {} });
  }, 60_000);

  test("an alarm deleted mid-bake fails the gate (it cannot pass silently) and restores the stable version", async () => {
    const target = await setUp("gone");
    const cli = startCli(target.moto, deployArgs(target, "--steps", "10%:6s", "--alarm", target.alarm));
    await cli.waitFor((e) => e.type === "shift" && e.weight === 10);
    await clients(target.moto).cloudwatch.send(new DeleteAlarmsCommand({ AlarmNames: [target.alarm] }));
    const run = await cli.done;
    expect(run.code, run.stderr).toBe(1);
    const result = run.events.at(-1) as Record<string, unknown>;
    expect(result).toMatchObject({ outcome: "rolled_back", fromVersion: "1", toVersion: "2" });
    expect(result.reason).toContain('Health gate "alarms" failed');
    expect(result.reason).toContain(target.alarm);
    const gate = run.events.find(
      (e) => e.type === "gate" && (e.verdict as { status: string }).status === "fail",
    );
    expect(gate?.verdict).toMatchObject({
      detail: `no longer exist: ${target.alarm} (deleted or renamed; a missing alarm cannot gate)`,
    });
    const ended = await target.execution(result.executionArn as string);
    expect(ended.status).toBe("FAILED");
    expect(ended.error).toBe("lambda-rollout.AlarmMissing");
    expect(await aliasOf(target.moto, target.name)).toEqual({ version: "1", weights: {} });
  }, 60_000);

  describe("someone else changes the alias mid-bake (aws lambda update-alias with a client of its own)", () => {
    const foreign = async (target: { moto: Moto; name: string }) =>
      await clients(target.moto).lambda.send(
        new UpdateAliasCommand({
          FunctionName: target.name,
          Name: "live",
          FunctionVersion: "1",
          RoutingConfig: { AdditionalVersionWeights: { "2": 0.3 } },
        }),
      );
    const expectLeftAlone = async (
      target: {
        moto: Moto;
        name: string;
        execution: (arn: string) => Promise<{ status?: string; error?: string }>;
      },
      run: { code: number | null; stderr: string; events: Record<string, unknown>[] },
    ) => {
      expect(run.code, run.stderr).toBe(3);
      const result = run.events.at(-1) as Record<string, unknown>;
      expect(result).toMatchObject({ outcome: "failed", exitCode: 3, fromVersion: "1", toVersion: "2" });
      expect(result.reason).toContain("changed outside this execution");
      expect(result.reason).toContain("Nothing was restored over that change");
      expect(run.events.some((e) => e.type === "rollback")).toBe(false);
      const ended = await target.execution(result.executionArn as string);
      expect(ended.status).toBe("FAILED");
      expect(ended.error).toBe("lambda-rollout.ForeignChange");
      expect(await aliasOf(target.moto, target.name)).toEqual({ version: "1", weights: { "2": 0.3 } });
    };

    test("the next shift sees it: FAILED with ForeignChange, the other routing kept, follower exit 3", async () => {
      const target = await setUp("foreign");
      const cli = startCli(target.moto, deployArgs(target, "--steps", "10%:2s"));
      await cli.waitFor((e) => e.type === "shift" && e.weight === 10);
      await foreign(target);
      const run = await cli.done;
      await expectLeftAlone(target, run);
      // Seen by the guard before promoting (after the bake's decision check), not by a gate.
      expect((run.events.at(-1) as { reason: string }).reason).toContain("(decision)");
      // The hint's rollback works once the execution has ended: 100% back on the stable version.
      const rollback = await runCli(target.moto, ["rollback", "--function", target.name, "--json"]);
      expect(rollback.code, rollback.stderr).toBe(0);
      expect(await aliasOf(target.moto, target.name)).toEqual({ version: "1", weights: {} });
    }, 60_000);

    test("a gate that fails afterwards does not restore over it", async () => {
      const target = await setUp("foreign-alarm");
      const cli = startCli(target.moto, deployArgs(target, "--steps", "10%:6s", "--alarm", target.alarm));
      await cli.waitFor((e) => e.type === "shift" && e.weight === 10);
      await foreign(target);
      await setAlarm(target.moto, target.alarm, "ALARM");
      const run = await cli.done;
      await expectLeftAlone(target, run);
      // Seen by the guard before restoring, after the alarm failed the bake.
      expect((run.events.at(-1) as { reason: string }).reason).toContain("(bake)");
    }, 60_000);
  });

  test("exit 2, nothing changed: a well-formed ARN of a machine that does not exist or is in another region, a plan over the history cap", async () => {
    const target = await createTarget(moto, uniqueName("nomachine"), { aliasOn: "$LATEST" });
    const latestCode = await codeShaOf(moto, target.name, "$LATEST");
    const versions = async () =>
      (
        await clients(moto).lambda.send(new ListVersionsByFunctionCommand({ FunctionName: target.name }))
      ).Versions?.map((v) => v.Version);
    const before = await versions();
    const expectNothingChanged = async () => {
      expect(await aliasOf(moto, target.name)).toEqual({ version: "$LATEST", weights: {} });
      expect(await versions()).toEqual(before);
      expect(await codeShaOf(moto, target.name, "$LATEST")).toBe(latestCode);
    };

    const missing = "arn:aws:states:us-east-1:123456789012:stateMachine:no-such-rollout";
    const gone = await runCli(moto, deployArgs({ ...target, stateMachine: missing }, "--steps", "10%:1s"));
    expect(gone.code, gone.stderr).toBe(2);
    expect(gone.stdout + gone.stderr).toContain(`The state machine ${missing} does not exist`);
    await expectNothingChanged();

    // A machine that exists, in us-west-2, for a function in us-east-1.
    const west = new SFNClient({
      endpoint: moto.endpoint,
      region: "us-west-2",
      credentials: moto.credentials,
    });
    const created = await west.send(
      new CreateStateMachineCommand({
        name: "lambda-rollout-west",
        definition: stateMachineJson(),
        roleArn: "arn:aws:iam::123456789012:role/lambda-rollout-state-machine",
      }),
    );
    const elsewhere = created.stateMachineArn as string;
    const far = await runCli(moto, deployArgs({ ...target, stateMachine: elsewhere }, "--steps", "10%:1s"));
    expect(far.code, far.stderr).toBe(2);
    expect(far.stdout + far.stderr).toContain(
      `The state machine ${elsewhere} is in us-west-2, but the function is in us-east-1`,
    );
    await expectNothingChanged();

    // A plan whose execution could reach the 25,000-event history cap.
    const long = await runCli(
      moto,
      deployArgs(
        { ...target, stateMachine: missing },
        ...["--steps", "10%:2h,50%:1h", "--final-bake", "1h", "--alarm", target.alarm],
      ),
    );
    expect(long.code, long.stderr).toBe(2);
    const refusal = long.events.at(-1) as { reason: string; hint: string };
    expect(refusal.reason).toMatch(/could write up to \d+ history events/);
    expect(refusal.hint).toMatch(/--interval \d+s or more/);
    await expectNothingChanged();
  }, 60_000);

  test("--allow-firing-alarms: refused (exit 2, nothing changed) while a named alarm fires, naming it; runs server-side once none does", async () => {
    const target = await setUp("firing");
    await setAlarm(target.moto, target.alarm, "ALARM");
    const args = deployArgs(
      target,
      ...["--steps", "10%:1s", "--alarm", target.alarm, "--allow-firing-alarms", "--smoke-payload", "{}"],
    );
    const refused = await runCli(target.moto, args);
    expect(refused.code, refused.stderr).toBe(2);
    const result = refused.events.at(-1) as { reason: string; hint: string };
    expect(result.reason).toContain(`while an alarm is in ALARM (now: ${target.alarm})`);
    expect(result.hint).toContain("pass no --alarm");
    expect(await aliasOf(target.moto, target.name)).toEqual({ version: "1", weights: {} });

    await setAlarm(target.moto, target.alarm, "OK");
    await queueInvokeResults(target.moto, [JSON.stringify({ statusCode: 200, body: "ok" })]);
    const run = await runCli(target.moto, args);
    expect(run.code, run.stderr).toBe(0);
    expect(run.events.at(-1)).toMatchObject({ outcome: "promoted", toVersion: "2" });
  }, 60_000);

  test("alarmReadFailure: ignore is refused up front (exit 2): the state machine cannot honour it", async () => {
    const target = await setUp("ignore");
    const dir = await mkdtemp(join(tmpdir(), "sfn-ignore-"));
    onTestFinished(() => rm(dir, { recursive: true, force: true }));
    const config = join(dir, "lambda-rollout.yml");
    await writeFile(
      config,
      `version: 1\nenvironments:\n  staging:\n    function: ${target.name}\n    alarms: [${target.alarm}]\n    alarmReadFailure: ignore\n`,
    );
    const args = deployArgs(target, "--steps", "10%:1s", "--config", config, "--env", "staging");
    args.splice(args.indexOf("--function"), 2);
    const run = await runCli(target.moto, args);
    expect(run.code, run.stderr).toBe(2);
    expect(run.stdout + run.stderr).toContain(
      "alarmReadFailure: ignore is not available with --engine stepfunctions",
    );
    expect(await aliasOf(target.moto, target.name)).toEqual({ version: "1", weights: {} });
  }, 60_000);

  test("a smoke invocation answering 503 fails the execution before any traffic moves", async () => {
    const target = await setUp("smoke");
    await queueInvokeResults(target.moto, [JSON.stringify({ statusCode: 503, body: "down" })]);
    const run = await runCli(
      target.moto,
      deployArgs(target, "--steps", "10%:1s", "--smoke-payload", '{"ping":true}'),
    );
    expect(run.code, run.stderr).toBe(1);
    const result = run.events.at(-1) as Record<string, unknown>;
    expect(result).toMatchObject({ outcome: "rolled_back" });
    expect(result.reason).toContain('Health gate "smoke" failed');
    expect(run.events.some((e) => e.type === "shift")).toBe(false);
    expect((await target.execution(result.executionArn as string)).error).toBe(
      "lambda-rollout.SmokeGateFailed",
    );
    expect(await aliasOf(target.moto, target.name)).toEqual({ version: "1", weights: {} });
  }, 60_000);

  test("a failing post-traffic hook (follow mode) stops the execution in its final bake and restores v1", async () => {
    const target = await setUp("hook");
    const run = await runCli(
      target.moto,
      deployArgs(target, "--steps", "10%:1s", "--final-bake", "30s", "--post-traffic-hook", "exit 3"),
    );
    expect(run.code, run.stderr).toBe(1);
    const result = run.events.at(-1) as Record<string, unknown>;
    expect(result).toMatchObject({ outcome: "rolled_back" });
    expect(run.events.some((e) => e.type === "gate" && e.phase === "post-traffic")).toBe(true);
    expect((await target.execution(result.executionArn as string)).status).toBe("ABORTED");
    expect(await aliasOf(target.moto, target.name)).toEqual({ version: "1", weights: {} });
  }, 60_000);

  test("the following CLI SIGKILLed: the execution still finishes, nothing left split", async () => {
    const target = await setUp("kill");
    const cli = startCli(target.moto, deployArgs(target, "--steps", "10%:2s"));
    const started = await cli.waitFor(
      (e) => e.type === "info" && String(e.message).includes("execution started"),
    );
    await cli.waitFor((e) => e.type === "shift" && e.weight === 10);
    cli.child.kill("SIGKILL");
    expect((await cli.done).signal).toBe("SIGKILL");
    const arn = String(started.message).split(": ").at(-1) as string;
    await until(
      "execution",
      () => target.execution(arn),
      (e) => e.status !== "RUNNING",
    );
    expect((await target.execution(arn)).status).toBe("SUCCEEDED");
    expect(await aliasOf(target.moto, target.name)).toEqual({ version: "2", weights: {} });
  }, 60_000);

  test("SIGTERM to a following CLI stops the following, not the roll-out (exit 3, outcome started)", async () => {
    const target = await setUp("term");
    const cli = startCli(target.moto, deployArgs(target, "--steps", "10%:2s"));
    await cli.waitFor((e) => e.type === "shift" && e.weight === 10);
    cli.child.kill("SIGTERM");
    const run = await cli.done;
    expect(run.code, run.stderr).toBe(3);
    const result = run.events.at(-1) as Record<string, unknown>;
    expect(result).toMatchObject({ outcome: "started" });
    expect(result.hint).toContain(`lambda-rollout status --function ${target.name} --alias live`);
    expect(result.hint).toContain(`lambda-rollout rollback --function ${target.name} --alias live`);
    // What the launcher says on the signal is true here too: nothing is rolled back.
    expect(run.stderr).toContain("SIGTERM received");
    expect(run.stderr).toContain("a Step Functions execution it follows carries on");
    expect(run.stderr).not.toMatch(/rolling back/i);
    // Not stopped: the SIGKILL test above watches such an execution to its end.
    expect((await target.execution(result.executionArn as string)).status).not.toBe("ABORTED");
  }, 60_000);

  test("status finds the running execution from the alias; rollback stops it and restores the alias", async () => {
    const target = await setUp("rollback");
    const run = await runCli(target.moto, deployArgs(target, "--steps", "10%:20s", "--detach"));
    const arn = (run.events.at(-1) as Record<string, unknown>).executionArn as string;
    await until(
      "split alias",
      () => aliasOf(target.moto, target.name),
      (alias) => Object.keys(alias.weights).length > 0,
    );

    const status = await runCli(target.moto, ["status", "--function", target.name, "--json"]);
    expect(status.code, status.stderr).toBe(0);
    expect(JSON.parse(status.stdout)).toMatchObject({
      inProgress: true,
      execution: { arn, status: "RUNNING" },
      progress: { step: 1, steps: 2, weight: 10, toVersion: "2", fromVersion: "1", execution: arn },
    });

    const rollback = await runCli(target.moto, ["rollback", "--function", target.name, "--json"]);
    expect(rollback.code, rollback.stderr).toBe(0);
    expect(rollback.events.at(-1)).toMatchObject({ outcome: "rolled_back", executionArn: arn });
    expect((await target.execution(arn)).status).toBe("ABORTED");
    expect(await aliasOf(target.moto, target.name)).toEqual({ version: "1", weights: {} });
  }, 60_000);
});
