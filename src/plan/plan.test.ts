import { describe, expect, test } from "vitest";
import { errorOf } from "../../test/support/errors.js";
import { InputError } from "../errors.js";
import { parseDuration } from "./duration.js";
import { buildPlan, describePlan, PRESET_NAMES, planDurationMs } from "./plan.js";

const MIN = 60_000;

describe("presets", () => {
  test("are the nine CodeDeploy Lambda configurations", () => {
    expect(PRESET_NAMES).toEqual([
      "AllAtOnce",
      "Canary10Percent5Minutes",
      "Canary10Percent10Minutes",
      "Canary10Percent15Minutes",
      "Canary10Percent30Minutes",
      "Linear10PercentEvery1Minute",
      "Linear10PercentEvery2Minutes",
      "Linear10PercentEvery3Minutes",
      "Linear10PercentEvery10Minutes",
    ]);
  });

  test.each([
    ["Canary10Percent5Minutes", 5],
    ["Canary10Percent10Minutes", 10],
    ["Canary10Percent15Minutes", 15],
    ["Canary10Percent30Minutes", 30],
  ])("%s: 10%% for %i minutes, then 100%%", (strategy, minutes) => {
    expect(buildPlan({ strategy }).steps).toEqual([{ weight: 10, bakeMs: minutes * MIN }]);
  });

  test.each([
    ["Linear10PercentEvery1Minute", 1],
    ["Linear10PercentEvery2Minutes", 2],
    ["Linear10PercentEvery3Minutes", 3],
    ["Linear10PercentEvery10Minutes", 10],
  ])("%s: 10%% more every %i minute(s)", (strategy, minutes) => {
    const plan = buildPlan({ strategy });
    expect(plan.steps.map((s) => s.weight)).toEqual([10, 20, 30, 40, 50, 60, 70, 80, 90]);
    expect(plan.steps.every((s) => s.bakeMs === minutes * MIN)).toBe(true);
    expect(planDurationMs(plan)).toBe(9 * minutes * MIN);
  });

  test("AllAtOnce has no partial steps; it is the default", () => {
    expect(buildPlan({ strategy: "AllAtOnce" }).steps).toEqual([]);
    expect(buildPlan({})).toEqual({ strategy: "AllAtOnce", steps: [], finalBakeMs: 0 });
  });

  test("presets are copied, so a caller cannot alter them", () => {
    const plan = buildPlan({ strategy: "Canary10Percent5Minutes" });
    (plan.steps[0] as { weight: number }).weight = 99;
    expect(buildPlan({ strategy: "Canary10Percent5Minutes" }).steps[0]?.weight).toBe(10);
  });
});

describe("custom steps", () => {
  test("parse WEIGHT%:DURATION pairs, with a final bake", () => {
    const plan = buildPlan({ steps: "10%:2s, 50%:5m,75.5%:1h", finalBake: "30s" });
    expect(plan).toEqual({
      strategy: "custom",
      steps: [
        { weight: 10, bakeMs: 2_000 },
        { weight: 50, bakeMs: 5 * MIN },
        { weight: 75.5, bakeMs: 60 * MIN },
      ],
      finalBakeMs: 30_000,
    });
    expect(describePlan(plan)).toBe("custom: 10% for 2s → 50% for 5m → 75.5% for 1h → 100% → bake 30s");
  });

  test("accept a list of steps", () => {
    expect(buildPlan({ steps: [{ weight: 25, bakeMs: 1_000 }] }).steps).toEqual([
      { weight: 25, bakeMs: 1_000 },
    ]);
  });
});

describe("weights with decimals are parsed from their text", () => {
  test.each([
    ["0.29%:1m", [0.29]],
    ["1.1%:1m,50%:1m", [1.1, 50]],
    ["0.01%:1m,33.33%:1m,99.99%:1m", [0.01, 33.33, 99.99]],
    ["0.57%:1m,1.13%:1m,4.35%:1m", [0.57, 1.13, 4.35]],
    ["12.50%:1m", [12.5]],
  ])("--steps %j", (steps, weights) => {
    expect(buildPlan({ steps }).steps.map((step) => step.weight)).toEqual(weights);
  });

  test("every weight with at most two decimals is accepted, as text and as a number", () => {
    for (let hundredths = 1; hundredths < 10_000; hundredths++) {
      const text = (hundredths / 100).toFixed(2);
      const fromText = buildPlan({ steps: `${text}%:1m` }).steps[0]?.weight;
      expect(fromText).toBe(Number(text));
      const fromNumber = buildPlan({ steps: [{ weight: Number(text), bakeMs: 60_000 }] }).steps[0]?.weight;
      expect(fromNumber).toBe(Number(text));
    }
  });

  test("a list of steps from the configuration, with decimals", () => {
    expect(
      buildPlan({
        steps: [
          { weight: 0.29, bakeMs: 1_000 },
          { weight: 1.1, bakeMs: 1_000 },
        ],
      }).steps,
    ).toEqual([
      { weight: 0.29, bakeMs: 1_000 },
      { weight: 1.1, bakeMs: 1_000 },
    ]);
  });
});

describe("invalid plans are rejected before anything is written", () => {
  const rejects = (input: Parameters<typeof buildPlan>[0], message: RegExp, hint?: RegExp) => {
    let caught: unknown;
    try {
      buildPlan(input);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(InputError);
    const error = caught as InputError;
    expect(error.exitCode).toBe(2);
    expect(error.message).toMatch(message);
    if (hint) expect(error.hint).toMatch(hint);
  };

  test.each([
    ["", /no steps given/],
    ["10", /Invalid step "10"/],
    ["10%", /Invalid step "10%"/],
    ["10:5m", /Invalid step "10:5m"/],
    ["ten%:5m", /Invalid step "ten%:5m"/],
    ["10%:5", /Invalid duration in step "10%:5"/],
    ["10%:5d", /Invalid duration in step "10%:5d"/],
    ["10%:0s", /must be greater than zero/],
    ["0%:1m", /greater than 0% and less than 100%/],
    ["100%:1m", /greater than 0% and less than 100%/],
    ["150%:1m", /greater than 0% and less than 100%/],
    ["50%:1m,10%:1m", /strictly increase \(previous step was 50%\)/],
    ["10%:1m,10%:1m", /strictly increase/],
    ["10.125%:1m", /at most two decimals/],
    ["0.001%:1m", /at most two decimals/],
    ["0.00%:1m", /greater than 0% and less than 100%/],
  ])("--steps %j", (steps, message) => rejects({ steps }, message));

  test("an unknown preset lists the valid ones", () => {
    rejects({ strategy: "Canary5" }, /Unknown strategy "Canary5"/, /AllAtOnce, Canary10Percent5Minutes/);
  });

  test("a preset in the wrong case suggests the right spelling", () => {
    rejects({ strategy: "allatonce" }, /Unknown strategy/, /Did you mean "AllAtOnce"/);
  });

  test("strategy and steps together are ambiguous", () => {
    rejects({ strategy: "AllAtOnce", steps: "10%:1m" }, /Both a strategy and custom steps/);
  });

  test("a bad final bake", () => {
    rejects({ finalBake: "soon" }, /Invalid --final-bake "soon"/, /"30s"/);
    rejects({ finalBake: "-5m" }, /Invalid --final-bake/);
  });
});

describe("durations", () => {
  test.each([
    ["250ms", 250],
    ["2s", 2_000],
    ["1.5s", 1_500],
    ["5m", 5 * MIN],
    ["2h", 120 * MIN],
    [" 10s ", 10_000],
  ])("%s", (text, ms) => expect(parseDuration(text)).toBe(ms));
});

describe("durations beyond what a timer can hold (2^31-1 ms, about 24.8 days) are rejected up front", () => {
  test("the longest accepted duration, and just beyond it", () => {
    expect(parseDuration("596h")).toBe(596 * 60 * MIN);
    expect(parseDuration("2147483647ms")).toBe(2_147_483_647);
    const error = errorOf(() => parseDuration("2147483648ms", "--interval"));
    expect(error.exitCode).toBe(2);
    expect(error.message).toMatch(/--interval "2147483648ms".*596h/);
    expect(error.hint).toMatch(/596h/);
  });

  test.each([
    ["600h", /596h/],
    ["36000m", /596h/],
    ["99999999h", /596h/],
  ])("%s", (text, message) => {
    expect(errorOf(() => parseDuration(text, "--hook-timeout")).message).toMatch(message);
  });

  test("in steps, the final bake, and plans given as numbers", () => {
    expect(errorOf(() => buildPlan({ steps: "10%:600h" })).message).toMatch(/step "10%:600h".*596h/);
    expect(errorOf(() => buildPlan({ finalBake: "700h" })).message).toMatch(/--final-bake.*596h/);
    expect(errorOf(() => buildPlan({ finalBake: 2 ** 31 })).message).toMatch(/final bake.*596h/);
    expect(errorOf(() => buildPlan({ steps: [{ weight: 10, bakeMs: 2 ** 31 }] })).message).toMatch(
      /step 1.*596h/,
    );
  });
});
