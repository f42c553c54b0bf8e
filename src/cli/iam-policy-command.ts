import type { Command } from "commander";
import { checkAliasName, resolveFunctionTarget } from "../config/function-name.js";
import { environmentFromFlags } from "../config/index.js";
import { InputError, RolloutError } from "../errors.js";
import { type DeployerTarget, deployerPolicy } from "../iam/policy.js";
import { reportError } from "./io.js";

export interface IamPolicyFlags {
  function?: string;
  alias?: string;
  bucket?: string;
  prefix?: string;
  alarm?: string[];
  region?: string;
  account?: string;
  partition?: string;
  config?: string;
  env?: string;
}

/** What the command reads from the process; tests pass their own. */
export interface IamPolicyIo {
  stdout: { write(text: string): unknown };
  stderr: { write(text: string): unknown };
  env: NodeJS.ProcessEnv;
  cwd: string;
}

const processIo: IamPolicyIo = {
  stdout: process.stdout,
  stderr: process.stderr,
  get env() {
    return process.env;
  },
  get cwd() {
    return process.cwd();
  },
};

interface FromConfig {
  name: string;
  function: string;
  alias: string;
  region: string | undefined;
  bucket: string | undefined;
  prefix: string | undefined;
  alarms: string[];
}

async function fromConfig(flags: IamPolicyFlags, io: IamPolicyIo): Promise<FromConfig | undefined> {
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
  };
}

/**
 * Flags over configuration over the SDK's region variables; the account defaults to `*`. A function
 * ARN is reduced to its name (as deploy does) and also gives the partition, region and account.
 */
export async function resolveIamTarget(flags: IamPolicyFlags, io: IamPolicyIo): Promise<DeployerTarget> {
  const file = await fromConfig(flags, io);
  const fn = resolveFunctionTarget({
    flagFunction: flags.function,
    configFunction: file?.function,
    flagRegion: flags.region,
    configRegion: file?.region,
    configSource: file ? `environment "${file.name}"` : undefined,
  });
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
      flags.alias ?? file?.alias ?? "live",
      flags.alias !== undefined ? "--alias" : `alias of environment "${file?.name}"`,
    ),
    region,
    accountId: flags.account ?? fn?.account ?? "*",
    bucket,
    prefix: flags.prefix ?? file?.prefix ?? "",
    alarmNames: alarms,
  };
  const partition = flags.partition ?? fn?.partition;
  return partition === undefined ? target : { ...target, partition };
}

function collect(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
}

/**
 * `lambda-rollout iam-policy`: prints the least-privilege policy document for one deploy target.
 * Without `done`, failures are thrown as RolloutError; with it, they are printed and reported as an
 * exit code, like the other commands.
 */
export function registerIamPolicyCommand(
  program: Command,
  io: IamPolicyIo = processIo,
  done?: (result: { exitCode: number }) => void,
): Command {
  return program
    .command("iam-policy")
    .description(
      "Print the IAM policy that lets lambda-rollout deploy, roll back and report on one function, and nothing else.",
    )
    .option("--function <name>", "Lambda function name or ARN")
    .option("--alias <name>", "alias that lambda-rollout shifts (default: live)")
    .option("--bucket <bucket>", "artifact bucket")
    .option("--prefix <prefix>", "artifact key prefix (artifacts go to PREFIX/FUNCTION/SHA256.zip)")
    .option("--alarm <name>", "alarm read as a health gate (repeatable)", collect)
    .option("--region <region>", "region (default: config, then AWS_REGION)")
    .option("--account <id>", "account id (default: *)")
    .option("--partition <name>", "AWS partition (default: aws)")
    .option("--config <file>", "lambda-rollout.yml (default: ./lambda-rollout.yml when --function is absent)")
    .option("--env <name>", "environment from the config (default: chosen by branch)")
    .action(async (flags: IamPolicyFlags) => {
      try {
        const policy = deployerPolicy(await resolveIamTarget(flags, io));
        io.stdout.write(`${JSON.stringify(policy, null, 2)}\n`);
        done?.({ exitCode: 0 });
      } catch (error) {
        if (done === undefined || !(error instanceof RolloutError)) throw error;
        done({ exitCode: reportError(io.stderr, error) });
      }
    });
}
