/**
 * Manual approval before 100%, on fake time: the wait, the approval through the alias description,
 * the timeout, gates and operators during the wait, and `approve` when nothing waits.
 */
import { describe, expect, test } from "vitest";
import { deployHarness } from "../../../test/support/deploy-harness.js";
import type { GateVerdict, HealthGate } from "../../health/gate.js";
import { buildPlan } from "../../plan/plan.js";
import { worstCaseOf } from "../deploy/deploy.js";
import type { StampedEvent } from "../events.js";
import { resolveSplit, status } from "../manage/manage.js";
import { approve } from "./approval.js";

const MINUTE = 60_000;
const TWO_STEPS = buildPlan({ steps: "10%:5m,50%:5m", finalBake: "2m" });

/** A gate that runs `act` at the n-th check while awaiting approval (1-based), and records phases. */
function duringWait(n: number, act: () => Promise<unknown> | unknown) {
  const phases: string[] = [];
  let waiting = 0;
  const gate: HealthGate = {
    name: "watch",
    async check(context): Promise<GateVerdict> {
      phases.push(context.phase);
      if (context.phase === "awaiting-approval" && ++waiting === n) await act();
      return { gate: "watch", status: "pass", detail: "ok" };
    },
  };
  return { gate, phases };
}

const awaiting = (events: StampedEvent[]) => events.find((e) => e.type === "awaiting_approval");

describe("a deploy with manual approval", () => {
  test("waits after the last step's bake, gates polling, until `approve`; then promotes as usual", async () => {
    const { lambda, clock, events, run } = deployHarness(TWO_STEPS);
    const start = clock.now();
    let described: string | undefined;
    const { gate, phases } = duringWait(3, async () => {
      described = lambda.alias.description;
      expect(await approve(lambda, "fn", "live", clock.now())).toMatchObject({
        outcome: "approved",
        exitCode: 0,
      });
    });
    const result = await run({ gates: [gate], manualApproval: { timeoutMs: 60 * MINUTE } });
    expect(result).toMatchObject({ outcome: "promoted", exitCode: 0, reason: null });
    expect(lambda.alias).toMatchObject({ version: "2", additional: undefined });
    expect(awaiting(events)).toMatchObject({
      type: "awaiting_approval",
      function: "fn",
      alias: "live",
      fromVersion: "1",
      toVersion: "2",
      weight: 50,
      timeoutMs: 60 * MINUTE,
      approveCommand: "lambda-rollout approve --function fn --alias live",
      rollbackCommand: "lambda-rollout rollback --function fn --alias live",
    });
    expect(described).toMatch(
      /^lambda-rollout: step 2\/3, 50% to v2 from v1 since \S+; awaiting approval until \S+$/,
    );
    // Approved at the third wait poll, seen at the fourth: 10 min of bakes, 4 of waiting, 2 of final bake.
    expect(clock.now() - start).toBe(16 * MINUTE);
    expect(events.some((e) => e.type === "approved")).toBe(true);
    const afterWait = phases.slice(phases.indexOf("awaiting-approval"));
    expect(afterWait.filter((p) => p === "awaiting-approval")).toHaveLength(3);
    expect(afterWait.at(3)).toBe("before-promote");
    // The routing never moved while waiting: the steps, the wait's note, the approval, then 100%.
    const half = { version: "1", additional: { version: "2", weight: 50 } };
    expect(lambda.writes()).toEqual([
      { version: "1", additional: { version: "2", weight: 10 } },
      half,
      half,
      half,
      { version: "2" },
    ]);
  });

  test("no approval within --approval-timeout: rolled back, exit 1, with the reason", async () => {
    const { lambda, clock, run } = deployHarness(TWO_STEPS);
    const start = clock.now();
    const result = await run({ manualApproval: { timeoutMs: 30 * MINUTE, region: "eu-west-1" } });
    expect(result).toMatchObject({ outcome: "rolled_back", exitCode: 1 });
    expect(result.reason).toBe("No approval within 30m (--approval-timeout) at 50% on v2: rolled back.");
    expect(result.hint).toContain("lambda-rollout approve --function fn --alias live --region eu-west-1");
    expect(lambda.alias).toMatchObject({ version: "1", additional: undefined });
    expect(clock.now() - start).toBe(40 * MINUTE);
  });

  test("a gate failing while waiting rolls back", async () => {
    const { lambda, run } = deployHarness(TWO_STEPS);
    let waits = 0;
    const gate: HealthGate = {
      name: "errors",
      async check(context): Promise<GateVerdict> {
        const bad = context.phase === "awaiting-approval" && ++waits === 5;
        return { gate: "errors", status: bad ? "fail" : "pass", detail: bad ? "error rate 9%" : "ok" };
      },
    };
    const result = await run({ gates: [gate], manualApproval: { timeoutMs: 60 * MINUTE } });
    expect(result).toMatchObject({ outcome: "rolled_back", exitCode: 1 });
    expect(result.reason).toContain('"errors" failed at 50% (awaiting-approval): error rate 9%');
    expect(lambda.alias).toMatchObject({ version: "1", additional: undefined });
  });

  test("`rollback` while waiting aborts it: rolled back by an operator, exit 1", async () => {
    const { lambda, run } = deployHarness(TWO_STEPS);
    const { gate } = duringWait(2, () => resolveSplit(lambda, "fn", "live", "rollback"));
    const result = await run({ gates: [gate], manualApproval: { timeoutMs: 60 * MINUTE } });
    expect(result).toMatchObject({ outcome: "rolled_back", exitCode: 1 });
    expect(result.reason).toContain("rolled back by an operator");
    expect(lambda.alias).toMatchObject({ version: "1", additional: undefined });
  });

  test("`promote` while waiting: promoted by an operator, exit 0", async () => {
    const { lambda, run } = deployHarness(TWO_STEPS);
    const { gate } = duringWait(1, () => resolveSplit(lambda, "fn", "live", "promote"));
    const result = await run({ gates: [gate], manualApproval: { timeoutMs: 60 * MINUTE } });
    expect(result).toMatchObject({ outcome: "promoted", exitCode: 0 });
    expect(result.reason).toContain("promoted by an operator");
  });

  test("SIGTERM while waiting rolls back, exit 1", async () => {
    const { lambda, controller, run } = deployHarness(TWO_STEPS);
    const { gate } = duringWait(2, () => controller.abort("SIGTERM"));
    const result = await run({ gates: [gate], manualApproval: { timeoutMs: 60 * MINUTE } });
    expect(result).toMatchObject({ outcome: "rolled_back", exitCode: 1 });
    expect(lambda.alias).toMatchObject({ version: "1", additional: undefined });
  });

  test("a plan with no step before 100% cannot wait for approval: exit 2, nothing written", async () => {
    const { lambda, run } = deployHarness(buildPlan({ strategy: "AllAtOnce" }));
    const result = await run({ manualApproval: {} });
    expect(result).toMatchObject({ outcome: "failed", exitCode: 2 });
    expect(result.reason).toContain("Manual approval needs at least one traffic step");
    expect(lambda.writes()).toEqual([]);
  });

  test("the credentials' worst case includes the approval timeout", () => {
    const request = { functionName: "fn", aliasName: "live", source: { version: "2" }, plan: TWO_STEPS };
    const without = worstCaseOf(request, TWO_STEPS);
    const withApproval = worstCaseOf({ ...request, manualApproval: {} }, TWO_STEPS);
    expect(withApproval.totalMs - without.totalMs).toBe(60 * MINUTE);
    expect(withApproval.parts).toContainEqual({ what: "approval wait", ms: 60 * MINUTE });
  });
});

describe("`approve` when nothing waits: exit 3, nothing changed", () => {
  test("no roll-out in progress", async () => {
    const { lambda } = deployHarness();
    const result = await approve(lambda, "fn", "live");
    expect(result).toMatchObject({ outcome: "failed", exitCode: 3 });
    expect(result.reason).toContain("Nothing to approve: fn:live is not awaiting approval");
    expect(result.hint).toContain("--manual-approval");
    expect(lambda.writes()).toEqual([]);
  });

  test("a roll-out still baking an earlier step", async () => {
    const { lambda, run } = deployHarness(TWO_STEPS);
    let answer: Awaited<ReturnType<typeof approve>> | undefined;
    const gate: HealthGate = {
      name: "try",
      async check(context): Promise<GateVerdict> {
        if (context.phase === "bake" && context.weight === 10 && !answer)
          answer = await approve(lambda, "fn", "live");
        return { gate: "try", status: "pass", detail: "ok" };
      },
    };
    await run({ gates: [gate], manualApproval: { timeoutMs: MINUTE } });
    expect(answer).toMatchObject({ outcome: "failed", exitCode: 3 });
    expect(answer?.reason).toContain("step 1 of 3 (10%), still baking");
  });

  test("approved twice: the second is a noop; a wait that ended: exit 3", async () => {
    const { lambda, clock } = deployHarness();
    lambda.setRouting({ version: "1", additional: { version: "2", weight: 50 } });
    lambda.alias.description =
      "lambda-rollout: step 1/2, 50% to v2 from v1 since 2023-11-14T22:00:00Z; awaiting approval until 2023-11-14T23:13:20Z";
    const first = await approve(lambda, "fn", "live", clock.now());
    expect(first).toMatchObject({ outcome: "approved", exitCode: 0, fromVersion: "1", toVersion: "2" });
    expect(lambda.alias.description).toBe(
      "lambda-rollout: step 1/2, 50% to v2 from v1 since 2023-11-14T22:00:00Z; approved at 2023-11-14T22:13:20Z",
    );
    expect(lambda.alias.additional).toEqual({ version: "2", weight: 50 });
    expect(await approve(lambda, "fn", "live", clock.now())).toMatchObject({ outcome: "noop", exitCode: 0 });
    lambda.alias.description =
      "lambda-rollout: step 1/2, 50% to v2 from v1 since 2023-11-14T22:00:00Z; awaiting approval until 2023-11-14T22:10:00Z";
    const late = await approve(lambda, "fn", "live", clock.now());
    expect(late).toMatchObject({ outcome: "failed", exitCode: 3 });
    expect(late.hint).toContain("lambda-rollout promote --function fn --alias live");
  });
});

describe("`status` shows a deploy awaiting approval, from the alias alone", () => {
  test("awaiting: the exact approve and rollback commands; approved: about to promote", async () => {
    const { lambda } = deployHarness();
    lambda.setRouting({ version: "1", additional: { version: "2", weight: 50 } });
    lambda.alias.description =
      "lambda-rollout: step 1/2, 50% to v2 from v1 since 2023-11-14T22:00:00Z; awaiting approval until 2023-11-14T23:13:20Z";
    const report = await status(lambda, "fn", "live", "eu-west-1");
    expect(report.approval).toEqual({
      state: "awaiting",
      until: "2023-11-14T23:13:20Z",
      approveCommand: "lambda-rollout approve --function fn --alias live --region eu-west-1",
      rollbackCommand: "lambda-rollout rollback --function fn --alias live --region eu-west-1",
    });
    expect(report.progress).toMatchObject({ step: 1, steps: 2, weight: 50 });
    expect(report.summary).toContain(
      "awaiting manual approval until 2023-11-14T23:13:20Z. Approve it with `lambda-rollout approve --function fn --alias live --region eu-west-1`",
    );
    await approve(lambda, "fn", "live", Date.parse("2023-11-14T22:30:00Z"));
    const approved = await status(lambda, "fn", "live");
    expect(approved.approval).toEqual({ state: "approved", at: "2023-11-14T22:30:00Z" });
    expect(approved.summary).toContain(
      "approved at 2023-11-14T22:30:00Z; the deploy promotes it at its next poll",
    );
  });

  test("a description that no longer matches the routing is not believed", async () => {
    const { lambda } = deployHarness();
    lambda.alias.description =
      "lambda-rollout: step 1/2, 50% to v2 from v1 since 2023-11-14T22:00:00Z; awaiting approval until 2023-11-14T23:13:20Z";
    expect((await status(lambda, "fn", "live")).approval).toBeNull();
  });
});
