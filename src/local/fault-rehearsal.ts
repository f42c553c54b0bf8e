/**
 * `lambda-rollout rehearse`: "are my thresholds right?" answered before production does. Runs the
 * configured roll-out of the user's own package in a sandbox (`sandbox.ts`): the package as it is
 * becomes the stable version, the same package with an injected failure (error share, added latency)
 * the new one, under synthetic load. Reports whether the gates caught it, at which step, and how fast.
 */
import type { MetricGateOptions } from "../health/metrics.js";
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
  gate: MetricGateOptions;
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
  /** From the bad version's first 5xx to the alias restored. */
  detectionMs: number | undefined;
  /** From the moment the bad version had the minimum evidence to the alias restored. */
  afterEvidenceMs: number | undefined;
  plan: Plan;
  elapsedMs: number;
}

/** Traffic the stable version serves before the bad one is released, so relative checks have a baseline. */
const WARM_UP_SECONDS = 2;
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

export async function rehearse(options: RehearseOptions): Promise<RehearseReport> {
  const clock = options.clock ?? systemClock;
  const started = clock.now();
  const out = options.out ?? (() => {});
  const plan = capBakes(options.plan, options.maxBakeMs);
  const bakeTotal = plan.steps.reduce((sum, s) => sum + s.bakeMs, 0) + plan.finalBakeMs;
  const extension = (options.gate.maxExtensionMs ?? 0) * (plan.steps.length + 1);
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
    sandbox.startLoad({ ratePerSecond: options.ratePerSecond, durationMs: loadMs, paths: options.paths });
    out(
      `load ${options.ratePerSecond} requests/s; releasing the bad version ` +
        `(${Math.round(options.errorRate * 100)}% errors, +${options.addedLatencyMs ?? 0} ms)`,
    );
    // A little steady traffic first (two seconds' worth, answered), so the stable version has a baseline.
    const warmedUp = await sandbox.responses.waitForMore(Math.ceil(options.ratePerSecond * WARM_UP_SECONDS), {
      clock,
      timeoutMs: WARM_UP_TIMEOUT_MS,
    });
    if (!warmedUp) out(`the load was not answered within ${WARM_UP_TIMEOUT_MS / 1000} s; releasing anyway`);
    const report = await sandbox.release({
      label: "bad",
      zip: bad,
      plan,
      gate: options.gate,
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
      detectionMs: since(report.firstBadResponseAt),
      afterEvidenceMs: since(report.evidenceMetAt),
      plan,
      elapsedMs: clock.now() - started,
    };
  } finally {
    await sandbox.stop();
  }
}
