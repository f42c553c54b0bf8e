/**
 * An in-memory LedgerStore with S3's conditional semantics, and the faults the ledger must survive.
 *
 * Semantics, as S3 documents them for conditional writes
 * (https://docs.aws.amazon.com/AmazonS3/latest/userguide/conditional-writes.html): `create`
 * (`If-None-Match: *`) answers 412 when the key exists, `replace` (`If-Match: <ETag>`) answers 412 when
 * the object's ETag is not the one given (or the object is gone); every successful write gets a new
 * ETag. A 412 surfaces as the adapter (src/aws/s3-ledger.ts) surfaces it: a LedgerRaceError.
 *
 * Faults are what a real S3 call through S3LedgerStore can end with, seen at the port:
 * - `412`: a PreconditionFailed out of nowhere; nothing written (a racing writer that left no trace);
 * - `lost`: the write is applied, then the call throws a network error (its retries exhausted);
 * - `lost-412`: the write is applied, its reply lost; the adapter's retry of the same conditional
 *   request then answers 412, because the first one landed (what S3LedgerStore really returns);
 * - `unavailable`: the call fails with a 503 and changes nothing;
 * - `{ outageMs }`: this call and every call until `outageMs` of clock time have passed fail (503);
 * - `{ slowMs }`: the call takes that long in real time, so the caller's fake clock does not move;
 * - `{ hold }`: the call waits until `hold` settles, then goes on (a call hanging for as long as a test
 *   wants: whoever awaits it waits too).
 */
import { AwsError, InputError, LedgerRaceError } from "../../src/errors.js";
import type { CallOptions, Clock, LedgerObject, LedgerStore } from "../../src/ports.js";

export type LedgerOp = "get" | "create" | "replace" | "list";

export type LedgerFault =
  | "412"
  | "lost"
  | "lost-412"
  | "unavailable"
  | { outageMs: number }
  | { slowMs: number }
  | { hold: Promise<unknown> };

export interface LedgerCall {
  op: LedgerOp;
  bucket: string;
  key: string;
  /** 0-based index among all calls of this store. */
  n: number;
  /** What happened: `ok`, `412` (real or injected), or the fault applied. */
  outcome: string;
  /** The clock's time when the call started. */
  at: number;
}

const realDelay = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export class FakeLedgerStore implements LedgerStore {
  /** Objects by `bucket/key`. */
  readonly objects = new Map<string, LedgerObject>();
  readonly calls: LedgerCall[] = [];
  /** Buckets that exist; any other answers NoSuchBucket (InputError, as the adapter translates it). */
  readonly buckets: Set<string>;
  /** Every call answers 403 (InputError, as the adapter translates it). */
  denied = false;
  /** The fault of each call, if any (`call.n` counts all calls from 0). */
  failWhen: (call: Omit<LedgerCall, "outcome">) => LedgerFault | undefined = () => undefined;
  private etags = 0;
  private outageUntil = Number.NEGATIVE_INFINITY;

  /**
   * `delay` is how slow calls wait (default: real time). `failMs` is how long a call that fails with a
   * 503 takes before it throws, through `delay` (the adapter's retries; default 0).
   */
  constructor(
    private readonly clock: Clock,
    options: { buckets?: string[]; delay?: (ms: number) => Promise<void>; failMs?: number } = {},
  ) {
    this.buckets = new Set(options.buckets ?? ["ledger"]);
    this.delay = options.delay ?? realDelay;
    this.failMs = options.failMs ?? 0;
  }
  private readonly delay: (ms: number) => Promise<void>;
  private readonly failMs: number;

  /** Every call fails (503) for `ms` of clock time from now. */
  startOutage(ms: number): void {
    this.outageUntil = this.clock.now() + ms;
  }

  /** True while an outage lasts. */
  get down(): boolean {
    return this.clock.now() < this.outageUntil;
  }

  /** The object's body parsed, or undefined. */
  read<T>(bucket: string, key: string): T | undefined {
    const found = this.objects.get(`${bucket}/${key}`);
    return found ? (JSON.parse(found.body) as T) : undefined;
  }

  /** Keys under `prefix` in `bucket`, without faults and without counting as calls. */
  keys(bucket: string, prefix = ""): string[] {
    return [...this.objects.keys()]
      .filter((id) => id.startsWith(`${bucket}/${prefix}`))
      .map((id) => id.slice(bucket.length + 1));
  }

  async get(bucket: string, key: string, _options?: CallOptions): Promise<LedgerObject | undefined> {
    return this.call("get", bucket, key, () => {
      const found = this.objects.get(`${bucket}/${key}`);
      return found && { ...found };
    });
  }

  async create(bucket: string, key: string, body: string, _options?: CallOptions): Promise<string> {
    return this.call("create", bucket, key, () => {
      if (this.objects.has(`${bucket}/${key}`)) throw new LedgerRaceError(key);
      return this.write(bucket, key, body);
    });
  }

  async replace(
    bucket: string,
    key: string,
    body: string,
    etag: string,
    _options?: CallOptions,
  ): Promise<string> {
    return this.call("replace", bucket, key, () => {
      if (this.objects.get(`${bucket}/${key}`)?.etag !== etag) throw new LedgerRaceError(key);
      return this.write(bucket, key, body);
    });
  }

  async list(bucket: string, prefix: string, _options?: CallOptions): Promise<string[]> {
    return this.call("list", bucket, prefix, () => this.keys(bucket, prefix).sort());
  }

  private write(bucket: string, key: string, body: string): string {
    const etag = `"etag-${++this.etags}"`;
    this.objects.set(`${bucket}/${key}`, { body, etag });
    return etag;
  }

  private async call<T>(op: LedgerOp, bucket: string, key: string, apply: () => T): Promise<T> {
    const call = { op, bucket, key, n: this.calls.length, at: this.clock.now() };
    const entry: LedgerCall = { ...call, outcome: "ok" };
    this.calls.push(entry);
    const resource = `s3://${bucket}/${key}`;
    const fault = this.failWhen(call);
    if (typeof fault === "object" && "slowMs" in fault) await this.delay(fault.slowMs);
    if (typeof fault === "object" && "hold" in fault) await fault.hold.catch(() => {});
    if (typeof fault === "object" && "outageMs" in fault) this.startOutage(fault.outageMs);
    if (this.down || fault === "unavailable") {
      entry.outcome = "unavailable";
      if (this.failMs > 0) await this.delay(this.failMs);
      throw new AwsError(`${opName(op)} on ${resource} failed: ServiceUnavailable (HTTP 503).`, {
        code: "ServiceUnavailable",
        status: 503,
        retryable: true,
      });
    }
    if (!this.buckets.has(bucket)) {
      entry.outcome = "NoSuchBucket";
      throw new InputError(`The ledger bucket ${bucket} does not exist.`);
    }
    if (this.denied) {
      entry.outcome = "AccessDenied";
      throw new InputError(`Access denied to the ledger at ${resource} (HTTP 403).`);
    }
    const write = op === "create" || op === "replace";
    // A read's reply lost is a read that failed.
    if (!write && (fault === "lost" || fault === "lost-412")) {
      entry.outcome = "lost";
      throw new AwsError(`${opName(op)} on ${resource} failed: socket hang up (ECONNRESET).`, {
        code: "ECONNRESET",
        retryable: true,
      });
    }
    if (fault === "412" && write) {
      entry.outcome = "412 (injected)";
      throw new LedgerRaceError(key);
    }
    let value: T;
    try {
      value = apply();
    } catch (error) {
      if (error instanceof LedgerRaceError) entry.outcome = "412";
      throw error;
    }
    if (write && (fault === "lost" || fault === "lost-412")) {
      entry.outcome = `applied, ${fault}`;
      if (fault === "lost-412") throw new LedgerRaceError(key);
      throw new AwsError(`${opName(op)} on ${resource} failed: socket hang up (ECONNRESET).`, {
        code: "ECONNRESET",
        retryable: true,
      });
    }
    return value;
  }
}

const opName = (op: LedgerOp) => (op === "get" ? "GetObject" : op === "list" ? "ListObjectsV2" : "PutObject");
