/**
 * A roll-out's life in the ledger: `begin` takes the lock of every alias it moves and creates its
 * record, both before the first write to Lambda; `note` keeps what happens; `end` writes the outcome and
 * frees the locks.
 *
 * The ledger never stands between the engine and the alias: `note` only queues a write (never awaited
 * by the engine), a write that fails is kept for the next one, and only `end` waits, bounded, after the
 * alias is already settled. What the record may miss then is said in the result.
 */
import { CredentialsExpiredError, InputError, LedgerRaceError } from "../../errors.js";
import type { CallOptions, Clock, ExecutionState } from "../../ports.js";
import type { ResultEvent, StampedEvent } from "../events.js";
import { executionOutcome } from "./intent.js";
import {
  type AliasKey,
  aliasKeyOf,
  describeLocation,
  type LedgerAccess,
  recordKey,
  recordPath,
} from "./location.js";
import { acquire, type HeldHead, LEASE_MS, rewriteHead } from "./lock.js";
import { createOwn, ownWrite } from "./own-write.js";
import {
  entryOf,
  type Holder,
  isMilestone,
  iso,
  mergeRecords,
  parseDocument,
  type RecordOutcome,
  type RecordTarget,
  type RolloutRecord,
  SCHEMA,
} from "./record.js";

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

const serialize = (record: RolloutRecord) => `${JSON.stringify(record, null, 2)}\n`;
const messageOf = (error: unknown) => (error instanceof Error ? error.message : String(error));

export class LedgerSession {
  private etag = "";
  private heads: HeldHead[] = [];
  private queue: Promise<void> = Promise.resolve();
  private dirty = false;
  /** The last write that failed, kept until a later one succeeds. */
  private failure: string | undefined;
  /** That failure is one retrying cannot mend (expired credentials, access denied). */
  private hopeless = false;
  /** Set by `end`: past it, while writes fail, the writes still queued are not tried. */
  private deadline: number | undefined;
  private renewedAt: number;

  private constructor(
    private readonly access: LedgerAccess,
    private record: RolloutRecord,
    private readonly clock: Clock,
  ) {
    this.renewedAt = clock.now();
  }

  get id(): string {
    return this.record.id;
  }

  /** The alias of a one-function roll-out (its first target). */
  get aliasArn(): string {
    return this.record.targets[0]?.aliasArn ?? "";
  }

  /** Where the record is, for messages. */
  get where(): string {
    return `${describeLocation(this.access.location)}${this.path}`;
  }

  /** The record's path under the ledger prefix. */
  get path(): string {
    const [first] = this.record.targets;
    return recordPath(this.record.kind, this.record.id, first && aliasKeyOf(first.aliasArn));
  }

  /**
   * Locks every target's alias (in key order, so two releases sharing aliases cannot each hold half),
   * then creates the record. Throws ConflictError (exit 3) for a lock held by another roll-out, and
   * InputError/AwsError when the ledger cannot be used; every lock taken is freed again on failure.
   */
  static async begin(
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
    const ordered = [...request.targets].sort((a, b) => (a.aliasArn < b.aliasArn ? -1 : 1));
    try {
      for (const target of ordered) {
        const alias: AliasKey = target;
        const held = await acquire(access.store, access.location, alias, holder, {
          now,
          signal: context.signal,
          isSplit: () => context.isSplit(target),
          warn: context.warn,
          ended: (holder) => session.executionEnded(holder, context),
        });
        session.heads.push(held);
        if (held.tookOverFrom) await session.abandon(held.tookOverFrom, context);
      }
      session.etag = await createOwn(
        access.store,
        access.location.bucket,
        session.key,
        serialize(record),
        context,
      );
    } catch (error) {
      const freed = await session.unlock().then(
        () => true,
        () => false,
      );
      // Locks taken but not freed (S3 went down after the take): the result must say so.
      if (!freed && session.heads.length > 0 && error instanceof Object)
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

  private get key(): string {
    return recordKey(this.access.location, this.path);
  }

  /** Keeps what an event says (gate verdicts, shifts, rollbacks, ...), and renews the locks when due. */
  note(event: StampedEvent): void {
    const entry = entryOf(event);
    if (entry) {
      this.record.timeline.push(entry);
      this.dirty = true;
      if (isMilestone(entry)) this.flush();
    }
    if (this.clock.now() - this.renewedAt >= LEASE_MS / 3) this.renew();
  }

  /** Changes the record (a version published, an execution started) and writes it. */
  update(change: (record: RolloutRecord) => void): void {
    change(this.record);
    this.dirty = true;
    this.flush();
  }

  /**
   * Writes the outcome (retrying within `timeoutMs`) and frees the locks. Returns what the record may
   * be missing when it could not be written, for the result to say; never throws.
   */
  async end(
    outcome: RecordOutcome,
    states: Map<string, RecordTarget["state"]>,
    timeoutMs: number,
  ): Promise<string | undefined> {
    this.record.outcome = outcome;
    this.record.endedAt = iso(this.clock.now());
    for (const target of this.record.targets) target.state = states.get(target.aliasArn) ?? target.state;
    this.dirty = true;
    const deadline = this.clock.now() + timeoutMs;
    this.deadline = deadline;
    for (let attempt = 0; ; attempt++) {
      this.flush();
      await this.queue;
      if (!this.failure || this.hopeless || this.clock.now() >= deadline) break;
      await this.clock.sleep(
        Math.min(1000 * 2 ** Math.min(attempt, 4), Math.max(0, deadline - this.clock.now())),
      );
    }
    let unlocked: string | undefined;
    await this.unlock().catch((error) => {
      unlocked = `its lock could not be freed (${messageOf(error)}); \`lambda-rollout unlock\` frees it`;
    });
    const missing = [
      ...(this.failure
        ? [
            `the ledger record ${this.where} could not be saved (${this.failure}); it may lack the outcome and the last events`,
          ]
        : []),
      ...(unlocked ? [unlocked] : []),
    ];
    return missing.length > 0 ? `${missing.join("; ")}.` : undefined;
  }

  /**
   * For a roll-out that goes on without this process (a detached Step Functions execution): the record
   * is written as it stands and the locks are kept, with a lease as long as the execution may run.
   */
  async detach(leaseMs: number, timeoutMs: number): Promise<string | undefined> {
    const leaseUntil = iso(this.clock.now() + leaseMs);
    this.flush();
    await this.queue;
    if (this.failure) {
      await this.clock.sleep(Math.min(timeoutMs, 2000));
      this.flush();
      await this.queue;
    }
    const renewed = await this.rewriteAll((head) => ({
      ...head,
      holder: head.holder && { ...head.holder, leaseUntil },
    })).catch((error) => error as Error);
    const missing = [
      ...(this.failure ? [`the ledger record ${this.where} could not be saved (${this.failure})`] : []),
      ...(renewed instanceof Error ? [`its lock's lease could not be extended (${renewed.message})`] : []),
    ];
    return missing.length > 0 ? `${missing.join("; ")}.` : undefined;
  }

  /** Queues a write of the record; writes are serialized, failures kept for the next one. */
  private flush(): void {
    this.queue = this.queue.then(() => this.write());
  }

  private async write(): Promise<void> {
    if (!this.dirty) return;
    // Each failing write can take the adapter's whole retry budget: past end's deadline, the writes
    // still queued from the run would hold the result back one budget each. The result says instead.
    if (this.failure && this.deadline !== undefined && this.clock.now() > this.deadline) return;
    const { store, location } = this.access;
    this.dirty = false;
    try {
      for (let attempt = 0; attempt < 5; attempt++) {
        const body = serialize(this.record);
        try {
          const expected = this.etag;
          this.etag = await ownWrite(store, location.bucket, this.key, body, () =>
            store.replace(location.bucket, this.key, body, expected),
          );
          this.failure = undefined;
          this.hopeless = false;
          return;
        } catch (error) {
          if (!(error instanceof LedgerRaceError)) throw error;
          // Someone else wrote it (an operator's action), or our write landed and its reply was lost.
          const found = await store.get(location.bucket, this.key);
          const theirs = found && parseDocument<RolloutRecord>(found.body);
          if (!found || !theirs) throw error;
          this.etag = found.etag;
          // Ours: saved, whatever an earlier write failed with.
          if (found.body === body) {
            this.failure = undefined;
            this.hopeless = false;
            return;
          }
          this.record = mergeRecords(this.record, theirs);
        }
      }
      throw new LedgerRaceError(this.key);
    } catch (error) {
      this.failure = messageOf(error);
      // Waiting cannot mend credentials that stopped working or a refusal: `end` does not retry those.
      this.hopeless = error instanceof InputError || error instanceof CredentialsExpiredError;
      this.dirty = true;
    }
  }

  /** Extends the lease of every lock (queued with the record writes). */
  private renew(): void {
    this.renewedAt = this.clock.now();
    const leaseUntil = iso(this.clock.now() + LEASE_MS);
    this.queue = this.queue.then(async () => {
      this.heads = await this.rewriteAll((head) => ({
        ...head,
        holder: head.holder && { ...head.holder, leaseUntil },
      })).catch(() => this.heads);
    });
  }

  private async unlock(): Promise<void> {
    await this.queue;
    this.heads = await this.rewriteAll((head) => ({ ...head, holder: null }));
  }

  private async rewriteAll(change: Parameters<typeof rewriteHead>[4]): Promise<HeldHead[]> {
    const { store, location } = this.access;
    const results = await Promise.all(
      this.heads.map((held) => rewriteHead(store, location, held, this.record.id, change)),
    );
    return results.flatMap((held) => (held ? [held] : []));
  }

  /** The outcome of a holder's server-side execution once it ended; undefined while it runs (or for none). */
  private readonly ended = new Map<string, RecordOutcome>();

  /** True when the holder is a detached execution that has ended (or no longer exists). */
  async executionEnded(holder: Holder, context: BeginContext): Promise<boolean> {
    if (!context.describeExecution) return false;
    const { store, location } = this.access;
    const found = await store.get(location.bucket, recordKey(location, holder.record), context);
    const arn = found && parseDocument<RolloutRecord>(found.body)?.executionArn;
    if (!arn) return false;
    const execution = await context.describeExecution(arn);
    const outcome = execution
      ? executionOutcome(execution, this.clock.now())
      : { outcome: "failed", exitCode: 4, reason: `Its execution ${arn} no longer exists.`, hint: null };
    if (outcome) this.ended.set(holder.id, outcome);
    return outcome !== undefined;
  }

  /**
   * Closes a record whose lock this session took over: a dead runner's (abandoned) or an ended
   * execution's (its outcome). Best effort: the lock is ours already.
   */
  private async abandon(holder: Holder, options: CallOptions): Promise<void> {
    const { store, location } = this.access;
    const key = recordKey(location, holder.record);
    const { id } = holder;
    const found = await store.get(location.bucket, key, options).catch(() => undefined);
    const record = found && parseDocument<RolloutRecord>(found.body);
    if (!found || !record || record.outcome) return;
    record.outcome = this.ended.get(id) ?? {
      outcome: "abandoned",
      exitCode: 0,
      reason: `Its runner stopped without finishing; roll-out ${this.record.id} took over the lock after the lease ran out.`,
      hint: null,
    };
    record.endedAt = iso(this.clock.now());
    await store.replace(location.bucket, key, serialize(record), found.etag, options).catch(() => {});
  }
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

/**
 * Ends the session with the run's result: the outcome written (within `timeoutMs`), the locks freed,
 * and the result carrying the record's id and what it may be missing. A detached server-side roll-out
 * (`started`) keeps its locks for as long as its execution may run (`startedLeaseMs`): its outcome is
 * written by whoever reads the finished execution.
 */
export async function endSession(
  session: LedgerSession,
  result: ResultEvent,
  options: {
    states?: Map<string, RecordTarget["state"]> | undefined;
    timeoutMs: number;
    startedLeaseMs?: number | undefined;
    warn: (message: string) => void;
  },
): Promise<ResultEvent> {
  if (result.executionArn) session.update((record) => (record.executionArn = result.executionArn ?? null));
  const outcome = {
    outcome: result.outcome,
    exitCode: result.exitCode,
    reason: result.reason,
    hint: result.hint,
  };
  const missing =
    result.outcome === "started"
      ? await session.detach(options.startedLeaseMs ?? LEASE_MS, options.timeoutMs)
      : await session.end(outcome, options.states ?? new Map(), options.timeoutMs);
  if (missing) options.warn(`Ledger: ${missing}`);
  return {
    ...result,
    ledger: { id: session.id, record: session.where, ...(missing ? { incomplete: missing } : {}) },
  };
}
