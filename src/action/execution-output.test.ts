import { expect, test } from "vitest";
import { FakeAlarms, FakeArtifacts, FakeClock, FakeLambda } from "../../test/support/fakes.js";
import type { StepFunctionsPort } from "../ports.js";
import { type ActionHost, runAction } from "./run.js";

const MACHINE = "arn:aws:states:eu-west-1:123456789012:stateMachine:fn-rollout";

/** The Action with a detached Step Functions roll-out, against in-memory AWS: the ARN is an output. */
test("a detached server-side roll-out gives the execution ARN as the execution-arn output", async () => {
  const lambda = new FakeLambda("fn", "live", { stableVersions: 2, aliasOn: "1" });
  const started: { machine: string; input: unknown }[] = [];
  const stepFunctions: StepFunctionsPort = {
    describeStateMachine: async (stateMachineArn) => ({ stateMachineArn, status: "ACTIVE" }),
    startExecution: async (machine, name, input) => {
      started.push({ machine, input: JSON.parse(input) });
      return {
        executionArn: `${machine.replace(":stateMachine:", ":execution:")}:${name}`,
        startDate: new Date(),
      };
    },
    describeExecution: async () => {
      throw new Error("a detached run does not follow the execution");
    },
    historySince: async () => [],
    stopExecution: async () => {},
    sendTaskSuccess: async () => "sent",
  };
  const inputs: Record<string, string> = {
    function: "fn",
    version: "2",
    steps: "10%:1m",
    engine: "stepfunctions",
    "state-machine": MACHINE,
    detach: "true",
    region: "eu-west-1",
  };
  const outputs: Record<string, string> = {};
  const host: ActionHost = {
    readInput: (name) => inputs[name] ?? "",
    info: () => {},
    notice: () => {},
    warning: () => {},
    error: () => {},
    setOutput: (name, value) => {
      outputs[name] = value;
    },
    writeSummary: async () => {},
  };
  const code = await runAction(host, {
    env: {},
    cwd: "/",
    clock: new FakeClock(),
    ports: () => ({
      lambda,
      artifacts: new FakeArtifacts(),
      alarms: new FakeAlarms(),
      metrics: { getMetrics: async () => ({}) },
      stepFunctions,
    }),
  });
  expect(code).toBe(0);
  expect(started).toHaveLength(1);
  expect(started[0]?.machine).toBe(MACHINE);
  expect(outputs.outcome).toBe("started");
  expect(outputs["execution-arn"]).toMatch(/^arn:aws:states:eu-west-1:123456789012:execution:fn-rollout:/);
  // Nothing moved yet from this process: the execution owns the alias now.
  expect(lambda.alias.version).toBe("1");
  expect(lambda.alias.additional).toBeUndefined();
});
