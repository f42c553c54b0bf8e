import { InputError } from "../errors.js";
import { metricGateOptionsFromConfig } from "../health/metrics-config.js";
import { resolveMetricGateOptions } from "../health/metrics-options.js";
import { parseDuration } from "../plan/duration.js";
import type { PlanInput, Step } from "../plan/plan.js";
import { type ResolvedRelease, resolveRelease } from "./release.js";
import type {
  Config,
  DefaultsConfig,
  EnvironmentConfig,
  ManagedInstancesConfig,
  MetricsConfig,
  SmokeConfig,
} from "./schema.js";

/** A smoke invocation ready for the smoke gate: the payload as JSON text. */
export interface ResolvedSmokeCheck {
  payload: string;
  expect?: SmokeConfig["expect"];
}

export function toSmokeCheck(check: SmokeConfig): ResolvedSmokeCheck {
  const payload = typeof check.payload === "string" ? check.payload : JSON.stringify(check.payload);
  return check.expect === undefined ? { payload } : { payload, expect: check.expect };
}

/** An environment with `defaults` applied and its plan built: what a deploy needs from the file. */
export interface ResolvedEnvironment {
  name: string;
  /** The one function; undefined for a release (see `release`). */
  function: string | undefined;
  /** Many functions shipped as one unit (`functions:`), or undefined for a single function. */
  release: ResolvedRelease | undefined;
  alias: string;
  region: string | undefined;
  artifact: { bucket: string; prefix: string | undefined } | undefined;
  /** `ledger:` as configured (else the ledger follows the artifact bucket). */
  ledger: { bucket: string; prefix: string | undefined } | undefined;
  /** The plan as configured (strategy or steps, final bake), validated by the schema, not yet built. */
  plan: PlanInput;
  /** Poll interval in ms; undefined leaves the engine's default. */
  intervalMs: number | undefined;
  alarms: string[];
  alarmReadFailure: "fail" | "ignore";
  /** `ignore`: alarms already in ALARM at the start do not block the roll-out. */
  alarmsAlreadyFiring: "fail" | "ignore";
  /** Prune after a successful promotion, keeping the newest `keep` versions. */
  prune: { keep: number } | undefined;
  /** For a function on Lambda Managed Instances: the activation wait and the versions' scaling. */
  managedInstances: ResolvedManagedInstances | undefined;
  smoke: ResolvedSmokeCheck[];
  metrics: MetricsConfig | undefined;
  hooks: { preTraffic: string[]; postTraffic: string[]; timeoutMs: number | undefined };
  /** Webhook URLs as written (`${VAR}` not yet expanded): validated by resolveWebhookUrls. */
  notify: string[];
  manualApproval: boolean;
  /** Undefined leaves the default (1h). */
  approvalTimeoutMs: number | undefined;
  engine: "local" | "stepfunctions" | undefined;
  stateMachine: string | undefined;
  /** A roll-out with no gate is refused (exit 2) instead of warned about. */
  requireGates: boolean;
  branches: string[];
}

export interface ResolvedManagedInstances {
  activationTimeoutMs: number | undefined;
  scaling: { min?: number | undefined; max?: number | undefined } | undefined;
  scaleDownReplaced: { min?: number | undefined; max?: number | undefined } | undefined;
}

function managedInstancesOf(
  config: ManagedInstancesConfig | undefined,
): ResolvedManagedInstances | undefined {
  if (config === undefined) return undefined;
  return {
    activationTimeoutMs:
      config.activationTimeout === undefined ? undefined : parseDuration(config.activationTimeout),
    scaling: config.scaling,
    scaleDownReplaced: config.scaleDownReplaced,
  };
}

export type Resolution =
  | { kind: "environment"; environment: ResolvedEnvironment /** Why this one was chosen. */; reason: string }
  | {
      kind: "noop";
      branch: string /** Names the branch and every pattern, for the user and the job log. */;
      message: string;
    };

export interface ResolveOptions {
  /** Explicit `--env`; wins over the branch. */
  env?: string | undefined;
  /** Current branch (see currentBranch()); used only when `env` is not given. */
  branch?: string | undefined;
  /** The configuration file's directory: release zips are relative to it. */
  baseDir?: string | undefined;
}

export const DEFAULT_ALIAS = "live";

function toSteps(steps: NonNullable<EnvironmentConfig["steps"]>): string | Step[] {
  if (typeof steps === "string") return steps;
  return steps.map((step) => ({ weight: step.weight, bakeMs: parseDuration(step.duration) }));
}

/** Applies `defaults`: the environment's own keys win; strategy and steps count as one choice. */
export function applyDefaults(
  name: string,
  environment: EnvironmentConfig,
  defaults: DefaultsConfig = {},
  /** The configuration file's directory: release zips are relative to it. */
  baseDir?: string | undefined,
): ResolvedEnvironment {
  const merged = { ...defaults, ...environment };
  const ownsPlan = environment.strategy !== undefined || environment.steps !== undefined;
  const strategy = ownsPlan ? environment.strategy : defaults.strategy;
  const steps = ownsPlan ? environment.steps : defaults.steps;
  // The plan is chosen here and built once, by whoever runs it (flags may still replace the choice).
  const plan: PlanInput = {
    strategy,
    steps: steps === undefined ? undefined : toSteps(steps),
    finalBake: merged.finalBake,
  };
  // What the gate would refuse is refused now, as input (exit 2), before anything is built from it.
  if (merged.metrics) resolveMetricGateOptions(metricGateOptionsFromConfig(merged.metrics));
  return {
    name,
    function: environment.function,
    release: resolveRelease(name, environment, defaults, DEFAULT_ALIAS, baseDir),
    alias: merged.alias ?? DEFAULT_ALIAS,
    region: merged.region,
    artifact: merged.artifact
      ? { bucket: merged.artifact.bucket, prefix: merged.artifact.prefix }
      : undefined,
    ledger: merged.ledger ? { bucket: merged.ledger.bucket, prefix: merged.ledger.prefix } : undefined,
    plan,
    intervalMs: merged.interval === undefined ? undefined : parseDuration(merged.interval),
    alarms: merged.alarms ?? [],
    alarmReadFailure: merged.alarmReadFailure ?? "fail",
    alarmsAlreadyFiring: merged.alarmsAlreadyFiring ?? "fail",
    prune: merged.prune,
    managedInstances: managedInstancesOf(merged.managedInstances),
    smoke: (merged.smoke ?? []).map(toSmokeCheck),
    metrics: merged.metrics,
    hooks: {
      preTraffic: merged.hooks?.preTraffic ?? [],
      postTraffic: merged.hooks?.postTraffic ?? [],
      timeoutMs: merged.hooks?.timeout === undefined ? undefined : parseDuration(merged.hooks.timeout),
    },
    notify: merged.notify ?? [],
    manualApproval: merged.manualApproval ?? false,
    approvalTimeoutMs:
      merged.approvalTimeout === undefined ? undefined : parseDuration(merged.approvalTimeout),
    engine: merged.engine,
    stateMachine: merged.stateMachine,
    requireGates: merged.requireGates ?? false,
    branches: environment.branches ?? [],
  };
}

function escapeRegExp(text: string): string {
  return text.replace(/[.+^${}()|[\]\\]/g, "\\$&");
}

/** Compiles a branch glob: `*` and `?` stay within one `/` segment, `**` spans segments. */
export function branchPattern(glob: string): RegExp {
  let source = "";
  for (let i = 0; i < glob.length; i++) {
    const char = glob[i] as string;
    if (char === "*" && glob[i + 1] === "*") {
      // `**/` may also match no segment at all, so `**/hotfix` matches `hotfix`.
      if (glob[i + 2] === "/") {
        source += "(?:.*/)?";
        i += 2;
      } else {
        source += ".*";
        i += 1;
      }
    } else if (char === "*") source += "[^/]*";
    else if (char === "?") source += "[^/]";
    else source += escapeRegExp(char);
  }
  return new RegExp(`^${source}$`);
}

export function matchesBranch(glob: string, branch: string): boolean {
  return branchPattern(glob).test(branch);
}

function describePatterns(config: Config): string {
  const lines = Object.entries(config.environments).map(
    ([name, environment]) =>
      `${name}: ${environment.branches?.length ? environment.branches.join(", ") : "(no branches; --env only)"}`,
  );
  return lines.join("; ");
}

/**
 * Picks the environment to deploy: an explicit `env` wins; otherwise the branch is matched against each
 * environment's `branches`. No match is a `noop` (exit 0); two or more matches are an InputError.
 */
export function resolveEnvironment(config: Config, options: ResolveOptions): Resolution {
  const names = Object.keys(config.environments);
  if (options.env !== undefined) {
    const environment = config.environments[options.env];
    if (environment === undefined || !Object.hasOwn(config.environments, options.env)) {
      throw new InputError(`Unknown environment "${options.env}".`, {
        hint: `Use one of: ${names.join(", ")}.`,
      });
    }
    return {
      kind: "environment",
      environment: applyDefaults(options.env, environment, config.defaults, options.baseDir),
      reason: `environment "${options.env}" chosen explicitly`,
    };
  }
  const branch = options.branch;
  if (branch === undefined || branch === "") {
    throw new InputError("No environment given and no branch to choose one from.", {
      hint: `Pass --env (one of: ${names.join(", ")}) or run inside a git checkout or GitHub Actions.`,
    });
  }
  const matches = Object.entries(config.environments).flatMap(([name, environment]) => {
    const pattern = environment.branches?.find((glob) => matchesBranch(glob, branch));
    return pattern === undefined ? [] : [{ name, environment, pattern }];
  });
  const [first, second] = matches;
  if (first === undefined) {
    return {
      kind: "noop",
      branch,
      message: `Branch "${branch}" deploys to no environment (patterns: ${describePatterns(config)}); nothing to do.`,
    };
  }
  if (second !== undefined) {
    const list = matches.map((m) => `"${m.name}" (pattern "${m.pattern}")`).join(" and ");
    throw new InputError(`Branch "${branch}" matches more than one environment: ${list}.`, {
      hint: "Make the branch patterns disjoint, or pass --env to choose one.",
    });
  }
  return {
    kind: "environment",
    environment: applyDefaults(first.name, first.environment, config.defaults, options.baseDir),
    reason: `branch "${branch}" matches pattern "${first.pattern}" of environment "${first.name}"`,
  };
}
