/**
 * Following an execution from the CLI: the next page of its history after one follow interval, or why
 * following stopped (a signal: the execution carries on; a read that failed after the adapter's
 * retries). One function's follower (server-side.ts) and a release's (release.ts) read it the same way.
 */
import type { Clock, StepFunctionsPort } from "../../ports.js";

/** How often a follower reads the history: the poll interval, within 1-5 s. */
export const followIntervalMs = (intervalMs: number) => Math.min(Math.max(intervalMs, 1000), 5000);

export type HistoryPage = Awaited<ReturnType<StepFunctionsPort["historySince"]>>;

export async function nextHistory(
  stepFunctions: StepFunctionsPort,
  arn: string,
  lastId: number,
  { clock, intervalMs, signal }: { clock: Clock; intervalMs: number; signal: AbortSignal | undefined },
): Promise<{ events: HistoryPage } | { stopped: string }> {
  await clock.sleep(followIntervalMs(intervalMs), signal);
  if (signal?.aborted) return { stopped: `Stopped following on ${String(signal.reason)}` };
  try {
    return { events: await stepFunctions.historySince(arn, lastId, { signal }) };
  } catch (error) {
    if (signal?.aborted) return { stopped: `Stopped following on ${String(signal.reason)}` };
    return {
      stopped: `Lost track of the execution (${error instanceof Error ? error.message : String(error)})`,
    };
  }
}
