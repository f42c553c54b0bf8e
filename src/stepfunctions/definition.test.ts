import validate from "asl-validator";
import { describe, expect, it } from "vitest";
import { FAILURE, STATE, stateMachineDefinition, stateMachineJson } from "./definition.js";

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
    expect(states()[STATE.alarmFailed]?.Next).toBe(STATE.restore);
    expect(states()[STATE.smokeFailed]?.Next).toBe(STATE.restore);
    expect(states()[STATE.alarmMissing]?.Next).toBe(STATE.restore);
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
});
