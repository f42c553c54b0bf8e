import { describe, expect, test } from "vitest";
import { deployHarness } from "../../../test/support/deploy-harness.js";
import type { FakeClock, FakeLambda } from "../../../test/support/fakes.js";
import { AwsError } from "../../errors.js";
import type { GateVerdict, HealthGate } from "../../health/gate.js";
import { buildPlan } from "../../plan/plan.js";
import type { StampedEvent } from "../events.js";
import { afterDecision } from "./decision.js";

const setup = deployHarness;

function expectServing(lambda: FakeLambda, version: string) {
  expect(lambda.alias.version).toBe(version);
  expect(lambda.alias.additional).toBeUndefined();
}

/** The phases a plan of two steps and a final bake goes through, with the weight each sees. */
const CHECKPOINTS = [
  { phase: "pre-traffic", weight: 0 },
  { phase: "bake", weight: 10 },
  { phase: "before-shift", weight: 10 },
  { phase: "bake", weight: 50 },
  { phase: "before-promote", weight: 50 },
  { phase: "final-bake", weight: 100 },
  { phase: "final-check", weight: 100 },
] as const;
const WITH_TRAFFIC = CHECKPOINTS.filter((c) => c.weight > 0);
/** Checkpoints followed by another check, where an alarm flipped by a probe is still seen. */
const FOLLOWED = WITH_TRAFFIC.filter((c) => c.phase !== "final-check");

describe("a healthy roll-out", () => {
  test("shifts 10%, 50%, then 100% with no routing left and bakes by the fake clock", async () => {
    const { lambda, clock, events, run } = setup();
    const start = clock.now();
    const result = await run();
    expect(result).toMatchObject({ outcome: "promoted", exitCode: 0, fromVersion: "1", toVersion: "2" });
    expect(lambda.writes()).toEqual([
      { version: "1", additional: { version: "2", weight: 10 } },
      { version: "1", additional: { version: "2", weight: 50 } },
      { version: "2" },
    ]);
    expect(lambda.alias.additional).toBeUndefined();
    expect(lambda.alias.version).toBe("2");
    expect(clock.now() - start).toBe(12 * 60_000);
    const phases = events.filter((e) => e.type === "gate").map((e) => (e.type === "gate" ? e.phase : ""));
    expect(new Set(phases)).toEqual(new Set(CHECKPOINTS.map((c) => c.phase)));
    expect(events.at(-1)).toMatchObject({ type: "result", outcome: "promoted" });
  });

  test("every UpdateAlias carries the RevisionId last seen, and no write is preceded by a read", async () => {
    const { lambda, run } = setup(buildPlan({ steps: "10%:1m" }));
    await run();
    const revisions = lambda.calls.filter((c) => c.op === "updateAlias").map((c) => c.args[1]);
    expect(revisions).toEqual(["rev-1", "rev-2"]);
    // Validation's read, then a one-minute bake polled once a minute: one read, none before a write.
    expect(lambda.calls.map((c) => c.op).filter((op) => op === "getAlias" || op === "updateAlias")).toEqual([
      "getAlias",
      "updateAlias",
      "getAlias",
      "updateAlias",
    ]);
  });
});

describe("a gate failing rolls back to 100% of the stable version", () => {
  test("an alarm already in ALARM before any traffic moves: nothing written", async () => {
    const { lambda, alarms, run } = setup();
    alarms.states.set("errors", "ALARM");
    const result = await run();
    expect(result).toMatchObject({ outcome: "rolled_back", exitCode: 1 });
    expect(result.reason).toContain("pre-traffic");
    expect(lambda.writes()).toEqual([]);
  });

  test.each(FOLLOWED)("alarm in ALARM at $phase ($weight%)", async ({ phase, weight }) => {
    const { lambda, alarms, events, run } = setup();
    const gate: HealthGate = {
      name: "probe",
      async check(context) {
        if (context.phase === phase && context.weight === weight) alarms.states.set("errors", "ALARM");
        return { gate: "probe", status: "pass", detail: "" };
      },
    };
    // The probe flips the alarm; the next alarm check (same checkpoint or the next poll) must see it.
    const result = await run({ gates: [gate] });
    expect(result).toMatchObject({ outcome: "rolled_back", exitCode: 1 });
    expect(result.reason).toContain("errors");
    expectServing(lambda, "1");
    expect(events.some((e) => e.type === "rollback")).toBe(true);
  });

  test.each(WITH_TRAFFIC)("a failing gate verdict at $phase ($weight%)", async ({ phase, weight }) => {
    const { lambda, run } = setup();
    const gate: HealthGate = {
      name: "metrics",
      async check(context): Promise<GateVerdict> {
        const failing = context.phase === phase && context.weight === weight;
        return {
          gate: "metrics",
          status: failing ? "fail" : "pass",
          detail: failing ? "error rate 30%" : "ok",
        };
      },
    };
    const result = await run(
      phase === "pre-traffic" ? { smoke: [{ payload: "{}" }], gates: [] } : { gates: [gate] },
    );
    if (phase === "pre-traffic") {
      // pre-traffic is exercised through the smoke gate below
      expect(result.outcome).toBe("promoted");
      return;
    }
    expect(result).toMatchObject({ outcome: "rolled_back", exitCode: 1 });
    expect(result.reason).toContain("error rate 30%");
    expectServing(lambda, "1");
    expect(lambda.writes().at(-1)).toEqual({ version: "1" });
  });

  test("a smoke invocation with a function error stops before any traffic moves", async () => {
    const { lambda, run } = setup();
    lambda.invokeResult = () => ({
      statusCode: 200,
      functionError: "Unhandled",
      payload: '{"errorMessage":"boom"}',
    });
    const result = await run({ smoke: [{ payload: '{"httpMethod":"GET"}' }] });
    expect(result).toMatchObject({ outcome: "rolled_back", exitCode: 1 });
    expect(result.reason).toContain("boom");
    expect(lambda.writes()).toEqual([]);
    expect(lambda.calls.find((c) => c.op === "invoke")?.args[0]).toBe("2");
  });

  test("a smoke response with the wrong status code fails", async () => {
    const { lambda, run } = setup();
    lambda.invokeResult = () => ({
      statusCode: 200,
      payload: JSON.stringify({ statusCode: 500, body: "{}" }),
    });
    const result = await run({ smoke: [{ payload: "{}", expect: { statusCode: 200 } }] });
    expect(result.reason).toContain("statusCode 500, expected 200");
    expect(lambda.writes()).toEqual([]);
  });

  test("an unreadable alarm fails the gate unless configured to be ignored", async () => {
    const failing = setup();
    failing.alarms.failReads = false;
    const gate: HealthGate = {
      name: "breaker",
      async check(context) {
        if (context.weight === 10) failing.alarms.failReads = true;
        return { gate: "breaker", status: "pass", detail: "" };
      },
    };
    const result = await failing.run({ gates: [gate] });
    expect(result).toMatchObject({ outcome: "rolled_back", exitCode: 1 });
    expect(result.reason).toContain("could not be read");

    const tolerant = setup();
    const gate2: HealthGate = {
      ...gate,
      check: async (c) => {
        if (c.weight === 10) tolerant.alarms.failReads = true;
        return { gate: "breaker", status: "pass", detail: "" };
      },
    };
    const ok = await tolerant.run({ gates: [gate2], alarmReadFailure: "ignore" });
    expect(ok.outcome).toBe("promoted");
  });
});

describe("post-traffic hooks", () => {
  test("run once right after 100%, before the final bake; a failure rolls back", async () => {
    const { lambda, events, run } = setup();
    const result = await run({ hooks: { postTraffic: ['test "$LAMBDA_ROLLOUT_WEIGHT" = 50'] } });
    expect(result).toMatchObject({ outcome: "rolled_back", exitCode: 1 });
    expect(result.reason).toContain("failed at 100% (post-traffic): exit 1");
    expectServing(lambda, "1");
    expect(events.filter((e) => e.type === "gate" && e.phase === "post-traffic")).toHaveLength(1);
    expect(events.some((e) => e.type === "gate" && e.phase === "final-bake")).toBe(false);
  });

  test("pass: the final bake follows", async () => {
    const { lambda, events, run } = setup();
    const result = await run({
      hooks: { preTraffic: ['test "$LAMBDA_ROLLOUT_NEW_VERSION" = 2'], postTraffic: ["exit 0"] },
    });
    expect(result.outcome).toBe("promoted");
    expectServing(lambda, "2");
    const phases = events.flatMap((e) =>
      e.type === "gate" && e.verdict.gate.startsWith("hook") ? [e.phase] : [],
    );
    expect(phases).toEqual(["pre-traffic", "post-traffic"]);
  });

  test("a failing pre-traffic hook stops before any traffic moves", async () => {
    const { lambda, run } = setup();
    const result = await run({ hooks: { preTraffic: ["echo integration tests failed; exit 2"] } });
    expect(result).toMatchObject({ outcome: "rolled_back", exitCode: 1 });
    expect(result.reason).toContain("exit 2: integration tests failed");
    expect(lambda.writes()).toEqual([]);
  });
});

describe("signals", () => {
  test.each([1, 2, 3])("SIGTERM after shift %i rolls back and exits 1", async (step) => {
    const { lambda, events, controller, run } = setup();
    const original = events.push.bind(events);
    events.push = (...items: StampedEvent[]) => {
      for (const item of items) if (item.type === "shift" && item.step === step) controller.abort("SIGTERM");
      return original(...items);
    };
    const result = await run();
    expect(result).toMatchObject({ outcome: "rolled_back", exitCode: 1 });
    expect(result.reason).toContain("SIGTERM");
    expectServing(lambda, "1");
  });

  test("a signal before the first shift changes nothing", async () => {
    const { lambda, controller, run } = setup();
    controller.abort("SIGINT");
    const result = await run();
    expect(result).toMatchObject({ outcome: "rolled_back", exitCode: 1 });
    expect(lambda.writes()).toEqual([]);
  });
});

describe("AWS errors during the roll-out", () => {
  test.each([1, 2, 3])("UpdateAlias call %i fails: previous state restored, exit 4", async (failing) => {
    const { lambda, run } = setup();
    lambda.failWhen = (op, n) =>
      op === "updateAlias" && n === failing ? new AwsError("ServiceException") : undefined;
    const result = await run();
    expect(result).toMatchObject({ outcome: "failed", exitCode: 4 });
    expect(result.reason).toContain("ServiceException");
    expectServing(lambda, "1");
  });

  test("a health read failing after its retries restores and exits 4", async () => {
    const { lambda, run } = setup();
    const gate: HealthGate = {
      name: "metrics",
      async check(context) {
        if (context.weight === 50) throw new AwsError("GetMetricData failed after 5 attempts");
        return { gate: "metrics", status: "pass", detail: "" };
      },
    };
    const result = await run({ gates: [gate] });
    expect(result).toMatchObject({ outcome: "failed", exitCode: 4 });
    expect(result.reason).toContain("GetMetricData");
    expectServing(lambda, "1");
  });

  test("a rollback that fails exits 5 with the exact command to run", async () => {
    const { lambda, alarms, run } = setup();
    lambda.failWhen = (op, n, args) => {
      const routing = args[0] as { additional?: unknown };
      if (op === "updateAlias" && n > 1 && routing.additional === undefined)
        return new AwsError("Rate exceeded");
      if (op === "updateAlias" && n === 1) alarms.states.set("errors", "ALARM");
      return undefined;
    };
    const result = await run();
    expect(result).toMatchObject({ outcome: "failed", exitCode: 5 });
    expect(result.reason).toContain("Rate exceeded");
    expect(result.hint).toContain("lambda-rollout rollback --function fn --alias live");
    expect(result.hint).toContain(
      "aws lambda update-alias --function-name fn --name live --function-version 1",
    );
    expect(lambda.alias.additional).toEqual({ version: "2", weight: 10 });
  });
});

describe("conflicts", () => {
  test("an alias found mid-roll-out: exit 3 and nothing written", async () => {
    const { lambda, run } = setup();
    lambda.setRouting({ version: "1", additional: { version: "2", weight: 10 } });
    const result = await run();
    expect(result).toMatchObject({ outcome: "failed", exitCode: 3 });
    expect(result.hint).toContain("lambda-rollout status");
    expect(lambda.writes()).toEqual([]);
  });

  test("someone else changing the alias after the last poll: the next write is refused by its RevisionId, exit 3, theirs untouched", async () => {
    const { lambda, run } = setup();
    const theirs = { version: "1", additional: { version: "2", weight: 33 } };
    const gate: HealthGate = {
      name: "intruder",
      async check(context) {
        if (context.weight === 10 && context.phase === "before-shift") lambda.setRouting(theirs);
        return { gate: "intruder", status: "pass", detail: "" };
      },
    };
    const result = await run({ gates: [gate] });
    expect(result).toMatchObject({ outcome: "failed", exitCode: 3 });
    expect(result.reason).toContain("changed by someone else");
    // The second write carried the first write's revision: refused, and only then was the alias read.
    const ops = lambda.calls.map((c) => c.op).filter((op) => op === "getAlias" || op === "updateAlias");
    expect(ops.slice(-3)).toEqual(["getAlias", "updateAlias", "getAlias"]);
    expect(lambda.calls.filter((c) => c.op === "updateAlias").map((c) => c.args[1])).toEqual([
      "rev-1",
      "rev-2",
    ]);
    expect(lambda.alias).toMatchObject({ ...theirs, revisionId: "rev-3" });
  });

  test("a change landing inside the write's own request is refused by the RevisionId, exit 3", async () => {
    const { lambda, run } = setup();
    const theirs = { version: "1", additional: { version: "2", weight: 33 } };
    lambda.failWhen = (op, n) => {
      if (op === "updateAlias" && n === 2) lambda.setRouting(theirs);
      return undefined;
    };
    const result = await run();
    expect(result).toMatchObject({ outcome: "failed", exitCode: 3 });
    // The second write was refused by its RevisionId precondition; nothing was written after it.
    expect(lambda.writes()).toHaveLength(2);
    expect(lambda.alias).toMatchObject(theirs);
  });
});

describe("inconclusive evidence", () => {
  const gateThat = (conclusiveAfterMs: number, clock: FakeClock): HealthGate => {
    const start = clock.now();
    return {
      name: "metrics",
      async check(): Promise<GateVerdict> {
        return clock.now() - start >= conclusiveAfterMs
          ? { gate: "metrics", status: "pass", detail: "enough invocations" }
          : { gate: "metrics", status: "inconclusive", detail: "3 of 100 invocations" };
      },
    };
  };

  test("extends the bake until evidence arrives, within the limit", async () => {
    const { clock, run } = setup(buildPlan({ steps: "10%:1m" }));
    const start = clock.now();
    const result = await run({
      gates: [gateThat(3 * 60_000, clock)],
      inconclusive: { outcome: "fail", maxExtensionMs: 5 * 60_000 },
    });
    expect(result.outcome).toBe("promoted");
    expect(clock.now() - start).toBe(3 * 60_000);
  });

  test("fails when the extension runs out, or passes when configured to", async () => {
    const failing = setup(buildPlan({ steps: "10%:1m" }));
    const failed = await failing.run({
      gates: [gateThat(60 * 60_000, failing.clock)],
      inconclusive: { outcome: "fail", maxExtensionMs: 2 * 60_000 },
    });
    expect(failed).toMatchObject({ outcome: "rolled_back", exitCode: 1 });
    expect(failed.reason).toContain("inconclusive");
    const passing = setup(buildPlan({ steps: "10%:1m" }));
    const passed = await passing.run({
      gates: [gateThat(60 * 60_000, passing.clock)],
      inconclusive: { outcome: "pass", maxExtensionMs: 2 * 60_000 },
    });
    expect(passed.outcome).toBe("promoted");
  });
});

describe("the decision after a bake is a pure function", () => {
  const verdict = (status: "pass" | "fail" | "inconclusive"): GateVerdict => ({
    gate: "g",
    status,
    detail: status,
  });
  const policy = (outcome: "pass" | "fail", maxExtensionMs: number) => ({
    inconclusive: { outcome, maxExtensionMs },
    intervalMs: 60_000,
  });

  test("all conclusive: advance", () => {
    expect(afterDecision([verdict("pass"), verdict("pass")], 1_000, 1_000, policy("fail", 0))).toEqual({
      kind: "advance",
    });
  });

  test("inconclusive within the extension: extend by one interval, never past the limit", () => {
    expect(afterDecision([verdict("inconclusive")], 1_000, 1_000, policy("fail", 300_000))).toMatchObject({
      kind: "extend",
      until: 61_000,
    });
    expect(afterDecision([verdict("inconclusive")], 280_000, 1_000, policy("fail", 300_000))).toMatchObject({
      kind: "extend",
      until: 301_000,
    });
  });

  test("inconclusive once the extension is used up: the policy decides", () => {
    expect(afterDecision([verdict("inconclusive")], 301_000, 1_000, policy("fail", 300_000))).toMatchObject({
      kind: "fail",
      verdict: { status: "inconclusive" },
    });
    expect(afterDecision([verdict("inconclusive")], 301_000, 1_000, policy("pass", 300_000))).toEqual({
      kind: "pass-inconclusive",
    });
  });
});
