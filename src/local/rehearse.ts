/**
 * `lambda-rollout rehearse`: "are my thresholds right?" answered before production does. Runs the
 * configured roll-out of the user's own package against the emulator: the package as it is becomes the
 * stable version, the same package with an injected failure (error share, added latency) the new one,
 * under synthetic load. Reports whether the gates caught it, at which step, and how fast.
 */
import type { MetricGateOptions } from "../health/metrics.js";
import type { Plan } from "../plan/plan.js";
import type { StampedEvent } from "../rollout/events.js";
import { injectFault } from "./fault.js";
import { LOAD_LIMITS } from "./load.js";
import { startRehearsal } from "./rehearsal.js";

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
  const started = Date.now();
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
  const rehearsal = await startRehearsal({
    functionName: "rehearsal",
    aliasName: "live",
    handler: options.handler,
    zip: options.zip,
    environment: options.environment,
    timeoutSeconds: options.timeoutSeconds,
    memoryMb: options.memoryMb,
  });
  try {
    out(`emulator ${rehearsal.emulator.endpoint}, local API ${rehearsal.url}`);
    const stable = await rehearsal.release({
      label: "stable",
      zip: options.zip,
      plan,
      gate: options.gate,
      intervalMs: options.intervalMs,
    });
    if (stable.result.outcome !== "promoted") {
      throw new Error(`releasing the stable version failed: ${stable.result.reason}`);
    }
    rehearsal.startLoad({ ratePerSecond: options.ratePerSecond, durationMs: loadMs, paths: options.paths });
    out(
      `load ${options.ratePerSecond} requests/s; releasing the bad version ` +
        `(${Math.round(options.errorRate * 100)}% errors, +${options.addedLatencyMs ?? 0} ms)`,
    );
    // A little steady traffic first, so the stable version has a baseline for relative checks.
    await new Promise((resolve) => setTimeout(resolve, 2000));
    const report = await rehearsal.release({
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
      elapsedMs: Date.now() - started,
    };
  } finally {
    await rehearsal.stop();
  }
}
