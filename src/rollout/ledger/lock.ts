/**
 * One lock per function and alias: the head object's `holder` (record.ts). Taking it is a conditional
 * write, so of two runners racing for one alias from any machines exactly one wins; the other gets
 * exit 3 before it uploads or publishes anything, naming the holder.
 *
 * A holder whose lease ran out while the alias is whole (not split) died between roll-outs, or after
 * its last write: the lock is taken over, with a warning. A lease that ran out on a split alias is left
 * to an operator (`rollback`/`promote` end it and free the lock; `unlock` frees it by hand).
 *
 * A write whose reply was lost (a reset after S3 applied it) is retried and answers 412, or fails: the
 * lock is then read back, and ours when it names our id (own-write.ts).
 */
import { ConflictError, InputError, LedgerRaceError } from "../../errors.js";
import type { CallOptions, LedgerObject, LedgerStore } from "../../ports.js";
import { type AliasKey, headKey, type LedgerLocation } from "./location.js";
import { ownWrite } from "./own-write.js";
import { type AliasHead, describeActor, type Holder, parseDocument, RECENT_LIMIT, SCHEMA } from "./record.js";

/** How long a lock holds without renewal; a running roll-out renews it every third of that. */
export const LEASE_MS = 15 * 60_000;

/** Attempts at a conditional write that keeps losing races before giving up (exit 3). */
const RACE_ATTEMPTS = 5;

export interface HeldHead {
  key: string;
  etag: string;
  head: AliasHead;
}

export interface AcquireContext extends CallOptions {
  now: number;
  /** Whether the alias is split right now (a dead holder's split is never taken over). */
  isSplit: () => Promise<boolean>;
  warn: (message: string) => void;
  /** Whether the holder is a detached execution that has ended (its lease is as long as it may run). */
  ended?: ((holder: Holder) => Promise<boolean>) | undefined;
}

const serialize = (head: AliasHead) => `${JSON.stringify(head, null, 2)}\n`;

/**
 * The last head each store's readHead found at a key (undefined: none there). A deploy reads its alias's
 * head for what the live version is made of just before it takes the lock: `acquire` writes on that
 * answer once instead of reading the head again. The write is conditional on what was read (If-Match on
 * its ETag, or If-None-Match when there was none), so a head changed since answers 412 and `acquire`
 * reads it then, as it does after any lost race. Only a free head is written on this way: a refusal or
 * a take-over is always decided on a fresh read.
 */
const lastRead = new WeakMap<LedgerStore, Map<string, LedgerObject | undefined>>();

function rememberRead(store: LedgerStore, key: string, found: LedgerObject | undefined): void {
  const reads = lastRead.get(store) ?? new Map<string, LedgerObject | undefined>();
  lastRead.set(store, reads);
  reads.set(key, found);
}

/** What readHead last found at `key` when it was a free head or none, once; otherwise undefined. */
function takeFreeRead(store: LedgerStore, key: string): { found: LedgerObject | undefined } | undefined {
  const reads = lastRead.get(store);
  if (!reads?.has(key)) return undefined;
  const found = reads.get(key);
  reads.delete(key);
  if (!found) return { found };
  return parseDocument<AliasHead>(found.body)?.holder === null ? { found } : undefined;
}

/** The message of a lock held by someone else: who, since when, how to free it. */
export function lockHeldError(alias: AliasKey, holder: Holder, expired: boolean): ConflictError {
  const target = `${alias.function}:${alias.alias} (${alias.region})`;
  return new ConflictError(
    `${target} is locked by roll-out ${holder.id}, started by ${describeActor(holder.actor)} since ${holder.since}${expired ? `; its lease ran out at ${holder.leaseUntil} while the alias is split` : `, lease until ${holder.leaseUntil}`}. This run changed nothing.`,
    {
      context: { functionName: alias.function, alias: alias.alias },
      hint: expired
        ? `Its runner is gone. End its roll-out with \`lambda-rollout rollback --function ${alias.function} --alias ${alias.alias} --region ${alias.region}\` (or promote), which frees the lock.`
        : `Wait for it to finish (\`lambda-rollout status --function ${alias.function} --alias ${alias.alias} --region ${alias.region}\`). If its runner is gone, \`lambda-rollout unlock --function ${alias.function} --alias ${alias.alias} --region ${alias.region}\` frees the lock.`,
    },
  );
}

/**
 * Takes the lock of one alias for `holder`. Returns the head as written (and its ETag), and the id of a
 * dead holder it took over from, if any.
 */
export async function acquire(
  store: LedgerStore,
  location: LedgerLocation,
  alias: AliasKey,
  holder: Holder,
  context: AcquireContext,
): Promise<HeldHead & { tookOverFrom?: Holder | undefined }> {
  const key = headKey(location, alias);
  const call = { signal: context.signal };
  const entry = { id: holder.id, startedAt: holder.since, record: holder.record };
  /** The dead holder a take-over write replaced: kept across attempts, as its reply may have been lost. */
  let tookOver: Holder | undefined;
  const taken = (etag: string, head: AliasHead) => {
    if (tookOver)
      context.warn(
        `Took over the lock of ${alias.function}:${alias.alias} from roll-out ${tookOver.id} (${describeActor(tookOver.actor)}): its runner is gone (its lease ran out, or its execution ended) and the alias is not split.`,
      );
    return { key, etag, head, tookOverFrom: tookOver };
  };
  // The first attempt may write on the head as it was just read (see lastRead).
  const read = takeFreeRead(store, key);
  for (let attempt = 0; attempt < RACE_ATTEMPTS; attempt++) {
    const found = attempt === 0 && read ? read.found : await store.get(location.bucket, key, call);
    if (!found) {
      tookOver = undefined;
      const head: AliasHead = { schema: SCHEMA, ...alias, holder, recent: [entry] };
      const body = serialize(head);
      try {
        const etag = await ownWrite(store, location.bucket, key, body, () =>
          store.create(location.bucket, key, body, call),
        );
        return taken(etag, head);
      } catch (error) {
        if (error instanceof LedgerRaceError) continue;
        throw error;
      }
    }
    const current = parseDocument<AliasHead>(found.body);
    if (!current) throw foreignObject(location, key);
    // Our own write, whose reply was lost.
    if (current.holder?.id === holder.id) return taken(found.etag, current);
    tookOver = undefined;
    if (current.holder) {
      const expired = Date.parse(current.holder.leaseUntil) <= context.now;
      const gone = expired || ((await context.ended?.(current.holder)) ?? false);
      if (!gone || (await context.isSplit())) throw lockHeldError(alias, current.holder, expired);
      tookOver = current.holder;
    }
    const recent = [...current.recent.filter((r) => r.id !== holder.id), entry].slice(-RECENT_LIMIT);
    const head: AliasHead = { ...current, holder, recent };
    const body = serialize(head);
    try {
      const etag = await ownWrite(store, location.bucket, key, body, () =>
        store.replace(location.bucket, key, body, found.etag, call),
      );
      return taken(etag, head);
    } catch (error) {
      if (error instanceof LedgerRaceError) continue;
      throw error;
    }
  }
  throw new ConflictError(`Another runner kept changing the ledger lock ${key}; this run changed nothing.`, {
    hint: "Another roll-out of this alias is starting right now: wait for it, then run again.",
  });
}

/**
 * Rewrites a held head with `change` (a renewed lease, or the holder removed), as long as `id` holds
 * it. Returns the new state, or undefined when the lock is no longer ours (unlocked or taken over).
 */
export async function rewriteHead(
  store: LedgerStore,
  location: LedgerLocation,
  held: HeldHead,
  id: string,
  change: (head: AliasHead) => AliasHead,
  options: CallOptions = {},
): Promise<HeldHead | undefined> {
  let current = held;
  for (let attempt = 0; attempt < RACE_ATTEMPTS; attempt++) {
    if (current.head.holder?.id !== id) return undefined;
    const next = change(current.head);
    const { key, etag: expected } = current;
    const body = serialize(next);
    try {
      const etag = await ownWrite(
        store,
        location.bucket,
        key,
        body,
        () => store.replace(location.bucket, key, body, expected, options),
        options,
      );
      return { key: current.key, etag, head: next };
    } catch (error) {
      if (!(error instanceof LedgerRaceError)) throw error;
      const found = await store.get(location.bucket, current.key, options);
      const head = found && parseDocument<AliasHead>(found.body);
      if (!found || !head) return undefined;
      // Our write landed and its reply was lost: done.
      if (serialize(head) === serialize(next)) return { key: current.key, etag: found.etag, head };
      current = { key: current.key, etag: found.etag, head };
    }
  }
  throw new ConflictError(`Another runner kept changing the ledger lock ${current.key}.`);
}

/** Reads an alias's head, if the ledger has one. */
export async function readHead(
  store: LedgerStore,
  location: LedgerLocation,
  alias: AliasKey,
  options: CallOptions = {},
): Promise<HeldHead | undefined> {
  const key = headKey(location, alias);
  const found = await store.get(location.bucket, key, options);
  rememberRead(store, key, found);
  if (!found) return undefined;
  const head = parseDocument<AliasHead>(found.body);
  if (!head) throw foreignObject(location, key);
  return { key, etag: found.etag, head };
}

export { serialize as serializeHead };

function foreignObject(location: LedgerLocation, key: string): InputError {
  return new InputError(`s3://${location.bucket}/${key} is not a lambda-rollout ledger object.`, {
    hint: "Something else wrote there: move it, or point the ledger at another prefix (ledger: { bucket, prefix }).",
  });
}
