/**
 * The arithmetic of the metric gate, pure: numbers in, verdict out. Kept apart from the querying so every
 * edge case (no data, zero stable errors, exact thresholds) is tested without a metrics port.
 *
 * Conventions:
 * - A value exactly at a threshold passes; only strictly greater fails.
 * - Missing Errors/Throttles data counts as 0 (CloudWatch omits empty sums); missing Invocations is 0,
 *   which is "no evidence", never "healthy".
 * - Relative checks compare with `max(stable, floor)`, so a stable version with no errors cannot cause a
 *   division by zero or make one error a failure. They are skipped (and say so) when the stable version
 *   had too few invocations to be a baseline, e.g. at 100 % on the new version.
 * - Throttles are judged before the evidence check: a throttled version may never reach the minimum
 *   invocations, and that must not hide the throttling.
 */
import type { VerdictStatus } from "./gate.js";
import type { ResolvedMetricGateOptions } from "./metrics-options.js";

export interface VersionMetrics {
  invocations: number | undefined;
  errors: number | undefined;
  throttles: number | undefined;
  /** The configured duration statistic in milliseconds. */
  duration: number | undefined;
}

export interface WindowMetrics {
  newVersion: string;
  stableVersion: string;
  windowSeconds: number;
  new: VersionMetrics;
  stable: VersionMetrics;
}

export interface Evaluation {
  status: VerdictStatus;
  detail: string;
  data: Record<string, number | string | undefined>;
}

type Options = Pick<
  ResolvedMetricGateOptions,
  "minInvocations" | "minStableInvocations" | "errorRate" | "maxThrottles" | "duration"
>;

const percent = (fraction: number): string => `${(fraction * 100).toFixed(fraction < 0.001 ? 3 : 1)}%`;
const ms = (value: number): string => `${Number.isInteger(value) ? value : value.toFixed(1)} ms`;
const count = (value: number | undefined): number =>
  value !== undefined && Number.isFinite(value) ? value : 0;

export function evaluateWindow(metrics: WindowMetrics, options: Options): Evaluation {
  const newInvocations = count(metrics.new.invocations);
  const newErrors = count(metrics.new.errors);
  const newThrottles = count(metrics.new.throttles);
  const stableInvocations = count(metrics.stable.invocations);
  const stableErrors = count(metrics.stable.errors);
  const label = `version ${metrics.newVersion}`;
  const data: Record<string, number | string | undefined> = {
    windowSeconds: metrics.windowSeconds,
    newInvocations,
    newErrors,
    newThrottles,
    stableInvocations,
    stableErrors,
    minInvocations: options.minInvocations,
  };
  const failures: string[] = [];
  const notes: string[] = [];

  if (options.maxThrottles !== undefined) {
    const line = `${newThrottles} throttles (max ${options.maxThrottles})`;
    (newThrottles > options.maxThrottles ? failures : notes).push(line);
  }
  if (failures.length === 0 && newInvocations < options.minInvocations) {
    return {
      status: "inconclusive",
      detail:
        `${label} had ${newInvocations} of ${options.minInvocations} invocations needed ` +
        `in the last ${metrics.windowSeconds}s; not enough evidence yet`,
      data,
    };
  }

  const stableIsBaseline = stableInvocations >= options.minStableInvocations && stableInvocations > 0;
  if (options.errorRate && newInvocations > 0) {
    const check = options.errorRate;
    const newRate = newErrors / newInvocations;
    data.newErrorRate = newRate;
    const observed = `error rate ${percent(newRate)} (${newErrors}/${newInvocations})`;
    if (check.max !== undefined) {
      (newRate > check.max ? failures : notes).push(`${observed} vs max ${percent(check.max)}`);
    }
    if (check.maxRelative !== undefined) {
      if (stableIsBaseline) {
        const stableRate = stableErrors / stableInvocations;
        const limit = check.maxRelative * Math.max(stableRate, check.relativeFloor);
        data.stableErrorRate = stableRate;
        data.errorRateLimit = limit;
        const line =
          `${observed} vs ${check.maxRelative}× stable ${percent(stableRate)} ` +
          `(floor ${percent(check.relativeFloor)}) = ${percent(limit)}`;
        (newRate > limit ? failures : notes).push(line);
      } else {
        notes.push(`relative error check skipped: stable had ${stableInvocations} invocations`);
      }
    }
  }

  if (options.duration) {
    const check = options.duration;
    const value = metrics.new.duration;
    data.durationStat = check.stat;
    data.newDuration = value;
    if (value === undefined) {
      notes.push(`no ${check.stat} duration data`);
    } else {
      if (check.maxMs !== undefined) {
        const line = `${check.stat} duration ${ms(value)} vs max ${ms(check.maxMs)}`;
        (value > check.maxMs ? failures : notes).push(line);
      }
      if (check.maxRelative !== undefined) {
        const stableValue = metrics.stable.duration;
        if (stableIsBaseline && stableValue !== undefined) {
          const limit = check.maxRelative * Math.max(stableValue, check.relativeFloorMs);
          data.stableDuration = stableValue;
          data.durationLimit = limit;
          const line = `${check.stat} duration ${ms(value)} vs ${check.maxRelative}× stable ${ms(stableValue)} = ${ms(limit)}`;
          (value > limit ? failures : notes).push(line);
        } else {
          notes.push(`relative duration check skipped: no stable baseline`);
        }
      }
    }
  }

  if (failures.length > 0) {
    return { status: "fail", detail: `${label}: ${failures.join("; ")}`, data };
  }
  const summary = notes.length > 0 ? notes.join("; ") : `${newInvocations} invocations, no checks configured`;
  return { status: "pass", detail: `${label}: ${summary}`, data };
}
