import { describe, expect, it } from "vitest";
import { ExitCode, InputError } from "../errors.js";
import { buildPlan } from "../plan/plan.js";
import {
  assertFiringAlarmsServerSide,
  assertRunsServerSide,
  engineOf,
  executionArnOf,
  executionInput,
  executionName,
} from "./input.js";

const ARN = "arn:aws:states:us-east-1:123456789012:stateMachine:orders-rollout";
const engine = { kind: "stepfunctions" as const, stateMachineArn: ARN, detach: false };
const plan = buildPlan({ steps: "10%:5m,50%:5m", finalBake: "2m" });
const refusal = (run: () => void) => {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(InputError);
    expect((error as InputError).exitCode).toBe(ExitCode.invalidInput);
    return error as InputError;
  }
  throw new Error("not refused");
};

describe("what cannot run inside Step Functions is refused up front (exit 2)", () => {
  it("metric analysis runs as an alarm; what an alarm cannot express is refused, saying how to fix it", () => {
    const facts = { plan, intervalMs: 10_000, customGates: 0 };
    expect(() =>
      assertRunsServerSide(engine, { metrics: { errorRate: { max: 0.01 } } }, facts),
    ).not.toThrow();
    const reportOnly = refusal(() =>
      assertRunsServerSide(engine, { metrics: { errorRate: { max: 0.01 }, reportOnly: true } }, facts),
    );
    expect(reportOnly.hint).toContain("Drop reportOnly");
    // The metric gate's alarm is read at every check: it counts toward the history bound like a named one.
    const long = { ...facts, plan: buildPlan({ steps: "10%:2h,50%:1h", finalBake: "30m" }) };
    expect(() => assertRunsServerSide(engine, {}, long)).not.toThrow();
    expect(
      refusal(() => assertRunsServerSide(engine, { metrics: { errorRate: { max: 0.01 } } }, long)).message,
    ).toContain("history events");
  });

  it("the execution input watches the roll-out's own alarms with the named ones, each once", () => {
    const input = executionInput({
      functionName: "orders",
      aliasName: "live",
      stableVersion: "7",
      newVersion: "8",
      plan,
      intervalMs: 10_000,
      specs: { alarms: ["errors", "errors"] },
      records: {},
      executionArn: `${ARN.replace(":stateMachine:", ":execution:")}:x`,
      ownedAlarms: ["lambda-rollout/orders/live/v8/metrics"],
    });
    expect(input.alarms).toEqual(["errors", "lambda-rollout/orders/live/v8/metrics"]);
  });

  it("a plan whose execution could reach the history cap, at its interval and with its alarms", () => {
    const long = buildPlan({ steps: "10%:2h,50%:1h", finalBake: "1h" });
    const facts = { plan: long, intervalMs: 10_000, customGates: 0 };
    expect(refusal(() => assertRunsServerSide(engine, { alarms: ["a"] }, facts)).message).toContain(
      "history events",
    );
    expect(() =>
      assertRunsServerSide(engine, { alarms: ["a"] }, { ...facts, intervalMs: 15_000 }),
    ).not.toThrow();
  });

  it("hook commands when detached, but not when followed", () => {
    const hooks = { preTraffic: ["./check.sh"] };
    expect(
      refusal(() =>
        assertRunsServerSide(
          { ...engine, detach: true },
          { hooks },
          { plan, intervalMs: 10_000, customGates: 0 },
        ),
      ).hint,
    ).toContain("Drop --detach");
    expect(() =>
      assertRunsServerSide(engine, { hooks }, { plan, intervalMs: 10_000, customGates: 0 }),
    ).not.toThrow();
  });

  it("smoke body expectations, custom gates, a bad ARN, a state machine name too long for the description", () => {
    const body = refusal(() =>
      assertRunsServerSide(
        engine,
        { smoke: [{ payload: "{}", expect: { body: { ok: true } } }] },
        { plan, intervalMs: 10_000, customGates: 0 },
      ),
    );
    // The ways to express it: statusCode server-side, or a hook given the version to invoke.
    expect(body.hint).toContain("Keep expect.statusCode, which runs server-side");
    expect(body.hint).toContain('--qualifier "$LAMBDA_ROLLOUT_NEW_VERSION"');
    refusal(() => assertRunsServerSide(engine, {}, { plan, intervalMs: 10_000, customGates: 1 }));
    refusal(() =>
      assertRunsServerSide(
        { ...engine, stateMachineArn: "orders-rollout" },
        {},
        { plan, intervalMs: 10_000, customGates: 0 },
      ),
    );
    const long = `${ARN.replace("orders-rollout", "x".repeat(80))}`;
    refusal(() =>
      assertRunsServerSide(
        { ...engine, stateMachineArn: long },
        {},
        { plan, intervalMs: 10_000, customGates: 0 },
      ),
    );
    expect(() =>
      assertRunsServerSide(
        engine,
        { alarms: ["a"], smoke: [{ payload: "{}" }] },
        { plan, intervalMs: 10_000, customGates: 0 },
      ),
    ).not.toThrow();
  });

  it("manual approval and already-firing alarms, which the state machine cannot honour", () => {
    const approval = refusal(() =>
      assertRunsServerSide(engine, {}, { plan, intervalMs: 10_000, customGates: 0, manualApproval: true }),
    );
    expect(approval.message).toBe("Manual approval is not available with --engine stepfunctions.");
  });

  it("--allow-firing-alarms: runs when no alarm fires at the start; refused naming the firing ones and the way around", () => {
    expect(() => assertFiringAlarmsServerSide([], ["a", "b"])).not.toThrow();
    const firing = refusal(() => assertFiringAlarmsServerSide(["a"], ["a", "b", "c"]));
    expect(firing.message).toContain("while an alarm is in ALARM (now: a)");
    expect(firing.hint).toContain("pass only the alarms that are not in ALARM (--alarm b --alarm c)");
    expect(firing.hint).toContain("--smoke-payload");
    expect(firing.hint).toContain("--engine local, which ignores a until it leaves ALARM");
    expect(refusal(() => assertFiringAlarmsServerSide(["a"], ["a"])).hint).toContain("pass no --alarm");
  });

  it("more than 100 distinct alarms (one DescribeAlarms page), and alarmReadFailure: ignore", () => {
    const many = Array.from({ length: 101 }, (_, i) => `alarm-${i}`);
    expect(
      refusal(() =>
        assertRunsServerSide(engine, { alarms: many }, { plan, intervalMs: 10_000, customGates: 0 }),
      ).hint,
    ).toContain("composite");
    const hundred = [...many.slice(0, 100), "alarm-0"];
    expect(() =>
      assertRunsServerSide(engine, { alarms: hundred }, { plan, intervalMs: 10_000, customGates: 0 }),
    ).not.toThrow();
    const ignore = refusal(() =>
      assertRunsServerSide(
        engine,
        { alarms: ["a"], alarmReadFailure: "ignore" },
        { plan, intervalMs: 10_000, customGates: 0 },
      ),
    );
    expect(ignore.message).toBe("alarmReadFailure: ignore is not available with --engine stepfunctions.");
    expect(() =>
      assertRunsServerSide(
        engine,
        { alarms: ["a"], alarmReadFailure: "fail" },
        { plan, intervalMs: 10_000, customGates: 0 },
      ),
    ).not.toThrow();
  });

  it("--detach without Step Functions, and Step Functions without a state machine", () => {
    refusal(() => engineOf({ detach: true }, undefined));
    refusal(() => engineOf({ engine: "stepfunctions" }, undefined));
    refusal(() => engineOf({ engine: "lambda" }, undefined));
    expect(engineOf({}, undefined)).toBeUndefined();
    expect(engineOf({ detach: true }, { engine: "stepfunctions", stateMachine: ARN })).toEqual({
      ...engine,
      detach: true,
    });
  });
});

describe("the execution input", () => {
  it("carries the plan: weights as UpdateAlias fractions keyed by the new version, whole seconds", () => {
    const name = executionName(Date.UTC(2026, 10, 27), () => 0.5);
    expect(name).toMatch(/^lambda-rollout-[0-9a-z]+-[0-9a-z]{4}$/);
    const input = executionInput({
      functionName: "orders",
      aliasName: "live",
      stableVersion: "7",
      newVersion: "8",
      plan: buildPlan({ steps: "2.5%:90s,50%:5m", finalBake: "1500ms" }),
      intervalMs: 500,
      specs: {
        // Named twice: the state machine counts what DescribeAlarms returns against this list.
        alarms: ["orders-errors", "orders-errors"],
        smoke: [{ payload: '{"a":1}', expect: { statusCode: 200 } }, { payload: "{}" }],
      },
      records: { next: { version: "8", codeSha256: "A".repeat(43).concat("="), config: "0123456789abcdef" } },
      executionArn: executionArnOf(ARN, name),
    });
    expect(input.steps).toEqual([
      { weight: 2.5, bakeSeconds: 90, routing: { AdditionalVersionWeights: { "8": 0.025 } } },
      { weight: 50, bakeSeconds: 300, routing: { AdditionalVersionWeights: { "8": 0.5 } } },
    ]);
    expect(input).toMatchObject({
      finalBakeSeconds: 2,
      pollSeconds: 1,
      alarms: ["orders-errors"],
      stableFacts: "",
    });
    expect(input.smoke).toEqual([{ payload: '{"a":1}', statusCode: 200 }, { payload: "{}" }]);
    // The version it replaced, as the local engine writes it, so `prune` keeps the rollback target.
    expect(input.newFacts).toBe(` (replaced v7) [code=${"A".repeat(43)}= config=0123456789abcdef]`);
    expect(executionArnOf(ARN, name)).toBe(
      `arn:aws:states:us-east-1:123456789012:execution:orders-rollout:${name}`,
    );
  });
});
