import { describe, expect, test } from "vitest";
import { FakeAlarms, FakeClock, FakeLambda } from "../../test/support/fakes.js";
import type { MetricsPort } from "../ports.js";
import type { HealthGate } from "./gate.js";
import { buildGates, DEFAULT_INCONCLUSIVE, inconclusivePolicy, mayExtend } from "./gates.js";

const metrics: MetricsPort = { getMetrics: async () => ({}) };
const deps = () => ({
  lambda: new FakeLambda(),
  alarms: new FakeAlarms(["errors"]),
  metrics,
  clock: new FakeClock(),
});
const names = (gates: HealthGate[]) => gates.map((gate) => gate.name);

describe("gates are built in one place, from specs", () => {
  test("each spec lands where the engine asks it: before traffic, during bakes, after 100%", () => {
    const custom: HealthGate = {
      name: "mine",
      check: async () => ({ gate: "mine", status: "pass", detail: "" }),
    };
    const set = buildGates(
      {
        alarms: ["errors"],
        smoke: [{ payload: "{}" }],
        hooks: { preTraffic: ["./it.sh"], postTraffic: ["./after.sh"] },
        metrics: { errorRate: { max: 0.05 } },
      },
      deps(),
      [custom],
    );
    expect(names(set.preTraffic)).toEqual(["alarms", "smoke", "hook: ./it.sh"]);
    expect(names(set.gates)).toEqual(["alarms", "metrics", "mine"]);
    expect(names(set.postTraffic)).toEqual(["hook: ./after.sh"]);
  });

  test("no specs, no gates", () => {
    expect(buildGates({}, deps())).toEqual({ preTraffic: [], gates: [], postTraffic: [] });
  });

  test("metric analysis without a metrics port is a programming error, named", () => {
    expect(() => buildGates({ metrics: {} }, { ...deps(), metrics: undefined })).toThrow(/MetricsPort/);
  });
});

describe("the inconclusive policy has one default", () => {
  test("explicit, else the metric options', else the default (fail after 5 minutes)", () => {
    expect(DEFAULT_INCONCLUSIVE).toEqual({ outcome: "fail", maxExtensionMs: 300_000 });
    expect(inconclusivePolicy({})).toEqual(DEFAULT_INCONCLUSIVE);
    expect(inconclusivePolicy({ metrics: {} })).toEqual(DEFAULT_INCONCLUSIVE);
    expect(inconclusivePolicy({ metrics: { inconclusive: "pass", maxExtensionMs: 60_000 } })).toEqual({
      outcome: "pass",
      maxExtensionMs: 60_000,
    });
    const explicit = { outcome: "pass" as const, maxExtensionMs: 0 };
    expect(inconclusivePolicy({ metrics: { maxExtensionMs: 60_000 }, inconclusive: explicit })).toBe(
      explicit,
    );
  });

  test("only gates that can be inconclusive extend a bake", () => {
    expect(mayExtend({ alarms: ["a"], smoke: [{ payload: "{}" }] })).toBe(false);
    expect(mayExtend({ metrics: {} })).toBe(true);
    const custom: HealthGate = { name: "x", check: async () => ({ gate: "x", status: "pass", detail: "" }) };
    expect(mayExtend({}, [custom])).toBe(true);
  });
});
