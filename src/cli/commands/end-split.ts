import { RolloutError } from "../../errors.js";
import { failedResult, type ResultEvent } from "../../rollout/events.js";
import { resolveSplit } from "../../rollout/manage.js";
import { endRelease } from "../../rollout/release-manage.js";
import type { CliIo } from "../io.js";
import { createSink } from "../output/sink.js";
import { type LambdaFactory, resolveTargets, type TargetFlags } from "./target.js";

/**
 * `rollback` and `promote`: end an interrupted roll-out on one version. Like deploy, every outcome is a
 * result line (NDJSON with --json), bad input included, and its exit code is returned.
 */
export async function endSplit(
  resolution: "rollback" | "promote",
  flags: TargetFlags,
  io: CliIo,
  lambdaFor: LambdaFactory,
): Promise<number> {
  const sink = createSink(io, flags.json === true);
  let result: ResultEvent;
  try {
    const resolved = await resolveTargets(flags, io);
    if (resolved.kind === "release") {
      const { name, members } = resolved.release;
      result = await endRelease(name, members, lambdaFor, resolution);
    } else {
      const target = resolved.target;
      result = await resolveSplit(
        lambdaFor(target.region),
        target.functionName,
        target.aliasName,
        resolution,
      );
    }
  } catch (error) {
    if (!(error instanceof RolloutError)) throw error;
    result = failedResult({ function: flags.function ?? "", alias: flags.alias ?? "" }, error);
  }
  sink.emit({ ...result, at: Date.now() });
  sink.close();
  return result.exitCode;
}
