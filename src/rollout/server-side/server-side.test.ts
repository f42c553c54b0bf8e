import { expect, test } from "vitest";
import { InputError } from "../../errors.js";
import type { StepFunctionsPort } from "../../ports.js";
import { assertStateMachineUsable } from "./server-side.js";

const engine = {
  kind: "stepfunctions" as const,
  stateMachineArn: "arn:aws:states:us-east-1:123456789012:stateMachine:lambda-rollout",
  detach: false,
};
const machine = (status: string) =>
  ({ describeStateMachine: async (stateMachineArn: string) => ({ stateMachineArn, status }) }) as Pick<
    StepFunctionsPort,
    "describeStateMachine"
  > as StepFunctionsPort;

test("a state machine being deleted cannot start a roll-out: invalid input, before any write", async () => {
  await expect(assertStateMachineUsable(machine("ACTIVE"), engine, undefined)).resolves.toBeUndefined();
  const refused = await assertStateMachineUsable(machine("DELETING"), engine, undefined).catch((e) => e);
  expect(refused).toBeInstanceOf(InputError);
  expect((refused as InputError).message).toContain(`${engine.stateMachineArn} is DELETING`);
});
