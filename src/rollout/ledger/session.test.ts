import { describe, expect, test } from "vitest";
import { FakeLedgerStore, type LedgerFault } from "../../../test/support/fake-ledger.js";
import { FakeClock } from "../../../test/support/fakes.js";
import { AwsError, ConflictError, InputError } from "../../errors.js";
import { type BeginRequest, beginSession, recordTarget } from "./begin.js";
import { headKey, type LedgerAccess, recordKey, recordPath } from "./location.js";
import { LEASE_MS } from "./lock.js";
import type { AliasHead, RecordOutcome, RolloutRecord } from "./record.js";

const ARN = "arn:aws:lambda:us-east-1:123456789012:function:fn:live";
const target = recordTarget({ aliasArn: ARN, version: "1" }, { newVersion: "2" });
const HEAD = headKey({ bucket: "ledger", prefix: "rollouts/" }, target);
const PROMOTED: RecordOutcome = { outcome: "promoted", exitCode: 0, reason: null, hint: null };
const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

function setup() {
  const clock = new FakeClock();
  const store = new FakeLedgerStore(clock);
  const access: LedgerAccess = {
    store,
    location: { bucket: "ledger", prefix: "rollouts/" },
    actor: { name: "alice", host: "laptop" },
  };
  const warnings: string[] = [];
  const request = (id: string): BeginRequest => ({
    id,
    kind: "rollout",
    name: "fn",
    engine: "local",
    plan: "AllAtOnce",
    gates: [],
    targets: [target],
  });
  const begin = (id = "r-1") =>
    beginSession(access, request(id), {
      clock,
      isSplit: async () => false,
      warn: (message) => warnings.push(message),
    });
  const record = (id = "r-1") =>
    store.read<RolloutRecord>("ledger", recordKey(access.location, recordPath("rollout", id, target)));
  const head = () => store.read<AliasHead>("ledger", HEAD);
  return { clock, store, access, begin, record, head, warnings };
}

const shift = (at: number, weight: number) => ({
  type: "shift" as const,
  at,
  function: "fn",
  alias: "live",
  fromVersion: "1",
  toVersion: "2",
  weight,
  step: 1,
  steps: 1,
});

describe("beginSession", () => {
  test("locks the alias, then creates the record", async () => {
    const { begin, record, head, store } = setup();
    const session = await begin();
    expect(session.id).toBe("r-1");
    expect(head()?.holder?.id).toBe("r-1");
    expect(record()).toMatchObject({ id: "r-1", outcome: null, targets: [{ stableVersion: "1" }] });
    expect(store.calls.map((c) => `${c.op} ${c.key.split("/")[1]}`)).toEqual([
      "get aliases",
      "create aliases",
      "create records",
    ]);
  });

  test("two sessions racing for one alias: exactly one begins, the other is exit 3 with no record", async () => {
    const { begin, record, head } = setup();
    const results = await Promise.allSettled([begin("r-a"), begin("r-b")]);
    const begun = results.flatMap((r) => (r.status === "fulfilled" ? [r.value.id] : []));
    const refused = results.flatMap((r) => (r.status === "rejected" ? [r.reason as Error] : []));
    expect(begun).toHaveLength(1);
    expect(refused).toHaveLength(1);
    expect(refused[0]).toBeInstanceOf(ConflictError);
    const loser = begun[0] === "r-a" ? "r-b" : "r-a";
    expect(head()?.holder?.id).toBe(begun[0]);
    expect(record(begun[0])).toBeDefined();
    expect(record(loser)).toBeUndefined();
  });

  test.each<[string, typeof InputError | typeof AwsError, (store: FakeLedgerStore) => void]>([
    ["the bucket is missing", InputError, (store) => store.buckets.clear()],
    [
      "access is denied",
      InputError,
      (store) => {
        store.denied = true;
      },
    ],
    ["S3 is down", AwsError, (store) => store.startOutage(MINUTE)],
  ])("%s: begin throws and leaves no lock", async (_label, type, breakIt) => {
    const { begin, store, head } = setup();
    breakIt(store);
    await expect(begin()).rejects.toBeInstanceOf(type);
    expect(head()).toBeUndefined();
  });

  test.each<[string, LedgerFault]>([
    ["lock", "lost-412"],
    ["lock", "lost"],
    ["record", "lost-412"],
    ["record", "lost"],
    ["record", "412"],
  ])(
    "the %s's create answering %s once (a lost reply, or a 412 from nowhere): the write is ours",
    async (what, fault) => {
      const { begin, store, record, head } = setup();
      const folder = what === "lock" ? "/aliases/" : "/records/";
      let faulted = false;
      store.failWhen = (call) => {
        if (faulted || call.op !== "create" || !call.key.includes(folder)) return undefined;
        faulted = true;
        return fault;
      };
      const session = await begin();
      expect(head()?.holder?.id).toBe("r-1");
      expect(record()?.id).toBe("r-1");
      // And the session goes on with the right ETags: its next writes land.
      store.failWhen = () => undefined;
      expect(await session.end(PROMOTED, new Map([[ARN, "promoted"]]), MINUTE)).toBeUndefined();
      expect(record()?.outcome).toEqual(PROMOTED);
      expect(head()?.holder).toBeNull();
    },
  );

  test("a take-over whose reply was lost still closes the dead roll-out's record, and says so", async () => {
    const { begin, store, record, head, clock, warnings } = setup();
    await begin("r-0"); // its runner dies: no end
    clock.time += LEASE_MS;
    let faulted = false;
    store.failWhen = (call) => {
      if (faulted || call.op !== "replace" || !call.key.includes("/aliases/")) return undefined;
      faulted = true;
      return "lost-412";
    };
    await begin("r-1");
    expect(head()?.holder?.id).toBe("r-1");
    expect(record("r-0")?.outcome).toMatchObject({ outcome: "abandoned" });
    expect(warnings).toEqual([expect.stringContaining("Took over the lock of fn:live from roll-out r-0")]);
  });

  test("the record cannot be created: the lock just taken is freed again", async () => {
    const { begin, store, head, record } = setup();
    store.failWhen = (call) => (call.key.includes("/records/") ? "unavailable" : undefined);
    await expect(begin()).rejects.toBeInstanceOf(AwsError);
    expect(head()?.holder).toBeNull();
    expect(record()).toBeUndefined();
  });
});

describe("LedgerSession: notes, and end within its timeout", () => {
  test("a write that fails is kept for the next; end writes the outcome and frees the lock", async () => {
    const { begin, store, record, head, clock } = setup();
    const session = await begin();
    store.failWhen = (call) => (call.op === "replace" && call.n === 3 ? "unavailable" : undefined);
    session.note(shift(clock.now(), 50));
    session.note(shift(clock.now(), 100));
    const missing = await session.end(PROMOTED, new Map([[ARN, "promoted"]]), 2 * MINUTE);
    expect(missing).toBeUndefined();
    expect(record()?.outcome).toEqual(PROMOTED);
    expect(record()?.targets[0]?.state).toBe("promoted");
    expect(record()?.timeline.map((e) => e.type === "shift" && e.weight)).toEqual([50, 100]);
    expect(head()?.holder).toBeNull();
  });

  test("access denied at the end is not waited out: end reports it at once", async () => {
    const { begin, store, clock } = setup();
    const session = await begin();
    store.denied = true;
    const started = clock.now();
    const missing = await session.end(PROMOTED, new Map([[ARN, "promoted"]]), 2 * MINUTE);
    expect(missing).toMatch(/could not be saved \(Access denied/);
    // No backoff through the two minutes: retrying cannot mend a refusal (or expired credentials).
    expect(clock.now() - started).toBeLessThan(10_000);
  });

  test.each<LedgerFault>(["412", "lost", "lost-412"])(
    "every record write answering %s once: the record still ends whole",
    async (fault) => {
      const { begin, store, record, head, clock } = setup();
      const session = await begin();
      const faulted = new Set<string>();
      // The first attempt at each body fails once.
      store.failWhen = (call) => {
        if (call.op !== "replace" || !call.key.includes("/records/")) return undefined;
        const id = `${store.calls.filter((c) => c.op === "replace").length}`;
        if (faulted.has(id)) return undefined;
        faulted.add(id);
        return faulted.size % 2 === 1 ? fault : undefined;
      };
      for (const weight of [10, 50, 100]) session.note(shift(clock.now(), weight));
      const missing = await session.end(PROMOTED, new Map([[ARN, "promoted"]]), 2 * MINUTE);
      expect(missing).toBeUndefined();
      expect(record()?.outcome).toEqual(PROMOTED);
      expect(record()?.timeline.map((e) => e.type === "shift" && e.weight)).toEqual([10, 50, 100]);
      expect(head()?.holder).toBeNull();
    },
  );

  test("a write that failed, then one found landed after its lost reply: end does not wait out its timeout", async () => {
    const { begin, store, record, clock } = setup();
    const session = await begin();
    // The shift's write fails (S3 down for a moment); the outcome's lands but its reply is lost.
    const faults: LedgerFault[] = ["unavailable", "lost-412"];
    store.failWhen = (call) => (call.op === "replace" ? faults.shift() : undefined);
    session.note(shift(clock.now(), 100));
    const started = clock.now();
    const missing = await session.end(PROMOTED, new Map([[ARN, "promoted"]]), 2 * MINUTE);
    expect(record()?.outcome).toEqual(PROMOTED);
    expect(missing).toBeUndefined();
    expect(clock.now()).toBe(started);
  });

  test("an outage shorter than the timeout: end retries until the record and the lock are written", async () => {
    const { begin, store, record, head, clock } = setup();
    const session = await begin();
    store.startOutage(45_000);
    const started = clock.now();
    const missing = await session.end(PROMOTED, new Map([[ARN, "promoted"]]), 2 * MINUTE);
    expect(missing).toBeUndefined();
    expect(record()?.outcome).toEqual(PROMOTED);
    expect(head()?.holder).toBeNull();
    // It waited out the outage, with bounded back-off, and no longer than needed.
    expect(clock.now() - started).toBeGreaterThanOrEqual(45_000);
    expect(clock.now() - started).toBeLessThan(45_000 + 16_001);
  });

  test("writes queued while S3 fails slowly: end gives up about its timeout after it began, not one wait per write", async () => {
    const clock = new FakeClock();
    // Each failing call takes 3 s of the clock (the adapter's retries): here, time only moves through the ledger.
    const store = new FakeLedgerStore(clock, { delay: (ms) => clock.sleep(ms), failMs: 3_000 });
    const access = { store, location: { bucket: "ledger", prefix: "rollouts/" }, actor: { name: "ci" } };
    const session = await beginSession(
      access,
      { id: "r-1", kind: "rollout", name: "fn", engine: "local", plan: "p", gates: [], targets: [target] },
      { clock, isSplit: async () => false, warn: () => {} },
    );
    store.startOutage(HOUR);
    for (const weight of [10, 20, 30, 40, 50, 60, 70, 80, 90]) session.note(shift(clock.now(), weight));
    const started = clock.now();
    const missing = await session.end(PROMOTED, new Map([[ARN, "promoted"]]), 10_000);
    expect(missing).toContain("could not be saved");
    // The timeout, plus the write under way when it ran out and one attempt at freeing the lock (each
    // a PutObject and the read-back that looks for it): not one attempt per write queued meanwhile.
    expect(clock.now() - started).toBeLessThanOrEqual(10_000 + 2 * 2 * 3_000);
  });

  test("an outage longer than the timeout: end gives up at the timeout and says what the record may miss", async () => {
    const { begin, store, record, head, clock } = setup();
    const session = await begin();
    session.note(shift(clock.now(), 100));
    store.startOutage(10 * MINUTE);
    const started = clock.now();
    const missing = await session.end(PROMOTED, new Map([[ARN, "promoted"]]), 2 * MINUTE);
    expect(clock.now() - started).toBe(2 * MINUTE);
    expect(missing).toContain(`the ledger record ${session.where} could not be saved`);
    expect(missing).toContain("it may lack the outcome and the last events");
    expect(missing).toContain("its lock could not be freed");
    expect(missing).toContain("`lambda-rollout unlock` frees it");
    expect(record()?.outcome).toBeNull();
    expect(head()?.holder?.id).toBe("r-1");
  });
});
