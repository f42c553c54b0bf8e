import { describe, expect, test } from "vitest";
import { FakeClock, FakeLambda } from "../../../test/support/fakes.js";
import { InputError } from "../../errors.js";
import { buildPlan } from "../../plan/plan.js";
import type { ListedAlarm, MetricMathAlarm, OwnedAlarmsPort, StepFunctionsPort } from "../../ports.js";
import type { RolloutEvent } from "../events.js";
import { createOwnedAlarms, ORPHAN_GRACE_MS, ownedAlarmsFor, sweepOwnedAlarms } from "./owned-alarms.js";
import { runServerSide } from "./server-side.js";

const NOW = Date.UTC(2026, 0, 1, 12);
const arn = (name: string) => `arn:aws:states:us-east-1:123456789012:execution:m:${name}`;

/** Alarms in memory, with the descriptions the real ones carry. */
class FakeOwnedAlarms implements OwnedAlarmsPort {
  readonly alarms = new Map<string, { description: string; updatedAt: Date }>();
  failPut = false;
  calls: string[] = [];
  async putMetricMathAlarm(alarm: MetricMathAlarm) {
    this.calls.push(`put ${alarm.name}`);
    if (this.failPut) throw new Error("AccessDenied");
    this.alarms.set(alarm.name, { description: alarm.description, updatedAt: new Date(NOW) });
  }
  async listAlarms(prefix: string): Promise<ListedAlarm[]> {
    return [...this.alarms]
      .filter(([name]) => name.startsWith(prefix))
      .map(([name, a]) => ({ name, description: a.description, updatedAt: a.updatedAt }));
  }
  async deleteAlarms(names: string[]) {
    this.calls.push(`delete ${names.join(",")}`);
    for (const name of names) this.alarms.delete(name);
  }
}

function executions(statuses: Record<string, string>): StepFunctionsPort {
  return {
    describeExecution: async (executionArn: string) => {
      const status = statuses[executionArn];
      if (!status) throw new InputError(`execution ${executionArn} does not exist`);
      return { executionArn, status };
    },
  } as Partial<StepFunctionsPort> as StepFunctionsPort;
}

const metrics = { errorRate: { max: 0.05 } };
const alarmOf = (alias: string, version: string, execution: string) =>
  ownedAlarmsFor(
    metrics,
    { functionName: "orders", aliasName: alias, stableVersion: "1", newVersion: version },
    arn(execution),
  )[0] as MetricMathAlarm;

describe("the alarms a server-side roll-out owns", () => {
  test("the sweep deletes those whose execution ended, never a running one's, never another alias's or anyone else's", async () => {
    const port = new FakeOwnedAlarms();
    for (const [alias, version, execution] of [
      ["live", "2", "done"],
      ["live", "3", "running"],
      ["live", "4", "failed"],
      ["beta", "5", "done"],
    ] as const) {
      await port.putMetricMathAlarm(alarmOf(alias, version, execution));
    }
    // Under the prefix but not ours: no owner in the description.
    port.alarms.set("lambda-rollout/orders/live/hand-made", { description: "mine", updatedAt: new Date(0) });
    const sfn = executions({
      [arn("done")]: "SUCCEEDED",
      [arn("running")]: "RUNNING",
      [arn("failed")]: "FAILED",
    });
    const deleted = await sweepOwnedAlarms(
      port,
      sfn,
      { functionName: "orders", aliasName: "live" },
      {
        now: NOW,
        warn: () => {},
      },
    );
    expect(deleted.sort()).toEqual([
      "lambda-rollout/orders/live/v2/metrics",
      "lambda-rollout/orders/live/v4/metrics",
    ]);
    expect([...port.alarms.keys()].sort()).toEqual([
      "lambda-rollout/orders/beta/v5/metrics",
      "lambda-rollout/orders/live/hand-made",
      "lambda-rollout/orders/live/v3/metrics",
    ]);
    // Without an alias (prune): every alias of the function.
    await sweepOwnedAlarms(port, sfn, { functionName: "orders" }, { now: NOW, warn: () => {} });
    expect(port.alarms.has("lambda-rollout/orders/beta/v5/metrics")).toBe(false);
  });

  test("an alarm whose execution never started is swept only after the grace period", async () => {
    const port = new FakeOwnedAlarms();
    await port.putMetricMathAlarm(alarmOf("live", "2", "never"));
    const sweep = (now: number) =>
      sweepOwnedAlarms(
        port,
        executions({}),
        { functionName: "orders", aliasName: "live" },
        { now, warn: () => {} },
      );
    expect(await sweep(NOW + ORPHAN_GRACE_MS - 1)).toEqual([]);
    expect(await sweep(NOW + ORPHAN_GRACE_MS)).toEqual(["lambda-rollout/orders/live/v2/metrics"]);
  });

  test("creating is all or nothing", async () => {
    const port = new FakeOwnedAlarms();
    port.failPut = true;
    await expect(createOwnedAlarms(port, [alarmOf("live", "2", "x")])).rejects.toThrow("AccessDenied");
    expect(port.calls).toEqual([
      "put lambda-rollout/orders/live/v2/metrics",
      "delete lambda-rollout/orders/live/v2/metrics",
    ]);
  });

  test("a start that fails leaves no alarm behind; a detached start leaves it to the execution", async () => {
    const lambda = new FakeLambda("orders", "live", { stableVersions: 2, aliasOn: "1" });
    const alias = await lambda.getAlias("orders", "live");
    const run = async (startFails: boolean, detach: boolean) => {
      const port = new FakeOwnedAlarms();
      let input = "";
      const stepFunctions = {
        ...executions({}),
        startExecution: async (stateMachineArn: string, name: string, text: string) => {
          input = text;
          if (startFails) throw new Error("ThrottlingException");
          return {
            executionArn: `${stateMachineArn.replace(":stateMachine:", ":execution:")}:${name}`,
            startDate: new Date(),
          };
        },
      } as StepFunctionsPort;
      const events: RolloutEvent[] = [];
      const outcome = await runServerSide(
        {
          engine: {
            kind: "stepfunctions",
            stateMachineArn: "arn:aws:states:us-east-1:123456789012:stateMachine:m",
            detach,
          },
          alias,
          newVersion: "2",
          plan: buildPlan({ steps: "10%:1m" }),
          specs: { metrics },
          intervalMs: 10_000,
          records: {},
        },
        {
          lambda,
          alarms: { describeAlarms: async () => [] },
          stepFunctions,
          ownedAlarms: port,
          clock: new FakeClock({ time: NOW }),
          emit: (e) => events.push(e),
        },
      ).catch((error: unknown) => error);
      return { port, input, outcome, events };
    };
    const failed = await run(true, false);
    expect(failed.outcome).toBeInstanceOf(Error);
    expect(failed.port.calls).toEqual([
      "put lambda-rollout/orders/live/v2/metrics",
      "delete lambda-rollout/orders/live/v2/metrics",
    ]);
    expect(failed.port.alarms.size).toBe(0);

    const detached = await run(false, true);
    expect(detached.outcome).toMatchObject({ outcome: "started" });
    expect([...detached.port.alarms.keys()]).toEqual(["lambda-rollout/orders/live/v2/metrics"]);
    // The execution watches it like a named alarm.
    expect(JSON.parse(detached.input).alarms).toEqual(["lambda-rollout/orders/live/v2/metrics"]);
  });
});
