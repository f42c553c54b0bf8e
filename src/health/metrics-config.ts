/**
 * From the configuration file's `metrics:` block to the metric gate and the engine's inconclusive
 * policy. The file speaks in percent and duration strings; the gate in fractions and milliseconds.
 */
import type { MetricsConfig } from "../config/index.js";
import { parseDuration } from "../plan/duration.js";
import { METRIC_GATE_DEFAULTS, type MetricGateOptions } from "./metrics-options.js";

export function metricGateOptionsFromConfig(
  config: MetricsConfig,
  overrides: Partial<MetricGateOptions> = {},
): MetricGateOptions {
  const errorRate = config.errorRate;
  const duration = config.duration;
  return {
    minInvocations: config.minInvocations,
    errorRate: errorRate
      ? {
          max: errorRate.max === undefined ? undefined : errorRate.max / 100,
          maxRelative: errorRate.maxRelativeToStable,
        }
      : undefined,
    maxThrottles: config.throttles?.max,
    duration: duration
      ? { stat: duration.stat, maxMs: duration.max, maxRelative: duration.maxRelativeToStable }
      : undefined,
    consecutiveFailures: config.consecutiveFailures,
    reportOnly: config.reportOnly,
    inconclusive: config.inconclusive,
    maxExtensionMs: config.maxExtension === undefined ? undefined : parseDuration(config.maxExtension),
    ...overrides,
  };
}

/** The engine's `inconclusive` policy (`RolloutRequest.inconclusive`) for a gate's options. */
export function inconclusivePolicyOf(options: MetricGateOptions): {
  outcome: "pass" | "fail";
  maxExtensionMs: number;
} {
  return {
    outcome: options.inconclusive ?? METRIC_GATE_DEFAULTS.inconclusive,
    maxExtensionMs: options.maxExtensionMs ?? METRIC_GATE_DEFAULTS.maxExtensionMs,
  };
}
