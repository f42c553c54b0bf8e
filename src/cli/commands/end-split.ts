import { RolloutError } from "../../errors.js";
import { failedResult, type ResultEvent } from "../../rollout/events.js";
import { resolveSplit } from "../../rollout/manage.js";
import { stopExecutionFirst } from "../../rollout/server-side-manage.js";
import type { CliIo } from "../io.js";
import { createSink } from "../output/sink.js";
import {
  awsStepFunctions,
  type LambdaFactory,
  resolveTarget,
  type StepFunctionsFactory,
  type TargetFlags,
} from "./target.js";

/**
 * `rollback` and `promote`: end an interrupted roll-out on one version. Like deploy, every outcome is a
 * result line (NDJSON with --json), bad input included, and its exit code is returned.
 */
export async function endSplit(
  resolution: "rollback" | "promote",
  flags: TargetFlags,
  io: CliIo,
  lambdaFor: LambdaFactory,
  stepFunctionsFor: StepFunctionsFactory = awsStepFunctions,
): Promise<number> {
  const sink = createSink(io, flags.json === true);
  let result: ResultEvent;
  try {
    const target = await resolveTarget(flags, io);
    const lambda = lambdaFor(target.region);
    // A Step Functions execution still shifting this alias is stopped before anything else.
    result =
      (await stopExecutionFirst(
        lambda,
        stepFunctionsFor(target.region),
        target.functionName,
        target.aliasName,
        resolution,
      )) ?? (await resolveSplit(lambda, target.functionName, target.aliasName, resolution));
  } catch (error) {
    if (!(error instanceof RolloutError)) throw error;
    result = failedResult({ function: flags.function ?? "", alias: flags.alias ?? "" }, error);
  }
  sink.emit({ ...result, at: Date.now() });
  sink.close();
  return result.exitCode;
}
