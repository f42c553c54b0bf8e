import { checkAliasName, targetOf } from "../../config/function-name.js";
import { DEFAULT_ALIAS, environmentFromFlags } from "../../config/index.js";
import { InputError } from "../../errors.js";
import { type DeployerTarget, deployerPolicy } from "../../iam/policy.js";
import type { CliIo } from "../io.js";

export interface IamPolicyFlags {
  function?: string;
  alias?: string;
  bucket?: string;
  prefix?: string;
  alarm?: string[];
  region?: string;
  account?: string;
  partition?: string;
  stateMachine?: string;
  config?: string;
  env?: string;
}

interface FromConfig {
  name: string;
  function: string;
  alias: string;
  region: string | undefined;
  bucket: string | undefined;
  prefix: string | undefined;
  alarms: string[];
  stateMachine: string | undefined;
}

async function fromConfig(flags: IamPolicyFlags, io: CliIo): Promise<FromConfig | undefined> {
  const resolution = await environmentFromFlags(flags, { cwd: io.cwd, env: io.env });
  if (resolution === undefined) return undefined;
  if (resolution.kind === "noop") {
    throw new InputError(resolution.message, { hint: "Pass --env to choose the environment." });
  }
  const environment = resolution.environment;
  return {
    name: environment.name,
    function: environment.function,
    alias: environment.alias,
    region: environment.region,
    bucket: environment.artifact?.bucket,
    prefix: environment.artifact?.prefix,
    alarms: environment.alarms,
    stateMachine: environment.stateMachine,
  };
}

/**
 * Flags over configuration over the SDK's region variables; the account defaults to `*`. A function
 * ARN is reduced to its name (as deploy does) and also gives the partition, region and account.
 */
async function resolveIamTarget(flags: IamPolicyFlags, io: CliIo): Promise<DeployerTarget> {
  const file = await fromConfig(flags, io);
  const fn = targetOf(flags, file);
  const functionName = fn?.name;
  const bucket = flags.bucket ?? file?.bucket;
  const region = fn?.region ?? flags.region ?? file?.region ?? io.env.AWS_REGION ?? io.env.AWS_DEFAULT_REGION;
  const missing = [
    functionName === undefined ? "--function" : undefined,
    bucket === undefined ? "--bucket" : undefined,
    region === undefined ? "--region" : undefined,
  ].filter((name): name is string => name !== undefined);
  if (functionName === undefined || bucket === undefined || region === undefined) {
    throw new InputError(`iam-policy needs ${missing.join(", ")}.`, {
      hint: "Pass them as flags, or use --config FILE --env NAME (region may also come from AWS_REGION).",
    });
  }
  if (flags.account !== undefined && fn?.account !== undefined && flags.account !== fn.account) {
    throw new InputError(
      `The function's ARN is in account ${fn.account}, but --account says ${flags.account}.`,
      { hint: "Drop --account (the ARN's account is used), or name the function in the other account." },
    );
  }
  const alarms = flags.alarm !== undefined && flags.alarm.length > 0 ? flags.alarm : (file?.alarms ?? []);
  const target: DeployerTarget = {
    functionName,
    aliasName: checkAliasName(
      flags.alias ?? file?.alias ?? DEFAULT_ALIAS,
      flags.alias !== undefined ? "--alias" : `alias of environment "${file?.name}"`,
    ),
    region,
    accountId: flags.account ?? fn?.account ?? "*",
    bucket,
    prefix: flags.prefix ?? file?.prefix ?? "",
    alarmNames: alarms,
    // A state machine ARN or a bare name: the policy names the machine and its executions.
    stateMachineName: (flags.stateMachine ?? file?.stateMachine)?.split(":").at(-1),
  };
  const partition = flags.partition ?? fn?.partition;
  return partition === undefined ? target : { ...target, partition };
}

/** `lambda-rollout iam-policy`: prints the least-privilege policy document for one deploy target. */
export async function iamPolicyCommand(flags: IamPolicyFlags, io: CliIo): Promise<number> {
  const policy = deployerPolicy(await resolveIamTarget(flags, io));
  io.stdout.write(`${JSON.stringify(policy, null, 2)}\n`);
  return 0;
}
