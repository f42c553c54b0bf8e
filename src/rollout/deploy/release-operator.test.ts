import { describe, expect, it } from "vitest";
import { FakeClock, type FakeLambda } from "../../../test/support/fakes.js";
import { releaseHarness } from "../../../test/support/release-harness.js";
import { AwsError } from "../../errors.js";
import { buildPlan } from "../../plan/plan.js";
import { resolveSplit } from "../manage/manage.js";
import { endRelease } from "../manage/release-manage.js";

const KEYS = ["a@eu-west-1", "b@eu-west-1", "a@us-east-1"];
const served = (fake: FakeLambda) =>
  `${fake.alias.version}${fake.alias.additional ? `+${fake.alias.additional.weight}%` : ""}`;
const weights = (fake: FakeLambda) => fake.writes().map((w) => w.additional?.weight ?? `v${w.version}`);

/** Virtual time in which an operator acts once, between two polls, as soon as `when` holds. */
class OperatorClock extends FakeClock {
  private pending: { when: () => boolean; act: () => Promise<unknown> | unknown } | undefined;
  acted = false;
  operatorActs(when: () => boolean, act: () => Promise<unknown> | unknown) {
    this.pending = { when, act };
  }
  override async sleep(ms: number, signal?: AbortSignal): Promise<void> {
    await super.sleep(ms, signal);
    const pending = this.pending;
    if (pending?.when()) {
      this.pending = undefined;
      this.acted = true;
      await pending.act();
    }
  }
}

function harness() {
  const clock = new OperatorClock();
  const h = releaseHarness({ clock });
  const members = h.request.functions.map((spec) => ({
    functionName: spec.functionName,
    aliasName: spec.aliasName,
    region: spec.region,
  }));
  /** `lambda-rollout rollback|promote --config … --env …`, run from another machine. */
  const operator = (resolution: "rollback" | "promote") =>
    endRelease(
      "production",
      members,
      (region) => h.portsFor(region).lambda,
      resolution,
      () => clock.now(),
    );
  return { ...h, clock, operator };
}

describe("a running release obeys the operator's rollback or promote of the release", () => {
  it("rollback during wave 1's first bake: ends rolled_back (exit 1) and writes nothing more", async () => {
    const h = harness();
    let operatorResult: Awaited<ReturnType<typeof h.operator>> | undefined;
    h.clock.operatorActs(
      () => h.fake("b@eu-west-1").writes().length === 1,
      async () => {
        operatorResult = await h.operator("rollback");
      },
    );
    const result = await h.run();
    expect(operatorResult).toMatchObject({ outcome: "rolled_back", exitCode: 0 });
    expect(result).toMatchObject({ outcome: "rolled_back", exitCode: 1 });
    expect(result.reason).toMatch(/^rolled back by an operator: .* while wave 1\/2 was at 10%/);
    // The release's 10%, then the operator's v1: nothing after.
    expect(weights(h.fake("a@eu-west-1"))).toEqual([10, "v1"]);
    expect(weights(h.fake("b@eu-west-1"))).toEqual([10, "v1"]);
    expect(h.fake("a@us-east-1").calls.filter((c) => c.op === "publishVersion")).toEqual([]);
    expect(result.release.functions.map((f) => f.state)).toEqual([
      "rolled_back",
      "rolled_back",
      "not_started",
    ]);
  });

  it("rollback during wave 2: every function, wave 1's too, is back on v1; the release ends rolled_back", async () => {
    const h = harness();
    h.clock.operatorActs(
      () => h.fake("a@us-east-1").writes().length === 2,
      () => h.operator("rollback"),
    );
    const result = await h.run();
    expect(result).toMatchObject({ outcome: "rolled_back", exitCode: 1 });
    expect(result.reason).toContain("while wave 2/2 was at 50%");
    expect(KEYS.map((key) => served(h.fake(key)))).toEqual(["1", "1", "1"]);
    expect(weights(h.fake("a@us-east-1"))).toEqual([10, 50, "v1"]);
    expect(weights(h.fake("a@eu-west-1"))).toEqual([10, 50, "v2", "v1"]);
  });

  it("a rollback landing right before a lockstep write: refused by the RevisionId, the release read once, exit 1", async () => {
    const h = harness();
    const a = h.fake("a@eu-west-1");
    // Wave 1's second write reaches Lambda just after the operator's rollback set every function back.
    a.failWhen = (op, n) => {
      if (op === "updateAlias" && n === 2)
        for (const key of ["a@eu-west-1", "b@eu-west-1"]) h.fake(key).setRouting({ version: "1" });
      return undefined;
    };
    const result = await h.run();
    expect(result).toMatchObject({ outcome: "rolled_back", exitCode: 1 });
    expect(result.reason).toMatch(/^rolled back by an operator: .* while wave 1\/2 was at 10%/);
    expect(weights(a)).toEqual([10, 50]);
    expect(served(a)).toBe("1");
    expect(served(h.fake("b@eu-west-1"))).toBe("1");
    expect(h.fake("a@us-east-1").writes()).toEqual([]);
  });

  it("no read before a lockstep write: a healthy release reads an alias only to validate and to poll", async () => {
    const h = harness();
    h.request.plan = buildPlan({ strategy: "AllAtOnce" });
    h.request.waves = [
      { regions: ["eu-west-1"], bakeMs: 0 },
      { regions: ["us-east-1"], bakeMs: 0 },
    ];
    const result = await h.run();
    expect(result).toMatchObject({ outcome: "promoted", exitCode: 0 });
    const ops = (key: string) =>
      h
        .fake(key)
        .calls.map((c) => c.op)
        .filter((op) => op === "getAlias" || op === "updateAlias");
    // Wave 2's function: validation, its one write. Wave 1's: validation, its write, the read of the
    // earlier waves before wave 2's first write (a rollback between waves moves only those), and the
    // read before the release is called promoted (wave 2's bakes read only wave 2).
    expect(ops("a@us-east-1")).toEqual(["getAlias", "updateAlias"]);
    expect(ops("a@eu-west-1")).toEqual(["getAlias", "updateAlias", "getAlias", "getAlias"]);
  });

  it("someone else splits a wave-1 alias during wave 2: seen before the end, exit 3, theirs kept, the rest restored", async () => {
    const h = harness();
    const wave2 = h.fake("a@us-east-1");
    wave2.failWhen = (op) => {
      // Wave 2's first write (the call is recorded before this runs).
      if (op === "updateAlias" && wave2.writes().length === 1)
        h.fake("b@eu-west-1").setRouting({ version: "1", additional: { version: "2", weight: 0.5 } });
      return undefined;
    };
    const result = await h.run();
    expect(result).toMatchObject({ outcome: "failed", exitCode: 3 });
    expect(h.fake("b@eu-west-1").alias.additional).toEqual({ version: "2", weight: 0.5 });
    expect(served(h.fake("a@eu-west-1"))).toBe("1");
    expect(served(h.fake("a@us-east-1"))).toBe("1");
  });

  it("a rollback between waves is seen before wave 2's first write: wave 2 never moves", async () => {
    const h = harness();
    const wave2 = h.fake("a@us-east-1");
    wave2.failWhen = (op) => {
      if (op === "publishVersion") {
        for (const key of ["a@eu-west-1", "b@eu-west-1"]) h.fake(key).setRouting({ version: "1" });
      }
      return undefined;
    };
    const result = await h.run();
    expect(result).toMatchObject({ outcome: "rolled_back", exitCode: 1 });
    expect(result.reason).toContain("while wave 2/2 was at 0%");
    expect(wave2.writes()).toEqual([]);
    expect(result.release.functions.map((f) => f.state)).toEqual([
      "rolled_back",
      "rolled_back",
      "not_started",
    ]);
  });

  it("promote during the last wave: ends promoted (exit 0), its remaining steps skipped", async () => {
    const h = harness();
    h.clock.operatorActs(
      () => h.fake("a@us-east-1").writes().length === 1,
      () => h.operator("promote"),
    );
    const result = await h.run();
    expect(result).toMatchObject({ outcome: "promoted", exitCode: 0 });
    expect(result.reason).toMatch(/^promoted by an operator: .*wave 2\/2 .* at 10%/);
    expect(weights(h.fake("a@us-east-1"))).toEqual([10, "v2"]);
    expect(KEYS.map((key) => served(h.fake(key)))).toEqual(["2", "2", "2"]);
    expect(result.release.functions.map((f) => f.state)).toEqual(["promoted", "promoted", "promoted"]);
  });

  it("promote during wave 1 skips its bakes; wave 2, which promote cannot ship, follows the plan", async () => {
    const h = harness();
    let operatorResult: Awaited<ReturnType<typeof h.operator>> | undefined;
    h.clock.operatorActs(
      () => h.fake("a@eu-west-1").writes().length === 1,
      async () => {
        operatorResult = await h.operator("promote");
      },
    );
    const started = h.clock.now();
    const result = await h.run();
    // endRelease promotes what it can and says the rest never started (exit 4). Without a ledger it
    // cannot tell whether the release still runs, so it says what happens either way.
    expect(operatorResult).toMatchObject({ outcome: "failed", exitCode: 4 });
    expect(operatorResult?.hint).toMatch(
      /^If the release is still running, it ships them itself under its plan/,
    );
    expect(result).toMatchObject({ outcome: "promoted", exitCode: 0 });
    expect(result.reason).toContain("wave 1 promoted by an operator");
    expect(weights(h.fake("a@eu-west-1"))).toEqual([10, "v2"]);
    expect(weights(h.fake("a@us-east-1"))).toEqual([10, 50, "v2"]);
    // Wave 1's 5-minute step, its 50% step and its 10-minute hold were skipped: wave 2 takes its 10 minutes.
    expect(h.clock.now() - started).toBeLessThan(13 * 60_000);
    expect(
      h.events.some((e) => e.type === "warning" && e.message.includes("Carrying on with wave 2/2")),
    ).toBe(true);
  });

  it("a rollback still under way (half the wave set) is read again until it is complete", async () => {
    const h = harness();
    const [a, b] = [h.fake("a@eu-west-1"), h.fake("b@eu-west-1")];
    let setAt = 0;
    h.clock.operatorActs(
      () => b.writes().length === 1,
      () => {
        a.setRouting({ version: "1" });
        setAt = h.clock.now();
      },
    );
    // The operator's second write lands 3 s after the first.
    b.failWhen = (op) => {
      if (op === "getAlias" && setAt > 0 && h.clock.now() >= setAt + 3_000 && b.alias.additional)
        b.setRouting({ version: "1" });
      return undefined;
    };
    const result = await h.run();
    expect(result).toMatchObject({ outcome: "rolled_back", exitCode: 1 });
    expect(result.reason).toContain("rolled back by an operator");
    expect(weights(b)).toEqual([10]);
    expect(h.events.some((e) => e.type === "warning" && e.message.includes("1 of 2 aliases"))).toBe(true);
  });

  it("one function promoted by hand is a conflict (exit 3): it is left alone, the others restored", async () => {
    const h = harness();
    const [a, b] = [h.fake("a@eu-west-1"), h.fake("b@eu-west-1")];
    h.clock.operatorActs(
      () => b.writes().length === 1,
      () => a.setRouting({ version: "2" }),
    );
    const result = await h.run();
    expect(result.exitCode).toBe(3);
    expect(result.outcome).toBe("failed");
    expect(served(a)).toBe("2");
    expect(served(b)).toBe("1");
  });

  it("a one-alias `promote` of the current wave's only function is the wave's promote: the release ends promoted", async () => {
    const h = harness();
    const us = h.fake("a@us-east-1");
    h.clock.operatorActs(
      () => us.writes().length === 1,
      // `lambda-rollout promote --function a --region us-east-1`: one alias, not the release.
      () => resolveSplit(h.portsFor("us-east-1").lambda, "a", "live", "promote"),
    );
    const result = await h.run();
    expect(result).toMatchObject({ outcome: "promoted", exitCode: 0 });
    expect(result.reason).toMatch(/^promoted by an operator: every function of wave 2\/2/);
    expect(KEYS.map((key) => served(h.fake(key)))).toEqual(["2", "2", "2"]);
  });

  it("one function set forward and another set back is no operator's command: a conflict at once (exit 3)", async () => {
    const h = harness();
    const [a, b] = [h.fake("a@eu-west-1"), h.fake("b@eu-west-1")];
    let actedAt = 0;
    h.clock.operatorActs(
      () => b.writes().length === 1,
      () => {
        a.setRouting({ version: "2" });
        b.setRouting({ version: "1" });
        actedAt = h.clock.now();
      },
    );
    const result = await h.run();
    expect(result.exitCode).toBe(3);
    expect(served(a)).toBe("2");
    expect(served(b)).toBe("1");
    // Not read again for the settle window: nothing an operator's command does looks like this.
    expect(h.clock.now()).toBeLessThan(actedAt + 2_000);
  });

  it("wave 2 rolled back while wave 1 stays promoted is no release rollback: a conflict (exit 3)", async () => {
    const h = harness();
    h.clock.operatorActs(
      () => h.fake("a@us-east-1").writes().length === 1,
      () => h.fake("a@us-east-1").setRouting({ version: "1" }),
    );
    const result = await h.run();
    expect(result.exitCode).toBe(3);
    // The others were restored, as after any conflict.
    expect(KEYS.map((key) => served(h.fake(key)))).toEqual(["1", "1", "1"]);
  });

  it("a poll whose read fails is a warning; the next poll reads again and sees the rollback", async () => {
    const h = harness();
    const b = h.fake("b@eu-west-1");
    let failed = 0;
    h.clock.operatorActs(
      () => b.writes().length === 1,
      () => {
        b.failWhen = (op) =>
          op === "getAlias" && failed++ === 0
            ? new AwsError("ThrottlingException: rate exceeded", { retryable: true })
            : undefined;
        for (const key of ["a@eu-west-1", "b@eu-west-1"]) h.fake(key).setRouting({ version: "1" });
      },
    );
    const result = await h.run();
    expect(failed).toBeGreaterThan(1);
    expect(result).toMatchObject({ outcome: "rolled_back", exitCode: 1 });
    expect(result.reason).toContain("rolled back by an operator");
    expect(h.events.some((e) => e.type === "warning" && e.message.includes("reading them again"))).toBe(true);
  });
});
