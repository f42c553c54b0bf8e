import type { CliIo } from "../io.js";
import { endSplit } from "./end-split.js";
import { awsLambda, type LambdaFactory, type TargetFlags } from "./target.js";

/** `lambda-rollout promote`: 100% on the new (additional) version, routing removed. */
export async function promoteCommand(
  flags: TargetFlags,
  io: CliIo,
  lambdaFor: LambdaFactory = awsLambda,
): Promise<number> {
  return await endSplit("promote", flags, io, lambdaFor);
}
