import { RolloutError } from "../../errors.js";
import { failedResult, type ResultEvent, type RolloutEvent } from "../../rollout/events.js";
import type { CliIo } from "../io.js";
import { createSink } from "../output/sink.js";
import type { TargetFlags } from "./target.js";

/**
 * Runs a command whose every outcome is one result line (NDJSON with --json), bad input included, and
 * returns its exit code: `rollback`, `promote` and `approve`. Warnings may come first.
 */
export async function resultLineCommand(
  flags: TargetFlags,
  io: CliIo,
  /** `emit` reports what comes before the result (warnings). */
  run: (emit: (event: RolloutEvent) => void) => Promise<ResultEvent>,
): Promise<number> {
  const sink = createSink(io, flags.json === true);
  let result: ResultEvent;
  try {
    result = await run((event) => sink.emit({ ...event, at: Date.now() }));
  } catch (error) {
    if (!(error instanceof RolloutError)) throw error;
    result = failedResult({ function: flags.function ?? "", alias: flags.alias ?? "" }, error);
  }
  sink.emit({ ...result, at: Date.now() });
  sink.close();
  return result.exitCode;
}
