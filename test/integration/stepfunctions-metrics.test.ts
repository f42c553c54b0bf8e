/**
 * The metric gate server-side against moto: `metrics:` with `--engine stepfunctions` creates an alarm of
 * the roll-out's own, the state machine watches it, and it is deleted when the roll-out ends (by the
 * follower, or by the next command after a kill). moto stores the metric math but never evaluates it:
 * the tests drive the alarm with SetAlarmState (the math is unit-tested in src/health/metric-alarm.test.ts).
 * One emulator for the file, reset before each test: moto 5.2.1 runs one execution per backend, and a
 * reset gives it a new one (see stepfunctions.test.ts).
 */
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DescribeAlarmsCommand } from "@aws-sdk/client-cloudwatch";
import { CreateRoleCommand } from "@aws-sdk/client-iam";
import { CreateStateMachineCommand, DescribeExecutionCommand, SFNClient } from "@aws-sdk/client-sfn";
import { afterAll, beforeAll, beforeEach, describe, expect, onTestFinished, test } from "vitest";
import { stateMachineJson } from "../../src/stepfunctions/definition.js";
import { aliasOf, clients, createTarget, runCli, setAlarm, startCli } from "../support/lambda-fixtures.js";
import { type Moto, startMoto } from "../support/moto.js";

let counter = 0;

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

/** A function, its state machine, and a configuration whose environment has a metric gate. */
async function metricTarget(label: string) {
  const aws = clients(moto);
  const target = await createTarget(moto, `sfn-metrics-${label}-${++counter}`);
  const sfn = new SFNClient({ endpoint: moto.endpoint, region: moto.region, credentials: moto.credentials });
  const machine = await sfn.send(
    new CreateStateMachineCommand({
      name: `lambda-rollout-${target.name}`,
      definition: stateMachineJson(),
      roleArn: "arn:aws:iam::123456789012:role/lambda-rollout-state-machine",
    }),
  );
  const dir = await mkdtemp(join(tmpdir(), "sfn-metrics-"));
  onTestFinished(() => rm(dir, { recursive: true, force: true }));
  const config = join(dir, "lambda-rollout.yml");
  await writeFile(
    config,
    [
      "version: 1",
      "environments:",
      "  staging:",
      `    function: ${target.name}`,
      "    metrics:",
      "      errorRate: { max: 5 }",
      "      duration: { stat: p99, max: 800 }",
      "      minInvocations: 10",
      "",
    ].join("\n"),
  );
  const alarmName = `lambda-rollout/${target.name}/live/v2/metrics`;
  return {
    ...target,
    moto,
    alarmName,
    args: (steps: string) => [
      "deploy",
      "--config",
      config,
      "--env",
      "staging",
      "--zip",
      target.v2,
      "--bucket",
      target.bucket,
      "--interval",
      "1s",
      "--steps",
      steps,
      "--engine",
      "stepfunctions",
      "--state-machine",
      machine.stateMachineArn as string,
      "--json",
    ],
    /** The roll-out's own alarm as an independent client reads it, or undefined once deleted. */
    ownedAlarm: async () =>
      (
        await aws.cloudwatch.send(new DescribeAlarmsCommand({ AlarmNamePrefix: "lambda-rollout/" }))
      ).MetricAlarms?.find((alarm) => alarm.AlarmName === alarmName),
    status: async (arn: string) =>
      (await sfn.send(new DescribeExecutionCommand({ executionArn: arn }))).status,
  };
}

const startedArn = (event: Record<string, unknown>) => String(event.message).split(": ").at(-1) as string;

describe("metrics: with --engine stepfunctions, through an alarm the roll-out owns (moto)", () => {
  test("the alarm goes to ALARM mid-bake: the execution restores the stable version (exit 1) and the alarm is deleted", async () => {
    const target = await metricTarget("fail");
    const cli = startCli(target.moto, target.args("10%:8s"));
    await cli.waitFor((e) => e.type === "info" && String(e.message).includes("execution started"));
    // Created before the start, with the metric math over the new version's ExecutedVersion.
    const alarm = await target.ownedAlarm();
    expect(alarm).toMatchObject({
      TreatMissingData: "notBreaching",
      ComparisonOperator: "GreaterThanThreshold",
    });
    const metrics = alarm?.Metrics ?? [];
    expect(metrics.find((m) => m.ReturnData)?.Expression).toBe(
      "IF(FILL(inv, 0) >= 10, (rate > 0.05) + (FILL(dur, 0) > 800), 0)",
    );
    expect(metrics.find((m) => m.Id === "dur")?.MetricStat).toMatchObject({
      Stat: "p99",
      Period: 60,
      Metric: {
        Namespace: "AWS/Lambda",
        MetricName: "Duration",
        Dimensions: expect.arrayContaining([{ Name: "ExecutedVersion", Value: "2" }]),
      },
    });
    await cli.waitFor((e) => e.type === "shift" && e.weight === 10);
    await setAlarm(target.moto, target.alarmName, "ALARM");
    const run = await cli.done;
    expect(run.code, run.stderr).toBe(1);
    const result = run.events.at(-1) as Record<string, unknown>;
    expect(result).toMatchObject({ outcome: "rolled_back", fromVersion: "1", toVersion: "2" });
    expect(String(result.reason)).toContain(target.alarmName);
    expect(await target.status(result.executionArn as string)).toBe("FAILED");
    expect(await aliasOf(target.moto, target.name)).toEqual({ version: "1", weights: {} });
    expect(await target.ownedAlarm()).toBeUndefined();
  }, 60_000);

  test("healthy: promoted, and the alarm is deleted", async () => {
    const target = await metricTarget("ok");
    const run = await runCli(target.moto, target.args("10%:1s"));
    expect(run.code, run.stderr).toBe(0);
    expect(run.events.at(-1)).toMatchObject({ outcome: "promoted", toVersion: "2" });
    expect(await aliasOf(target.moto, target.name)).toEqual({ version: "2", weights: {} });
    expect(await target.ownedAlarm()).toBeUndefined();
  }, 60_000);

  test("a killed follower leaves the alarm; status keeps it while the execution runs, deletes it once it has ended", async () => {
    const target = await metricTarget("kill");
    const cli = startCli(target.moto, target.args("10%:6s"));
    const arn = startedArn(
      await cli.waitFor((e) => e.type === "info" && String(e.message).includes("execution started")),
    );
    await cli.waitFor((e) => e.type === "shift" && e.weight === 10);
    cli.child.kill("SIGKILL");
    await cli.done;
    const status = ["status", "--function", target.name, "--json"];
    const during = await runCli(target.moto, status);
    expect(during.code, during.stderr).toBe(0);
    expect(JSON.parse(during.stdout)).toMatchObject({ execution: { arn, status: "RUNNING" } });
    expect(await target.ownedAlarm()).toBeDefined();

    const deadline = Date.now() + 30_000;
    while ((await target.status(arn)) === "RUNNING" && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
    expect(await target.status(arn)).toBe("SUCCEEDED");
    expect(await target.ownedAlarm()).toBeDefined();
    const after = await runCli(target.moto, status);
    expect(after.code, after.stderr).toBe(0);
    expect(after.stderr).toContain(
      `Deleted the alarm(s) of ended server-side roll-outs: ${target.alarmName}`,
    );
    expect(await target.ownedAlarm()).toBeUndefined();
  }, 60_000);

  test("detached: the execution keeps its alarm; rollback stops it and deletes the alarm", async () => {
    const target = await metricTarget("rollback");
    const run = await runCli(target.moto, [...target.args("10%:30s"), "--detach"]);
    expect(run.code, run.stderr).toBe(0);
    const arn = (run.events.at(-1) as { executionArn: string }).executionArn;
    expect(await target.ownedAlarm()).toBeDefined();
    const deadline = Date.now() + 30_000;
    while (
      JSON.stringify(await aliasOf(target.moto, target.name)) ===
      JSON.stringify({ version: "1", weights: {} })
    ) {
      if (Date.now() > deadline) throw new Error("the execution never shifted");
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
    const rollback = await runCli(target.moto, ["rollback", "--function", target.name, "--json"]);
    expect(rollback.code, rollback.stderr).toBe(0);
    expect(await target.status(arn)).toBe("ABORTED");
    expect(await aliasOf(target.moto, target.name)).toEqual({ version: "1", weights: {} });
    expect(await target.ownedAlarm()).toBeUndefined();
  }, 60_000);
});
