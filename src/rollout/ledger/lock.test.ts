import { describe, expect, test } from "vitest";
import { FakeLedgerStore, type LedgerFault } from "../../../test/support/fake-ledger.js";
import { FakeClock } from "../../../test/support/fakes.js";
import { ConflictError } from "../../errors.js";
import { headKey, type LedgerLocation } from "./location.js";
import { type AcquireContext, acquire, LEASE_MS, readHead, rewriteHead, serializeHead } from "./lock.js";
import { type AliasHead, type Holder, iso, SCHEMA } from "./record.js";

const location: LedgerLocation = { bucket: "ledger", prefix: "rollouts/" };
const alias = { function: "fn", region: "us-east-1", account: "123456789012", alias: "live" };
const key = headKey(location, alias);

function holder(id: string, since: number, actor = "alice"): Holder {
  return {
    id,
    record: `records/123456789012/us-east-1/fn/${id}.json`,
    actor: { name: actor, host: "laptop" },
    since: iso(since),
    leaseUntil: iso(since + LEASE_MS),
  };
}

function setup() {
  const clock = new FakeClock();
  const store = new FakeLedgerStore(clock);
  const warnings: string[] = [];
  let split = false;
  const context = (): AcquireContext => ({
    now: clock.now(),
    isSplit: async () => split,
    warn: (message) => warnings.push(message),
  });
  const head = () => store.read<AliasHead>(location.bucket, key);
  return {
    clock,
    store,
    warnings,
    context,
    head,
    setSplit: (value: boolean) => {
      split = value;
    },
  };
}

describe("acquire: one lock per alias", () => {
  test("a free alias is locked with a create, and the head lists the roll-out", async () => {
    const { store, context, head, clock } = setup();
    const held = await acquire(store, location, alias, holder("r-1", clock.now()), context());
    expect(head()?.holder?.id).toBe("r-1");
    expect(head()?.recent).toEqual([
      { id: "r-1", startedAt: iso(clock.now()), record: "records/123456789012/us-east-1/fn/r-1.json" },
    ]);
    expect(held.etag).toBe(store.objects.get(`ledger/${key}`)?.etag);
    expect(store.calls.map((c) => `${c.op} ${c.outcome}`)).toEqual(["get ok", "create ok"]);
  });

  test("a lock held under a running lease is exit 3, naming the holder; the head is left alone", async () => {
    const { store, context, head, clock, setSplit } = setup();
    await acquire(store, location, alias, holder("r-1", clock.now()), context());
    const before = store.objects.get(`ledger/${key}`);
    clock.time += LEASE_MS - 1;
    // Whole or split: a live lease is never taken.
    for (const split of [false, true]) {
      setSplit(split);
      const error = await acquire(store, location, alias, holder("r-2", clock.now(), "bob"), context()).catch(
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(ConflictError);
      expect((error as ConflictError).exitCode).toBe(3);
      expect((error as Error).message).toContain("locked by roll-out r-1, started by alice@laptop");
      expect((error as ConflictError).hint).toContain("lambda-rollout unlock --function fn --alias live");
    }
    expect(store.objects.get(`ledger/${key}`)).toEqual(before);
    expect(head()?.holder?.id).toBe("r-1");
  });

  test("a lease that ran out on a split alias is left to an operator (exit 3)", async () => {
    const { store, context, head, clock, setSplit } = setup();
    await acquire(store, location, alias, holder("r-1", clock.now()), context());
    clock.time += LEASE_MS;
    setSplit(true);
    const error = await acquire(store, location, alias, holder("r-2", clock.now()), context()).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(ConflictError);
    expect((error as Error).message).toContain("its lease ran out");
    expect((error as Error).message).toContain("while the alias is split");
    expect((error as ConflictError).hint).toContain("lambda-rollout rollback --function fn --alias live");
    expect(head()?.holder?.id).toBe("r-1");
  });

  test("a lease that ran out on a whole alias is taken over, with a warning", async () => {
    const { store, context, head, clock, warnings } = setup();
    await acquire(store, location, alias, holder("r-1", clock.now()), context());
    clock.time += LEASE_MS;
    const held = await acquire(store, location, alias, holder("r-2", clock.now(), "bob"), context());
    expect(held.tookOverFrom?.id).toBe("r-1");
    expect(head()?.holder?.id).toBe("r-2");
    expect(head()?.recent.map((r) => r.id)).toEqual(["r-1", "r-2"]);
    expect(warnings).toEqual([expect.stringContaining("Took over the lock of fn:live from roll-out r-1")]);
  });

  test.each<LedgerFault>(["lost-412", "412"])(
    "the lock's create answered %s: the lock is ours, written once",
    async (fault) => {
      const { store, context, head, clock } = setup();
      store.failWhen = (call) => (call.op === "create" && call.n === 1 ? fault : undefined);
      const held = await acquire(store, location, alias, holder("r-1", clock.now()), context());
      expect(head()?.holder?.id).toBe("r-1");
      expect(held.etag).toBe(store.objects.get(`ledger/${key}`)?.etag);
      expect(held.head.holder?.id).toBe("r-1");
    },
  );

  test.each<LedgerFault>(["lost-412", "lost"])(
    "the take-over's replace landed with its reply lost (%s): recognized as ours",
    async (fault) => {
      const { store, context, head, clock, warnings } = setup();
      await acquire(store, location, alias, holder("r-1", clock.now()), context());
      clock.time += LEASE_MS;
      const start = store.calls.length;
      store.failWhen = (call) => (call.op === "replace" && call.n >= start ? fault : undefined);
      const held = await acquire(store, location, alias, holder("r-2", clock.now()), context());
      expect(head()?.holder?.id).toBe("r-2");
      expect(held.etag).toBe(store.objects.get(`ledger/${key}`)?.etag);
      expect(store.calls.filter((c) => c.op === "replace")).toHaveLength(1);
      // Still a take-over: said once, and named for the dead roll-out's record to be closed.
      expect(held.tookOverFrom?.id).toBe("r-1");
      expect(warnings).toEqual([expect.stringContaining("from roll-out r-1")]);
    },
  );

  test("two runners racing for a free alias: exactly one holds it, the other is exit 3", async () => {
    for (let delay = 0; delay < 4; delay++) {
      const { store, context, head, clock } = setup();
      // Both read "no lock" before either writes: the conditional create decides.
      let reads = 0;
      let release: () => void = () => {};
      const bothRead = new Promise<void>((resolve) => {
        release = resolve;
      });
      const inner = store.get.bind(store);
      store.get = async (...args) => {
        const found = await inner(...args);
        if (++reads === 2) release();
        if (reads <= 2) await bothRead;
        for (let i = 0; i < delay; i++) await Promise.resolve();
        return found;
      };
      const results = await Promise.allSettled([
        acquire(store, location, alias, holder("r-a", clock.now(), "alice"), context()),
        acquire(store, location, alias, holder("r-b", clock.now(), "bob"), context()),
      ]);
      const won = results.filter((r) => r.status === "fulfilled");
      const lost = results.filter((r) => r.status === "rejected");
      expect(won).toHaveLength(1);
      expect(lost).toHaveLength(1);
      expect((lost[0] as PromiseRejectedResult).reason).toBeInstanceOf(ConflictError);
      const winner = (won[0] as PromiseFulfilledResult<{ head: AliasHead }>).value.head.holder?.id;
      expect(head()?.holder?.id).toBe(winner);
      expect((lost[0] as PromiseRejectedResult).reason.message).toContain(`locked by roll-out ${winner}`);
    }
  });
});

describe("rewriteHead: renewals and release of a held lock", () => {
  test.each<LedgerFault>(["lost-412", "lost"])(
    "a release that landed with its reply lost (%s) is done, not an error",
    async (fault) => {
      const { store, context, head, clock } = setup();
      const held = await acquire(store, location, alias, holder("r-1", clock.now()), context());
      store.failWhen = (call) => (call.op === "replace" ? fault : undefined);
      const after = await rewriteHead(store, location, held, "r-1", (h) => ({ ...h, holder: null }));
      expect(head()?.holder).toBeNull();
      expect(after?.etag).toBe(store.objects.get(`ledger/${key}`)?.etag);
    },
  );

  test("a lock someone unlocked meanwhile is no longer ours: nothing is written", async () => {
    const { store, context, clock } = setup();
    const held = await acquire(store, location, alias, holder("r-1", clock.now()), context());
    // An operator's `unlock`, then another roll-out's lock.
    const current = await readHead(store, location, alias);
    await rewriteHead(store, location, current as typeof held, "r-1", (h) => ({ ...h, holder: null }));
    await acquire(store, location, alias, holder("r-2", clock.now()), context());
    const writes = store.calls.filter((c) => c.op !== "get").length;
    const after = await rewriteHead(store, location, held, "r-1", (h) => ({ ...h, holder: null }));
    expect(after).toBeUndefined();
    expect(store.read<AliasHead>(location.bucket, key)?.holder?.id).toBe("r-2");
    expect(store.calls.filter((c) => c.op !== "get").length).toBe(writes + 1);
  });
});

describe("acquire right after readHead: no second read of a free head", () => {
  test("a free head just read is written on with its ETag, no GET again", async () => {
    const { store, context, head, clock } = setup();
    await acquire(store, location, alias, holder("r-1", clock.now()), context());
    const held = (await readHead(store, location, alias)) as NonNullable<
      Awaited<ReturnType<typeof readHead>>
    >;
    await rewriteHead(store, location, held, "r-1", (h) => ({ ...h, holder: null }));
    await readHead(store, location, alias);
    const before = store.calls.length;
    await acquire(store, location, alias, holder("r-2", clock.now()), context());
    expect(store.calls.slice(before).map((c) => `${c.op} ${c.outcome}`)).toEqual(["replace ok"]);
    expect(head()?.holder?.id).toBe("r-2");
    expect(head()?.recent.map((r) => r.id)).toEqual(["r-1", "r-2"]);
  });

  test("no head when read: created without a GET", async () => {
    const { store, context, head, clock } = setup();
    expect(await readHead(store, location, alias)).toBeUndefined();
    const before = store.calls.length;
    await acquire(store, location, alias, holder("r-1", clock.now()), context());
    expect(store.calls.slice(before).map((c) => `${c.op} ${c.outcome}`)).toEqual(["create ok"]);
    expect(head()?.holder?.id).toBe("r-1");
  });

  test("taken by another runner since it was read: the write answers 412, the head is read, exit 3", async () => {
    const { store, context, head, clock } = setup();
    expect(await readHead(store, location, alias)).toBeUndefined();
    // Another process takes it (its own store: this one's last read is not touched).
    const other: AliasHead = {
      schema: SCHEMA,
      ...alias,
      holder: holder("r-other", clock.now(), "bob"),
      recent: [],
    };
    await store.create(location.bucket, key, serializeHead(other));
    const before = store.calls.length;
    await expect(acquire(store, location, alias, holder("r-1", clock.now()), context())).rejects.toThrow(
      ConflictError,
    );
    expect(store.calls.slice(before).map((c) => `${c.op} ${c.outcome}`)).toEqual(["create 412", "get ok"]);
    expect(head()?.holder?.id).toBe("r-other");
  });

  test("held when read: read again, never refused on the earlier answer (freed since: taken)", async () => {
    const { store, context, head, clock } = setup();
    await acquire(store, location, alias, holder("r-1", clock.now()), context());
    const held = (await readHead(store, location, alias)) as NonNullable<
      Awaited<ReturnType<typeof readHead>>
    >;
    await rewriteHead(store, location, held, "r-1", (h) => ({ ...h, holder: null }));
    const before = store.calls.length;
    await acquire(store, location, alias, holder("r-2", clock.now()), context());
    expect(store.calls.slice(before).map((c) => `${c.op} ${c.outcome}`)).toEqual(["get ok", "replace ok"]);
    expect(head()?.holder?.id).toBe("r-2");
  });
});
