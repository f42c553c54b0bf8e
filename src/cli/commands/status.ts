import { status } from "../../rollout/manage.js";
import type { CliIo } from "../io.js";
import {
  awsLambda,
  awsStepFunctions,
  type LambdaFactory,
  resolveTarget,
  type StepFunctionsFactory,
  type TargetFlags,
} from "./target.js";

/** `lambda-rollout status`: the alias's versions and weights, read from AWS alone. */
export async function statusCommand(
  flags: TargetFlags,
  io: CliIo,
  lambdaFor: LambdaFactory = awsLambda,
  stepFunctionsFor: StepFunctionsFactory = awsStepFunctions,
): Promise<number> {
  const target = await resolveTarget(flags, io);
  const report = await status(
    lambdaFor(target.region),
    target.functionName,
    target.aliasName,
    stepFunctionsFor(target.region),
  );
  if (flags.json) io.stdout.write(`${JSON.stringify(report)}\n`);
  else
    io.stdout.write(
      `${report.summary}\n${report.toVersionDescription ? `target v${report.toVersion}: ${report.toVersionDescription}\n` : ""}`,
    );
  return 0;
}
