import { resolve } from "node:path";
import type { ResolvedEnvironment } from "../../config/index.js";
import { toSmokeCheck } from "../../config/resolve.js";
import { InputError } from "../../errors.js";
import type { GateSpecs } from "../../health/gates.js";
import { metricGateOptionsFromConfig } from "../../health/metrics-config.js";
import { parseDuration } from "../../plan/duration.js";
import { buildPlan, type Plan } from "../../plan/plan.js";
import { engineOf, type StepFunctionsEngine } from "../../stepfunctions/input.js";
import { type DeployInputs, manualApprovalOf } from "./inputs.js";

/** One function of a release, as data. */
export interface ReleaseFunction extends GateSpecs {
  /** Its key path in the configuration, for messages. */
  path: string;
  functionName: string;
  aliasName: string;
  region: string | undefined;
  zip: string;
  bucket: string;
  prefix?: string | undefined;
}

export interface ReleaseWave {
  /** Undefined: every function (the implicit single wave). */
  regions: string[] | undefined;
  bakeMs: number;
}

/** A release as data: many functions (and regions) shipped as one unit, wave by wave. */
export interface ReleaseRequest {
  /** The environment's name, for messages and the result line. */
  name: string;
  functions: ReleaseFunction[];
  waves: ReleaseWave[];
  plan: Plan;
  intervalMs?: number | undefined;
  updateTimeoutMs?: number | undefined;
  restoreTimeoutMs?: number | undefined;
  dryRun?: boolean | undefined;
  /** A function with no gate is refused (exit 2) instead of warned about (health/gateless.ts). */
  requireGates?: boolean | undefined;
  /** After the release is promoted, every function it moved prunes versions older than the newest `keep`. */
  prune?: { keep: number } | undefined;
  /** Each wave waits for `approve` of all its functions before its shift to 100% (default timeout 1h). */
  manualApproval?: { timeoutMs?: number | undefined } | undefined;
  /** `--engine stepfunctions`: the whole release runs in one execution (server-side/release.ts). */
  engine?: StepFunctionsEngine | undefined;
}

/** Flags that name one function or one package: meaningless for a release, so refused (exit 2). */
const SINGLE_TARGET_FLAGS = [
  ["function", "--function"],
  ["zip", "--zip"],
  ["version", "--version"],
  ["bucket", "--bucket"],
  ["prefix", "--prefix"],
  ["region", "--region"],
  ["alias", "--alias"],
] as const;

/**
 * The release of an environment with `functions:`. Flags that choose the plan (strategy, steps, final
 * bake, interval) and the restore timeout apply release-wide; flags that name one function are errors.
 */
export function resolveReleaseRequest(
  inputs: DeployInputs,
  environment: ResolvedEnvironment,
  cwd: string,
): ReleaseRequest {
  const release = environment.release;
  if (!release) throw new TypeError("not a release environment");
  const given = SINGLE_TARGET_FLAGS.filter(([key]) => inputs[key] !== undefined).map(([, flag]) => flag);
  if (given.length > 0) {
    throw new InputError(
      `${given.join(", ")} cannot be used with environment "${environment.name}": it is a release of ${release.functions.length} functions (functions:).`,
      {
        hint: "Drop the flag(s): each function's name, package, region and alias come from its item under functions:. Change them there.",
      },
    );
  }
  const perFunctionFlags = [
    inputs.alarms?.length ? "--alarm" : undefined,
    inputs.smokePayloads?.length ? "--smoke-payload" : undefined,
    inputs.preTrafficHooks?.length ? "--pre-traffic-hook" : undefined,
    inputs.postTrafficHooks?.length ? "--post-traffic-hook" : undefined,
  ].filter((flag) => flag !== undefined);
  if (perFunctionFlags.length > 0) {
    throw new InputError(`${perFunctionFlags.join(", ")} cannot be used with a release.`, {
      hint: "Set alarms, smoke and hooks for the environment (all functions) or per item under functions:.",
    });
  }
  refuseSingleFunctionOnly(environment);
  const flagPlan = inputs.strategy !== undefined || inputs.steps !== undefined;
  const planInput = flagPlan
    ? { strategy: inputs.strategy, steps: inputs.steps, finalBake: inputs.finalBake }
    : { ...environment.plan, finalBake: inputs.finalBake ?? environment.plan.finalBake };
  const hookTimeoutMs =
    inputs.hookTimeout === undefined ? undefined : parseDuration(inputs.hookTimeout, "--hook-timeout");
  return {
    name: environment.name,
    functions: release.functions.map((item) => ({
      path: item.path,
      functionName: item.function,
      aliasName: item.alias,
      region: item.region,
      zip: resolve(cwd, item.zip),
      bucket: item.artifact.bucket,
      prefix: item.artifact.prefix,
      alarms: item.alarms,
      alarmReadFailure: item.alarmReadFailure,
      smoke: item.smoke.map(toSmokeCheck),
      hooks: { ...item.hooks, timeoutMs: hookTimeoutMs ?? item.hooks.timeoutMs },
      metrics: item.metrics ? metricGateOptionsFromConfig(item.metrics) : undefined,
      alarmsAlreadyFiring: inputs.allowFiringAlarms ? "ignore" : environment.alarmsAlreadyFiring,
    })),
    waves: release.waves,
    plan: buildPlan(planInput),
    intervalMs:
      inputs.interval === undefined ? environment.intervalMs : parseDuration(inputs.interval, "--interval"),
    restoreTimeoutMs:
      inputs.restoreTimeout === undefined
        ? undefined
        : parseDuration(inputs.restoreTimeout, "--restore-timeout"),
    dryRun: inputs.dryRun ?? false,
    requireGates: inputs.requireGates ?? environment.requireGates,
    prune: environment.prune,
    manualApproval: manualApprovalOf(inputs, environment, undefined),
    engine: engineOf(inputs, environment),
  };
}

/**
 * What the single-function engine has and a release does not (yet): refused rather than ignored, so
 * nobody believes a release runs on Managed Instances settings when it does not.
 */
function refuseSingleFunctionOnly(environment: ResolvedEnvironment): void {
  if (environment.managedInstances) {
    throw new InputError(
      `managedInstances cannot be used with environment "${environment.name}": a release (functions:) does not support it yet.`,
      {
        hint: "Remove it for this environment. Managed Instances settings work for single-function environments (function:).",
      },
    );
  }
}
