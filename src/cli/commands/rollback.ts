import type { CliIo } from "../io.js";
import { endSplit } from "./end-split.js";
import { awsLambda, type LambdaFactory, type TargetFlags } from "./target.js";

/** `lambda-rollout rollback`: 100% on the stable (primary) version, routing removed. */
export async function rollbackCommand(
  flags: TargetFlags,
  io: CliIo,
  lambdaFor: LambdaFactory = awsLambda,
): Promise<number> {
  return await endSplit("rollback", flags, io, lambdaFor);
}
