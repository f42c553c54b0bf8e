import { describe, expect, test } from "vitest";
import { inconclusivePolicy } from "./gates.js";
import { metricGateOptionsFromConfig } from "./metrics-config.js";

describe("metrics config -> gate options", () => {
  test("percent becomes a fraction, durations become milliseconds", () => {
    const options = metricGateOptionsFromConfig({
      errorRate: { max: 5, maxRelativeToStable: 2 },
      throttles: { max: 0 },
      duration: { stat: "Maximum", max: 800, maxRelativeToStable: 1.5 },
      minInvocations: 30,
      inconclusive: "pass",
      maxExtension: "2m",
      consecutiveFailures: 2,
      reportOnly: true,
    });
    expect(options).toMatchObject({
      errorRate: { max: 0.05, maxRelative: 2 },
      maxThrottles: 0,
      duration: { stat: "Maximum", maxMs: 800, maxRelative: 1.5 },
      minInvocations: 30,
      maxExtensionMs: 120_000,
      consecutiveFailures: 2,
      reportOnly: true,
    });
    expect(inconclusivePolicy({ metrics: options })).toEqual({ outcome: "pass", maxExtensionMs: 120_000 });
  });
});
