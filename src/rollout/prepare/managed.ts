/**
 * Functions on Lambda Managed Instances (a capacity provider, `CapacityProviderConfig` in GetFunction)
 * behave differently from Lambda's default compute, and a deploy has to follow
 * (https://docs.aws.amazon.com/lambda/latest/dg/lambda-managed-instances-scaling.html):
 * - publishing a version launches instances and starts execution environments; the version is `Active`
 *   only when they are up, and their initialization alone may take up to 15 minutes
 *   (https://docs.aws.amazon.com/lambda/latest/dg/lambda-managed-instances-execution-environment.html).
 *   So the wait for `Active` has its own, longer default, shows progress, counts in the credentials'
 *   worst case, and a version that never gets there fails the run before any traffic (exit 4);
 * - scaling is per version (PutFunctionScalingConfig with a qualifier), so the new version is given the
 *   stable one's scaling (or the configuration's) before any traffic, and the version it replaced is
 *   scaled down after the promotion and the final bake when the configuration asks for it;
 * - a capacity provider holds at most 100 function versions
 *   (https://docs.aws.amazon.com/lambda/latest/dg/lambda-managed-instances-quotas.html): a deploy warns
 *   within 10 of that, pointing to `prune --keep`.
 */
import { formatDuration } from "../../plan/duration.js";
import type { AliasState, Clock, FunctionState, LambdaPort, ScalingConfig } from "../../ports.js";
import type { RolloutEvent } from "../events.js";
import { waitForActive } from "./publish.js";

/** Up to 15 minutes of initialization, plus launching the instances. */
export const DEFAULT_MANAGED_ACTIVATION_TIMEOUT_MS = 20 * 60_000;
/** Function versions a capacity provider holds; cannot be increased. */
export const VERSIONS_PER_CAPACITY_PROVIDER = 100;
/** How close to that limit a deploy starts warning. */
export const VERSIONS_WARNING_MARGIN = 10;
/** Polls of a starting version: environments take minutes, so every 5 s is plenty. */
const ACTIVATION_POLL_MS = 5_000;
/** How often the wait reports progress. */
const PROGRESS_EVERY_MS = 30_000;

/** `managedInstances:` in the configuration, as the deploy request carries it. */
export interface ManagedInstancesOptions {
  /** Bound on waiting for the new version to be Active; default 20 min. */
  activationTimeoutMs?: number | undefined;
  /** The new version's scaling; default: the stable version's. */
  scaling?: ScalingConfig | undefined;
  /** After the promotion and the final bake, the replaced version's scaling; default: left as it is. */
  scaleDownReplaced?: ScalingConfig | undefined;
}

/** What a deploy of a capacity-provider function does besides the usual, decided before any write. */
export interface ManagedPlan {
  functionName: string;
  capacityProvider: string;
  activationTimeoutMs: number;
  /** Given to the new version before traffic; undefined leaves Lambda's default. */
  scaling: ScalingConfig | undefined;
  /** Where `scaling` comes from, for messages. */
  scalingFrom: string;
  scaleDownReplaced: ScalingConfig | undefined;
}

export interface ManagedPorts {
  lambda: LambdaPort;
  clock: Clock;
  emit: (event: RolloutEvent) => void;
  signal?: AbortSignal | undefined;
}

const numeric = (version: string) => /^\d+$/.test(version);

export function describeScaling(scaling: ScalingConfig): string {
  const parts = [
    scaling.min === undefined ? undefined : `min ${scaling.min}`,
    scaling.max === undefined ? undefined : `max ${scaling.max}`,
  ].filter(Boolean);
  return `${parts.join(", ")} execution environments`;
}

/**
 * Undefined for a function on Lambda's default compute. Otherwise reads (never writes) what the deploy
 * needs: the stable version's scaling, unless the configuration sets one, and how many versions the
 * function has, warning near the capacity provider's limit. `extraVersions` is how many versions this
 * run publishes (the new one, plus a baseline when the alias is on `$LATEST`).
 */
export async function planManaged(
  latest: FunctionState,
  alias: AliasState,
  options: ManagedInstancesOptions | undefined,
  extraVersions: number,
  ports: ManagedPorts,
): Promise<ManagedPlan | undefined> {
  const { lambda, emit, signal } = ports;
  const { functionName } = alias;
  const capacityProvider = latest.capacityProvider;
  if (capacityProvider === undefined) {
    if (options)
      emit({
        type: "warning",
        message: `managedInstances is configured, but ${functionName} does not run on a capacity provider (no CapacityProviderConfig): the setting is ignored.`,
      });
    return undefined;
  }
  const stable = alias.version;
  const [stableScaling, versions] = await Promise.all([
    options?.scaling || !numeric(stable) ? Promise.resolve(undefined) : scalingOf(lambda, alias, signal),
    lambda.listVersions(functionName),
  ]);
  const scaling = options?.scaling ?? stableScaling;
  const plan: ManagedPlan = {
    functionName,
    capacityProvider,
    activationTimeoutMs: options?.activationTimeoutMs ?? DEFAULT_MANAGED_ACTIVATION_TIMEOUT_MS,
    scaling,
    scalingFrom: options?.scaling ? "the configuration" : `v${stable}, the stable version`,
    scaleDownReplaced: options?.scaleDownReplaced,
  };
  emit({
    type: "info",
    message: `${functionName} runs on Lambda Managed Instances (${capacityProvider}): the new version ${
      scaling
        ? `gets ${describeScaling(scaling)} (from ${plan.scalingFrom})`
        : "keeps Lambda's default scaling"
    } before any traffic, and may take up to ${formatDuration(plan.activationTimeoutMs)} to become Active.`,
  });
  const after = versions.filter((v) => numeric(v.version)).length + extraVersions;
  const left = VERSIONS_PER_CAPACITY_PROVIDER - after;
  if (left <= VERSIONS_WARNING_MARGIN) {
    emit({
      type: "warning",
      message: `${functionName} will have ${after} published versions; a capacity provider holds at most ${VERSIONS_PER_CAPACITY_PROVIDER} (shared by every function on it, and the limit cannot be raised), so ${left <= 0 ? "publishing may fail" : `${left} more fit at most`}. Delete old ones: \`lambda-rollout prune --function ${functionName} --keep N\` (or \`prune: { keep: N }\` in lambda-rollout.yml).`,
    });
  }
  return plan;
}

/** The stable version's scaling; none when it runs on Lambda's default compute (the function just moved). */
async function scalingOf(
  lambda: LambdaPort,
  alias: AliasState,
  signal: AbortSignal | undefined,
): Promise<ScalingConfig | undefined> {
  const stable = await lambda.getFunction(alias.functionName, alias.version, { signal });
  if (stable.capacityProvider === undefined) return undefined;
  return await lambda.getScalingConfig(alias.functionName, alias.version, { signal });
}

/**
 * Brings a just-published (or `--version`) capacity-provider version to `Active`, reporting progress:
 * waits for its execution environments, gives it the planned scaling, and waits again if that restarts
 * them, all within one activation timeout. Any failure is an AwsError (exit 4) before any traffic.
 */
export async function activateManaged(
  version: FunctionState,
  plan: ManagedPlan,
  ports: ManagedPorts,
): Promise<FunctionState> {
  const { lambda, clock, emit, signal } = ports;
  const started = clock.now();
  const deadline = started + plan.activationTimeoutMs;
  let reported = Number.NEGATIVE_INFINITY;
  const wait = (from: FunctionState) =>
    waitForActive(
      lambda,
      clock,
      from,
      {
        timeoutMs: plan.activationTimeoutMs,
        deadline,
        pollMs: ACTIVATION_POLL_MS,
        hint: `Check the capacity provider ${plan.capacityProvider} (instance types, subnets and their free IP addresses, EC2 quotas) and the function's initialization; raise managedInstances.activationTimeout if it only needs longer.`,
        onPending: (state) => {
          const waitedMs = clock.now() - started;
          if (waitedMs - reported < PROGRESS_EVERY_MS) return;
          reported = waitedMs;
          emit({
            type: "activating",
            version: state.version,
            state: state.state ?? "Pending",
            capacityProvider: plan.capacityProvider,
            waitedMs,
            timeoutMs: plan.activationTimeoutMs,
          });
        },
      },
      signal,
    );
  let state = await wait(version);
  if (plan.scaling && !signal?.aborted) {
    const after = await lambda.putScalingConfig(version.functionName, version.version, plan.scaling, {
      signal,
    });
    emit({
      type: "info",
      message: `v${version.version} scaled to ${describeScaling(plan.scaling)} (from ${plan.scalingFrom}) before any traffic.`,
    });
    if (after !== undefined && after !== "Active") state = await wait({ ...state, state: after });
  }
  return state;
}

/**
 * After the promotion and the final bake: the replaced version's scaling as the configuration says.
 * Housekeeping, like pruning: a failure is a warning and never changes the result.
 */
export async function scaleDownReplaced(
  plan: ManagedPlan,
  replaced: string | null,
  ports: Pick<ManagedPorts, "lambda" | "emit" | "signal">,
): Promise<void> {
  const scaling = plan.scaleDownReplaced;
  if (!scaling || replaced === null || !numeric(replaced)) return;
  const { lambda, emit, signal } = ports;
  try {
    await lambda.putScalingConfig(plan.functionName, replaced, scaling, { signal });
    emit({
      type: "info",
      message: `v${replaced}, the version the promotion replaced, scaled down to ${describeScaling(scaling)} (managedInstances.scaleDownReplaced).`,
    });
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    emit({
      type: "warning",
      message: `Could not scale down v${replaced} (the release itself is not affected): ${message}`,
    });
  }
}
