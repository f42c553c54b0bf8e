/**
 * What a one-function deploy supports works for a release too, function by function: alarms already
 * firing (--allow-firing-alarms), prune after the promotion, hooks and metric analysis per function.
 */
import { describe, expect, it } from "vitest";
import { FakeClock, type FakeLambda } from "../../../test/support/fakes.js";
import { releaseHarness as harness } from "../../../test/support/release-harness.js";
import { buildPlan } from "../../plan/plan.js";
import type { MetricsPort } from "../../ports.js";
import { approveRelease } from "../manage/approve-release.js";
import { parseReleaseMark } from "../progress.js";

const KEYS = ["a@eu-west-1", "b@eu-west-1", "a@us-east-1"];
const served = (fake: FakeLambda) => `${fake.alias.version}${fake.alias.additional ? "+split" : ""}`;
const messages = (h: ReturnType<typeof harness>, type: string) =>
  h.events.flatMap((e) => (e.type === type && "message" in e ? [`${e.function ?? ""}: ${e.message}`] : []));

describe("alarms already firing in a release", () => {
  const firing = () => {
    const h = harness();
    h.alarms.set("eu-west-1", h.portsFor("eu-west-1").alarms as never);
    (h.portsFor("eu-west-1").alarms as unknown as { states: Map<string, string> }).states.set(
      "b-errors",
      "ALARM",
    );
    return h;
  };

  it("without --allow-firing-alarms, b's firing alarm stops the release and every function is restored (exit 1)", async () => {
    const h = firing();
    const result = await h.run();
    expect(result).toMatchObject({ outcome: "rolled_back", exitCode: 1 });
    expect(result.reason).toContain("b-errors");
    expect(KEYS.map((key) => served(h.fake(key)))).toEqual(["1", "1", "1"]);
  });

  it("with it (and smoke to judge the new version), the firing alarm is ignored, said per function, and the release promotes", async () => {
    const h = firing();
    for (const spec of h.request.functions) {
      spec.alarmsAlreadyFiring = "ignore";
      spec.smoke = [{ payload: "{}" }];
    }
    const result = await h.run();
    expect(result).toMatchObject({ outcome: "promoted", exitCode: 0 });
    expect(KEYS.map((key) => served(h.fake(key)))).toEqual(["2", "2", "2"]);
    const warnings = messages(h, "warning").filter((m) => m.includes("Already in ALARM"));
    expect(warnings).toEqual([
      expect.stringMatching(/^b: Already in ALARM before the roll-out, ignored as asked/),
    ]);
  });

  it("with nothing else judging a function's new version: exit 2 naming its key, nothing changed", async () => {
    const h = firing();
    for (const spec of h.request.functions) spec.alarmsAlreadyFiring = "ignore";
    (h.request.functions[0] as { smoke?: unknown }).smoke = [{ payload: "{}" }];
    const result = await h.run();
    expect(result).toMatchObject({ outcome: "failed", exitCode: 2 });
    expect(result.reason).toMatch(
      /^environments\.production\.functions\[1\] \(b\): --allow-firing-alarms \(alarmsAlreadyFiring: ignore\) needs a gate/,
    );
    for (const key of KEYS) expect(h.fake(key).writes()).toEqual([]);
  });
});

describe("prune: { keep } in a release", () => {
  it("after the promotion, every function the release moved keeps its newest N versions (and the one it replaced)", async () => {
    const h = harness({ stableVersions: 3 });
    h.request.prune = { keep: 1 };
    const result = await h.run();
    expect(result).toMatchObject({ outcome: "promoted", exitCode: 0 });
    for (const key of KEYS) {
      expect(h.fake(key).versions.map((v) => v.version)).toEqual(["3", "4"]);
      expect(
        h
          .fake(key)
          .calls.filter((c) => c.op === "deleteVersion")
          .map((c) => c.args[1]),
      ).toEqual(["1", "2"]);
    }
    expect(messages(h, "info").filter((m) => m.includes("Pruned old versions"))).toHaveLength(3);
    // The result line comes after the housekeeping.
    expect(h.events.at(-1)?.type).toBe("result");
  });

  it("a release that rolls back prunes nothing", async () => {
    const h = harness();
    h.request.prune = { keep: 1 };
    h.fake("a@us-east-1").failWhen = (op, n) => {
      if (op === "updateAlias" && n === 1) h.alarms.get("us-east-1")?.states.set("a-errors", "ALARM");
      return undefined;
    };
    const result = await h.run();
    expect(result.exitCode).toBe(1);
    for (const key of KEYS) expect(h.fake(key).calls.filter((c) => c.op === "deleteVersion")).toEqual([]);
  });
});

describe("gates of one function of a release", () => {
  it("a failing pre-traffic hook of b stops the release before any traffic moves (exit 1)", async () => {
    const h = harness();
    (h.request.functions[1] as { hooks?: unknown }).hooks = { preTraffic: ["exit 3"] };
    const result = await h.run();
    expect(result).toMatchObject({ outcome: "rolled_back", exitCode: 1 });
    expect(result.reason).toMatch(/of b \(eu-west-1\) failed at 0% \(pre-traffic\)/);
    for (const key of KEYS) expect(h.fake(key).writes()).toEqual([]);
  });

  it("b's metric analysis, and only b's, reads b's metrics; no evidence ends the release rolled back", async () => {
    const asked: string[] = [];
    const metrics: MetricsPort = {
      getMetrics: async (queries) => {
        for (const query of queries) asked.push(JSON.stringify(query));
        return {};
      },
    };
    const h = harness({ metrics });
    (h.request.functions[1] as { metrics?: unknown }).metrics = { maxExtensionMs: 0 };
    const result = await h.run();
    expect(result).toMatchObject({ outcome: "rolled_back", exitCode: 1 });
    expect(result.reason).toMatch(/Health gate "metrics" stayed inconclusive at 10%/);
    expect(asked.length).toBeGreaterThan(0);
    expect(asked.every((query) => query.includes('"b"') || query.includes(":b"))).toBe(true);
    expect(KEYS.map((key) => served(h.fake(key)))).toEqual(["1", "1", "1"]);
  });
});

/** Virtual time in which an operator acts between two polls whenever `when` holds. */
class ApproverClock extends FakeClock {
  act: (() => Promise<void>) | undefined;
  override async sleep(ms: number, signal?: AbortSignal): Promise<void> {
    await super.sleep(ms, signal);
    await this.act?.();
  }
}

describe("manual approval of a release", () => {
  const approving = () => {
    const clock = new ApproverClock();
    const h = harness({ clock });
    h.request.manualApproval = { timeoutMs: 30 * 60_000 };
    const members = h.request.functions.map(({ functionName, aliasName, region }) => ({
      functionName,
      aliasName,
      region,
    }));
    const approveAll = () =>
      approveRelease("production", members, (region) => h.portsFor(region).lambda, clock.now());
    return { ...h, clock, approveAll };
  };

  it("each wave waits after its last step for `approve --config --env`, which approves every waiting function", async () => {
    const h = approving();
    const answers: string[] = [];
    let seen = 0;
    h.clock.act = async () => {
      const waiting = h.events.filter((e) => e.type === "awaiting_approval").length;
      if (waiting === seen) return;
      seen = waiting;
      for (const key of KEYS) {
        const { alias } = h.fake(key);
        if (alias.description?.includes("awaiting approval"))
          expect(parseReleaseMark(alias.description, alias)).toBeDefined();
      }
      const answer = await h.approveAll();
      answers.push(`${answer.outcome}: ${answer.reason}`);
      // The approval keeps the release's mark: status, rollback and promote still find the release.
      const { alias } = h.fake("b@eu-west-1");
      if (alias.additional) expect(parseReleaseMark(alias.description, alias)?.tag.id).toBe("r-test-0001");
    };
    const result = await h.run();
    expect(result).toMatchObject({ outcome: "promoted", exitCode: 0 });
    expect(answers).toEqual([
      expect.stringMatching(
        /^approved: Approved: a \[eu-west-1\], b \[eu-west-1\]; the release ships the wave/,
      ),
      expect.stringMatching(/^approved: Approved: a \[us-east-1\];/),
    ]);
    const order = h.events
      .filter((e) => ["awaiting_approval", "approved", "wave"].includes(e.type))
      .map((e) => `${e.type}${"function" in e && e.type !== "wave" ? ` ${e.function}@${e.region}` : ""}`);
    expect(order).toEqual([
      "wave",
      "awaiting_approval a@eu-west-1",
      "awaiting_approval b@eu-west-1",
      "approved a@eu-west-1",
      "approved b@eu-west-1",
      "wave",
      "awaiting_approval a@us-east-1",
      "approved a@us-east-1",
    ]);
    for (const key of KEYS) expect(served(h.fake(key))).toBe("2");
  });

  it("no approval within the timeout: every function is restored (exit 1); approving then changes nothing (exit 3)", async () => {
    const h = approving();
    const result = await h.run();
    expect(result).toMatchObject({ outcome: "rolled_back", exitCode: 1 });
    expect(result.reason).toBe("No approval within 30m (--approval-timeout) at 50%: rolled back.");
    expect(result.hint).toContain("lambda-rollout approve --config FILE --env production");
    for (const key of KEYS) expect(served(h.fake(key))).toBe("1");
    const late = await h.approveAll();
    expect(late).toMatchObject({ outcome: "failed", exitCode: 3 });
    expect(late.reason).toBe(
      "Nothing to approve: no function of production is awaiting approval. Nothing was changed.",
    );
  });

  it("a plan with no step to wait at is refused (exit 2), as for one function", async () => {
    const h = approving();
    h.request.plan = buildPlan({ strategy: "AllAtOnce" });
    const result = await h.run();
    expect(result).toMatchObject({ outcome: "failed", exitCode: 2 });
    expect(result.reason).toMatch(/^Manual approval needs at least one traffic step/);
  });
});
