/**
 * What a one-function deploy supports works for a release too, function by function: alarms already
 * firing (--allow-firing-alarms), prune after the promotion, hooks and metric analysis per function.
 */
import { describe, expect, it } from "vitest";
import type { FakeLambda } from "../../../test/support/fakes.js";
import { releaseHarness as harness } from "../../../test/support/release-harness.js";
import type { MetricsPort } from "../../ports.js";

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
