/**
 * `prune: { keep: N }` in a deploy: after a successful promotion, old versions are pruned (see
 * prune.ts). It is housekeeping: whatever happens here becomes a warning and never changes the
 * result of the release, which is already live.
 */
import type { LambdaPort } from "../../ports.js";
import type { RolloutEvent } from "../events.js";
import type { LedgerAccess } from "../ledger/location.js";
import { prune, pruneFailure } from "../manage/prune.js";

export async function pruneAfterPromotion(
  lambda: LambdaPort,
  functionName: string,
  keep: number,
  emit: (event: RolloutEvent) => void,
  signal?: AbortSignal | undefined,
  ledger?: LedgerAccess | undefined,
): Promise<void> {
  const unaffected = "the release itself is not affected";
  try {
    const report = await prune(lambda, { functionName, keep }, { signal }, ledger);
    emit({ type: "info", message: `Pruned old versions: ${report.summary}` });
    if (report.failed) {
      emit({
        type: "warning",
        message: `Pruning stopped early (${unaffected}): ${pruneFailure(report).message}`,
      });
      return;
    }
    for (const skipped of report.skipped) {
      emit({
        type: "warning",
        message: `Pruning left v${skipped.version} (${unaffected}): ${skipped.reason}`,
      });
    }
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    emit({ type: "warning", message: `Could not prune old versions (${unaffected}): ${message}` });
  }
}
