import validate from "asl-validator";
import { describe, expect, it } from "vitest";
import { FAILURE, guardStates, STATE, stateMachineDefinition, stateMachineJson } from "./definition.js";

type States = Record<string, Record<string, unknown>>;
const states = () => stateMachineDefinition().States as States;

describe("the Step Functions definition", () => {
  it("passes asl-validator", () => {
    const result = validate(stateMachineDefinition());
    expect(result.errors).toEqual([]);
    expect(result.isValid).toBe(true);
  });

  it("is rejected by asl-validator once a transition points nowhere (the validator really checks)", () => {
    const broken = stateMachineDefinition();
    (broken.States as States)[STATE.shift] = { ...(broken.States as States)[STATE.shift], Next: "Nowhere" };
    expect(validate(broken).isValid).toBe(false);
  });

  it("prints as indented JSON ending with a newline, the same bytes every time", () => {
    const text = stateMachineJson();
    expect(text.endsWith("}\n")).toBe(true);
    expect(JSON.parse(text)).toEqual(stateMachineDefinition());
    expect(stateMachineJson()).toBe(text);
  });

  it("uses JSONPath only (no JSONata) and only the integrations the Terraform role grants", () => {
    const text = stateMachineJson();
    expect(text).not.toContain("JSONata");
    const resources = new Set([...text.matchAll(/"Resource": "([^"]+)"/g)].map((m) => m[1]));
    expect([...resources].sort()).toEqual([
      "arn:aws:states:::aws-sdk:cloudwatch:describeAlarms",
      "arn:aws:states:::aws-sdk:lambda:getAlias",
      "arn:aws:states:::aws-sdk:lambda:updateAlias",
      "arn:aws:states:::lambda:invoke",
    ]);
  });

  it("catches every task that can change or read the alias, so any failure goes through Restore", () => {
    for (const name of [STATE.describeAlarms, STATE.shift, STATE.promote, STATE.smoke]) {
      const catches = states()[name]?.Catch as { ErrorEquals: string[]; Next: string }[];
      expect(
        catches.some((c) => c.ErrorEquals.includes("States.ALL") && c.Next === STATE.recordFailure),
      ).toBe(true);
    }
    const restore = guardStates(STATE.restore);
    for (const name of [STATE.alarmFailed, STATE.smokeFailed, STATE.alarmMissing, STATE.recordFailure])
      expect(states()[name]?.Next).toBe(restore.read);
    expect(states()[restore.read]?.Catch).toEqual([
      { ErrorEquals: ["States.ALL"], ResultPath: "$.restoreError", Next: STATE.restoreFailed },
    ]);
    expect(states()[STATE.restore]?.Next).toBe(STATE.failed);
    expect(states()[STATE.failed]).toMatchObject({ Type: "Fail", ErrorPath: "$.failure.error" });
  });

  it("restores 100% stable with the routing removed, and names the gate in the error", () => {
    const restore = states()[STATE.restore]?.Parameters as Record<string, unknown>;
    expect(restore["FunctionVersion.$"]).toBe("$.plan.stableVersion");
    expect(restore.RoutingConfig).toEqual({ AdditionalVersionWeights: {} });
    expect(states()[STATE.alarmFailed]?.Parameters).toMatchObject({ error: FAILURE.alarm });
    expect(states()[STATE.smokeFailed]?.Parameters).toMatchObject({ error: FAILURE.smoke });
    expect(states()[STATE.alarmMissing]?.Parameters).toMatchObject({ error: FAILURE.alarmMissing });
    expect(states()[STATE.recordFailure]?.Parameters).toMatchObject({ error: FAILURE.task });
  });

  it("writes each step in the progress format, with the execution ARN, so status finds the execution", () => {
    const shift = states()[STATE.shift]?.Parameters as Record<string, string>;
    expect(shift["Description.$"]).toContain(
      "'lambda-rollout: step {}/{}, {}% to v{} from v{} since {} [execution={}]'",
    );
    expect(shift["Description.$"]).toContain("$$.Execution.Id");
  });

  it("guards every alias write: reached only through its GetAlias check, with the RevisionId read", () => {
    const all = states();
    const updates = Object.entries(all).filter(
      ([, state]) => state.Resource === "arn:aws:states:::aws-sdk:lambda:updateAlias",
    );
    expect(updates.map(([name]) => name).sort()).toEqual([STATE.promote, STATE.restore, STATE.shift].sort());
    for (const [name, state] of updates) {
      const guard = guardStates(name);
      expect((state.Parameters as Record<string, string>)["RevisionId.$"]).toBe("$.read.RevisionId");
      expect(all[guard.read]).toMatchObject({
        Resource: "arn:aws:states:::aws-sdk:lambda:getAlias",
        ResultPath: "$.read",
      });
      const check = all[guard.check] as { Choices: { Next: string }[]; Default: string };
      expect(check.Default).toBe(STATE.foreignChange);
      expect(check.Choices.every((choice) => choice.Next === name)).toBe(true);
      // Nothing else leads to the write, and something leads to its guard.
      const leadsTo = (target: string) =>
        Object.entries(all)
          .filter(([, other]) => new RegExp(`"(Next|Default)":"${target}"`).test(JSON.stringify(other)))
          .map(([other]) => other);
      expect(leadsTo(name)).toEqual([guard.check]);
      expect(leadsTo(guard.read).length).toBeGreaterThan(0);
    }
    // Only Restore accepts the step it was writing (a shift whose reply was lost may have landed).
    expect((all[guardStates(STATE.restore).check] as { Choices: unknown[] }).Choices).toHaveLength(2);
    expect((all[guardStates(STATE.shift).check] as { Choices: unknown[] }).Choices).toHaveLength(1);
  });

  it("a foreign change ends the execution with ForeignChange and writes nothing more", () => {
    expect(states()[STATE.foreignChange]).toMatchObject({
      Type: "Pass",
      Parameters: { error: FAILURE.foreign },
      Next: STATE.failed,
    });
    // A write racing the Restore's read: read and check again, never a blind retry over it.
    const restore = states()[STATE.restore] as { Retry: { ErrorEquals: string[]; MaxAttempts: number }[] };
    expect(restore.Retry[0]).toEqual({ ErrorEquals: ["Lambda.PreconditionFailedException"], MaxAttempts: 0 });
    expect(states()[STATE.restore]?.Catch).toContainEqual({
      ErrorEquals: ["Lambda.PreconditionFailedException"],
      ResultPath: "$.restoreError",
      Next: guardStates(STATE.restore).read,
    });
  });
});
