/**
 * `lambda-rollout rehearse`: "are my thresholds right?" answered before production does. Runs the
 * configured roll-out of the user's own package in a sandbox (`sandbox.ts`): the package as it is
 * becomes the stable version, the same package with an injected failure (error share, added latency)
 * the new one, under synthetic load. Reports whether the gates caught it, which one, at which step,
 * and how fast.
 *
 * It refuses what would prove nothing: a plan with no step before 100% (nothing can be caught before
 * every request reaches the new version), no gate at all, and a stable version that fails on its own
 * (then a failing new version is no finding).
 */
import { InputError } from "../errors.js";
import type { MetricGateOptions } from "../health/metrics.js";
import { createSmokeGate, type SmokeCheck } from "../health/smoke.js";
import { buildPlan, type Plan } from "../plan/plan.js";
import { type Clock, systemClock } from "../ports.js";
import type { StampedEvent } from "../rollout/events.js";
import { injectFault } from "./fault.js";
import { LOAD_LIMITS } from "./load.js";
import { startSandbox } from "./sandbox.js";

export interface RehearseOptions {
  zip: Uint8Array;
  handler: string;
  runtime?: string | undefined;
  timeoutSeconds?: number | undefined;
  memoryMb?: number | undefined;
  environment?: Record<string, string> | undefined;
  plan: Plan;
  /** The metric analysis; absent: none. */
  gate?: MetricGateOptions | undefined;
  /** Alarm gates, created in the emulator and driven by the alias's errors (alarm-driver.ts). */
  alarms?: string[] | undefined;
  /** Smoke invocations of the new version before traffic; also run against the stable version first. */
  smoke?: SmokeCheck[] | undefined;
  /** Runs once the emulator is up, before the function exists: tables, seed data (`--setup`). */
  prepare?: ((emulator: { env: Record<string, string> }) => Promise<void>) | undefined;
  /** Share of requests the bad version fails, 0..1. */
  errorRate: number;
  addedLatencyMs?: number | undefined;
  ratePerSecond: number;
  intervalMs: number;
  /** Paths (with query) the load requests, e.g. `/?name=Ada`. */
  paths?: string[] | undefined;
  /** Each step's bake is capped to this, so a 30-minute canary rehearses in seconds. */
  maxBakeMs?: number | undefined;
  onEvent?: ((event: StampedEvent) => void) | undefined;
  out?: ((line: string) => void) | undefined;
  clock?: Clock | undefined;
}

export interface RehearseReport {
  caught: boolean;
  outcome: string;
  reason: string | null;
  /** Weight on the bad version when a gate failed. */
  caughtAtWeight: number | undefined;
  /** The gate that failed first: `alarms`, `smoke`, `metrics`. */
  caughtBy: string | undefined;
  /** What the stable version answered during the warm-up, before the bad one was released. */
  stable: { requests: number; errors: number };
  /** From the bad version's first 5xx to the alias restored. */
  detectionMs: number | undefined;
  /** From the moment the bad version had the minimum evidence to the alias restored. */
  afterEvidenceMs: number | undefined;
  plan: Plan;
  elapsedMs: number;
}

/** Traffic the stable version serves before the bad one is released, so relative checks have a baseline. */
const WARM_UP_SECONDS = 2;
/** Above this share of errors of its own, the stable version makes the comparison meaningless. */
export const STABLE_ERROR_LIMIT = 0.01;
/** If the load is not answered by then, release anyway: the report will show what the gates made of it. */
const WARM_UP_TIMEOUT_MS = 10_000;

/** Shortens each bake (and the final bake) to `maxBakeMs`, keeping the weights. */
export function capBakes(plan: Plan, maxBakeMs: number | undefined): Plan {
  if (maxBakeMs === undefined) return plan;
  return {
    ...plan,
    steps: plan.steps.map((s) => ({ ...s, bakeMs: Math.min(s.bakeMs, maxBakeMs) })),
    finalBakeMs: Math.min(plan.finalBakeMs, maxBakeMs),
  };
}

/** Exit 2 before anything starts: a rehearsal of this plan and these gates could show nothing. */
export function assertRehearsable(
  plan: Plan,
  gates: Pick<RehearseOptions, "gate" | "alarms" | "smoke">,
): void {
  if (plan.steps.length === 0) {
    throw new InputError(
      `The plan ${plan.strategy} has no step before 100%: every request reaches the new version at once, so no gate can catch a bad version before all traffic is on it. There is nothing to rehearse.`,
      {
        hint: 'Rehearse a canary: --steps "10%:30s" or --strategy Canary10Percent5Minutes (and use such a plan where a bad version must be caught early).',
      },
    );
  }
  if (!gates.gate && (gates.alarms?.length ?? 0) === 0 && (gates.smoke?.length ?? 0) === 0) {
    throw new InputError("The rehearsal has no gate: nothing could catch the injected failure.", {
      hint: "Give the environment alarms, smoke or metrics (--config/--env), or leave them out for the default metric gate.",
    });
  }
}

export async function rehearse(options: RehearseOptions): Promise<RehearseReport> {
  const clock = options.clock ?? systemClock;
  const started = clock.now();
  const out = options.out ?? (() => {});
  assertRehearsable(options.plan, options);
  const plan = capBakes(options.plan, options.maxBakeMs);
  const bakeTotal = plan.steps.reduce((sum, s) => sum + s.bakeMs, 0) + plan.finalBakeMs;
  const extension = (options.gate?.maxExtensionMs ?? 0) * (plan.steps.length + 1);
  const loadMs = Math.min(bakeTotal + extension + 60_000, LOAD_LIMITS.maxDurationMs);
  const bad = injectFault(options.zip, options.handler, {
    errorRate: options.errorRate,
    addedLatencyMs: options.addedLatencyMs,
    label: "rehearsal",
  });
  const sandbox = await startSandbox({
    functionName: "rehearsal",
    aliasName: "live",
    handler: options.handler,
    environment: options.environment,
    timeoutSeconds: options.timeoutSeconds,
    memoryMb: options.memoryMb,
    prepare: options.prepare,
    clock,
  });
  try {
    out(`emulator ${sandbox.emulator.endpoint}, local API ${sandbox.url}`);
    // The package as it is, released all at once before any traffic: the stable version to compare with.
    const stable = await sandbox.release({
      label: "stable",
      zip: options.zip,
      plan: buildPlan({ strategy: "AllAtOnce" }),
      intervalMs: options.intervalMs,
    });
    if (stable.result.outcome !== "promoted") {
      throw new Error(`releasing the stable version failed: ${stable.result.reason}`);
    }
    const stableVersion = stable.version ?? "";
    if ((options.smoke?.length ?? 0) > 0) {
      // The configured smoke invocations must pass on the package as it is, or their failure on the bad
      // version would say nothing about the injected failure.
      const verdict = await createSmokeGate(sandbox.controlPlane, options.smoke ?? []).check({
        functionName: "rehearsal",
        aliasName: "live",
        stableVersion,
        newVersion: stableVersion,
        weight: 0,
        phase: "pre-traffic",
        stepStartedAt: clock.now(),
        now: clock.now(),
      });
      if (verdict.status !== "pass") throw stableFails(`its smoke invocation fails: ${verdict.detail}`);
    }
    const periodMs = (options.gate?.periodSeconds ?? 5) * 1000;
    await sandbox.emulateAlarms(options.alarms ?? [], periodMs);
    const warmUpFrom = clock.now();
    sandbox.startLoad({ ratePerSecond: options.ratePerSecond, durationMs: loadMs, paths: options.paths });
    // A little steady traffic first (two seconds' worth, answered), so the stable version has a baseline.
    const warmedUp = await sandbox.responses.waitForMore(Math.ceil(options.ratePerSecond * WARM_UP_SECONDS), {
      clock,
      timeoutMs: WARM_UP_TIMEOUT_MS,
    });
    if (!warmedUp) out(`the load was not answered within ${WARM_UP_TIMEOUT_MS / 1000} s; releasing anyway`);
    const counted = sandbox.counts(warmUpFrom)[stableVersion] ?? { ok: 0, errors: 0 };
    const stableCounts = { requests: counted.ok + counted.errors, errors: counted.errors };
    out(`stable version v${stableVersion}: ${stableCounts.requests} requests, ${stableCounts.errors} errors`);
    if (stableCounts.errors > STABLE_ERROR_LIMIT * stableCounts.requests) {
      const share = Math.round((100 * stableCounts.errors) / Math.max(1, stableCounts.requests));
      const first = sandbox.firstError(stableVersion);
      throw stableFails(`it fails ${share}% of requests${first ? ` (first: ${first})` : ""}`);
    }
    out(
      `load ${options.ratePerSecond} requests/s; releasing the bad version ` +
        `(${Math.round(options.errorRate * 100)}% errors, +${options.addedLatencyMs ?? 0} ms)`,
    );
    const report = await sandbox.release({
      label: "bad",
      zip: bad,
      plan,
      gate: options.gate,
      alarms: options.alarms,
      smoke: options.smoke,
      intervalMs: options.intervalMs,
      onEvent: options.onEvent,
    });
    const restoredAt = report.restoredAt;
    const since = (from: number | undefined) =>
      from !== undefined && restoredAt !== undefined ? restoredAt - from : undefined;
    return {
      caught: report.result.outcome === "rolled_back",
      outcome: report.result.outcome,
      reason: report.result.reason,
      caughtAtWeight: report.caughtAtWeight,
      caughtBy: report.caughtBy,
      stable: stableCounts,
      detectionMs: since(report.firstBadResponseAt),
      afterEvidenceMs: since(report.evidenceMetAt),
      plan,
      elapsedMs: clock.now() - started,
    };
  } finally {
    await sandbox.stop();
  }
}

/** The stable version fails on its own: a failing new version would prove nothing (exit 2). */
function stableFails(what: string): InputError {
  return new InputError(
    `The stable version (your package as it is) fails in the rehearsal too: ${what}. A failing new version would prove nothing.`,
    {
      hint: "Give the function what it needs: --handler FILE.EXPORT as its Handler, --function-env KEY=VALUE for its environment variables, --setup COMMAND to create what it reads in the emulator (AWS_ENDPOINT_URL points there), and --path for requests it answers without a 5xx.",
    },
  );
}
