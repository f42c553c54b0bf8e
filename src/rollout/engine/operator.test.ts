/**
 * A running roll-out obeys `promote` and `rollback` from anywhere: the operator here is the library's
 * own resolveSplit (what the `promote` and `rollback` commands run), acting during a gate check.
 */
import { describe, expect, test } from "vitest";
import { deployHarness } from "../../../test/support/deploy-harness.js";
import type { GateVerdict, HealthGate } from "../../health/gate.js";
import { buildPlan } from "../../plan/plan.js";
import { resolveSplit } from "../manage/manage.js";
import { operatorResolution } from "./operator.js";

const MINUTE = 60_000;

/** A gate that runs `act` once, at the first check of `phase` with `weight`, and records when. */
function operatorAt(phase: string, weight: number, act: () => Promise<unknown>) {
  const seen: { at?: number } = {};
  const gate: HealthGate = {
    name: "watch",
    async check(context): Promise<GateVerdict> {
      if (seen.at === undefined && context.phase === phase && context.weight === weight) {
        seen.at = context.now;
        await act();
      }
      return { gate: "watch", status: "pass", detail: "ok" };
    },
  };
  return { gate, seen };
}

describe("an operator's promote during a bake", () => {
  test("ends the run promoted, exit 0, within one poll, with no further writes, hooks or final bake", async () => {
    const { lambda, clock, events, run } = deployHarness();
    const { gate, seen } = operatorAt("bake", 10, () => resolveSplit(lambda, "fn", "live", "promote"));
    const result = await run({ gates: [gate], hooks: { postTraffic: ["exit 1"] } });
    expect(result).toMatchObject({ outcome: "promoted", exitCode: 0, fromVersion: "1", toVersion: "2" });
    expect(result.reason).toMatch(/^promoted by an operator: fn:live was set to 100% v2 while this run/);
    expect(result.reason).toContain("90% v1 / 10% v2");
    expect(result.reason).toContain("its post-traffic hooks and final bake did not run");
    expect(lambda.alias).toMatchObject({ version: "2", additional: undefined });
    // The run's one write (10%) and the operator's: nothing after.
    expect(lambda.writes()).toEqual([
      { version: "1", additional: { version: "2", weight: 10 } },
      { version: "2" },
    ]);
    expect(clock.now() - (seen.at ?? 0)).toBeLessThanOrEqual(MINUTE);
    expect(events.some((e) => e.type === "gate" && e.phase === "post-traffic")).toBe(false);
    expect(events.some((e) => e.type === "gate" && e.phase === "final-bake")).toBe(false);
    expect(events.at(-1)).toMatchObject({ type: "result", outcome: "promoted" });
  });

  test("without hooks or final bake, the reason says nothing was skipped", async () => {
    const { lambda, run } = deployHarness(buildPlan({ steps: "10%:5m" }));
    const { gate } = operatorAt("bake", 10, () => resolveSplit(lambda, "fn", "live", "promote"));
    const result = await run({ gates: [gate] });
    expect(result.reason).toMatch(/this run wrote nothing more\.$/);
  });

  test("landing between the last poll and a write: the RevisionId refuses the write, the read says promoted", async () => {
    const { lambda, run } = deployHarness();
    lambda.failWhen = (op, n) => {
      if (op === "updateAlias" && n === 2) lambda.setRouting({ version: "2" });
      return undefined;
    };
    const result = await run();
    expect(result).toMatchObject({ outcome: "promoted", exitCode: 0 });
    expect(result.reason).toContain("promoted by an operator");
    expect(lambda.alias).toMatchObject({ version: "2", additional: undefined });
  });
});

describe("an operator's rollback during a bake", () => {
  test("ends the run rolled back, exit 1, within one poll, with no further writes", async () => {
    const { lambda, clock, run } = deployHarness();
    const { gate, seen } = operatorAt("bake", 50, () => resolveSplit(lambda, "fn", "live", "rollback"));
    const result = await run({ gates: [gate] });
    expect(result).toMatchObject({ outcome: "rolled_back", exitCode: 1, fromVersion: "1", toVersion: "2" });
    expect(result.reason).toMatch(/^rolled back by an operator: fn:live was set to 100% v1 while this run/);
    expect(lambda.alias).toMatchObject({ version: "1", additional: undefined });
    expect(lambda.writes().at(-1)).toEqual({ version: "1" });
    expect(lambda.writes()).toHaveLength(3);
    expect(clock.now() - (seen.at ?? 0)).toBeLessThanOrEqual(MINUTE);
  });

  test("during the final bake, 100% back on the stable version is the operator's rollback too", async () => {
    const { lambda, run } = deployHarness();
    const { gate } = operatorAt("final-bake", 100, async () => lambda.setRouting({ version: "1" }));
    const result = await run({ gates: [gate] });
    expect(result).toMatchObject({ outcome: "rolled_back", exitCode: 1 });
    expect(result.reason).toContain("rolled back by an operator");
    expect(lambda.alias).toMatchObject({ version: "1", additional: undefined });
  });
});

describe("what is not an operator's decision", () => {
  test("another version entirely: a conflict (exit 3), left as they set it", async () => {
    const { lambda, run } = deployHarness(buildPlan({ steps: "10%:5m" }));
    lambda.versions.push({ ...lambda.latest, version: "3" });
    const { gate } = operatorAt("bake", 10, async () => lambda.setRouting({ version: "3" }));
    const result = await run({ gates: [gate] });
    expect(result).toMatchObject({ outcome: "failed", exitCode: 3 });
    expect(lambda.alias).toMatchObject({ version: "3", additional: undefined });
  });

  test("a RevisionId-only change (a description edited) during a bake: the run carries on", async () => {
    const { lambda, run } = deployHarness();
    const { gate } = operatorAt("bake", 10, async () => lambda.touchRevision());
    const result = await run({ gates: [gate] });
    expect(result).toMatchObject({ outcome: "promoted", exitCode: 0, reason: null });
    // Adopted at the poll: every write carried the current RevisionId, none was refused.
    expect(lambda.writes()).toHaveLength(3);
  });

  test("the classification itself", () => {
    expect(operatorResolution({ version: "2" }, "1", "2")).toBe("promoted");
    expect(operatorResolution({ version: "1" }, "1", "2")).toBe("rolled_back");
    expect(operatorResolution({ version: "3" }, "1", "2")).toBeUndefined();
    expect(
      operatorResolution({ version: "2", additional: { version: "1", weight: 5 } }, "1", "2"),
    ).toBeUndefined();
  });
});
