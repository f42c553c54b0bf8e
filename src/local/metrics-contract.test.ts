import { expect, test } from "vitest";
import { createMetricGate } from "../health/metrics.js";
import type { MetricQuery, MetricsPort } from "../ports.js";
import { MetricsPublisher } from "./metrics-publisher.js";
import type { MetricDatum } from "./ports.js";

/**
 * The local data plane is only useful if the metric gate finds what it publishes: every query the gate
 * makes for both versions must name a series the publisher wrote (namespace, metric, dimensions).
 */
test("every series the metric gate queries is one the local publisher writes", async () => {
  const written: { namespace: string; data: MetricDatum[] }[] = [];
  const publisher = new MetricsPublisher({
    putMetricData: async (namespace, data) => {
      written.push({ namespace, data });
    },
  });
  const base = { functionName: "names", aliasName: "live", durationMs: 12, error: false, throttled: false };
  publisher.record({ ...base, version: "1" });
  publisher.record({ ...base, version: "2", error: true });
  await publisher.flush();

  const asked: MetricQuery[] = [];
  const metrics: MetricsPort = {
    async getMetrics(queries) {
      asked.push(...queries);
      return {};
    },
  };
  const gate = createMetricGate(
    { periodSeconds: 5, errorRate: { max: 0.05 }, duration: { maxMs: 100, stat: "Average" } },
    { metrics, clock: { now: () => 0, sleep: async () => {} } },
  );
  await gate.check({
    functionName: "names",
    aliasName: "live",
    stableVersion: "1",
    newVersion: "2",
    weight: 10,
    phase: "bake",
    stepStartedAt: 0,
    now: 60_000,
  });

  const series = new Set(
    written.flatMap(({ namespace, data }) =>
      data.map((d) => JSON.stringify([namespace, d.metricName, d.dimensions])),
    ),
  );
  expect(asked.length).toBe(8);
  for (const query of asked) {
    expect(series, `${query.metricName} ${JSON.stringify(query.dimensions)}`).toContain(
      JSON.stringify([query.namespace, query.metricName, query.dimensions]),
    );
  }
});
