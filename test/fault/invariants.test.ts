import { describe, expect, test } from "vitest";
import { type LedgerSnapshot, ledgerViolations, type RunRecord } from "./invariants.js";

const run = (result: Record<string, unknown>): RunRecord => ({
  code: Number(result.exitCode),
  signal: null,
  stderr: "",
  events: [{ type: "result", ...result }],
  timedOut: false,
});
const promoted = {
  outcome: "promoted",
  exitCode: 0,
  ledger: { id: "r-1", record: "s3://b/rollouts/records/123456789012/us-east-1/fn/r-1.json" },
};
const snapshot = (over: Partial<LedgerSnapshot> = {}): LedgerSnapshot => ({
  record: { outcome: { outcome: "promoted", exitCode: 0 } },
  head: { holder: null },
  reachableAtEnd: true,
  ...over,
});

describe("the ledger's part of the promise, as the fault suite checks it", () => {
  test("a record that says what the result says, and a free lock: no violation", () => {
    expect(ledgerViolations(run(promoted), snapshot())).toEqual([]);
  });

  test("a record that says otherwise, a missing record, a lock still held: each is a violation", () => {
    const otherwise = snapshot({ record: { outcome: { outcome: "rolled_back", exitCode: 1 } } });
    expect(ledgerViolations(run(promoted), otherwise)).toEqual([
      "the record says rolled_back (exit 1), the result promoted (exit 0)",
    ]);
    expect(ledgerViolations(run(promoted), snapshot({ record: undefined }))).toEqual([
      "the record r-1 is missing",
    ]);
    expect(ledgerViolations(run(promoted), snapshot({ head: { holder: { id: "r-1" } } }))).toEqual([
      "the lock is still held by r-1",
    ]);
  });

  test("what the result says the ledger missed is excused, and only that", () => {
    const missed = (incomplete: string) => run({ ...promoted, ledger: { ...promoted.ledger, incomplete } });
    const stale = snapshot({ record: { outcome: null }, head: { holder: { id: "r-1" } } });
    const both = "the ledger record s3://… could not be saved (503); its lock could not be freed (503).";
    expect(ledgerViolations(missed(both), stale)).toEqual([]);
    expect(ledgerViolations(missed("its lock could not be freed (503)."), stale)).toEqual([
      "the record says no outcome, the result promoted (exit 0)",
    ]);
  });

  test("no record begun: a lock left behind is a violation only when the ledger answered at the end", () => {
    const failed = run({ outcome: "failed", exitCode: 4 });
    const held = { head: { holder: { id: "r-1" } }, record: undefined };
    expect(ledgerViolations(failed, snapshot(held))).toEqual([
      "no record in the result, but the lock is held by r-1 (the ledger was reachable at the end)",
    ]);
    expect(ledgerViolations(failed, snapshot({ ...held, reachableAtEnd: false }))).toEqual([]);
  });
});
