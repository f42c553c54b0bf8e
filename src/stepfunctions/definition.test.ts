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
      "arn:aws:states:::aws-sdk:s3:putObject.waitForTaskToken",
      "arn:aws:states:::lambda:invoke",
    ]);
  });

  it("manual approval: bounded waits for a token written to the ledger, the gates between them, then the promotion or the restore", () => {
    const all = states();
    // Without an approval in the plan, the last step goes straight to the promotion's guard.
    expect(all[STATE.nextStep]?.Default).toBe(STATE.approvalNeeded);
    expect(all[STATE.approvalNeeded]).toMatchObject({
      Choices: [{ Variable: "$.plan.approval", IsPresent: true, Next: STATE.startApproval }],
      Default: guardStates(STATE.promote).read,
    });
    const wait = all[STATE.awaitApproval] as Record<string, unknown>;
    expect(wait).toMatchObject({
      Resource: "arn:aws:states:::aws-sdk:s3:putObject.waitForTaskToken",
      // One poll interval per wait: the gates run between two waits, as in a bake.
      TimeoutSecondsPath: "$.plan.pollSeconds",
      Parameters: { "Bucket.$": "$.plan.approval.bucket", "Key.$": "$.plan.approval.key" },
      Next: STATE.approved,
    });
    expect((wait.Parameters as Record<string, string>)["Body.$"]).toContain("$$.Task.Token");
    expect(wait.Catch).toEqual([
      { ErrorEquals: ["States.Timeout"], ResultPath: "$.approvalPoll", Next: STATE.afterApprovalPoll },
      { ErrorEquals: ["States.ALL"], ResultPath: "$.error", Next: STATE.recordFailure },
    ]);
    expect(all[STATE.approvalLeft]).toMatchObject({
      Choices: [{ Variable: "$.run.remaining", NumericLessThanEquals: 0, Next: STATE.approvalExpired }],
      Default: STATE.gates,
    });
    expect(all[STATE.approvalExpired]).toMatchObject({
      Parameters: { error: FAILURE.approval, "cause.$": "$.plan.approval.expiredReason" },
      Next: guardStates(STATE.restore).read,
    });
    // After a wait the gates lead back to the next wait; after the approval, to the promotion.
    const passed = (all[STATE.gatesPassed] as { Choices: { StringEquals: string; Next: string }[] }).Choices;
    expect(passed).toContainEqual({
      Variable: "$.run.phase",
      StringEquals: "approval",
      Next: STATE.awaitApproval,
    });
    expect(passed).toContainEqual({
      Variable: "$.run.phase",
      StringEquals: "approved",
      Next: guardStates(STATE.promote).read,
    });
    expect(all[STATE.approved]).toMatchObject({ Next: STATE.gates });
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
