/** `deploy --allow-firing-alarms` through the real binary against moto (alarms driven with SetAlarmState). */
import { PutMetricAlarmCommand } from "@aws-sdk/client-cloudwatch";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import {
  aliasOf,
  clients,
  createTarget,
  deployOf,
  runCli,
  setAlarm,
  startCli,
} from "../support/lambda-fixtures.js";
import { type Moto, startMoto } from "../support/moto.js";

let moto: Moto;
let counter = 0;

beforeAll(async () => {
  moto = await startMoto();
});
afterAll(async () => {
  await moto?.stop();
});

/** A target whose `-errors` alarm is in ALARM before the deploy, plus a second alarm in OK. */
async function firingTarget() {
  const target = await createTarget(moto, `firing-${++counter}`);
  const other = `${target.name}-latency`;
  await clients(moto).cloudwatch.send(
    new PutMetricAlarmCommand({
      AlarmName: other,
      Namespace: "AWS/Lambda",
      MetricName: "Duration",
      Statistic: "Average",
      Period: 60,
      EvaluationPeriods: 1,
      Threshold: 1000,
      ComparisonOperator: "GreaterThanThreshold",
    }),
  );
  await setAlarm(moto, target.alarm, "ALARM");
  const args = (...extra: string[]) => [
    ...deployOf(target),
    "--alarm",
    target.alarm,
    "--alarm",
    other,
    "--json",
    ...extra,
  ];
  return { target, other, args };
}

describe("alarms already firing against moto", () => {
  test("--allow-firing-alarms with a smoke invocation ships the fix, warning about the alarm", async () => {
    const { target, args } = await firingTarget();
    const run = await runCli(
      moto,
      args("--allow-firing-alarms", "--smoke-payload", '{"ping":true}', "--strategy", "AllAtOnce"),
    );
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toContain(
      `Already in ALARM before the roll-out, ignored as asked (--allow-firing-alarms): ${target.alarm}.`,
    );
    expect(await aliasOf(moto, target.name)).toEqual({ version: "2", weights: {} });
  });

  test("without it, the firing alarm stops the roll-out before any traffic moves", async () => {
    const { target, args } = await firingTarget();
    const run = await runCli(moto, args("--smoke-payload", '{"ping":true}', "--strategy", "AllAtOnce"));
    expect(run.code).toBe(1);
    expect(await aliasOf(moto, target.name)).toEqual({ version: "1", weights: {} });
  });

  test("without a gate that judges the new version it is exit 2 and nothing changes", async () => {
    const { target, args } = await firingTarget();
    const run = await runCli(moto, args("--allow-firing-alarms"));
    expect(run.code).toBe(2);
    expect(run.stderr).toContain("needs a gate that judges the new version itself");
    expect(await aliasOf(moto, target.name)).toEqual({ version: "1", weights: {} });
  });

  test("another alarm that fires during the roll-out still rolls it back", async () => {
    const { target, other, args } = await firingTarget();
    const cli = startCli(
      moto,
      args(
        "--allow-firing-alarms",
        "--smoke-payload",
        '{"ping":true}',
        "--steps",
        "10%:30s",
        "--interval",
        "500ms",
      ),
    );
    await cli.waitFor((e) => e.type === "shift" && e.weight === 10);
    await setAlarm(moto, other, "ALARM");
    const run = await cli.done;
    expect(run.code, run.stderr).toBe(1);
    expect(run.events.at(-1)).toMatchObject({
      outcome: "rolled_back",
      reason: expect.stringContaining(other),
    });
    expect(await aliasOf(moto, target.name)).toEqual({ version: "1", weights: {} });
  });
});
