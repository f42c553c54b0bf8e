import { approve } from "../../rollout/approval.js";
import type { CliIo } from "../io.js";
import { resultLineCommand } from "./result-line.js";
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
  return resultLineCommand(flags, io, async () => {
    const target = await resolveTarget(flags, io);
    return approve(
      lambdaFor(target.region, target.whereabouts),
      target.functionName,
      target.aliasName,
      Date.now(),
      target.via,
    );
  });
}
