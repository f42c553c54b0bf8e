import { resolve } from "node:path";
import { checkAliasName, targetOf } from "../../config/function-name.js";
import {
  CONFIG_FILE_NAMES,
  DEFAULT_ALIAS,
  environmentFromFlags,
  type ResolvedEnvironment,
} from "../../config/index.js";
import { InputError } from "../../errors.js";
import { metricGateOptionsFromConfig } from "../../health/metrics-config.js";
import type { SmokeCheck } from "../../health/smoke.js";
import { resolveWebhookUrls, type WebhookUrl } from "../../notify/urls.js";
import { parseDuration } from "../../plan/duration.js";
import { buildPlan, type Step } from "../../plan/plan.js";
import { engineOf } from "../../stepfunctions/input.js";
import { namingOf } from "../commands.js";
import type { DeployRequest, DeploySource } from "../deploy/deploy.js";
import { type LedgerLocation, ledgerLocation } from "../ledger/location.js";
import { type DeployInputs, manualApprovalOf } from "./inputs.js";
import { type ReleaseRequest, resolveReleaseRequest } from "./release-request.js";

export { type DeployInputs, scalarInputs } from "./inputs.js";

export type ResolvedDeploy =
  | { kind: "noop"; message: string }
  | {
      kind: "release";
      request: ReleaseRequest;
      /** Where notifications go, validated (http/https only). */
      notify: WebhookUrl[];
      environment: { name: string; reason: string };
      /** Where the release's record and its aliases' locks live; undefined: no ledger. */
      ledger: LedgerLocation | undefined;
    }
  | {
      kind: "deploy";
      request: DeployRequest;
      region: string | undefined;
      /** Where notifications go, validated (http/https only). */
      notify: WebhookUrl[];
      /** The environment picked from the configuration, and why. */
      environment: { name: string; reason: string } | undefined;
      /** Where the roll-out's record and the alias's lock live; undefined: no ledger. */
      ledger: LedgerLocation | undefined;
      /** Where the target came from and its account, said in "does not exist" errors. */
      whereabouts: { origin: string; account: string | undefined };
    };

export interface ResolveContext {
  env: NodeJS.ProcessEnv;
  cwd: string;
  readText: (path: string) => Promise<string>;
}

async function smokeCheck(text: string, context: ResolveContext): Promise<SmokeCheck> {
  const payload = text.startsWith("@") ? await readPayloadFile(text.slice(1), context) : text;
  try {
    JSON.parse(payload);
  } catch {
    throw new InputError(`--smoke-payload is not valid JSON: ${payload.slice(0, 80)}`, {
      hint: "Pass the event as JSON text, or @path/to/event.json.",
    });
  }
  return { payload };
}

async function readPayloadFile(path: string, context: ResolveContext): Promise<string> {
  try {
    return await context.readText(resolve(context.cwd, path));
  } catch (error) {
    throw new InputError(`Cannot read the smoke payload file ${path}.`, {
      cause: error,
      hint: "Check the path after @ in --smoke-payload.",
    });
  }
}

/**
 * Turns inputs (and the configuration file, when there is one) into a validated deploy request.
 * Everything that can be checked without AWS is checked here; problems are InputErrors (exit 2).
 */
export async function resolveDeploy(inputs: DeployInputs, context: ResolveContext): Promise<ResolvedDeploy> {
  const fromFile = await environmentFromFlags(inputs, context);
  if (fromFile?.kind === "noop") return { kind: "noop", message: fromFile.message };
  const environment = fromFile?.kind === "environment" ? fromFile.environment : undefined;
  if (environment?.release && fromFile?.kind === "environment") {
    const request = resolveReleaseRequest(inputs, environment, context.cwd);
    return {
      kind: "release",
      request,
      notify: notifyOf(inputs, environment, context.env),
      environment: { name: environment.name, reason: fromFile.reason },
      // One ledger for the whole release: configured, else the first function's artifact bucket.
      ledger: ledgerOf(inputs, environment, request.functions[0]),
    };
  }

  // A function ARN becomes its bare name here, once: S3 keys, metric dimensions and IAM use the name.
  const target = targetOf(inputs, environment);
  if (!target) {
    throw new InputError("No function to deploy.", {
      hint: `Pass --function NAME, or --config FILE with an environment (or a ${CONFIG_FILE_NAMES[0]} here).`,
    });
  }
  const functionName = target.name;
  const naming = namingOf(inputs, fromFile, target);
  const aliasName = checkAliasName(
    inputs.alias ?? environment?.alias ?? DEFAULT_ALIAS,
    inputs.alias !== undefined ? "--alias" : `alias of environment "${environment?.name}"`,
  );
  const source = resolveSource(inputs, environment?.artifact, context.cwd);

  // What the flags say, parsed into the environment's terms; then one rule: a flag given wins.
  const fromFlags: Settings = {
    // A strategy or steps on the command line replace the file's whole plan, final bake included.
    plan:
      inputs.strategy !== undefined || inputs.steps !== undefined
        ? { strategy: inputs.strategy, steps: inputs.steps, finalBake: undefined }
        : undefined,
    finalBake: inputs.finalBake,
    intervalMs: inputs.interval === undefined ? undefined : parseDuration(inputs.interval, "--interval"),
    smoke: nonEmpty(inputs.smokePayloads)
      ? await Promise.all((inputs.smokePayloads ?? []).map((text) => smokeCheck(text, context)))
      : undefined,
    alarms: nonEmpty(inputs.alarms),
    preTraffic: nonEmpty(inputs.preTrafficHooks),
    postTraffic: nonEmpty(inputs.postTrafficHooks),
    hookTimeoutMs:
      inputs.hookTimeout === undefined ? undefined : parseDuration(inputs.hookTimeout, "--hook-timeout"),
  };
  const fromEnvironment: Settings = environment
    ? {
        plan: environment.plan,
        intervalMs: environment.intervalMs,
        smoke: environment.smoke,
        alarms: environment.alarms,
        preTraffic: environment.hooks.preTraffic,
        postTraffic: environment.hooks.postTraffic,
        hookTimeoutMs: environment.hooks.timeoutMs,
      }
    : {};
  const settings = overlay(fromFlags, fromEnvironment);
  // Built once, from whichever choice won.
  const plan = buildPlan({ ...settings.plan, finalBake: settings.finalBake ?? settings.plan?.finalBake });

  return {
    kind: "deploy",
    request: {
      functionName,
      aliasName,
      source,
      plan,
      alarms: settings.alarms ?? [],
      alarmReadFailure: environment?.alarmReadFailure ?? "fail",
      alarmsAlreadyFiring: inputs.allowFiringAlarms ? "ignore" : (environment?.alarmsAlreadyFiring ?? "fail"),
      smoke: settings.smoke ?? [],
      hooks: {
        preTraffic: settings.preTraffic ?? [],
        postTraffic: settings.postTraffic ?? [],
        timeoutMs: settings.hookTimeoutMs,
      },
      intervalMs: settings.intervalMs,
      // The configuration's `metrics:` block is the metric gate's spec (percent and durations converted).
      metrics: environment?.metrics ? metricGateOptionsFromConfig(environment.metrics) : undefined,
      restoreTimeoutMs:
        inputs.restoreTimeout !== undefined
          ? parseDuration(inputs.restoreTimeout, "--restore-timeout")
          : undefined,
      dryRun: inputs.dryRun ?? false,
      prune: environment?.prune,
      managedInstances: environment?.managedInstances,
      manualApproval: manualApprovalOf(inputs, environment, target.region),
      region: target.region,
      engine: engineOf(inputs, environment),
      requireGates: inputs.requireGates ?? environment?.requireGates ?? false,
      via: naming.via,
    },
    whereabouts: naming.whereabouts,
    region: target.region,
    notify: notifyOf(inputs, environment, context.env),
    ledger: ledgerOf(
      inputs,
      environment,
      "zip" in source
        ? source
        : inputs.bucket !== undefined
          ? { bucket: inputs.bucket, prefix: inputs.prefix }
          : environment?.artifact,
    ),
    environment:
      environment && fromFile?.kind === "environment"
        ? { name: environment.name, reason: fromFile.reason }
        : undefined,
  };
}

function nonEmpty(list: string[] | undefined): string[] | undefined {
  return list && list.length > 0 ? list : undefined;
}

/** The settings a flag can override, in the environment's terms. */
interface Settings {
  plan?:
    | {
        strategy?: string | undefined;
        steps?: string | Step[] | undefined;
        finalBake?: string | number | undefined;
      }
    | undefined;
  finalBake?: string | number | undefined;
  intervalMs?: number | undefined;
  smoke?: SmokeCheck[] | undefined;
  alarms?: string[] | undefined;
  preTraffic?: string[] | undefined;
  postTraffic?: string[] | undefined;
  hookTimeoutMs?: number | undefined;
}

/** "Flags override the environment", written once: each setting a flag gives wins, key by key. */
export function overlay<T extends object>(flags: T, environment: T): T {
  const merged: Record<string, unknown> = { ...(environment as Record<string, unknown>) };
  for (const [key, value] of Object.entries(flags)) if (value !== undefined) merged[key] = value;
  return merged as T;
}

function resolveSource(
  inputs: DeployInputs,
  artifact: { bucket: string; prefix: string | undefined } | undefined,
  cwd: string,
): DeploySource {
  if (inputs.version !== undefined) {
    if (inputs.zip !== undefined) {
      throw new InputError("Both --zip and --version were given.", {
        hint: "Deploy a new package with --zip, or an already published version with --version, not both.",
      });
    }
    if (!/^[1-9]\d*$/.test(inputs.version)) {
      throw new InputError(`Invalid --version "${inputs.version}": it must be a published version number.`, {
        hint: "Use a number such as --version 7 ($LATEST cannot be the target of a weighted alias).",
      });
    }
    return { version: inputs.version };
  }
  if (inputs.zip === undefined) {
    throw new InputError("Nothing to deploy: neither --zip nor --version was given.", {
      hint: "Pass --zip FILE --bucket BUCKET to ship a package, or --version N to shift to a published version.",
    });
  }
  const bucket = inputs.bucket ?? artifact?.bucket;
  if (!bucket) {
    throw new InputError("--zip needs an S3 bucket for the package.", {
      hint: "Pass --bucket BUCKET, or set artifact.bucket for the environment in the configuration file.",
    });
  }
  // Relative to the caller's working directory (RunOptions.cwd), not to wherever this process runs.
  return { zip: resolve(cwd, inputs.zip), bucket, prefix: inputs.prefix ?? artifact?.prefix };
}

/** The ledger's location: the flags, else the configuration's `ledger:`, else the artifact bucket. */
function ledgerOf(
  inputs: DeployInputs,
  environment: ResolvedEnvironment | undefined,
  artifact: { bucket: string; prefix?: string | undefined } | undefined,
): LedgerLocation | undefined {
  return ledgerLocation(
    inputs.ledgerBucket !== undefined || inputs.ledgerPrefix !== undefined
      ? { bucket: inputs.ledgerBucket, prefix: inputs.ledgerPrefix }
      : environment?.ledger,
    artifact,
  );
}

/** The webhook URLs: `--notify` replaces the environment's `notify:`; validated (exit 2 when bad). */
function notifyOf(
  inputs: DeployInputs,
  environment: ResolvedEnvironment | undefined,
  env: NodeJS.ProcessEnv,
) {
  return resolveWebhookUrls(
    inputs.notify,
    environment && environment.notify.length > 0
      ? {
          urls: environment.notify,
          where: (index) => `notify[${index}] of environment "${environment.name}"`,
        }
      : undefined,
    env,
  );
}
