/**
 * How a run begins in the ledger, before its first write to Lambda: the lock of every alias it moves
 * (in key order), then its record. A lock whose holder is gone is taken over, and the record that
 * holder left is closed: abandoned, or with the outcome of its detached execution when that ended.
 * Also what a run hands in: its targets as read at the start, and the warning when there is no ledger.
 */
import { InputError } from "../../errors.js";
import type { CallOptions, Clock, ExecutionState, StepFunctionsPort } from "../../ports.js";
import type { ResultEvent } from "../events.js";
import { executionOutcome } from "./intent.js";
import { type AliasKey, aliasKeyOf, type LedgerAccess, recordKey } from "./location.js";
import { acquire, LEASE_MS } from "./lock.js";
import { createOwn } from "./own-write.js";
import {
  type Holder,
  iso,
  parseDocument,
  type RecordOutcome,
  type RecordTarget,
  type RolloutRecord,
  SCHEMA,
  serializeRecord,
} from "./record.js";
import { LedgerSession } from "./session.js";

export interface BeginRequest {
  id: string;
  kind: RolloutRecord["kind"];
  name: string;
  engine: RolloutRecord["engine"];
  plan: string;
  gates: string[];
  targets: RecordTarget[];
}

export interface BeginContext extends CallOptions {
  clock: Clock;
  /** Whether an alias is split right now (a dead holder's split is never taken over). */
  isSplit: (target: RecordTarget) => Promise<boolean>;
  warn: (message: string) => void;
  /**
   * Reads a Step Functions execution (undefined when it no longer exists): a lock held by a detached
   * server-side roll-out whose execution ended is closed with the execution's outcome and taken over.
   */
  describeExecution?: ((arn: string) => Promise<ExecutionState | undefined>) | undefined;
}

/** What a failed `begin` left in the ledger, by the error it threw (see {@link ledgerLeftBy}). */
const leftBehind = new WeakMap<object, NonNullable<ResultEvent["ledger"]>>();

/** For a run that failed to begin: the locks it took and could not free, for its result to say. */
export const ledgerLeftBy = (error: unknown): ResultEvent["ledger"] =>
  error instanceof Object ? leftBehind.get(error) : undefined;

/**
 * Locks every target's alias (in key order, so two releases sharing aliases cannot each hold half),
 * then creates the record. Throws ConflictError (exit 3) for a lock held by another roll-out, and
 * InputError/AwsError when the ledger cannot be used; every lock taken is freed again on failure.
 */
export async function beginSession(
  access: LedgerAccess,
  request: BeginRequest,
  context: BeginContext,
): Promise<LedgerSession> {
  const { clock } = context;
  const now = clock.now();
  const record: RolloutRecord = {
    schema: SCHEMA,
    ...request,
    startedAt: iso(now),
    endedAt: null,
    actor: access.actor,
    executionArn: null,
    timeline: [],
    outcome: null,
  };
  const session = new LedgerSession(access, record, clock);
  const holder: Holder = {
    id: request.id,
    record: session.path,
    actor: access.actor,
    since: iso(now),
    leaseUntil: iso(now + LEASE_MS),
  };
  /** The outcome of a holder's server-side execution once it ended. */
  const ended = new Map<string, RecordOutcome>();
  const ordered = [...request.targets].sort((a, b) => (a.aliasArn < b.aliasArn ? -1 : 1));
  try {
    for (const target of ordered) {
      const alias: AliasKey = target;
      const held = await acquire(access.store, access.location, alias, holder, {
        now,
        signal: context.signal,
        isSplit: () => context.isSplit(target),
        warn: context.warn,
        ended: async (holder) => {
          const outcome = await executionEnded(access, holder, context);
          if (outcome) ended.set(holder.id, outcome);
          return outcome !== undefined;
        },
      });
      session.hold(held);
      const gone = held.tookOverFrom;
      if (gone) await closeTakenOver(access, gone, ended.get(gone.id), { id: request.id, clock }, context);
    }
    session.created(
      await createOwn(access.store, access.location.bucket, session.key, serializeRecord(record), context),
    );
  } catch (error) {
    const freed = await session.unlock().then(
      () => true,
      () => false,
    );
    // Locks taken but not freed (S3 went down after the take): the result must say so.
    if (!freed && session.holdsLocks && error instanceof Object)
      leftBehind.set(error, {
        id: session.id,
        record: session.where,
        // Begin throws before (or at) the record's create: the record was not written either.
        incomplete: `the ledger record ${session.where} could not be saved, and its lock could not be freed (the ledger failed while the roll-out began); \`lambda-rollout unlock\` frees it, or the next deploy once its lease ran out.`,
      });
    throw error;
  }
  return session;
}

/**
 * The outcome of a holder that is a detached execution which has ended (or no longer exists);
 * undefined while it runs, or when the holder is no execution.
 */
async function executionEnded(
  access: LedgerAccess,
  holder: Holder,
  context: BeginContext,
): Promise<RecordOutcome | undefined> {
  if (!context.describeExecution) return undefined;
  const { store, location } = access;
  const found = await store.get(location.bucket, recordKey(location, holder.record), context);
  const arn = found && parseDocument<RolloutRecord>(found.body)?.executionArn;
  if (!arn) return undefined;
  const execution = await context.describeExecution(arn);
  return execution
    ? executionOutcome(execution, context.clock.now())
    : { outcome: "failed", exitCode: 4, reason: `Its execution ${arn} no longer exists.`, hint: null };
}

/**
 * Closes a record whose lock was taken over: a dead runner's (abandoned) or an ended execution's (its
 * outcome). Best effort: the lock is the taker's already.
 */
async function closeTakenOver(
  access: LedgerAccess,
  holder: Holder,
  outcome: RecordOutcome | undefined,
  taker: { id: string; clock: Clock },
  options: CallOptions,
): Promise<void> {
  const { store, location } = access;
  const key = recordKey(location, holder.record);
  const found = await store.get(location.bucket, key, options).catch(() => undefined);
  const record = found && parseDocument<RolloutRecord>(found.body);
  if (!found || !record || record.outcome) return;
  record.outcome = outcome ?? {
    outcome: "abandoned",
    exitCode: 0,
    reason: `Its runner stopped without finishing; roll-out ${taker.id} took over the lock after the lease ran out.`,
    hint: null,
  };
  record.endedAt = iso(taker.clock.now());
  await store.replace(location.bucket, key, serializeRecord(record), found.etag, options).catch(() => {});
}

/** Reads an execution for the ledger; one that no longer exists (forgotten, machine recreated) is undefined. */
export function executionReader(stepFunctions: StepFunctionsPort, signal: AbortSignal | undefined) {
  return (arn: string) =>
    stepFunctions.describeExecution(arn, { signal }).catch((error: unknown) => {
      if (error instanceof InputError) return undefined;
      throw error;
    });
}

/** A record target for an alias as read at the start. */
export function recordTarget(
  alias: { aliasArn: string; version: string },
  facts: {
    newVersion?: string | undefined;
    codeSha256?: string | undefined;
    config?: string | undefined;
    wave?: number | undefined;
  } = {},
): RecordTarget {
  return {
    ...aliasKeyOf(alias.aliasArn),
    aliasArn: alias.aliasArn,
    stableVersion: alias.version,
    newVersion: facts.newVersion ?? null,
    codeSha256: facts.codeSha256 ?? null,
    config: facts.config ?? null,
    wave: facts.wave ?? null,
    state: null,
  };
}

export const NO_LEDGER_WARNING =
  "No ledger configured: this roll-out takes no lock on the alias and leaves no history. Give the artifact bucket (--bucket, artifact.bucket) or ledger: { bucket } / --ledger-bucket.";
