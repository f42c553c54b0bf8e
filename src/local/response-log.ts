/**
 * Every response the synthetic load got, with the version that answered and when: what a rehearsal
 * measures (first bad response, evidence met) and waits on (traffic flowing) instead of sleeping.
 */
import type { Clock } from "../ports.js";
import type { LoadSample } from "./load.js";

export interface VersionCounts {
  /** Answered without a 5xx. */
  ok: number;
  /** 5xx, or no answer at all (status 0). */
  errors: number;
}

export class ResponseLog {
  readonly samples: LoadSample[] = [];
  private readonly waiters = new Set<{ target: number; resolve: () => void }>();

  record(sample: LoadSample): void {
    this.samples.push(sample);
    for (const waiter of this.waiters) {
      if (this.samples.length >= waiter.target) {
        this.waiters.delete(waiter);
        waiter.resolve();
      }
    }
  }

  /** Responses per version since `since` (epoch ms). */
  counts(since = 0): Record<string, VersionCounts> {
    const out: Record<string, VersionCounts> = {};
    for (const s of this.samples) {
      if (s.at < since) continue;
      const c = out[s.version] ?? { ok: 0, errors: 0 };
      if (s.status >= 500 || s.status === 0) c.errors += 1;
      else c.ok += 1;
      out[s.version] = c;
    }
    return out;
  }

  /** True once `count` more responses have arrived; false when `timeoutMs` passes first. */
  async waitForMore(count: number, options: { clock: Clock; timeoutMs: number }): Promise<boolean> {
    const target = this.samples.length + count;
    if (count <= 0) return true;
    let waiter: { target: number; resolve: () => void } | undefined;
    const reached = new Promise<boolean>((resolve) => {
      waiter = { target, resolve: () => resolve(true) };
      this.waiters.add(waiter);
    });
    const stopTimer = new AbortController();
    const timedOut = options.clock.sleep(options.timeoutMs, stopTimer.signal).then(() => false);
    try {
      return await Promise.race([reached, timedOut]);
    } finally {
      stopTimer.abort();
      if (waiter) this.waiters.delete(waiter);
    }
  }
}
