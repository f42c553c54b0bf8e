import { resolveSplit } from "../../rollout/manage.js";
import { endRelease } from "../../rollout/release-manage.js";
import { stopExecutionFirst } from "../../rollout/server-side-manage.js";
import type { CliIo } from "../io.js";
import { resultLineCommand } from "./result-line.js";
import {
  awsStepFunctions,
  type LambdaFactory,
  resolveTargets,
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
  return resultLineCommand(flags, io, async () => {
    const resolved = await resolveTargets(flags, io);
    if (resolved.kind === "release") {
      const { name, members, targetFlags } = resolved.release;
      return endRelease(name, members, lambdaFor, resolution, Date.now, targetFlags);
    }
    const { functionName, aliasName, region, via, whereabouts } = resolved.target;
    const lambda = lambdaFor(region, whereabouts);
    // A Step Functions execution still shifting this alias is stopped before anything else.
    return (
      (await stopExecutionFirst(lambda, stepFunctionsFor(region), functionName, aliasName, resolution)) ??
      (await resolveSplit(lambda, functionName, aliasName, resolution, Date.now(), via))
    );
  });
}
