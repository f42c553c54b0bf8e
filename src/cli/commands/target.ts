import { type AwsPortsOptions, createAwsPorts } from "../../aws/index.js";
import { checkAliasName, targetOf } from "../../config/function-name.js";
import { DEFAULT_ALIAS, environmentFromFlags, type Located } from "../../config/index.js";
import { InputError } from "../../errors.js";
import type { LambdaPort, LedgerStore, OwnedAlarmsPort, StepFunctionsPort } from "../../ports.js";
import { type CommandVia, namingOf, targetFlags } from "../../rollout/commands.js";
import { type LedgerAccess, type LedgerLocation, ledgerLocation } from "../../rollout/ledger/location.js";
import type { ReleaseMember } from "../../rollout/manage/release-status.js";
import { ledgerAccess } from "../../run.js";
import type { CliIo } from "../io.js";

/** The flags of `status`, `rollback` and `promote`. */
export interface TargetFlags {
  function?: string;
  alias?: string;
  region?: string;
  config?: string;
  env?: string;
  json?: boolean;
  /** Where the ledger is, when neither the configuration nor the artifact bucket says. */
  ledgerBucket?: string;
  ledgerPrefix?: string;
}

export interface Target {
  functionName: string;
  aliasName: string;
  region: string | undefined;
  /** Where the ledger is (flags, `ledger:`, else the environment's artifact bucket); undefined: none. */
  ledger: LedgerLocation | undefined;
  /** How the flags named it: the commands a result suggests name it the same way. */
  via: CommandVia;
  /** Where it came from (the configuration file and environment, or none), for "does not exist". */
  whereabouts: Whereabouts;
}

/** Where a target came from and its account, said in "does not exist" errors. */
type Whereabouts = NonNullable<AwsPortsOptions["whereabouts"]>;

/** Builds the Lambda adapter for a region; tests pass a fake. */
export type LambdaFactory = (region: string | undefined, whereabouts?: Whereabouts) => LambdaPort;

export const awsLambda: LambdaFactory = (region, whereabouts) =>
  createAwsPorts({ ...(region ? { region } : {}), ...(whereabouts ? { whereabouts } : {}) }).lambda;

/** Builds the Step Functions adapter for a region (server-side roll-outs); tests pass a fake. */
export type StepFunctionsFactory = (region: string | undefined) => StepFunctionsPort;

export const awsStepFunctions: StepFunctionsFactory = (region) =>
  createAwsPorts(region ? { region } : {}).stepFunctions;

/** Builds the adapter of the alarms server-side metric gates own, for a region; tests pass a fake. */
export type OwnedAlarmsFactory = (region: string | undefined) => OwnedAlarmsPort;

export const awsOwnedAlarms: OwnedAlarmsFactory = (region) =>
  createAwsPorts(region ? { region } : {}).ownedAlarms;

/** Builds the ledger's store for a region; tests pass a fake. */
export type LedgerStoreFactory = (region: string | undefined) => LedgerStore;

export const awsLedgerStore: LedgerStoreFactory = (region) =>
  createAwsPorts(region ? { region } : {}).ledgerStore;

/** The ledger a command reads and writes, when one is configured. */
export function ledgerFor(
  location: LedgerLocation | undefined,
  region: string | undefined,
  io: CliIo,
  storeFor: LedgerStoreFactory = awsLedgerStore,
): LedgerAccess | undefined {
  return location ? ledgerAccess(location, storeFor(region), io.env) : undefined;
}

/** Every function of a release environment (`functions:`), for status, rollback and promote. */
export interface ReleaseTargets {
  name: string;
  members: ReleaseMember[];
  /** `--config F --env E` as used, for the commands a result suggests. */
  targetFlags: string;
  ledger: LedgerLocation | undefined;
}

/** The ledger from the flags, else the environment's `ledger:`, else its (first) artifact bucket. */
function ledgerOfFlags(
  flags: TargetFlags,
  environment: { ledger: { bucket: string; prefix: string | undefined } | undefined } | undefined,
  artifact: { bucket: string; prefix?: string | undefined } | undefined,
): LedgerLocation | undefined {
  const given = flags.ledgerBucket !== undefined || flags.ledgerPrefix !== undefined;
  return ledgerLocation(
    given ? { bucket: flags.ledgerBucket, prefix: flags.ledgerPrefix } : environment?.ledger,
    artifact,
  );
}

/** One function, or every function of a release when the environment lists `functions:`. */
export async function resolveTargets(
  flags: TargetFlags,
  io: CliIo,
): Promise<{ kind: "one"; target: Target } | { kind: "release"; release: ReleaseTargets }> {
  const resolution = await environmentFromFlags(flags, { cwd: io.cwd, env: io.env });
  const release = resolution?.kind === "environment" ? resolution.environment.release : undefined;
  if (release && resolution?.kind === "environment") {
    if (flags.function !== undefined || flags.alias !== undefined || flags.region !== undefined) {
      throw new InputError(
        `--function, --alias and --region cannot be used with environment "${resolution.environment.name}": it is a release (functions:).`,
        {
          hint: "Drop them to act on every function of the release, or pass --function without --config for one function.",
        },
      );
    }
    return {
      kind: "release",
      release: {
        name: resolution.environment.name,
        targetFlags: targetFlags("", "", namingOf(flags, resolution, undefined).via),
        members: release.functions.map((item) => ({
          functionName: item.function,
          aliasName: item.alias,
          region: item.region,
        })),
        ledger: ledgerOfFlags(flags, resolution.environment, release.functions[0]?.artifact),
      },
    };
  }
  return { kind: "one", target: await resolveTarget(flags, io, resolution) };
}

/** The function and alias from flags, else from the configuration's environment (as `deploy` picks it). */
export async function resolveTarget(
  flags: TargetFlags,
  io: CliIo,
  resolved?: Located | undefined,
): Promise<Target> {
  const resolution = resolved ?? (await environmentFromFlags(flags, { cwd: io.cwd, env: io.env }));
  if (resolution?.kind === "noop") {
    throw new InputError(resolution.message, { hint: "Pass --env NAME or --function NAME." });
  }
  const environment = resolution?.environment;
  // As for deploy: an ARN becomes the bare name, and says which region to call.
  const target = targetOf(flags, environment);
  if (!target && environment?.release) {
    throw new InputError(
      `Environment "${environment.name}" is a release (functions:); this command acts on one function.`,
      {
        hint: "Pass --function NAME (and --region REGION) without --config/--env.",
      },
    );
  }
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
    ledger: ledgerOfFlags(flags, environment, environment?.artifact),
    ...namingOf(flags, resolution, target),
  };
}
