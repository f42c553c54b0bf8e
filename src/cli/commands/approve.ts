import { RolloutError } from "../../errors.js";
import { approve } from "../../rollout/approval.js";
import { failedResult, type ResultEvent } from "../../rollout/events.js";
import type { CliIo } from "../io.js";
import { createSink } from "../output/sink.js";
import { awsLambda, type LambdaFactory, resolveTarget, type TargetFlags } from "./target.js";

/**
 * `lambda-rollout approve`: records the approval a deploy with --manual-approval waits for. Like
 * `promote`, every outcome is a result line (NDJSON with --json) and its exit code is returned.
 */
export async function approveCommand(
  flags: TargetFlags,
  io: CliIo,
  lambdaFor: LambdaFactory = awsLambda,
): Promise<number> {
  const sink = createSink(io, flags.json === true);
  let result: ResultEvent;
  try {
    const target = await resolveTarget(flags, io);
    result = await approve(lambdaFor(target.region), target.functionName, target.aliasName);
  } catch (error) {
    if (!(error instanceof RolloutError)) throw error;
    result = failedResult({ function: flags.function ?? "", alias: flags.alias ?? "" }, error);
  }
  sink.emit({ ...result, at: Date.now() });
  sink.close();
  return result.exitCode;
}
