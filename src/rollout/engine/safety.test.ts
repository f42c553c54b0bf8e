/**
 * The safety promise at its edges: whatever AWS or the output does, the alias ends 100% on one version
 * and the result says which. Each test names the defect it pins down.
 */
import { describe, expect, test } from "vitest";
import { deployHarness } from "../../../test/support/deploy-harness.js";
import { FakeClock, FakeLambda } from "../../../test/support/fakes.js";
import { AwsError, CredentialsExpiredError, InputError } from "../../errors.js";
import type { GateVerdict, HealthGate } from "../../health/gate.js";
import { buildPlan } from "../../plan/plan.js";
import { runRollout } from "./engine.js";

const throttled = () => new AwsError("Rate exceeded", { code: "TooManyRequestsException", retryable: true });
const lostReply = () => new AwsError("socket hang up", { code: "ECONNRESET", retryable: true });

const setup = deployHarness;

const failAt = (weight: number, onFail: () => void = () => {}): HealthGate => ({
  name: "probe",
  async check(context): Promise<GateVerdict> {
    const failing = context.weight === weight;
    if (failing) onFail();
    return { gate: "probe", status: failing ? "fail" : "pass", detail: failing ? "bad" : "ok" };
  },
});

function expectWhole(lambda: FakeLambda, version: string) {
  expect(lambda.alias.version).toBe(version);
  expect(lambda.alias.additional).toBeUndefined();
}

describe("restore trusts no cached routing: its write carries the RevisionId last seen (defect 3)", () => {
  test("the first shift applied but its reply lost, retries failing: the refused restore reads, finds the split, undoes it", async () => {
    const { lambda, run } = setup();
    lambda.loseReplyWhen = (op, n) =>
      op === "updateAlias" && n === 1 ? new AwsError("socket hang up") : undefined;
    const result = await run();
    expect(result).toMatchObject({ outcome: "failed", exitCode: 4 });
    expectWhole(lambda, "1");
    expect(lambda.writes().at(-1)).toEqual({ version: "1" });
    // The restore's first write carried the pre-shift revision: refused, then one read, then the write.
    const ops = lambda.calls.map((c) => c.op).filter((op) => op === "getAlias" || op === "updateAlias");
    expect(ops.slice(1)).toEqual(["updateAlias", "updateAlias", "getAlias", "updateAlias"]);
  });

  test("a gate failure with nothing changed since the last poll: the restore is one write, no read", async () => {
    const { lambda, run } = setup();
    const result = await run({ gates: [failAt(10)] });
    expect(result).toMatchObject({ outcome: "rolled_back", exitCode: 1 });
    expectWhole(lambda, "1");
    const ops = lambda.calls.map((c) => c.op).filter((op) => op === "getAlias" || op === "updateAlias");
    // Validation's read, the 10% shift, the restore: the gate failed at the first check after the shift.
    expect(ops).toEqual(["getAlias", "updateAlias", "getAlias", "updateAlias"]);
  });
});

describe("restore waits out an AWS brownout (defect 4)", () => {
  test("reads and writes failing for 40 s after a gate failure: retried with backoff, restored, exit 1", async () => {
    const { lambda, clock, events, run } = setup();
    let brownoutUntil: number | undefined;
    lambda.failWhen = (op) => {
      const down = brownoutUntil !== undefined && clock.now() < brownoutUntil;
      return down && (op === "getAlias" || op === "updateAlias") ? throttled() : undefined;
    };
    // The brownout starts with the gate failure, so it hits the restore.
    const result = await run({ gates: [failAt(50, () => (brownoutUntil ??= clock.now() + 40_000))] });
    expect(result).toMatchObject({ outcome: "rolled_back", exitCode: 1 });
    expectWhole(lambda, "1");
    const waits = events.filter((e) => e.type === "warning" && e.message.includes("--restore-timeout"));
    expect(waits.length).toBeGreaterThan(2);
    expect(clock.now()).toBeGreaterThanOrEqual(brownoutUntil ?? Number.POSITIVE_INFINITY);
  });

  test("an outage longer than --restore-timeout: exit 5 after that long, with the command to run", async () => {
    const { lambda, clock, run } = setup();
    let restoring = false;
    lambda.failWhen = (op) =>
      restoring && (op === "getAlias" || op === "updateAlias") ? throttled() : undefined;
    const before = clock.now();
    const result = await run({ gates: [failAt(50, () => (restoring = true))], restoreTimeoutMs: 30_000 });
    expect(result).toMatchObject({ outcome: "failed", exitCode: 5 });
    expect(result.reason).toContain("tried for 30s");
    expect(result.hint).toContain("lambda-rollout rollback --function fn --alias live");
    expect(clock.now() - before).toBeGreaterThanOrEqual(30_000);
    expect(lambda.alias.additional).toEqual({ version: "2", weight: 50 });
  });

  test("writes applied but unanswered during the restore: the next read sees it done", async () => {
    const { lambda, run } = setup();
    lambda.loseReplyWhen = (op, _n, args) =>
      op === "updateAlias" && (args[0] as { additional?: unknown }).additional === undefined && args[0]
        ? lostReply()
        : undefined;
    const result = await run({ gates: [failAt(50)] });
    expect(result).toMatchObject({ outcome: "rolled_back", exitCode: 1 });
    expectWhole(lambda, "1");
  });

  test("expired credentials during the restore: exit 5 at once, saying so, with the command", async () => {
    const { lambda, clock, run } = setup();
    let expired = false;
    lambda.failWhen = () =>
      expired
        ? new CredentialsExpiredError("The security token included in the request is expired", {
            code: "ExpiredTokenException",
          })
        : undefined;
    const result = await run({ gates: [failAt(10, () => (expired = true))] });
    expect(result).toMatchObject({ outcome: "failed", exitCode: 5 });
    expect(result.reason).toContain("credentials expired");
    expect(result.hint).toContain("fresh AWS credentials");
    // No retry can help: no backoff waits, only the bake's own poll.
    expect(clock.sleeps).toEqual([60_000]);
  });
});

describe("RevisionId and foreign changes (defects 5 and 10)", () => {
  test("a foreign routing found while restoring is a conflict (exit 3), not overwritten", async () => {
    const { lambda, run } = setup();
    const intruder: HealthGate = {
      name: "probe",
      async check(context): Promise<GateVerdict> {
        if (context.weight !== 50) return { gate: "probe", status: "pass", detail: "ok" };
        lambda.setRouting({ version: "1", additional: { version: "2", weight: 33 } });
        return { gate: "probe", status: "fail", detail: "bad" };
      },
    };
    const result = await run({ gates: [intruder] });
    expect(result).toMatchObject({ outcome: "failed", exitCode: 3 });
    expect(result.reason).toContain("found 67% v1 / 33% v2");
    expect(lambda.alias.additional).toEqual({ version: "2", weight: 33 });
  });

  test("an input error found once the baseline was published is exit 4, not exit 2 (something changed)", async () => {
    const { lambda, run } = setup();
    lambda.alias = { ...lambda.alias, version: "$LATEST" };
    // The baseline is published; pointing the alias at it then fails as "not found" input.
    lambda.failWhen = (op) =>
      op === "updateAlias" ? new InputError("Alias live of fn does not exist.") : undefined;
    const result = await run({ alarms: [] });
    expect(result).toMatchObject({ outcome: "failed", exitCode: 4 });
    expect(result.reason).toContain(
      "found after publishing $LATEST as the baseline; the alias was not moved",
    );
  });

  test("an input error found after traffic moved is exit 4 with the alias restored, not exit 2", async () => {
    const { lambda, run } = setup();
    lambda.failWhen = (op, n) =>
      op === "updateAlias" && n === 2 ? new InputError("Version 2 of fn does not exist.") : undefined;
    const result = await run();
    expect(result).toMatchObject({ outcome: "failed", exitCode: 4 });
    expect(result.reason).toContain("found during the roll-out; the alias was restored to v1");
    expectWhole(lambda, "1");
  });
});

describe("output failures never stop a rollback or a promotion (defect 6)", () => {
  test("a sink that throws on every event: promoted all the same", async () => {
    const { lambda, run, replaceSink } = setup();
    replaceSink(() => {
      throw new Error("EPIPE");
    });
    const result = await run();
    expect(result).toMatchObject({ outcome: "promoted", exitCode: 0 });
    expectWhole(lambda, "2");
  });

  test("a sink that throws on the rollback event: the alias is restored all the same", async () => {
    const { lambda, run, replaceSink } = setup();
    replaceSink((event) => {
      if (event.type === "rollback") throw new Error("renderer bug");
    });
    const result = await run({ gates: [failAt(50)] });
    expect(result).toMatchObject({ outcome: "rolled_back", exitCode: 1 });
    expectWhole(lambda, "1");
  });
});

describe("timing (defect 12)", () => {
  test("the final bake starts after the post-traffic hooks, however long they took", async () => {
    const lambda = new FakeLambda("fn", "live", { stableVersions: 2, aliasOn: "1" });
    const clock = new FakeClock();
    const seen: string[] = [];
    const slowHook: HealthGate = {
      name: "hook: slow",
      async check() {
        clock.time += 10 * 60_000;
        return { gate: "hook: slow", status: "pass", detail: "exit 0" };
      },
    };
    const watcher: HealthGate = {
      name: "watch",
      async check(context) {
        seen.push(context.phase);
        return { gate: "watch", status: "pass", detail: "ok" };
      },
    };
    const alias = await lambda.getAlias("fn", "live");
    const result = await runRollout(
      {
        alias,
        newVersion: "2",
        plan: buildPlan({ finalBake: "3m" }),
        preTraffic: [],
        gates: [watcher],
        postTraffic: [slowHook],
        intervalMs: 60_000,
        inconclusive: { outcome: "fail", maxExtensionMs: 0 },
      },
      { lambda, clock, emit: () => {} },
    );
    expect(result.outcome).toBe("promoted");
    expect(seen).toEqual(["final-bake", "final-bake", "final-check"]);
  });
});

describe("new versions still Pending (defect 17)", () => {
  test("a Pending version is awaited until Active before any smoke call or traffic", async () => {
    const { lambda, clock, run } = setup();
    lambda.versions[1] = { ...(lambda.versions[1] as (typeof lambda.versions)[number]), state: "Pending" };
    lambda.pendingPolls = 3;
    const start = clock.now();
    const result = await run({ smoke: [{ payload: "{}" }] });
    expect(result.outcome).toBe("promoted");
    const ops = lambda.calls.map((c) => c.op);
    const lastPoll = ops.lastIndexOf("getFunction");
    expect(ops.indexOf("invoke")).toBeGreaterThan(lastPoll);
    expect(ops.indexOf("updateAlias")).toBeGreaterThan(lastPoll);
    expect(clock.sleeps.filter((ms) => ms === 1_000)).toHaveLength(3);
    expect(clock.now() - start).toBeGreaterThanOrEqual(3_000);
  });

  test("a version that fails to activate: exit 4, the alias never moved", async () => {
    const { lambda, run } = setup();
    lambda.versions[1] = { ...(lambda.versions[1] as (typeof lambda.versions)[number]), state: "Pending" };
    lambda.activation = "Failed";
    const result = await run();
    expect(result).toMatchObject({ outcome: "failed", exitCode: 4 });
    expect(result.reason).toContain("failed to become Active");
    expect(lambda.writes()).toEqual([]);
  });
});
