import { describe, expect, test } from "vitest";
import { FakeLedgerStore } from "../../../test/support/fake-ledger.js";
import { FakeClock } from "../../../test/support/fakes.js";
import { beginSession, recordTarget } from "./begin.js";
import { type LedgerAccess, recordKey, recordPath } from "./location.js";
import { readHead } from "./lock.js";
import { lastPromotion, recentRecords } from "./read.js";

const ARN = "arn:aws:lambda:us-east-1:123456789012:function:fn:live";
const KEY = { account: "123456789012", region: "us-east-1", function: "fn", alias: "live" };

/** A ledger after one finished roll-out per outcome, oldest first: roll-out i moves v(i+1) to v(i+2). */
async function ledgerOf(outcomes: ("promoted" | "rolled_back")[]) {
  const clock = new FakeClock();
  const store = new FakeLedgerStore(clock);
  const access: LedgerAccess = {
    store,
    location: { bucket: "ledger", prefix: "rollouts/" },
    actor: { name: "alice", host: "laptop" },
  };
  for (const [i, outcome] of outcomes.entries()) {
    const session = await beginSession(
      access,
      {
        id: `r-${i}`,
        kind: "rollout",
        name: "fn",
        engine: "local",
        plan: "AllAtOnce",
        gates: [],
        targets: [recordTarget({ aliasArn: ARN, version: String(i + 1) }, { newVersion: String(i + 2) })],
      },
      { clock, isSplit: async () => false, warn: () => {} },
    );
    await session.end(
      { outcome, exitCode: outcome === "promoted" ? 0 : 1, reason: null, hint: null },
      new Map([[ARN, outcome]]),
      1000,
    );
    clock.time += 1000;
  }
  const head = await readHead(store, access.location, KEY);
  const gets = () => store.calls.filter((call) => call.op === "get").length;
  const before = gets();
  return { access, store, head, readsSince: () => gets() - before };
}

describe("lastPromotion reads newest first and stops at the answer", () => {
  test("after a promoted roll-out: its record, one GET, however long the history", async () => {
    const ledger = await ledgerOf(Array.from({ length: 25 }, () => "promoted" as const));
    const found = await lastPromotion(ledger.access, ledger.head, "fn");
    expect(found).toMatchObject({ from: "25", to: "26", record: { id: "r-24" } });
    expect(ledger.readsSince()).toBe(1);
  });

  test("behind three rolled-back roll-outs: the promoted one before them, in 1 + 2 + 4 reads at most", async () => {
    const ledger = await ledgerOf(["promoted", "promoted", "rolled_back", "rolled_back", "rolled_back"]);
    const found = await lastPromotion(ledger.access, ledger.head, "fn");
    expect(found).toMatchObject({ from: "2", to: "3", record: { id: "r-1" } });
    expect(ledger.readsSince()).toBeLessThanOrEqual(7);
  });

  test("an unreadable record is skipped; none promoted among the 20 newest: none", async () => {
    const ledger = await ledgerOf(["promoted", ...Array.from({ length: 20 }, () => "rolled_back" as const)]);
    expect(await lastPromotion(ledger.access, ledger.head, "fn")).toBeUndefined();

    const skipping = await ledgerOf(["promoted", "promoted"]);
    const newest = recordKey(skipping.access.location, recordPath("rollout", "r-1", KEY));
    skipping.store.objects.set(`ledger/${newest}`, { body: "not json", etag: '"x"' });
    expect(await lastPromotion(skipping.access, skipping.head, "fn")).toMatchObject({ to: "2" });
  });

  test("recentRecords: the newest `limit` records, newest first", async () => {
    const ledger = await ledgerOf(Array.from({ length: 12 }, () => "promoted" as const));
    const records = await recentRecords(ledger.access, ledger.head, 10);
    expect(records.map((r) => r.id)).toEqual(Array.from({ length: 10 }, (_, i) => `r-${11 - i}`));
    expect(await recentRecords(ledger.access, ledger.head, 0)).toEqual([]);
  });
});
