import { createAwsPorts } from "../../aws/index.js";
import { checkAliasName, targetOf } from "../../config/function-name.js";
import { DEFAULT_ALIAS, environmentFromFlags } from "../../config/index.js";
import { InputError } from "../../errors.js";
import type { LambdaPort, StepFunctionsPort } from "../../ports.js";
import type { CliIo } from "../io.js";

/** The flags of `status`, `rollback` and `promote`. */
export interface TargetFlags {
  function?: string;
  alias?: string;
  region?: string;
  config?: string;
  env?: string;
  json?: boolean;
}

export interface Target {
  functionName: string;
  aliasName: string;
  region: string | undefined;
}

/** Builds the Lambda adapter for a region; tests pass a fake. */
export type LambdaFactory = (region: string | undefined) => LambdaPort;

export const awsLambda: LambdaFactory = (region) => createAwsPorts(region ? { region } : {}).lambda;

/** Builds the Step Functions adapter for a region (server-side roll-outs); tests pass a fake. */
export type StepFunctionsFactory = (region: string | undefined) => StepFunctionsPort;

export const awsStepFunctions: StepFunctionsFactory = (region) =>
  createAwsPorts(region ? { region } : {}).stepFunctions;

/** The function and alias from flags, else from the configuration's environment (as `deploy` picks it). */
export async function resolveTarget(flags: TargetFlags, io: CliIo): Promise<Target> {
  const resolution = await environmentFromFlags(flags, { cwd: io.cwd, env: io.env });
  if (resolution?.kind === "noop") {
    throw new InputError(resolution.message, { hint: "Pass --env NAME or --function NAME." });
  }
  const environment = resolution?.environment;
  // As for deploy: an ARN becomes the bare name, and says which region to call.
  const target = targetOf(flags, environment);
  if (!target) {
    throw new InputError("No function given.", {
      hint: "Pass --function NAME, or --env NAME with a lambda-rollout.yml (or --config FILE).",
    });
  }
  return {
    functionName: target.name,
    aliasName: checkAliasName(
      flags.alias ?? environment?.alias ?? DEFAULT_ALIAS,
      flags.alias !== undefined ? "--alias" : `alias of environment "${environment?.name}"`,
    ),
    region: target.region,
  };
}
