import validate from "asl-validator";
import { describe, expect, it } from "vitest";
import { errorOf } from "../../test/support/errors.js";
import { ExitCode } from "../errors.js";
import { buildPlan } from "../plan/plan.js";
import { bakeStates, gateStates, STATE, stateMachineDefinition } from "./definition.js";
import { HISTORY_BUDGET } from "./history-bound.js";
import {
  MEMBER_CONCURRENCY,
  RELEASE_STATE,
  releaseStateMachineDefinition,
  releaseStateMachineJson,
} from "./release-definition.js";
import { assertReleaseFits, releaseExecutionEvents, releaseExecutionInput } from "./release-input.js";

type States = Record<string, Record<string, unknown>>;
const states = () => releaseStateMachineDefinition().States as States;

describe("the release definition", () => {
  it("passes asl-validator, prints stably, and uses only the integrations the single definition uses", () => {
    const result = validate(releaseStateMachineDefinition());
    expect(result.errors).toEqual([]);
    const text = releaseStateMachineJson();
    expect(JSON.parse(text)).toEqual(releaseStateMachineDefinition());
    expect(text).not.toContain("JSONata");
    const resources = new Set([...text.matchAll(/"Resource": "([^"]+)"/g)].map((m) => m[1]));
    expect([...resources].sort()).toEqual([
      "arn:aws:states:::aws-sdk:cloudwatch:describeAlarms",
      "arn:aws:states:::aws-sdk:lambda:getAlias",
      "arn:aws:states:::aws-sdk:lambda:updateAlias",
      "arn:aws:states:::lambda:invoke",
    ]);
  });

  it("shares the gate and bake states of the single-function definition, byte for byte, failing into RestoreAll", () => {
    const single = stateMachineDefinition().States as States;
    for (const [name, state] of Object.entries(bakeStates())) {
      expect(states()[name]).toEqual(state);
      expect(single[name]).toEqual(state);
    }
    for (const [name, state] of Object.entries(gateStates(RELEASE_STATE.restoreAll, { approval: false })))
      expect(states()[name]).toEqual(state);
    expect(states()[STATE.alarmFailed]?.Next).toBe(RELEASE_STATE.restoreAll);
    expect(states()[STATE.alarmMissing]?.Next).toBe(RELEASE_STATE.restoreAll);
  });

  it("writes a wave's members through Maps of bounded concurrency, retrying throttling with backoff", () => {
    for (const name of [RELEASE_STATE.shiftWave, RELEASE_STATE.promoteWave, RELEASE_STATE.restoreAll]) {
      const map = states()[name] as { MaxConcurrency: number; Iterator: { States: States } };
      expect(map.MaxConcurrency).toBe(MEMBER_CONCURRENCY);
      expect(MEMBER_CONCURRENCY).toBeLessThanOrEqual(5);
      for (const task of Object.values(map.Iterator.States).filter((state) => state.Type === "Task")) {
        const retry = task.Retry as { ErrorEquals: string[]; BackoffRate: number; MaxAttempts: number }[];
        expect(
          retry.some(
            (r) =>
              (r.ErrorEquals.includes("Lambda.TooManyRequestsException") ||
                r.ErrorEquals.includes("States.ALL")) &&
              r.BackoffRate > 1 &&
              r.MaxAttempts >= 5,
          ),
        ).toBe(true);
      }
    }
  });

  it("any failure of a wave Map or a gate goes through RestoreAll, over every member of the release", () => {
    for (const name of [
      RELEASE_STATE.shiftWave,
      RELEASE_STATE.promoteWave,
      STATE.smoke,
      STATE.describeAlarms,
    ]) {
      const catches = states()[name]?.Catch as { ErrorEquals: string[]; Next: string }[];
      expect(
        catches.some((c) => c.ErrorEquals.includes("States.ALL") && c.Next === STATE.recordFailure),
      ).toBe(true);
    }
    for (const name of [
      STATE.recordFailure,
      STATE.smokeFailed,
      RELEASE_STATE.memberForeign,
      RELEASE_STATE.memberFailed,
    ])
      expect(states()[name]?.Next).toBe(RELEASE_STATE.restoreAll);
    expect(states()[RELEASE_STATE.restoreAll]).toMatchObject({ ItemsPath: "$.release.members" });
    // No iteration fails its Map: that would cut its siblings off mid-write (or mid-restore).
    for (const name of [RELEASE_STATE.shiftWave, RELEASE_STATE.promoteWave, RELEASE_STATE.restoreAll]) {
      const iteration = (states()[name] as { Iterator: { States: States } }).Iterator.States;
      expect(Object.values(iteration).some((state) => state.Type === "Fail")).toBe(false);
      for (const task of Object.values(iteration).filter((state) => state.Type === "Task")) {
        const catches = task.Catch as { ErrorEquals: string[] }[];
        expect(catches.some((c) => c.ErrorEquals.includes("States.ALL"))).toBe(true);
      }
    }
  });
});

describe("the release as execution input", () => {
  const plan = buildPlan({ steps: "10%:1s,50%:1s" });
  const member = (name: string) => ({
    functionName: name,
    aliasName: "live",
    stableVersion: "7",
    newVersion: "8",
    alarms: [`${name}-errors`, "shared"],
  });
  const input = releaseExecutionInput({
    releaseId: "r-abc-1",
    plan,
    intervalMs: 1000,
    waves: [
      { bakeMs: 60_000, members: [member("a"), member("b")] },
      { bakeMs: 0, members: [member("c")] },
    ],
  });

  it("each wave carries the union of its members' alarms once, its hold, and each member's weights per step", () => {
    expect(input.waves[0]?.alarms).toEqual(["a-errors", "shared", "b-errors"]);
    expect(input.waves[0]?.finalBakeSeconds).toBe(60);
    expect(input.waves[0]?.members[0]?.weights).toEqual([{}, { 8: 0.1 }, { 8: 0.5 }]);
    expect(input.waves[1]?.members[0]?.liveSuffix).toBe(" (replaced v7) release=r-abc-1 wave=2/2 from=v7");
    expect(input.members.map((m) => m.functionName)).toEqual(["a", "b", "c"]);
  });
});

describe("the history bound of a release", () => {
  const shape = (steps: string, members: number, pollSeconds = 1) => ({
    plan: buildPlan({ steps }),
    pollSeconds,
    waves: [
      { bakeMs: 0, members, alarms: members, smoke: 0 },
      { bakeMs: 0, members: 1, alarms: 1, smoke: 0 },
    ],
  });

  it("matches what the emulator wrote (moto 5.2.1, GetExecutionHistory of two waves of 2 and 1 members)", () => {
    // Measured by hand; test/integration/stepfunctions-release.test.ts compares a live run with it.
    expect(releaseExecutionEvents(shape("10%:1s,50%:1s", 2))).toBe(434);
  });

  it("grows by 20 events per member per write, not per poll: the gate check is one per wave", () => {
    const perMember = releaseExecutionEvents(shape("10%:1s", 3)) - releaseExecutionEvents(shape("10%:1s", 2));
    expect(perMember).toBe(2 * 20);
    const perPoll =
      releaseExecutionEvents(shape("10%:20m", 5, 10)) - releaseExecutionEvents(shape("10%:10m", 5, 10));
    expect(perPoll / 60).toBe(2 * 21);
  });

  it("a release over the budget is refused with the count and the interval that fits (exit 2)", () => {
    const long = shape("10%:2h,50%:1h", 4, 10);
    const error = errorOf(() => assertReleaseFits(long));
    expect(error.exitCode).toBe(ExitCode.invalidInput);
    expect(error.message).toContain(`up to ${releaseExecutionEvents(long)} history events`);
    const poll = Number(/--interval (\d+)s or more/.exec(error.hint ?? "")?.[1]);
    expect(releaseExecutionEvents({ ...long, pollSeconds: poll })).toBeLessThanOrEqual(HISTORY_BUDGET);
    expect(releaseExecutionEvents({ ...long, pollSeconds: poll - 1 })).toBeGreaterThan(HISTORY_BUDGET);
  });
});
