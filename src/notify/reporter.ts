/**
 * Reporters tell the outside world about a roll-out (webhooks, GitHub Deployments) without being able
 * to change it: they see events as the engine emits them, queue their deliveries, and get a bounded
 * wait at the end. What fails becomes a warning; the outcome and exit code stay the engine's.
 */
import type { EventSink, StampedEvent } from "../rollout/events.js";

export interface Reporter {
  /** Sees each event as it happens; only queues work, never blocks or throws. */
  observe(event: StampedEvent): void;
  /**
   * Finishes what it queued. When `signal` aborts (the flush deadline), it gives up at once and says
   * what it left undelivered through its `warn`. Never rejects.
   */
  settle(signal: AbortSignal): Promise<void>;
}

/** Builds a reporter around the warning channel it reports its own failures through. */
export type ReporterFactory = (warn: (message: string) => void) => Reporter;

/** How long the end of a run waits for deliveries still in flight; then they are abandoned. */
export const DEFAULT_FLUSH_MS = 10_000;
/**
 * The wait after SIGINT/SIGTERM: a cancelled CI job is killed seconds after the signal (GitHub Actions:
 * 7.5 s, then SIGTERM, then SIGKILL), and the result line must be out before that.
 */
export const INTERRUPTED_FLUSH_MS = 2_000;

export interface ReportingSink {
  emit: EventSink;
  /** Waits for the reporters (at most `flushMs`, or this call's), then passes on the held-back result. */
  close(flushMs?: number): Promise<void>;
}

/**
 * Decorates `next` with reporters. Every event goes on to `next` at once, except the result: it is held
 * until `close()`, so the warnings about failed deliveries come before it and the last NDJSON line stays
 * the result.
 */
export function reportingSink(
  next: EventSink,
  factories: ReporterFactory[],
  options: { flushMs?: number | undefined; now?: () => number } = {},
): ReportingSink {
  const now = options.now ?? Date.now;
  const warn = (message: string) => {
    try {
      next({ type: "warning", message, at: now() });
    } catch {
      // The output sink is guarded by its owner; a warning is not worth more than the output itself.
    }
  };
  const reporters = factories.map((factory) => factory(warn));
  let held: StampedEvent | undefined;
  return {
    emit(event) {
      for (const reporter of reporters) {
        try {
          reporter.observe(event);
        } catch (error) {
          warn(
            `A notification could not be queued: ${error instanceof Error ? error.message : String(error)}`,
          );
        }
      }
      if (event.type === "result" && reporters.length > 0) held = event;
      else next(event);
    },
    async close(override?: number) {
      if (reporters.length > 0) {
        const flushMs = override ?? options.flushMs ?? DEFAULT_FLUSH_MS;
        const deadline = new AbortController();
        const timer = setTimeout(() => deadline.abort(), flushMs);
        // A reporter that ignored the deadline still cannot hold the exit: one more second, then on.
        let grace: NodeJS.Timeout | undefined;
        const overdue = new Promise<void>((resolve) => {
          deadline.signal.addEventListener("abort", () => {
            grace = setTimeout(resolve, 1_000);
          });
        });
        const settled = Promise.all(
          reporters.map((reporter) => reporter.settle(deadline.signal).catch(() => undefined)),
        );
        await Promise.race([settled, overdue]);
        clearTimeout(timer);
        clearTimeout(grace);
      }
      if (held) {
        const result = held;
        held = undefined;
        next(result);
      }
    },
  };
}
