import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { FakeLambda } from "../../../test/support/fakes.js";
import { metricAlarmOf } from "../../health/metric-alarm.js";
import type { ListedAlarm, MetricMathAlarm, OwnedAlarmsPort, StepFunctionsPort } from "../../ports.js";
import type { CliIo } from "../io.js";
import { pruneCommand } from "./prune.js";

class Alarms implements OwnedAlarmsPort {
  readonly names = new Map<string, string>();
  async putMetricMathAlarm(alarm: MetricMathAlarm) {
    this.names.set(alarm.name, alarm.description);
  }
  async listAlarms(prefix: string): Promise<ListedAlarm[]> {
    return [...this.names]
      .filter(([name]) => name.startsWith(prefix))
      .map(([name, description]) => ({ name, description, updatedAt: new Date(0) }));
  }
  async deleteAlarms(names: string[]) {
    for (const name of names) this.names.delete(name);
  }
}

const arn = (name: string) => `arn:aws:states:eu-west-1:123456789012:execution:m:${name}`;
const sfn = {
  describeExecution: async (executionArn: string) => ({
    executionArn,
    status: executionArn === arn("running") ? "RUNNING" : "SUCCEEDED",
  }),
} as Partial<StepFunctionsPort> as StepFunctionsPort;

async function pruneWith(engine: "local" | "stepfunctions") {
  const dir = await mkdtemp(join(tmpdir(), "prune-alarms-"));
  await writeFile(
    join(dir, "lambda-rollout.yml"),
    `version: 1\nenvironments:\n  prod:\n    function: orders\n    engine: ${engine}\n    stateMachine: arn:aws:states:eu-west-1:123456789012:stateMachine:m\n`,
  );
  const alarms = new Alarms();
  for (const [alias, version, execution] of [
    ["live", "3", "done"],
    ["beta", "4", "running"],
  ] as const) {
    await alarms.putMetricMathAlarm(
      metricAlarmOf(
        { errorRate: { max: 0.1 } },
        { functionName: "orders", aliasName: alias, version, executionArn: arn(execution) },
        "1",
      ),
    );
  }
  let stderr = "";
  const io: CliIo = {
    stdout: { write: () => true },
    stderr: { write: (text: string) => (stderr += text) },
    env: {},
    cwd: dir,
  };
  const lambda = new FakeLambda("orders", "live", { stableVersions: 4, aliasOn: "4" });
  const code = await pruneCommand(
    { config: join(dir, "lambda-rollout.yml"), env: "prod", keep: "2" },
    io,
    () => lambda,
    undefined,
    { ownedAlarmsFor: () => alarms, stepFunctionsFor: () => sfn },
  );
  return { code, stderr, left: [...alarms.names.keys()] };
}

describe("prune of an environment rolled out server-side", () => {
  test("deletes the alarms of ended roll-outs of any alias of the function, not a running one's", async () => {
    const run = await pruneWith("stepfunctions");
    expect(run.code).toBe(0);
    expect(run.left).toEqual(["lambda-rollout/orders/beta/v4/metrics"]);
    expect(run.stderr).toContain(
      "Deleted the alarm(s) of ended server-side roll-outs: lambda-rollout/orders/live/v3/metrics",
    );
  });

  test("a local environment looks for none", async () => {
    expect((await pruneWith("local")).left).toHaveLength(2);
  });
});
