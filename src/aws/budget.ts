/**
 * The Lambda control-plane budget. AWS allows about 15 control-plane requests per second per account
 * and region (GetFunction has its own 100/s), shared by everything calling it; a release of 30
 * functions must stay within it however many functions run at once. So one limiter per account and
 * region is shared by every adapter built in this process, and it counts requests in any window of a
 * second rather than refilling tokens: "at most N in any second" is the promise, bursts included.
 */
import { InputError } from "../errors.js";
import { type Clock, systemClock } from "../ports.js";

export interface Limiter {
  /**
   * Resolves when the caller may send one request, with a function to call once its reply (or failure)
   * came back; early (without throwing) when `signal` aborts.
   */
  take(signal?: AbortSignal): Promise<(() => void) | undefined>;
}

/** Default control-plane budget per account and region: room under AWS's 15/s for other callers. */
export const DEFAULT_MAX_RPS = 10;
/** AWS's own limit: a budget above it only buys throttling. */
export const MAX_RPS = 15;
/** GetFunction's separate limit. */
export const GET_FUNCTION_RPS = 100;
const WINDOW_MS = 1_000;

/**
 * At most `perWindow` requests reach AWS in any window of `windowMs`, whatever the network delays.
 * AWS counts arrivals, which this process cannot see; but a request arrives after it was sent and
 * before its reply. So a request may be sent at `t` only while fewer than `perWindow` requests are in
 * flight or replied after `t - windowMs`: any request that arrives within a window of the one sent
 * last is one of those. Callers are served in order.
 */
export class ArrivalWindowLimiter implements Limiter {
  private inFlight = 0;
  private readonly replies: number[] = [];
  private queue: Promise<unknown> = Promise.resolve();
  private wake: (() => void) | undefined;

  constructor(
    readonly perWindow: number,
    private readonly clock: Clock = systemClock,
    readonly windowMs: number = WINDOW_MS,
  ) {
    if (!(Number.isInteger(perWindow) && perWindow >= 1))
      throw new RangeError(`invalid budget: ${perWindow}`);
  }

  take(signal?: AbortSignal): Promise<(() => void) | undefined> {
    const turn = this.queue.then(() => this.admit(signal));
    this.queue = turn.catch(() => undefined);
    return turn;
  }

  private async admit(signal?: AbortSignal): Promise<(() => void) | undefined> {
    for (;;) {
      if (signal?.aborted) return undefined;
      const now = this.clock.now();
      while (this.replies.length > 0 && (this.replies[0] as number) <= now - this.windowMs)
        this.replies.shift();
      if (this.inFlight + this.replies.length < this.perWindow) {
        this.inFlight += 1;
        let done = false;
        return () => {
          if (done) return;
          done = true;
          this.inFlight -= 1;
          this.replies.push(this.clock.now());
          this.wake?.();
        };
      }
      const oldest = this.replies[0];
      if (oldest !== undefined) {
        await this.clock.sleep(oldest + this.windowMs - now, signal);
      } else {
        // Every slot is a request still in flight: wait for a reply.
        await new Promise<void>((resolve) => {
          this.wake = resolve;
          signal?.addEventListener("abort", () => resolve(), { once: true });
        });
        this.wake = undefined;
      }
    }
  }
}

export interface Budget {
  /** Every Lambda control-plane call but GetFunction (and Invoke, which is data plane). */
  controlPlane: Limiter;
  getFunction: Limiter;
}

const budgets = new Map<string, Budget>();

/**
 * The budget of one account and region, shared by every adapter of this process that asks for the
 * same key. `account` is whatever identifies the credentials before any call (profile or access key
 * id); the region is the adapters'.
 */
export function sharedBudget(
  account: string,
  region: string,
  maxRps: number,
  clock: Clock = systemClock,
): Budget {
  const key = `${account}@${region}`;
  let budget = budgets.get(key);
  if (!budget || (budget.controlPlane as ArrivalWindowLimiter).perWindow !== maxRps) {
    budget = {
      controlPlane: new ArrivalWindowLimiter(maxRps, clock),
      getFunction: new ArrivalWindowLimiter(GET_FUNCTION_RPS, clock),
    };
    budgets.set(key, budget);
  }
  return budget;
}

/** `--max-rps` (or the Action's `max-rps`): a whole number of requests per second in 1..15. */
export function parseMaxRps(text: string): number {
  const value = Number(text);
  if (!Number.isInteger(value) || value <= 0 || value > MAX_RPS) {
    throw new InputError(`Invalid --max-rps "${text}": it must be a whole number from 1 to ${MAX_RPS}.`, {
      hint: `Lambda allows about ${MAX_RPS} control-plane requests per second per account and region, shared with every other caller; the default is ${DEFAULT_MAX_RPS}.`,
    });
  }
  return value;
}
