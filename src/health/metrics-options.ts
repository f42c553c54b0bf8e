import { InputError } from "../errors.js";
import { MAX_DURATION_MS, MAX_DURATION_TEXT } from "../plan/duration.js";

/** Duration statistics the gate can judge. Percentiles need real CloudWatch; the emulator has none. */
export type DurationStat = "p99" | "p95" | "p90" | "p50" | "Average" | "Maximum";

export interface ErrorRateCheck {
  /** Fail when the new version's Errors/Invocations is above this fraction. */
  max?: number | undefined;
  /**
   * Fail when the new rate is above `maxRelative × max(stableRate, relativeFloor)`. The floor is what
   * keeps a stable version with zero errors from making any single error on the new version a failure
   * (and from dividing by zero): with the default floor of 1 % and a factor of 2, the new version may
   * reach 2 % errors while the stable version has none.
   */
  maxRelative?: number | undefined;
  /** Baseline used when the stable rate is lower than this; default 0.01. */
  relativeFloor?: number | undefined;
}

export interface DurationCheck {
  /** Default `p99`. Use `Average` or `Maximum` against the local emulator. */
  stat?: DurationStat | undefined;
  /** Fail when the new version's statistic is above this many milliseconds. */
  maxMs?: number | undefined;
  /** Fail when the new statistic is above `maxRelative × max(stableStat, relativeFloorMs)`. */
  maxRelative?: number | undefined;
  /** Baseline used when the stable statistic is lower than this; default 1 ms. */
  relativeFloorMs?: number | undefined;
}

export interface MetricGateOptions {
  /** Gate name in verdicts and events; default `metrics`. */
  name?: string | undefined;
  /** Metric period in seconds: 60 on AWS (standard resolution); the local publisher allows less. */
  periodSeconds?: number | undefined;
  /** Invocations the new version needs in the window before the window counts; default 20. */
  minInvocations?: number | undefined;
  /** Stable invocations needed before relative checks apply; default `minInvocations`. */
  minStableInvocations?: number | undefined;
  errorRate?: ErrorRateCheck | undefined;
  /** Fail when the new version was throttled more than this many times in the window. */
  maxThrottles?: number | undefined;
  duration?: DurationCheck | undefined;
  /** Fail only after this many consecutive failing checks; default 1 (fail at once). */
  consecutiveFailures?: number | undefined;
  /** Log verdicts without acting: the status is always `pass`, the real one is in `data.verdict`. */
  reportOnly?: boolean | undefined;
  /** What an inconclusive gate becomes once the bake cannot be extended any more; default `fail`. */
  inconclusive?: "pass" | "fail" | undefined;
  /** How long the engine may extend a bake waiting for evidence; default 5 minutes. */
  maxExtensionMs?: number | undefined;
}

export interface ResolvedMetricGateOptions {
  name: string;
  periodSeconds: number;
  minInvocations: number;
  minStableInvocations: number;
  errorRate:
    | { max?: number | undefined; maxRelative?: number | undefined; relativeFloor: number }
    | undefined;
  maxThrottles: number | undefined;
  duration:
    | {
        stat: DurationStat;
        maxMs?: number | undefined;
        maxRelative?: number | undefined;
        relativeFloorMs: number;
      }
    | undefined;
  consecutiveFailures: number;
  reportOnly: boolean;
  inconclusive: "pass" | "fail";
  maxExtensionMs: number;
}

export const METRIC_GATE_DEFAULTS = {
  name: "metrics",
  periodSeconds: 60,
  minInvocations: 20,
  relativeFloor: 0.01,
  relativeFloorMs: 1,
  durationStat: "p99",
  consecutiveFailures: 1,
  inconclusive: "fail",
  maxExtensionMs: 5 * 60_000,
} as const;

/**
 * Where each option comes from when a user sets it: the configuration's `metrics:` block (in its own
 * units) or a flag. Named in the hint so the user can find what to fix.
 */
const WHERE_TO_FIX: Record<string, string> = {
  periodSeconds: "rehearse --period, in seconds",
  minInvocations: "metrics.minInvocations in lambda-rollout.yml",
  minStableInvocations: "the minStableInvocations option",
  "errorRate.max": "metrics.errorRate.max in lambda-rollout.yml (in percent there)",
  "errorRate.maxRelative": "metrics.errorRate.maxRelativeToStable in lambda-rollout.yml",
  "errorRate.relativeFloor": "the errorRate.relativeFloor option",
  maxThrottles: "metrics.throttles.max in lambda-rollout.yml",
  "duration.maxMs": "metrics.duration.max in lambda-rollout.yml (milliseconds)",
  "duration.maxRelative": "metrics.duration.maxRelativeToStable in lambda-rollout.yml",
  "duration.relativeFloorMs": "the duration.relativeFloorMs option",
  consecutiveFailures: "metrics.consecutiveFailures in lambda-rollout.yml",
  maxExtensionMs: "metrics.maxExtension in lambda-rollout.yml",
};

/** Invalid options are the user's input (the configuration, a flag): exit 2, naming key and fix. */
function invalid(key: string, value: number, rule: string): InputError {
  return new InputError(`Invalid metric gate option ${key}: ${String(value)}; it must be ${rule}.`, {
    hint: `Set ${WHERE_TO_FIX[key] ?? key} to ${rule}.`,
  });
}

function nonNegative(key: string, value: number | undefined): void {
  if (value !== undefined && !(Number.isFinite(value) && value >= 0)) {
    throw invalid(key, value, "a finite number of 0 or more");
  }
}

/** Fills defaults and rejects nonsense (negative thresholds, zero periods) early, naming the field. */
export function resolveMetricGateOptions(options: MetricGateOptions): ResolvedMetricGateOptions {
  const d = METRIC_GATE_DEFAULTS;
  const periodSeconds = options.periodSeconds ?? d.periodSeconds;
  if (!(Number.isFinite(periodSeconds) && periodSeconds > 0)) {
    throw invalid("periodSeconds", periodSeconds, "a number of seconds greater than 0");
  }
  const consecutiveFailures = options.consecutiveFailures ?? d.consecutiveFailures;
  if (!(Number.isInteger(consecutiveFailures) && consecutiveFailures >= 1)) {
    throw invalid("consecutiveFailures", consecutiveFailures, "a whole number of 1 or more");
  }
  nonNegative("minInvocations", options.minInvocations);
  nonNegative("minStableInvocations", options.minStableInvocations);
  nonNegative("errorRate.max", options.errorRate?.max);
  nonNegative("errorRate.maxRelative", options.errorRate?.maxRelative);
  nonNegative("errorRate.relativeFloor", options.errorRate?.relativeFloor);
  nonNegative("maxThrottles", options.maxThrottles);
  nonNegative("duration.maxMs", options.duration?.maxMs);
  nonNegative("duration.maxRelative", options.duration?.maxRelative);
  nonNegative("duration.relativeFloorMs", options.duration?.relativeFloorMs);
  nonNegative("maxExtensionMs", options.maxExtensionMs);
  if (options.maxExtensionMs !== undefined && options.maxExtensionMs > MAX_DURATION_MS) {
    throw invalid(
      "maxExtensionMs",
      options.maxExtensionMs,
      `at most ${MAX_DURATION_TEXT} (${MAX_DURATION_MS} ms)`,
    );
  }
  const minInvocations = options.minInvocations ?? d.minInvocations;
  const errorRate = options.errorRate;
  const duration = options.duration;
  return {
    name: options.name ?? d.name,
    periodSeconds,
    minInvocations,
    minStableInvocations: options.minStableInvocations ?? minInvocations,
    errorRate:
      errorRate && (errorRate.max !== undefined || errorRate.maxRelative !== undefined)
        ? {
            max: errorRate.max,
            maxRelative: errorRate.maxRelative,
            relativeFloor: errorRate.relativeFloor ?? d.relativeFloor,
          }
        : undefined,
    maxThrottles: options.maxThrottles,
    duration:
      duration && (duration.maxMs !== undefined || duration.maxRelative !== undefined)
        ? {
            stat: duration.stat ?? d.durationStat,
            maxMs: duration.maxMs,
            maxRelative: duration.maxRelative,
            relativeFloorMs: duration.relativeFloorMs ?? d.relativeFloorMs,
          }
        : undefined,
    consecutiveFailures,
    reportOnly: options.reportOnly ?? false,
    inconclusive: options.inconclusive ?? d.inconclusive,
    maxExtensionMs: options.maxExtensionMs ?? d.maxExtensionMs,
  };
}
