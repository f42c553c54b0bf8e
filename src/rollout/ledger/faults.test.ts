/**
 * The ledger never stands between the engine and the alias (issue 19, "Faults"): a ledger that fails
 * mid-roll-out does not move the restore by one fake millisecond, and a ledger unreachable before the
 * start stops the run before any write to Lambda.
 */
import { describe, expect, test } from "vitest";
import { deployHarness } from "../../../test/support/deploy-harness.js";
import { FakeLedgerStore, type LedgerCall, type LedgerFault } from "../../../test/support/fake-ledger.js";
import type { FakeClock } from "../../../test/support/fakes.js";
import type { GateVerdict, HealthGate } from "../../health/gate.js";
import type { AliasRouting } from "../../ports.js";
import { DEFAULT_RESTORE_TIMEOUT_MS } from "../engine/engine.js";
import type { LedgerAccess } from "./location.js";
import type { AliasHead, RolloutRecord } from "./record.js";

const HOUR = 3_600_000;
const HEAD = "rollouts/aliases/123456789012/us-east-1/fn/live.json";

type Faults = (call: Omit<LedgerCall, "outcome">) => LedgerFault | undefined;

/** Fails on the n-th bake check (0-based), passes otherwise. */
function failingAt(n: number): HealthGate {
  let checks = 0;
  return {
    name: "canary",
    async check(): Promise<GateVerdict> {
      const status = checks++ === n ? "fail" : "pass";
      return { gate: "canary", status, detail: `check ${checks}: ${status}` };
    },
  };
}

/** An outage of an hour from the first write after the start (the lock and the record are in place). */
function outageFromFirstWrite(): Faults {
  let started = false;
  return (call) => {
    if (call.op !== "replace" || started) return undefined;
    started = true;
    return { outageMs: HOUR };
  };
}

/** One deploy of v2 that a gate fails at its 4th check (in the 50% step), with the ledger given. */
async function rolledBack(ledger: "none" | Faults, onWrite: (routing: AliasRouting) => void = () => {}) {
  let store: FakeLedgerStore | undefined;
  const harness = deployHarness(undefined, (clock: FakeClock) => {
    if (ledger === "none") return {};
    store = new FakeLedgerStore(clock);
    store.failWhen = ledger;
    const access: LedgerAccess = {
      store,
      location: { bucket: "ledger", prefix: "rollouts/" },
      actor: { name: "ci" },
    };
    return { ledger: access, rolloutId: "r-1" };
  });
  const { lambda, clock } = harness;
  const writes: { at: number; routing: AliasRouting }[] = [];
  const updateAlias = lambda.updateAlias.bind(lambda);
  lambda.updateAlias = (f, a, routing, revision, options) => {
    writes.push({ at: clock.now(), routing });
    onWrite(routing);
    return updateAlias(f, a, routing, revision, options);
  };
  const started = clock.now();
  const result = await harness.run({ gates: [failingAt(7)] });
  const times = writes.map((w) => ({ ...w, at: w.at - started }));
  const record = store?.read<RolloutRecord>("ledger", "rollouts/records/123456789012/us-east-1/fn/r-1.json");
  const head = store?.read<AliasHead>("ledger", HEAD);
  return { result, times, record, head, lambda, store };
}

describe("a failing ledger never delays the rollback", () => {
  const cases: [string, () => Faults][] = [
    ["an outage from the first write after the start, for an hour", outageFromFirstWrite],
    ["every call slow (20 ms of real time)", () => () => ({ slowMs: 20 })],
    [
      "every other write answering 412",
      () => {
        let writes = 0;
        return (call) => (call.op !== "get" && writes++ % 2 === 0 ? "412" : undefined);
      },
    ],
    [
      "every write after the start applied with its reply lost",
      () => (call) => (call.op === "replace" ? "lost" : undefined),
    ],
  ];

  test.each(cases)(
    "%s: the alias is restored at the same fake time as without a ledger",
    async (_, faults) => {
      const without = await rolledBack("none");
      const healthy = await rolledBack(() => undefined);
      const faulty = await rolledBack(faults());
      expect(without.result).toMatchObject({ outcome: "rolled_back", exitCode: 1 });
      // 10%, 50%, then the restore to 100% v1.
      expect(without.times.map((w) => w.routing)).toEqual([
        { version: "1", additional: { version: "2", weight: 10 } },
        { version: "1", additional: { version: "2", weight: 50 } },
        { version: "1" },
      ]);
      expect(healthy.times).toEqual(without.times);
      expect(faulty.times).toEqual(without.times);
      expect(faulty.lambda.alias).toMatchObject({ version: "1", additional: undefined });
      expect(faulty.result).toMatchObject({
        outcome: "rolled_back",
        exitCode: 1,
        reason: without.result.reason,
      });
      // The record has the outcome, or the result says it may not.
      const incomplete = faulty.result.ledger?.incomplete;
      if (incomplete === undefined) {
        expect(faulty.record?.outcome).toMatchObject({ outcome: "rolled_back", exitCode: 1 });
        expect(faulty.head?.holder).toBeNull();
      } else {
        expect(incomplete).toContain("could not be saved");
        expect(faulty.store?.down).toBe(true);
      }
    },
  );

  test("ledger calls hanging from the first write after the start: the restore does not wait for them", async () => {
    const without = await rolledBack("none");
    let restored: () => void = () => {};
    const hold = new Promise<void>((resolve) => {
      restored = resolve;
    });
    let begun = false;
    const faulty = await rolledBack(
      (call) => {
        begun ||= call.op === "replace";
        return begun ? { hold } : undefined;
      },
      // Released only by the restore itself: a run that waited for the ledger first would never get there.
      (routing) => {
        if (!routing.additional) restored();
      },
    );
    expect(faulty.times).toEqual(without.times);
    expect(faulty.result).toMatchObject({ outcome: "rolled_back", exitCode: 1 });
    expect(faulty.result.ledger?.incomplete).toBeUndefined();
    expect(faulty.record?.outcome).toMatchObject({ outcome: "rolled_back", exitCode: 1 });
  }, 5_000); // a run that waits for the held calls never ends: fail fast

  test("the outage outlasting the restore timeout: the result comes at most that long after the restore, and says so", async () => {
    const { result, times, store } = await rolledBack(outageFromFirstWrite());
    const restoredAt = times.at(-1)?.at as number;
    const ended = (store?.calls.at(-1)?.at as number) - (store?.calls[0]?.at as number);
    expect(ended - restoredAt).toBeLessThanOrEqual(DEFAULT_RESTORE_TIMEOUT_MS);
    expect(result.ledger?.incomplete).toContain(
      "the ledger record s3://ledger/rollouts/records/123456789012/us-east-1/fn/r-1.json could not be saved",
    );
    expect(result.ledger?.incomplete).toContain("its lock could not be freed");
  });
});

describe("a ledger unreachable before the start: nothing changes in Lambda", () => {
  test.each<[string, number, (store: FakeLedgerStore) => void]>([
    ["its bucket missing", 2, (store) => store.buckets.clear()],
    [
      "access denied",
      2,
      (store) => {
        store.denied = true;
      },
    ],
    ["S3 down", 4, (store) => store.startOutage(HOUR)],
  ])("%s: exit %i before any write", async (_, exitCode, breakIt) => {
    const harness = deployHarness(undefined, (clock) => {
      const store = new FakeLedgerStore(clock);
      breakIt(store);
      return {
        ledger: { store, location: { bucket: "ledger", prefix: "rollouts/" }, actor: { name: "ci" } },
      };
    });
    const result = await harness.run();
    expect(result.exitCode).toBe(exitCode);
    expect(result.outcome).toBe("failed");
    const writes = harness.lambda.calls.filter((c) =>
      ["updateAlias", "publishVersion", "updateFunctionCode"].includes(c.op),
    );
    expect(writes).toEqual([]);
    expect(harness.lambda.alias).toMatchObject({ version: "1", revisionId: "rev-1" });
  });
});
