/**
 * A roll-out's life in the ledger: `beginSession` (begin.ts) takes the lock of every alias it moves
 * and creates its record, both before the first write to Lambda; `note` keeps what happens; `end`
 * writes the outcome and frees the locks.
 *
 * The ledger never stands between the engine and the alias: `note` only queues a write (never awaited
 * by the engine), a write that fails is kept for the next one, and only `end` waits, bounded, after the
 * alias is already settled. What the record may miss then is said in the result.
 */
import { CredentialsExpiredError, InputError, LedgerRaceError } from "../../errors.js";
import type { Clock } from "../../ports.js";
import type { ResultEvent, StampedEvent } from "../events.js";
import { aliasKeyOf, describeLocation, type LedgerAccess, recordKey, recordPath } from "./location.js";
import { type HeldHead, LEASE_MS, rewriteHead } from "./lock.js";
import { ownWrite } from "./own-write.js";
import {
  entryOf,
  isMilestone,
  iso,
  mergeRecords,
  parseDocument,
  type RecordOutcome,
  type RecordTarget,
  type RolloutRecord,
  serializeRecord,
} from "./record.js";

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

  /** Opened by `beginSession` (begin.ts), which takes its locks and creates its record. */
  constructor(
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

  /** The record's key in the ledger's bucket. */
  get key(): string {
    return recordKey(this.access.location, this.path);
  }

  /** For `beginSession`: a lock this run took. */
  hold(head: HeldHead): void {
    this.heads.push(head);
  }

  /** For `beginSession`: the record was created, with this ETag. */
  created(etag: string): void {
    this.etag = etag;
  }

  /** Whether this run still holds some lock (one it could not free). */
  get holdsLocks(): boolean {
    return this.heads.length > 0;
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
        const body = serializeRecord(this.record);
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

  /** Frees every lock (after the queued writes). */
  async unlock(): Promise<void> {
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
}

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
