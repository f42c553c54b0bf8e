import { describe, expect, test } from "vitest";
import { resolveInconclusive } from "./metrics-options.js";

describe("resolveInconclusive", () => {
  const inconclusive = { gate: "metrics", status: "inconclusive" as const, detail: "version 2 had 3 of 20" };

  test("extends while the extension budget lasts", () => {
    expect(resolveInconclusive(inconclusive, { maxExtensionMs: 60_000 }, 20_000)).toMatchObject({
      action: "extend",
      remainingMs: 40_000,
    });
  });

  test("then turns into the configured verdict", () => {
    const failed = resolveInconclusive(inconclusive, { maxExtensionMs: 60_000 }, 60_000);
    expect(failed).toMatchObject({ action: "decide", verdict: { status: "fail" } });
    expect(failed.verdict.detail).toContain(
      "still inconclusive after extending the bake by 60s, treated as fail",
    );
    const passed = resolveInconclusive(inconclusive, { inconclusive: "pass", maxExtensionMs: 0 }, 0);
    expect(passed).toMatchObject({ action: "decide", verdict: { status: "pass" } });
  });

  test("leaves decided verdicts alone", () => {
    const pass = { gate: "metrics", status: "pass" as const, detail: "ok" };
    expect(resolveInconclusive(pass, {}, 0)).toEqual({ action: "decide", verdict: pass });
  });
});
