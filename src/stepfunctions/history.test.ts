import { describe, expect, it } from "vitest";
import type { ExecutionEvent } from "../ports.js";
import { type ExecutionInput, FAILURE, STATE } from "./definition.js";
import { HistoryReader } from "./history.js";

const input: ExecutionInput = {
  functionName: "orders",
  aliasName: "live",
  stableVersion: "7",
  newVersion: "8",
  steps: [
    { weight: 10, bakeSeconds: 60, routing: { AdditionalVersionWeights: { "8": 0.1 } } },
    { weight: 50, bakeSeconds: 60, routing: { AdditionalVersionWeights: { "8": 0.5 } } },
  ],
  finalBakeSeconds: 30,
  pollSeconds: 10,
  alarms: ["orders-errors"],
  smoke: [],
  stableFacts: "",
  newFacts: "",
};
let id = 0;
const event = (
  type: string,
  stateName?: string,
  data?: object,
  extra: Partial<ExecutionEvent> = {},
): ExecutionEvent => ({
  id: ++id,
  type,
  timestamp: id * 1000,
  stateName,
  data: data ? JSON.stringify(data) : undefined,
  ...extra,
});
const verdict = (phase: string, step: number, firing = false) =>
  event("PassStateExited", STATE.alarmVerdict, {
    run: { phase, final: false },
    step: { number: step, item: input.steps[step - 1] },
    cursor: { index: step - 1, count: 2 },
    alarms: {
      names: ["orders-errors"],
      states: [firing ? "ALARM" : "OK"],
      compositeNames: [],
      compositeStates: [],
    },
    firing: { metric: firing, composite: false },
  });

describe("HistoryReader: an execution's history as the local engine's events", () => {
  it("shifts, bakes and gate phases as the engine names them; promotion at the end", () => {
    const reader = new HistoryReader(input);
    const read = (e: ExecutionEvent) => reader.read(e).events;
    expect(read(verdict("pre-traffic", 0))).toMatchObject([
      { type: "gate", phase: "pre-traffic", weight: 0 },
    ]);
    expect(
      read(event("TaskStateExited", STATE.shift, { step: { number: 1, item: input.steps[0] } })),
    ).toEqual([{ type: "shift", fromVersion: "7", toVersion: "8", weight: 10, step: 1, steps: 3 }]);
    expect(
      read(
        event("WaitStateEntered", STATE.waitPoll, {
          run: { remaining: 50 },
          step: { number: 1, item: input.steps[0] },
        }),
      ),
    ).toEqual([{ type: "bake", weight: 10, step: 1, remainingMs: 50_000, totalMs: 60_000 }]);
    expect(read(verdict("decision", 1))).toMatchObject([{ phase: "before-shift", weight: 10 }]);
    expect(read(verdict("decision", 2))).toMatchObject([{ phase: "before-promote", weight: 50 }]);
    expect(read(event("TaskStateExited", STATE.promote, {}))).toMatchObject([
      { type: "shift", weight: 100, step: 3 },
    ]);
    expect(reader.read(event("ExecutionSucceeded"))).toEqual({
      events: [{ type: "promoted", version: "8" }],
      ending: { kind: "succeeded" },
    });
  });

  it("a firing alarm is a failed gate; Restore is a rollback only once traffic moved; the failure ends it", () => {
    const before = new HistoryReader(input);
    expect(before.read(verdict("pre-traffic", 0, true)).events).toMatchObject([
      { type: "gate", verdict: { gate: "alarms", status: "fail", detail: "in ALARM: orders-errors" } },
    ]);
    expect(before.read(event("TaskStateEntered", STATE.restore, { failure: { cause: "x" } })).events).toEqual(
      [],
    );

    const gone = new HistoryReader(input);
    const missing = JSON.parse(verdict("bake", 1).data as string);
    missing.alarms = { names: [], states: [], compositeNames: [], compositeStates: [] };
    missing.firing = { metric: false, composite: false, found: 0, expected: 1 };
    expect(gone.read(event("PassStateExited", STATE.alarmVerdict, missing)).events).toMatchObject([
      {
        type: "gate",
        verdict: {
          gate: "alarms",
          status: "fail",
          detail: "no longer exist: orders-errors (deleted or renamed; a missing alarm cannot gate)",
        },
      },
    ]);

    const after = new HistoryReader(input);
    after.read(event("TaskStateExited", STATE.shift, { step: { number: 1, item: input.steps[0] } }));
    expect(
      after.read(event("TaskStateEntered", STATE.restore, { failure: { cause: "alarm" } })).events,
    ).toEqual([{ type: "rollback", reason: "alarm", routing: { version: "7" } }]);
    // After a failed alarm verdict, the rollback says which alarm, as the local engine does.
    after.read(verdict("bake", 1, true));
    expect(after.alarmFailure).toBe(
      `Health gate "alarms" failed at ${input.steps[0]?.weight}% (bake): in ALARM: orders-errors`,
    );
    expect(
      after.read(event("TaskStateEntered", STATE.restore, { failure: { cause: "alarm" } })).events,
    ).toMatchObject([{ type: "rollback", reason: after.alarmFailure }]);
    expect(
      after.read(event("ExecutionFailed", undefined, undefined, { error: FAILURE.alarm, cause: "c" })).ending,
    ).toEqual({
      kind: "failed",
      error: FAILURE.alarm,
      cause: "c",
    });
    expect(after.read(event("ExecutionAborted")).ending).toMatchObject({
      kind: "stopped",
      status: "ABORTED",
    });
  });
});
