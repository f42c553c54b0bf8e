import { describe, expect, test } from "vitest";
import { runDemo } from "../../examples/name-searcher/demo/story.js";
import { rehearse } from "../../src/local/fault-rehearsal.js";
import { detectionScenario } from "../support/detection.js";

describe("npm run demo: the story as a test", () => {
  test("a first release, a good one promoted, a bad one rolled back by the metric gate, under two minutes", async () => {
    const lines: string[] = [];
    const report = await runDemo({ out: (line) => lines.push(line) });
    expect(report.problems, lines.join("\n")).toEqual([]);
    expect(report.ok).toBe(true);
    expect(report.releases.map((r) => r.result.outcome)).toEqual(["promoted", "promoted", "rolled_back"]);
    expect(report.releases[2]?.result.reason).toMatch(/Health gate "metrics" failed at 10%/);
    expect(report.elapsedMs).toBeLessThan(120_000);
    expect(lines.some((l) => l.includes('curl "http://127.0.0.1:'))).toBe(true);
    // Releases are named, and each line gives the Lambda version it became (2, 3, 4): no "v1" that is
    // really version 2.
    expect(lines.some((l) => l.includes("good release: promoted as version 3"))).toBe(true);
    expect(lines.filter((l) => /\]\s+v[123]\b/.test(l))).toEqual([]);
  }, 150_000);
});

describe("detection (bench/RESULTS.md, issue 6)", () => {
  test("10% canary, 20 requests/s, 20% errors on the new version: rolled back", async () => {
    const intervalMs = 2000;
    const report = await rehearse(detectionScenario(intervalMs));
    expect(report.caught).toBe(true);
    expect(report.caughtAtWeight).toBe(10);
    expect(report.detectionMs).toBeDefined();
    // Target: under 2 poll intervals once the minimum evidence is met; the bound allows one more interval
    // of scheduling noise on a loaded CI machine (measured: 0.4-3.1 s, bench/RESULTS.md).
    expect(report.afterEvidenceMs ?? Number.POSITIVE_INFINITY).toBeLessThan(2 * intervalMs + 2000);
  }, 150_000);
});
