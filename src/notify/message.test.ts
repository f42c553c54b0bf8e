import { describe, expect, it } from "vitest";
import type { StampedEvent } from "../rollout/events.js";
import { NOTIFYING_EVENTS, notificationOf } from "./message.js";

const at = 1_700_000_000_000;
const target = { function: "orders", alias: "live" };
const event = (fields: Record<string, unknown>) => ({ at, ...fields }) as unknown as StampedEvent;

describe("which events notify", () => {
  it("the start, shifts, a rollback, an approval wait and the result; nothing else", () => {
    expect(Object.keys(NOTIFYING_EVENTS).sort()).toEqual([
      "awaiting_approval",
      "plan",
      "result",
      "rollback",
      "shift",
    ]);
    for (const type of ["info", "warning", "gate", "bake", "artifact", "published", "promoted", "toString"]) {
      expect(notificationOf(event({ type, message: "x" }), target)).toBeUndefined();
    }
  });

  it("a detached Step Functions run (outcome started) says it goes on in AWS, not that it failed", () => {
    const started = notificationOf(
      event({
        type: "result",
        outcome: "started",
        function: "orders",
        alias: "live",
        fromVersion: "1",
        toVersion: "2",
        reason: null,
        hint: null,
        exitCode: 0,
      }),
      target,
    );
    expect(started?.text).toBe("🛰️ orders:live: v2 is rolling out in AWS");
  });

  it("a failed result names the exit code and the first line of the reason", () => {
    const failed = notificationOf(
      event({
        type: "result",
        outcome: "failed",
        function: "orders",
        alias: "live",
        fromVersion: "1",
        toVersion: null,
        reason: "Alias changed by someone else.\nstack",
        hint: null,
        exitCode: 3,
      }),
      target,
    );
    expect(failed).toMatchObject({
      text: "❌ orders:live: failed (exit 3): Alias changed by someone else.",
      reason: "Alias changed by someone else.",
    });
  });
});
