/**
 * The Lambda control-plane budget. AWS allows about 15 control-plane requests per second per account
 * and region (GetFunction has its own 100/s), shared by everything calling it; a release of 30
 * functions must stay within it however many functions run at once. So one limiter per account and
 * region is shared by every adapter built in this process, and it counts requests in any trailing
 * window rather than refilling tokens: "at most N in any second" is the promise, bursts included.
 */
import { InputError } from "../errors.js";
import { type Clock, systemClock } from "../ports.js";

export interface Limiter {
  /** Resolves when the caller may send one request; early (without throwing) when `signal` aborts. */
  take(signal?: AbortSignal): Promise<void>;
}

/** Default control-plane budget per account and region: room under AWS's 15/s for other callers. */
export const DEFAULT_MAX_RPS = 10;
/** AWS's own limit: a budget above it only buys throttling. */
export const MAX_RPS = 15;
/** GetFunction's separate limit. */
export const GET_FUNCTION_RPS = 100;
/**
 * The window is a little longer than a second: requests granted exactly a second apart can arrive at
 * AWS closer together after network jitter, and AWS counts arrivals.
 */
const WINDOW_MS = 1_050;

/**
 * At most `perWindow` grants in any window of `windowMs`. Callers reserve their slot at once (so
 * concurrent callers queue in order instead of all waking together) and then wait for it.
 */
export class SlidingWindowLimiter implements Limiter {
  private readonly grants: number[] = [];

  constructor(
    readonly perWindow: number,
    private readonly clock: Clock = systemClock,
    readonly windowMs: number = WINDOW_MS,
  ) {
    if (!(Number.isInteger(perWindow) && perWindow >= 1))
      throw new RangeError(`invalid budget: ${perWindow}`);
  }

  async take(signal?: AbortSignal): Promise<void> {
    const now = this.clock.now();
    // The slot: now, or one window after the grant `perWindow` places back, whichever is later.
    const blocking =
      this.grants.length >= this.perWindow ? this.grants[this.grants.length - this.perWindow] : undefined;
    const slot = blocking === undefined ? now : Math.max(now, blocking + this.windowMs);
    this.grants.push(slot);
    // Only the last `perWindow` grants can ever block a later one.
    if (this.grants.length > this.perWindow * 2) this.grants.splice(0, this.grants.length - this.perWindow);
    if (slot > now) await this.clock.sleep(slot - now, signal);
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
  if (!budget || (budget.controlPlane as SlidingWindowLimiter).perWindow !== maxRps) {
    budget = {
      controlPlane: new SlidingWindowLimiter(maxRps, clock),
      getFunction: new SlidingWindowLimiter(GET_FUNCTION_RPS, clock),
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
