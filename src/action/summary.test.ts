import { describe, expect, it } from "vitest";
import type { GateVerdict } from "../health/gate.js";
import type { ResultEvent, RolloutEvent, StampedEvent } from "../rollout/events.js";
import { renderSummary, weightChart } from "./summary.js";
import { buildTimeline } from "./timeline.js";

/** Stamps events `seconds` apart from t=1000 s. */
function stamped(...entries: Array<[number, RolloutEvent]>): StampedEvent[] {
  return entries.map(([seconds, event]) => ({ ...event, at: 1_000_000 + seconds * 1000 }));
}

const pass = (gate: string, detail = "ok"): GateVerdict => ({ gate, status: "pass", detail });
const result = (outcome: ResultEvent["outcome"], reason: string | null, exitCode = 0): ResultEvent => ({
  type: "result",
  outcome,
  function: "name-searcher",
  alias: "live",
  fromVersion: "3",
  toVersion: "4",
  reason,
  hint: null,
  exitCode,
});
const plan: RolloutEvent = {
  type: "plan",
  function: "name-searcher",
  alias: "live",
  plan: { strategy: "custom", steps: [{ weight: 50, bakeMs: 60_000 }], finalBakeMs: 0 },
  dryRun: false,
};

const promoted = stamped(
  [0, plan],
  [
    1,
    {
      type: "artifact",
      bucket: "b",
      key: "p/name-searcher/abc.zip",
      sha256: "abc",
      uploaded: true,
      bytes: 10,
    },
  ],
  [2, { type: "published", version: "4", codeSha256: "abc=" }],
  [3, { type: "gate", phase: "pre-traffic", weight: 0, verdict: pass("smoke", "1 payload ok") }],
  [4, { type: "shift", fromVersion: "3", toVersion: "4", weight: 50, step: 1, steps: 2 }],
  [34, { type: "gate", phase: "bake", weight: 50, verdict: pass("alarms") }],
  [64, { type: "gate", phase: "before-promote", weight: 50, verdict: pass("alarms") }],
  [65, { type: "shift", fromVersion: "3", toVersion: "4", weight: 100, step: 2, steps: 2 }],
  [65, { type: "promoted", version: "4" }],
  [65, result("promoted", null)],
);

describe("renderSummary", () => {
  it("shows the outcome, a step table and the weight chart of a promoted run", () => {
    const markdown = renderSummary(promoted, {
      environment: { name: "production", reason: 'branch "main" matches pattern "main"' },
    });
    expect(markdown.split("\n").slice(0, 15)).toEqual([
      "## lambda-rollout: name-searcher:live — ✅ promoted",
      "",
      '- **Environment:** production (branch "main" matches pattern "main")',
      "- **Versions:** v3 → v4",
      "- **Strategy:** custom",
      "- **Package:** `s3://b/p/name-searcher/abc.zip` (uploaded)",
      "",
      "### Steps",
      "",
      "| Step | Weight | Started | Duration | Gates | Result |",
      "|---|---:|---:|---:|---|---|",
      "| pre-traffic checks | 0% | +0:03 | 0:01 | smoke ✅ 1/1 | ✅ passed |",
      "| step 1/2 | 50% | +0:04 | 1:01 | alarms ✅ 2/2 | ✅ passed |",
      "| promote (100%) | 100% | +1:05 | 0:00 | — | ✅ passed |",
      "",
    ]);
    expect(markdown).toContain('```mermaid\nxychart-beta\n  title "Traffic on v4 (%)"\n');
    expect(markdown).toContain('  y-axis "percent" 0 --> 100\n');
    expect(markdown).toMatch(/ {2}line \[0, 0, 50, 50, .*, 50, 100\]\n```\n$/);
  });

  it("marks the failing step, the rollback row and the reason", () => {
    const events = stamped(
      [0, plan],
      [1, { type: "shift", fromVersion: "3", toVersion: "4", weight: 50, step: 1, steps: 2 }],
      [2, { type: "gate", phase: "bake", weight: 50, verdict: pass("alarms") }],
      [
        3,
        {
          type: "gate",
          phase: "bake",
          weight: 50,
          verdict: { gate: "alarms", status: "fail", detail: "errors | p99 is in ALARM" },
        },
      ],
      [3, { type: "rollback", reason: "gate failed", routing: { version: "3" } }],
      [4, result("rolled_back", 'Health gate "alarms" failed at 50% (bake): errors is in ALARM', 1)],
    );
    const markdown = renderSummary(events);
    expect(markdown).toContain("## lambda-rollout: name-searcher:live — ↩️ rolled back\n");
    expect(markdown).toContain(
      '- **Reason:** Health gate "alarms" failed at 50% (bake): errors is in ALARM\n',
    );
    expect(markdown).toContain(
      "| step 1/2 | 50% | +0:01 | 0:02 | alarms ❌ errors \\| p99 is in ALARM | ❌ failed |\n",
    );
    expect(markdown).toContain("| rollback to v3 | 0% | +0:03 | 0:01 | — | ↩️ rolled back |\n");
  });

  it("says nothing to deploy for a noop, without table or chart", () => {
    const markdown = renderSummary(stamped([0, plan], [1, result("noop", "already serves this package")]));
    expect(markdown).toBe(
      [
        "## lambda-rollout: name-searcher:live — ⏭️ nothing to deploy",
        "",
        "- **Versions:** v3 → v4",
        "- **Strategy:** custom",
        "- **Reason:** already serves this package",
        "",
      ].join("\n"),
    );
  });
});

describe("the package line", () => {
  it("says why an object already in S3 was uploaded again", () => {
    const events = stamped(
      [0, plan],
      [
        1,
        {
          type: "artifact",
          bucket: "b",
          key: "p/name-searcher/abc.zip",
          sha256: "abc",
          uploaded: true,
          bytes: 10,
          reason:
            "checksum mismatch: the object already there has SHA-256 x=, the package abc=; uploaded again",
        },
      ],
    );
    expect(renderSummary(events)).toContain(
      "- **Package:** `s3://b/p/name-searcher/abc.zip` (uploaded: checksum mismatch: the object already there has SHA-256 x=, the package abc=; uploaded again)",
    );
  });
});

describe("weightChart", () => {
  it("samples weight evenly over time, with unique labels", () => {
    const chart = weightChart(buildTimeline(promoted));
    const axis = chart.find((line) => line.includes("x-axis")) ?? "";
    const labels = axis.slice(axis.indexOf("[") + 1, -1).split(", ");
    expect(labels).toHaveLength(30);
    expect(new Set(labels).size).toBe(30);
    expect(labels[0]).toBe('"0s"');
    expect(labels.at(-1)).toBe('"65s"');
  });

  it("adds an error-rate line when metric verdicts carry one", () => {
    const events = stamped(
      [0, { type: "shift", fromVersion: "3", toVersion: "4", weight: 10, step: 1, steps: 2 }],
      [
        5,
        {
          type: "gate",
          phase: "bake",
          weight: 10,
          verdict: { ...pass("metrics"), data: { newErrorRate: 0.02 } },
        },
      ],
      [10, { type: "shift", fromVersion: "3", toVersion: "4", weight: 100, step: 2, steps: 2 }],
    );
    const chart = weightChart(buildTimeline(events));
    expect(chart[2]).toBe('  title "Traffic on v4 (%) and its error rate (%)"');
    expect(chart.filter((line) => line.startsWith("  line "))).toHaveLength(2);
    expect(chart.at(-2)).toMatch(/^ {2}line \[0, .*2, 2\]$/);
  });
});
