/**
 * From the configuration file's `metrics:` block to the metric gate's options (its spec); the
 * inconclusive policy is derived from them in health/gates.ts. The file speaks in percent and duration strings; the gate in fractions and milliseconds.
 */
import type { MetricsConfig } from "../config/schema.js";
import { parseDuration } from "../plan/duration.js";
import type { MetricGateOptions } from "./metrics-options.js";

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
