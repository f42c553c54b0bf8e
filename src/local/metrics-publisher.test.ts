import { describe, expect, test } from "vitest";
import { MetricsPublisher } from "./metrics-publisher.js";
import type { MetricDatum, MetricSinkPort } from "./ports.js";

function sink() {
  const calls: { namespace: string; data: MetricDatum[] }[] = [];
  const port: MetricSinkPort = {
    async putMetricData(namespace, data) {
      calls.push({ namespace, data });
    },
  };
  return { port, calls };
}

const base = { functionName: "names", aliasName: "live", durationMs: 10, error: false, throttled: false };

function find(
  data: MetricDatum[],
  metricName: string,
  dimensions: Record<string, string>,
): MetricDatum | undefined {
  return data.find(
    (d) => d.metricName === metricName && JSON.stringify(d.dimensions) === JSON.stringify(dimensions),
  );
}

describe("metrics publisher", () => {
  test("publishes per-version and aggregate Lambda metrics with AWS's dimensions", async () => {
    const { port, calls } = sink();
    const publisher = new MetricsPublisher(port, { now: () => 1_700_000_000_000 });
    publisher.record({ ...base, version: "1", durationMs: 10 });
    publisher.record({ ...base, version: "1", durationMs: 10 });
    publisher.record({ ...base, version: "2", durationMs: 30, error: true });
    publisher.record({ ...base, version: "2", throttled: true });
    await publisher.flush();
    expect(calls).toHaveLength(1);
    const { namespace, data } = calls[0]!;
    expect(namespace).toBe("AWS/Lambda");
    const v2 = { FunctionName: "names", Resource: "names:live", ExecutedVersion: "2" };
    expect(find(data, "Invocations", v2)?.value).toBe(1);
    expect(find(data, "Errors", v2)?.value).toBe(1);
    expect(find(data, "Throttles", v2)?.value).toBe(1);
    expect(find(data, "Duration", v2)).toMatchObject({ values: [30], counts: [1], unit: "Milliseconds" });
    const v1 = { ...v2, ExecutedVersion: "1" };
    expect(find(data, "Errors", v1)?.value).toBe(0);
    expect(find(data, "Duration", v1)).toMatchObject({ values: [10], counts: [2] });
    const alias = { FunctionName: "names", Resource: "names:live" };
    expect(find(data, "Invocations", alias)?.value).toBe(3);
    expect(find(data, "Duration", alias)).toMatchObject({ values: [10, 30], counts: [2, 1] });
    expect(find(data, "Invocations", { FunctionName: "names" })?.value).toBe(3);
    expect(data.every((d) => d.timestamp.getTime() === 1_700_000_000_000)).toBe(true);
  });

  test("nothing buffered publishes nothing; each flush sends only what is new; totals accumulate", async () => {
    const { port, calls } = sink();
    const publisher = new MetricsPublisher(port);
    await publisher.flush();
    expect(calls).toHaveLength(0);
    publisher.record({ ...base, version: "1", error: true });
    await publisher.flush();
    publisher.record({ ...base, version: "1" });
    await publisher.flush();
    expect(calls.map((c) => find(c.data, "Errors", { FunctionName: "names" })?.value)).toEqual([1, 0]);
    expect(publisher.totalsByVersion()).toEqual({ "1": { invocations: 2, errors: 1, throttles: 0 } });
  });

  test("more than 150 distinct durations are split across data points", async () => {
    const { port, calls } = sink();
    const publisher = new MetricsPublisher(port);
    for (let i = 0; i < 200; i += 1) publisher.record({ ...base, version: "1", durationMs: i });
    await publisher.flush();
    const v1 = { FunctionName: "names", Resource: "names:live", ExecutedVersion: "1" };
    const durations = calls[0]!.data.filter(
      (d) => d.metricName === "Duration" && JSON.stringify(d.dimensions) === JSON.stringify(v1),
    );
    expect(durations.map((d) => d.values?.length)).toEqual([150, 50]);
  });

  test("a failing sink is reported and does not throw into the request path", async () => {
    const errors: unknown[] = [];
    const publisher = new MetricsPublisher(
      {
        putMetricData: async () => {
          throw new Error("emulator down");
        },
      },
      { onError: (e) => errors.push(e) },
    );
    publisher.record({ ...base, version: "1" });
    await publisher.flush();
    expect(errors).toHaveLength(1);
    expect(publisher.failedBatches).toBe(1);
  });
});
