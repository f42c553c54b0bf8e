/**
 * The policy `iam-policy` prints, for a configuration environment or flags: the deployer's (deploy,
 * roll back, report) or `preview`'s (reads only). The command and `preview --policy` both use it, so a
 * preview compares a policy file with exactly what the command would print.
 */
import { checkAliasName, targetOf } from "../config/function-name.js";
import { DEFAULT_ALIAS, environmentFromFlags } from "../config/index.js";
import type { ResolvedRelease } from "../config/release.js";
import { InputError } from "../errors.js";
import { ledgerLocation } from "../rollout/ledger/location.js";
import { type DeployerTarget, deployerPolicy, type PolicyDocument, previewPolicy } from "./policy.js";
import { releasePolicy, releasePreviewPolicy } from "./release-policy.js";

/** Where the configuration is read from, and the environment that supplies defaults. */
export interface PolicyContext {
  cwd: string;
  env: NodeJS.ProcessEnv;
}

export interface IamPolicyFlags {
  /** The read-only policy of `preview` instead of the deployer's. */
  preview?: boolean;
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
  ledgerBucket?: string;
  ledgerPrefix?: string;
}

interface FromConfig {
  name: string;
  release: ResolvedRelease | undefined;
  function: string | undefined;
  alias: string;
  region: string | undefined;
  bucket: string | undefined;
  prefix: string | undefined;
  alarms: string[];
  /** `prune: { keep: N }` configured: the policy may delete old versions. */
  prune: boolean;
  stateMachine: string | undefined;
  ledger: { bucket: string; prefix: string | undefined } | undefined;
}

/** The ledger's location for the policy: the flags, else the configuration's, else the artifact bucket. */
function ledgerOfTarget(
  flags: IamPolicyFlags,
  file: FromConfig | undefined,
  artifact: { bucket: string; prefix?: string | undefined },
) {
  const given = flags.ledgerBucket !== undefined || flags.ledgerPrefix !== undefined;
  return ledgerLocation(
    given ? { bucket: flags.ledgerBucket, prefix: flags.ledgerPrefix } : file?.ledger,
    artifact,
  );
}

async function fromConfig(flags: IamPolicyFlags, io: PolicyContext): Promise<FromConfig | undefined> {
  const resolution = await environmentFromFlags(flags, { cwd: io.cwd, env: io.env });
  if (resolution === undefined) return undefined;
  if (resolution.kind === "noop") {
    throw new InputError(resolution.message, { hint: "Pass --env to choose the environment." });
  }
  const environment = resolution.environment;
  return {
    name: environment.name,
    release: environment.release,
    function: environment.function,
    alias: environment.alias,
    region: environment.region,
    bucket: environment.artifact?.bucket,
    prefix: environment.artifact?.prefix,
    alarms: environment.alarms,
    prune: environment.prune !== undefined,
    stateMachine: environment.stateMachine,
    ledger: environment.ledger,
  };
}

/**
 * Flags over configuration over the SDK's region variables; the account defaults to `*`. A function
 * ARN is reduced to its name (as deploy does) and also gives the partition, region and account.
 */
async function resolveIamTarget(
  flags: IamPolicyFlags,
  io: PolicyContext,
  file: FromConfig | undefined,
): Promise<DeployerTarget> {
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
    ...(file?.prune ? { prune: true } : {}),
    // A state machine ARN or a bare name: the policy names the machine and its executions.
    stateMachineName: (flags.stateMachine ?? file?.stateMachine)?.split(":").at(-1),
    ledger: ledgerOfTarget(flags, file, { bucket, prefix: flags.prefix ?? file?.prefix }),
  };
  const partition = flags.partition ?? fn?.partition;
  return partition === undefined ? target : { ...target, partition };
}

/** Every function of a release environment as a deploy target: its own region, bucket, prefix, alarms. */
function releaseTargets(
  flags: IamPolicyFlags,
  file: FromConfig,
  release: ResolvedRelease,
  io: PolicyContext,
): DeployerTarget[] {
  const given = (["function", "alias", "bucket", "prefix", "alarm"] as const).filter(
    (key) => flags[key] !== undefined,
  );
  if (given.length > 0) {
    throw new InputError(
      `${given.map((key) => `--${key}`).join(", ")} cannot be used with environment "${file.name}": it is a release (functions:).`,
      { hint: "Each function's name, bucket, prefix and alarms come from its item under functions:." },
    );
  }
  // One ledger for the whole release, as deploy uses it: configured, else the first function's bucket.
  const first = release.functions[0];
  const ledger = first ? ledgerOfTarget(flags, file, first.artifact) : undefined;
  return release.functions.map((item) => {
    const region = item.region ?? flags.region ?? io.env.AWS_REGION ?? io.env.AWS_DEFAULT_REGION;
    if (region === undefined) {
      throw new InputError(`${item.path} has no region.`, {
        hint: "Set region: for the function or the environment, or pass --region.",
      });
    }
    const target: DeployerTarget = {
      functionName: item.function,
      aliasName: item.alias,
      region,
      accountId: flags.account ?? "*",
      bucket: item.artifact.bucket,
      prefix: item.artifact.prefix ?? "",
      alarmNames: item.alarms,
      ledger,
      // --engine stepfunctions: the release state machine's name (one per region).
      stateMachineName: (flags.stateMachine ?? file.stateMachine)?.split(":").at(-1),
    };
    return flags.partition === undefined ? target : { ...target, partition: flags.partition };
  });
}

/** The policy document `iam-policy` prints for these flags (and configuration). */
export async function generatePolicy(flags: IamPolicyFlags, io: PolicyContext): Promise<PolicyDocument> {
  const file = await fromConfig(flags, io);
  if (file?.release) {
    const targets = releaseTargets(flags, file, file.release, io);
    return flags.preview ? releasePreviewPolicy(targets) : releasePolicy(targets);
  }
  const target = await resolveIamTarget(flags, io, file);
  return flags.preview ? previewPolicy(target) : deployerPolicy(target);
}
