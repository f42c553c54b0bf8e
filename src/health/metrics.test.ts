import { describe, expect, test } from "vitest";
import type { Clock, MetricQuery, MetricsPort } from "../ports.js";
import type { GateContext } from "./gate.js";
import { createMetricGate, type MetricGateOptions, metricWindow } from "./metrics.js";

interface Traffic {
  invocations?: number;
  errors?: number;
  throttles?: number;
  duration?: number;
}

/** A metrics port answering from per-version numbers and recording what it was asked. */
function fakeMetrics(byVersion: Record<string, Traffic>) {
  const calls: { queries: MetricQuery[]; start: Date; end: Date; period: number }[] = [];
  const port: MetricsPort = {
    async getMetrics(queries, start, end, period) {
      calls.push({ queries, start, end, period });
      const out: Record<string, number | undefined> = {};
      for (const q of queries) {
        const traffic = byVersion[q.dimensions.ExecutedVersion ?? ""] ?? {};
        const key = {
          Invocations: "invocations",
          Errors: "errors",
          Throttles: "throttles",
          Duration: "duration",
        }[q.metricName] as keyof Traffic;
        out[q.id] = traffic[key];
      }
      return out;
    },
  };
  return { port, calls, set: (version: string, t: Traffic) => Object.assign(byVersion, { [version]: t }) };
}

const clock: Clock = { now: () => 1_000_000, sleep: async () => {} };

function context(overrides: Partial<GateContext> = {}): GateContext {
  return {
    functionName: "names",
    aliasName: "live",
    stableVersion: "1",
    newVersion: "2",
    weight: 10,
    phase: "bake",
    stepStartedAt: 1_000_000 - 120_000,
    now: 1_000_000,
    ...overrides,
  };
}

async function check(options: MetricGateOptions, traffic: Record<string, Traffic>, ctx = context()) {
  const metrics = fakeMetrics(traffic);
  return await createMetricGate(options, { metrics: metrics.port, clock }).check(ctx);
}

describe("queries", () => {
  test("asks for both versions through the alias with the three AWS dimensions over the step's window", async () => {
    const metrics = fakeMetrics({ "2": { invocations: 50 }, "1": { invocations: 500 } });
    const gate = createMetricGate(
      { errorRate: { max: 0.05 }, duration: { maxMs: 500 } },
      { metrics: metrics.port, clock },
    );
    await gate.check(context());
    const call = metrics.calls[0]!;
    expect(call.period).toBe(60);
    // The step began at 880 s: the window starts at the first whole minute after it.
    expect(call.start.getTime()).toBe(900_000);
    expect(call.end.getTime()).toBe(1_000_000);
    const newErrors = call.queries.find((q) => q.id === "new_errors")!;
    expect(newErrors).toMatchObject({ namespace: "AWS/Lambda", metricName: "Errors", stat: "Sum" });
    expect(newErrors.dimensions).toEqual({
      FunctionName: "names",
      Resource: "names:live",
      ExecutedVersion: "2",
    });
    expect(call.queries.find((q) => q.id === "stable_duration")).toMatchObject({ stat: "p99" });
    expect(call.queries.find((q) => q.id === "stable_duration")?.dimensions.ExecutedVersion).toBe("1");
  });

  test("the window starts at the first whole period at or after the step began, never before it", () => {
    const window = metricWindow({ stepStartedAt: 905_000, now: 1_000_000 }, 60);
    expect(window.start.getTime()).toBe(960_000);
    expect(window.seconds).toBe(40);
    expect(metricWindow({ stepStartedAt: 960_000, now: 1_000_000 }, 60).start.getTime()).toBe(960_000);
    expect(metricWindow({ stepStartedAt: 995_000, now: 1_000_000 }, 1).start.getTime()).toBe(995_000);
    // A step younger than the first whole period has an empty window, not one reaching back before it.
    const young = metricWindow({ stepStartedAt: 995_000, now: 1_000_000 }, 60);
    expect(young.start.getTime()).toBe(1_020_000);
    expect(young.seconds).toBe(0);
  });

  test("no whole period since the step began: inconclusive, and nothing is queried", async () => {
    const metrics = fakeMetrics({ "2": { invocations: 500, errors: 400 } });
    const gate = createMetricGate({ errorRate: { max: 0.05 } }, { metrics: metrics.port, clock });
    const verdict = await gate.check(context({ stepStartedAt: 995_000 }));
    expect(verdict.status).toBe("inconclusive");
    expect(verdict.detail).toContain("no whole 60 s metric period");
    expect(metrics.calls).toHaveLength(0);
  });

  test("the period is configurable for the local publisher's finer grain", async () => {
    const metrics = fakeMetrics({});
    await createMetricGate({ periodSeconds: 5 }, { metrics: metrics.port, clock }).check(context());
    expect(metrics.calls[0]?.period).toBe(5);
  });

  test("nothing is queried before traffic moves", async () => {
    const metrics = fakeMetrics({});
    const verdict = await createMetricGate({}, { metrics: metrics.port, clock }).check(
      context({ phase: "pre-traffic" }),
    );
    expect(verdict.status).toBe("pass");
    expect(metrics.calls).toHaveLength(0);
  });
});

describe("evidence", () => {
  test("too few invocations is inconclusive and says how many of how many", async () => {
    const verdict = await check(
      { minInvocations: 20, errorRate: { max: 0.05 } },
      { "2": { invocations: 7 } },
    );
    expect(verdict.status).toBe("inconclusive");
    expect(verdict.detail).toContain("7 of 20 invocations");
  });

  test("no data at all is inconclusive, never healthy", async () => {
    const verdict = await check({ errorRate: { max: 0.05 } }, {});
    expect(verdict.status).toBe("inconclusive");
    expect(verdict.detail).toContain("0 of 20");
  });

  test("exactly the minimum counts", async () => {
    const verdict = await check(
      { minInvocations: 20, errorRate: { max: 0.05 } },
      { "2": { invocations: 20 } },
    );
    expect(verdict.status).toBe("pass");
  });

  test("throttling fails even before the minimum evidence arrives", async () => {
    const verdict = await check({ maxThrottles: 0 }, { "2": { invocations: 3, throttles: 4 } });
    expect(verdict.status).toBe("fail");
    expect(verdict.detail).toContain("4 throttles (max 0)");
  });
});

describe("error rate", () => {
  test("above the absolute maximum fails with the numbers", async () => {
    const verdict = await check({ errorRate: { max: 0.05 } }, { "2": { invocations: 40, errors: 8 } });
    expect(verdict.status).toBe("fail");
    expect(verdict.detail).toContain("error rate 20.0% (8/40) vs max 5.0%");
    expect(verdict.data).toMatchObject({ newErrorRate: 0.2, newInvocations: 40, newErrors: 8 });
  });

  test("a rate exactly at the maximum passes", async () => {
    const verdict = await check({ errorRate: { max: 0.05 } }, { "2": { invocations: 40, errors: 2 } });
    expect(verdict.status).toBe("pass");
  });

  test("missing Errors data with invocations counts as zero errors", async () => {
    const verdict = await check({ errorRate: { max: 0 } }, { "2": { invocations: 40 } });
    expect(verdict.status).toBe("pass");
  });

  test("relative to the stable version over the same window", async () => {
    const traffic = { "1": { invocations: 400, errors: 20 }, "2": { invocations: 40, errors: 5 } };
    // stable 5 %, factor 2 => limit 10 %; new 12.5 % fails
    const fail = await check({ errorRate: { maxRelative: 2 } }, traffic);
    expect(fail.status).toBe("fail");
    expect(fail.data?.errorRateLimit).toBeCloseTo(0.1);
    const pass = await check({ errorRate: { maxRelative: 3 } }, traffic);
    expect(pass.status).toBe("pass");
  });

  test("zero errors on stable uses the floor instead of dividing by zero", async () => {
    const traffic = { "1": { invocations: 400, errors: 0 }, "2": { invocations: 100, errors: 2 } };
    const verdict = await check({ errorRate: { maxRelative: 2, relativeFloor: 0.01 } }, traffic);
    // limit = 2 × max(0, 1 %) = 2 %; new is exactly 2 % -> pass
    expect(verdict.status).toBe("pass");
    expect(verdict.data?.errorRateLimit).toBe(0.02);
    const worse = await check(
      { errorRate: { maxRelative: 2 } },
      { "1": { invocations: 400 }, "2": { invocations: 100, errors: 3 } },
    );
    expect(worse.status).toBe("fail");
    expect(Number.isFinite(worse.data?.errorRateLimit)).toBe(true);
  });

  test("the relative check is skipped without a stable baseline (e.g. at 100%)", async () => {
    const verdict = await check(
      { errorRate: { maxRelative: 2 } },
      { "1": { invocations: 3 }, "2": { invocations: 100, errors: 50 } },
    );
    expect(verdict.status).toBe("pass");
    expect(verdict.detail).toContain("relative error check skipped: stable had 3 invocations");
  });
});

describe("duration", () => {
  test("p99 by default against an absolute bound", async () => {
    const traffic = { "2": { invocations: 50, duration: 1200 } };
    const verdict = await check({ duration: { maxMs: 1000 } }, traffic);
    expect(verdict.status).toBe("fail");
    expect(verdict.detail).toContain("p99 duration 1200 ms vs max 1000 ms");
    expect((await check({ duration: { maxMs: 1200 } }, traffic)).status).toBe("pass");
  });

  test("Average or Maximum can be chosen where percentiles are unavailable", async () => {
    const metrics = fakeMetrics({ "2": { invocations: 50, duration: 80 } });
    const gate = createMetricGate(
      { duration: { stat: "Maximum", maxMs: 50 } },
      { metrics: metrics.port, clock },
    );
    const verdict = await gate.check(context());
    expect(metrics.calls[0]?.queries.find((q) => q.id === "new_duration")?.stat).toBe("Maximum");
    expect(verdict.status).toBe("fail");
    expect(verdict.detail).toContain("Maximum duration 80 ms");
  });

  test("relative to stable, with a floor for near-zero stable durations", async () => {
    const traffic = { "1": { invocations: 500, duration: 100 }, "2": { invocations: 50, duration: 250 } };
    expect((await check({ duration: { maxRelative: 2 } }, traffic)).status).toBe("fail");
    expect((await check({ duration: { maxRelative: 2.5 } }, traffic)).status).toBe("pass");
    const fast = { "1": { invocations: 500, duration: 0 }, "2": { invocations: 50, duration: 4 } };
    expect((await check({ duration: { maxRelative: 2, relativeFloorMs: 2 } }, fast)).status).toBe("pass");
  });

  test("no percentile data is noted, not failed", async () => {
    const verdict = await check({ duration: { maxMs: 100 } }, { "2": { invocations: 50 } });
    expect(verdict.status).toBe("pass");
    expect(verdict.detail).toContain("no p99 duration data");
  });
});

describe("consecutive failures", () => {
  test("fails only after N failing checks in a row; a pass resets the count", async () => {
    const metrics = fakeMetrics({ "2": { invocations: 40, errors: 10 } });
    const gate = createMetricGate(
      { errorRate: { max: 0.05 }, consecutiveFailures: 3 },
      { metrics: metrics.port, clock },
    );
    const first = await gate.check(context());
    expect(first.status).toBe("pass");
    expect(first.detail).toMatch(/^tolerated failure 1 of 3 in a row/);
    expect(first.data?.verdict).toBe("tolerated");
    expect((await gate.check(context())).status).toBe("pass");
    expect(gate.consecutiveFailures).toBe(2);
    metrics.set("2", { invocations: 40, errors: 0 });
    expect((await gate.check(context())).status).toBe("pass");
    expect(gate.consecutiveFailures).toBe(0);
    metrics.set("2", { invocations: 40, errors: 10 });
    await gate.check(context());
    await gate.check(context());
    // an inconclusive window in between neither resets nor counts
    metrics.set("2", { invocations: 1 });
    expect((await gate.check(context())).status).toBe("inconclusive");
    metrics.set("2", { invocations: 40, errors: 10 });
    const third = await gate.check(context());
    expect(third.status).toBe("fail");
    expect(third.data?.consecutiveFailures).toBe(3);
  });

  test.each(["before-shift", "before-promote", "final-check"] as const)(
    "the decision at %s tolerates nothing, whatever the allowance during bakes",
    async (phase) => {
      const metrics = fakeMetrics({ "2": { invocations: 40, errors: 10 } });
      const gate = createMetricGate(
        { errorRate: { max: 0.05 }, consecutiveFailures: 3 },
        { metrics: metrics.port, clock },
      );
      expect((await gate.check(context({ phase: "bake" }))).status).toBe("pass");
      const decision = await gate.check(context({ phase }));
      expect(decision.status).toBe("fail");
      expect(decision.detail).not.toContain("tolerated");
    },
  );

  test("a new target version starts a new count", async () => {
    const metrics = fakeMetrics({
      "2": { invocations: 40, errors: 10 },
      "3": { invocations: 40, errors: 10 },
    });
    const gate = createMetricGate(
      { errorRate: { max: 0.05 }, consecutiveFailures: 2 },
      { metrics: metrics.port, clock },
    );
    await gate.check(context());
    expect((await gate.check(context({ newVersion: "3" }))).status).toBe("pass");
  });
});

describe("report-only", () => {
  test("always passes, prefixes the detail, and keeps the real verdict in data", async () => {
    const verdict = await check(
      { errorRate: { max: 0.05 }, reportOnly: true },
      { "2": { invocations: 40, errors: 20 } },
    );
    expect(verdict.status).toBe("pass");
    expect(verdict.detail).toMatch(/^report-only: version 2: error rate 50\.0%/);
    expect(verdict.data?.verdict).toBe("fail");
    const inconclusive = await check({ reportOnly: true }, {});
    expect(inconclusive.status).toBe("pass");
    expect(inconclusive.data?.verdict).toBe("inconclusive");
  });
});

describe("options", () => {
  test("nonsense is rejected naming the field", () => {
    const metrics = fakeMetrics({});
    expect(() => createMetricGate({ periodSeconds: 0 }, { metrics: metrics.port, clock })).toThrow(
      /periodSeconds/,
    );
    expect(() => createMetricGate({ errorRate: { max: -1 } }, { metrics: metrics.port, clock })).toThrow(
      /errorRate\.max/,
    );
    expect(() => createMetricGate({ consecutiveFailures: 0 }, { metrics: metrics.port, clock })).toThrow(
      /consecutiveFailures/,
    );
  });

  test("defaults: fail inconclusive after 5 minutes of extension", () => {
    const gate = createMetricGate({}, { metrics: fakeMetrics({}).port, clock });
    expect(gate.options).toMatchObject({ inconclusive: "fail", maxExtensionMs: 300_000, minInvocations: 20 });
  });
});
