/**
 * What the commands that come after a roll-out (status, rollback, promote, prune, history, unlock) read
 * from the ledger, and the one write they make: an operator's action and, for a record its runner left
 * unfinished, the outcome; the lock is freed with it.
 */
import { LedgerRaceError } from "../../errors.js";
import type { CallOptions } from "../../ports.js";
import { type AliasKey, type LedgerAccess, recordKey } from "./location.js";
import { type HeldHead, readHead, rewriteHead } from "./lock.js";
import {
  type Actor,
  describeActor,
  iso,
  parseDocument,
  type RecordOutcome,
  type RolloutRecord,
} from "./record.js";

export async function readRecord(
  access: Pick<LedgerAccess, "store" | "location">,
  path: string,
  options: CallOptions = {},
): Promise<{ record: RolloutRecord; etag: string } | undefined> {
  const found = await access.store.get(access.location.bucket, recordKey(access.location, path), options);
  const record = found && parseDocument<RolloutRecord>(found.body);
  return found && record ? { record, etag: found.etag } : undefined;
}

/** What the ledger knows of one alias: its head, and the record of the roll-out holding it. */
export interface AliasLedger {
  head: HeldHead | undefined;
  /** The holder's record (unfinished, or finished by a command that has not freed the lock yet). */
  open: RolloutRecord | undefined;
}

export async function aliasLedger(
  access: Pick<LedgerAccess, "store" | "location">,
  alias: AliasKey,
  options: CallOptions = {},
): Promise<AliasLedger> {
  const head = await readHead(access.store, access.location, alias, options);
  const holder = head?.head.holder;
  const open = holder ? (await readRecord(access, holder.record, options))?.record : undefined;
  return { head, open };
}

/**
 * The alias's records, newest first, as they are read (records that cannot be read are skipped): one
 * GET per record, `batches` at a time (the last size repeats), so a caller that stops early reads no more.
 */
async function* newestRecords(
  access: Pick<LedgerAccess, "store" | "location">,
  head: HeldHead | undefined,
  batches: readonly number[],
  options: CallOptions = {},
): AsyncGenerator<RolloutRecord> {
  const paths = (head?.head.recent ?? []).map((r) => r.record).reverse();
  for (let start = 0, round = 0; start < paths.length; round++) {
    const size = batches[Math.min(round, batches.length - 1)] ?? 8;
    const batch = await Promise.all(
      paths
        .slice(start, start + size)
        .map((path) => readRecord(access, path, options).catch(() => undefined)),
    );
    start += size;
    for (const found of batch) if (found) yield found.record;
  }
}

/** The alias's records, newest first, at most `limit` (records that cannot be read are skipped). */
export async function recentRecords(
  access: Pick<LedgerAccess, "store" | "location">,
  head: HeldHead | undefined,
  limit: number,
  options: CallOptions = {},
): Promise<RolloutRecord[]> {
  const records: RolloutRecord[] = [];
  if (limit <= 0) return records;
  // A few at a time, until `limit` are found.
  for await (const record of newestRecords(access, head, [Math.min(limit, 8)], options)) {
    records.push(record);
    if (records.length >= limit) break;
  }
  return records;
}

/**
 * The newest finished roll-out of the alias that made a version live (among its 20 newest records): its
 * target names what the live version replaced (the version a revert goes back to, and one prune must
 * keep). Read newest first, one record, then 2, 4, 8 at a time: after a promoted roll-out, as before
 * most deploys, the newest record is the answer and the only GET.
 */
export async function lastPromotion(
  access: Pick<LedgerAccess, "store" | "location">,
  head: HeldHead | undefined,
  functionName: string,
  options: CallOptions = {},
): Promise<{ record: RolloutRecord; from: string; to: string } | undefined> {
  let seen = 0;
  for await (const record of newestRecords(access, head, [1, 2, 4, 8], options)) {
    const target = record.targets.find((t) => t.function === functionName && t.state === "promoted");
    if (record.outcome && target?.newVersion)
      return { record, from: target.stableVersion, to: target.newVersion };
    if (++seen >= 20) break;
  }
  return undefined;
}

/**
 * An operator's action on a roll-out: appended to its record, with the outcome when the record had
 * none (its runner is gone), and its locks freed when `release` says so. Best effort against races: the
 * record is read again and the change re-applied on a 412.
 */
export async function recordOperatorAction(
  access: Pick<LedgerAccess, "store" | "location">,
  ref: { id: string; record: string },
  action: { name: string; actor: Actor; detail: string; now: number; outcome?: RecordOutcome | undefined },
  heads: HeldHead[],
): Promise<void> {
  const { store, location } = access;
  const { id } = ref;
  for (let attempt = 0; attempt < 5; attempt++) {
    const found = await readRecord(access, ref.record);
    if (!found) break;
    const { record } = found;
    record.timeline.push({
      at: iso(action.now),
      type: "operator",
      action: action.name,
      by: describeActor(action.actor),
      detail: action.detail,
    });
    if (!record.outcome && action.outcome) {
      record.outcome = action.outcome;
      record.endedAt = iso(action.now);
    }
    try {
      await store.replace(
        location.bucket,
        recordKey(location, ref.record),
        `${JSON.stringify(record, null, 2)}\n`,
        found.etag,
      );
      break;
    } catch (error) {
      if (!(error instanceof LedgerRaceError)) throw error;
    }
  }
  for (const held of heads)
    await rewriteHead(store, location, held, id, (head) => ({ ...head, holder: null }));
}
