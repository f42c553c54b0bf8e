/**
 * Client-side rate limiting and retries shared by the AWS adapters.
 *
 * The SDK clients we build run with `maxAttempts: 1`: this module is the single place that decides how
 * often a call is tried, so SDK retries and ours never multiply (3 x 5 = 15 hidden attempts against a
 * control plane limited to ~15 req/s would turn a throttle into a storm).
 */
import { AwsError, type ErrorContext, type RolloutError } from "../errors.js";
import { type CallOptions, type Clock, systemClock } from "../ports.js";
import type { Limiter } from "./budget.js";
import {
  describeSdkError,
  genericAwsError,
  isCredentialsExpired,
  isThrottling,
  isTransient,
  isUpdateInProgress,
  type SdkErrorInfo,
  setupError,
} from "./errors.js";
import type { Whereabouts } from "./whereabouts.js";

export interface RateLimit {
  /** Sustained requests per second. */
  perSecond: number;
  /** Requests allowed back to back before spacing starts. */
  burst: number;
}

/**
 * Lambda allows ~15 control-plane requests/s per account and region, shared with everything else in
 * that account; staying well under leaves room for other deployers and consoles.
 */
export const defaultRateLimit: RateLimit = { perSecond: 8, burst: 4 };

/**
 * Token bucket. Callers reserve a token immediately (the balance may go negative) and then wait for
 * their reservation, so concurrent callers are spaced out instead of all waking at once.
 */
export class TokenBucket {
  private tokens: number;
  private updatedAt: number;

  constructor(
    private readonly limit: RateLimit,
    private readonly clock: Clock = systemClock,
  ) {
    if (!(limit.perSecond > 0) || !(limit.burst >= 1)) {
      throw new RangeError(`invalid rate limit: ${limit.perSecond}/s, burst ${limit.burst}`);
    }
    this.tokens = limit.burst;
    this.updatedAt = clock.now();
  }

  async take(signal?: AbortSignal): Promise<undefined> {
    const now = this.clock.now();
    const elapsed = Math.max(0, now - this.updatedAt);
    this.tokens = Math.min(this.limit.burst, this.tokens + (elapsed * this.limit.perSecond) / 1000);
    this.updatedAt = now;
    this.tokens -= 1;
    if (this.tokens >= 0) return undefined;
    await this.clock.sleep(Math.ceil((-this.tokens * 1000) / this.limit.perSecond), signal);
    return undefined;
  }
}

export interface RetryPolicy {
  /** Total attempts (first try included) for throttling and transient errors. */
  maxAttempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
  /** Total attempts for "an update is in progress" (409); updates take seconds, so delays are longer. */
  conflictAttempts: number;
  conflictBaseDelayMs: number;
}

export const defaultRetryPolicy: RetryPolicy = {
  maxAttempts: 5,
  baseDelayMs: 200,
  maxDelayMs: 10_000,
  conflictAttempts: 6,
  conflictBaseDelayMs: 1_000,
};

/**
 * HTTP timeouts for every client we build. Without them a half-open connection can hold a call, and a
 * cancelled roll-out with it, for as long as the OS keeps the socket. `socketTimeout` bounds the
 * socket's idle time, so a large upload that keeps sending is not cut short.
 */
export const httpTimeouts = { connectionTimeout: 5_000, socketTimeout: 30_000 } as const;

/** Client config with our defaults: one attempt per send (retries live here) and bounded sockets. */
export function clientDefaults<C extends object>(config: C | undefined, socketTimeout?: number) {
  const timeouts = socketTimeout === undefined ? httpTimeouts : { ...httpTimeouts, socketTimeout };
  return { maxAttempts: 1, requestHandler: { ...timeouts }, ...config };
}

/** Options every adapter accepts besides its SDK client. */
export interface AdapterOptions {
  retry?: Partial<RetryPolicy>;
  /** `false` disables client-side rate limiting (e.g. when a caller already limits). */
  rateLimit?: RateLimit | false;
  /** A limiter shared with other adapters (the account and region's budget, budget.ts); wins over rateLimit. */
  limiter?: Limiter | undefined;
  /** GetFunction's own shared limiter (AWS budgets it apart from the rest of the control plane). */
  getFunctionLimiter?: Limiter | undefined;
  clock?: Clock;
  /** Source of jitter in [0, 1); injectable so tests are deterministic. */
  random?: () => number;
  /** Said in "does not exist" errors, with the client's region (whereabouts.ts). */
  whereabouts?: Whereabouts | undefined;
}

export interface Operation {
  /** SDK operation name, e.g. `UpdateAlias`. */
  operation: string;
  /** Human-readable resource, e.g. `function my-fn alias live`. */
  resource: string;
  context?: ErrorContext;
  /** Retry ResourceConflictException (update in progress). Only for idempotent-enough writes. */
  retryConflicts?: boolean;
  /** Retry 5xx and network errors; off for calls that may have taken effect (Invoke). */
  retryTransient?: boolean;
  /** Skip the rate limiter (data-plane calls such as Invoke have their own, much higher limits). */
  unlimited?: boolean;
  /** Counts against GetFunction's own budget instead of the control plane's. */
  getFunctionBudget?: boolean;
  /** Adapter-specific mapping tried before the generic one; return undefined to fall through. */
  translate?: (info: SdkErrorInfo, error: unknown, attempts: number) => RolloutError | undefined;
}

/** Full-jitter exponential backoff: uniform in [0, min(max, base * 2^retry)). */
export function backoffDelay(retry: number, baseMs: number, maxMs: number, random: () => number): number {
  return Math.floor(random() * Math.min(maxMs, baseMs * 2 ** retry));
}

/** Code of the AwsError a call fails with when its signal aborted it. */
export const CANCELLED = "Aborted";

function cancelled(op: Operation, attempts: number, cause?: unknown): AwsError {
  const tries = attempts > 0 ? ` (attempt ${attempts})` : "";
  return new AwsError(`${op.operation} on ${op.resource} was cancelled${tries}.`, {
    cause,
    context: op.context ?? {},
    code: CANCELLED,
    retryable: true,
  });
}

export class AwsCaller {
  readonly policy: RetryPolicy;
  readonly clock: Clock;
  private readonly limiter: Limiter | undefined;
  private readonly getFunctionLimiter: Limiter | undefined;
  private readonly random: () => number;

  constructor(options: AdapterOptions = {}, fallbackLimit: RateLimit | false = defaultRateLimit) {
    this.policy = { ...defaultRetryPolicy, ...options.retry };
    this.clock = options.clock ?? systemClock;
    this.random = options.random ?? Math.random;
    const limit = options.rateLimit ?? fallbackLimit;
    this.limiter = options.limiter ?? (limit === false ? undefined : new TokenBucket(limit, this.clock));
    this.getFunctionLimiter = options.getFunctionLimiter ?? this.limiter;
  }

  /**
   * Sends with bounded retries. `send` receives the abort signal to hand to the SDK; when it aborts, the
   * request in flight and any retry wait stop at once and the call fails with code `Aborted`.
   */
  async run<T>(
    op: Operation,
    send: (abortSignal: AbortSignal | undefined) => Promise<T>,
    options: CallOptions = {},
  ): Promise<T> {
    const { signal } = options;
    let attempts = 0;
    let conflicts = 0;
    let retries = 0;
    for (;;) {
      const replied = op.unlimited
        ? undefined
        : await (op.getFunctionBudget ? this.getFunctionLimiter : this.limiter)?.take(signal);
      if (signal?.aborted) {
        replied?.();
        throw cancelled(op, attempts);
      }
      attempts += 1;
      try {
        const result = await send(signal);
        replied?.();
        return result;
      } catch (error) {
        replied?.();
        if (signal?.aborted) throw cancelled(op, attempts, error);
        const info = describeSdkError(error);
        const delay = this.retryDelay(op, info, attempts, conflicts, retries);
        if (delay === undefined) throw this.translate(op, info, error, attempts);
        if (isUpdateInProgress(info)) conflicts += 1;
        retries += 1;
        await this.clock.sleep(delay, signal);
      }
    }
  }

  private retryDelay(
    op: Operation,
    info: SdkErrorInfo,
    attempts: number,
    conflicts: number,
    retries: number,
  ): number | undefined {
    const { policy } = this;
    // The same credentials fail the same way until someone provides new ones; retrying only delays that.
    if (isCredentialsExpired(info)) return undefined;
    if (isUpdateInProgress(info)) {
      if (!op.retryConflicts || conflicts + 1 >= policy.conflictAttempts) return undefined;
      return backoffDelay(conflicts, policy.conflictBaseDelayMs, policy.maxDelayMs, this.random);
    }
    const retryable = isThrottling(info) || ((op.retryTransient ?? true) && isTransient(info));
    if (!retryable || attempts >= policy.maxAttempts) return undefined;
    return backoffDelay(retries, policy.baseDelayMs, policy.maxDelayMs, this.random);
  }

  private translate(op: Operation, info: SdkErrorInfo, error: unknown, attempts: number): RolloutError {
    return (
      setupError(info, error, op) ??
      op.translate?.(info, error, attempts) ??
      genericAwsError(info, error, op.operation, op.resource, op.context ?? {}, attempts)
    );
  }
}
