import { describe, expect, it } from "vitest";
import { errorOf } from "../../test/support/errors.js";
import { ExitCode } from "../errors.js";
import { buildPlan } from "../plan/plan.js";
import {
  approvalEvents,
  assertWithinHistoryLimit,
  executionEvents,
  HISTORY_BUDGET,
} from "./history-bound.js";

const shape = (steps: string, finalBake: string | undefined, pollSeconds: number, alarms = 1) => ({
  plan: buildPlan(finalBake ? { steps, finalBake } : { steps }),
  pollSeconds,
  alarms,
  smoke: 0,
});

describe("the history events of a plan's execution", () => {
  it("match what the emulator wrote for the same plans (moto 5.2.1, GetExecutionHistory)", () => {
    // Measured once by hand; test/integration/stepfunctions.test.ts compares live runs with the formula.
    expect(executionEvents(shape("10%:3s,50%:2s", "2s", 1))).toBe(258);
    expect(executionEvents(shape("10%:3s,50%:2s", "2s", 1, 0))).toBe(186);
    expect(executionEvents(shape("10%:1s", undefined, 1, 0))).toBe(76);
  });

  it("grow by 21 per poll with alarms (8 for the wait, 13 for the check), 12 without", () => {
    const per = (alarms: number) =>
      executionEvents(shape("10%:20m", undefined, 10, alarms)) -
      executionEvents(shape("10%:10m", undefined, 10, alarms));
    expect(per(1) / 60).toBe(21);
    expect(per(0) / 60).toBe(12);
  });

  it("a bake that is not a whole number of polls counts its last, shorter wait (BakeLoop, WaitRest)", () => {
    expect(executionEvents(shape("10%:25s", undefined, 10))).toBe(
      executionEvents(shape("10%:30s", undefined, 10)) - 4,
    );
  });
});

describe("a wait for manual approval", () => {
  it("counts 10 events per timed-out wait and its check, 10 and a check for the approval (measured in test/integration/stepfunctions-approval.test.ts)", () => {
    expect(approvalEvents(0, 1)).toBe(10 + 13);
    expect(approvalEvents(3, 0)).toBe(10 + 4 + 3 * (10 + 4));
    // A 1 h approval polled every 10 s: approved in its last wait at the longest, 359 waits before.
    const plain = shape("10%:5m", undefined, 10);
    expect(executionEvents({ ...plain, approvalSeconds: 3600 }) - executionEvents(plain)).toBe(
      approvalEvents(359, 1),
    );
  });

  it("a long one can take the plan over the cap: refused like a long bake", () => {
    const plain = shape("10%:5m", undefined, 10);
    expect(() => assertWithinHistoryLimit({ ...plain, approvalSeconds: 3600 })).not.toThrow();
    const error = errorOf(() => assertWithinHistoryLimit({ ...plain, approvalSeconds: 3 * 3600 }));
    expect(error.exitCode).toBe(ExitCode.invalidInput);
    expect(error.hint).toMatch(/--interval \d+s or more/);
  });
});

describe("a plan that could reach the 25,000-event cap is refused (exit 2)", () => {
  it("the issue's plan at the default interval, with the count and the fixes", () => {
    const long = shape("10%:2h,50%:1h", "1h", 10);
    const error = errorOf(() => assertWithinHistoryLimit(long));
    expect(error.exitCode).toBe(ExitCode.invalidInput);
    expect(error.message).toContain(`up to ${executionEvents(long)} history events`);
    expect(error.message).toContain("Nothing was changed.");
    const poll = Number(/--interval (\d+)s or more/.exec(error.hint ?? "")?.[1]);
    // The interval it suggests is the shortest that fits.
    expect(executionEvents({ ...long, pollSeconds: poll })).toBeLessThanOrEqual(HISTORY_BUDGET);
    expect(executionEvents({ ...long, pollSeconds: poll - 1 })).toBeGreaterThan(HISTORY_BUDGET);
    expect(error.hint).toContain("shorten the bakes");
    expect(error.hint).toContain("--engine local");
  });

  it("the same plan without alarms, or with a longer interval, fits", () => {
    expect(() => assertWithinHistoryLimit(shape("10%:2h,50%:1h", "1h", 10, 0))).not.toThrow();
    expect(() => assertWithinHistoryLimit(shape("10%:2h,50%:1h", "1h", 15))).not.toThrow();
  });
});
