import { describe, expect, test } from "vitest";
import { FakeClock, FakeLambda } from "../../test/support/fakes.js";
import { buildPlan } from "../plan/plan.js";
import { runRollout } from "./engine/engine.js";
import { executionOf, liveDescription, parseLive, parseReplaced, parseStep } from "./progress.js";

const record = { version: "8", codeSha256: `${"A".repeat(43)}=`, config: "0123456789abcdef" };

describe("the live description records the version the live one replaced", () => {
  test("written with the record, read back by both parsers", () => {
    const text = liveDescription(record, "8", Date.UTC(2026, 10, 27), "7");
    expect(text).toBe(
      `lambda-rollout: v8 live since 2026-11-27T00:00:00Z (replaced v7) [code=${record.codeSha256} config=${record.config}]`,
    );
    expect(parseLive(text, "8")).toEqual(record);
    expect(parseReplaced(text, "8")).toBe("7");
  });

  test("descriptions written before it existed still parse, and say nothing about a replaced version", () => {
    const old = `lambda-rollout: v8 live since 2026-11-27T00:00:00Z [code=${record.codeSha256} config=${record.config}]`;
    expect(parseLive(old, "8")).toEqual(record);
    expect(parseReplaced(old, "8")).toBeUndefined();
  });

  test("without a record, and when the alias moved on since, it is still (or no longer) believed", () => {
    const bare = liveDescription(undefined, "8", 0, "7");
    expect(bare).toBe("lambda-rollout: v8 live since 1970-01-01T00:00:00Z (replaced v7)");
    expect(parseReplaced(bare, "8")).toBe("7");
    expect(parseReplaced(bare, "9")).toBeUndefined();
    expect(liveDescription(undefined, "8", 0, "$LATEST")).not.toContain("replaced");
  });

  test("a rollback keeps what the stable version replaced before the run", async () => {
    const lambda = new FakeLambda("fn", "live", { stableVersions: 3, aliasOn: "2" });
    lambda.alias.description = liveDescription(undefined, "2", 0, "1");
    const alias = await lambda.getAlias("fn", "live");
    const failing = {
      name: "always-fails",
      check: async () => ({ gate: "always-fails", status: "fail" as const, detail: "bad" }),
    };
    const result = await runRollout(
      {
        alias,
        newVersion: "3",
        plan: buildPlan({ steps: "10%:1m" }),
        preTraffic: [],
        gates: [failing],
        intervalMs: 10_000,
        inconclusive: { outcome: "fail", maxExtensionMs: 0 },
      },
      { lambda, clock: new FakeClock(), emit: () => {} },
    );
    expect(result.outcome).toBe("rolled_back");
    expect(lambda.alias.version).toBe("2");
    expect(parseReplaced(lambda.alias.description, "2")).toBe("1");
  });
});

describe("every writer's format is read by every reader", () => {
  const code = `${"A".repeat(43)}=`;
  const execution = "arn:aws:states:eu-west-1:123456789012:execution:orders-rollout:r1";

  test("a server-side live description: record, replaced version and execution", () => {
    const text = `lambda-rollout: v8 live since 2026-11-27T05:58:00Z (replaced v7) [code=${code} config=0123456789abcdef] [execution=${execution}]`;
    expect(parseLive(text, "8")).toEqual({ version: "8", codeSha256: code, config: "0123456789abcdef" });
    expect(parseReplaced(text, "8")).toBe("7");
    expect(executionOf(text)).toBe(execution);
  });

  test("a step with an approval wait, a release tag and an execution all parse together", () => {
    const approval = parseStep(
      "lambda-rollout: step 1/2, 10% to v8 from v7 since 2026-11-27T05:50:00Z; awaiting approval until 2026-11-27T06:50:00Z",
    );
    expect(approval?.approval).toEqual({ state: "awaiting", until: "2026-11-27T06:50:00Z" });
    expect(approval?.since).toBe("2026-11-27T05:50:00Z");
    const server = parseStep(
      `lambda-rollout: step 1/2, 10% to v8 from v7 since 2026-11-27T05:50:00Z [execution=${execution}]`,
    );
    expect(server).toMatchObject({ step: 1, toVersion: "8", fromVersion: "7", execution });
    const released = parseStep(
      "lambda-rollout: step 1/2, 10% to v8 from v7 since 2026-11-27T05:50:00Z release=r-0000abcde-1x2y wave=2/2",
    );
    expect(released).toMatchObject({ step: 1, since: "2026-11-27T05:50:00Z" });
    expect(released?.approval).toBeUndefined();
  });

  test("a release's live description names the version it replaced for prune", () => {
    const text = `lambda-rollout: v8 live since 2026-11-27T05:58:00Z [code=${code} config=0123456789abcdef] release=r-0000abcde-1x2y wave=1/2 from=v7`;
    expect(parseReplaced(text, "8")).toBe("7");
    expect(parseLive(text, "8")?.codeSha256).toBe(code);
  });
});
