import { describe, expect, it } from "vitest";
import { diffPolicies } from "../iam/diff.js";
import type { FunctionPreview } from "./inspect.js";
import { GITHUB_COMMENT_LIMIT, type PreviewReport, previewMarkdown, previewText } from "./render.js";

function fn(name: string, overrides: Partial<FunctionPreview> = {}): FunctionPreview {
  return {
    function: name,
    alias: "live",
    region: "eu-west-1",
    account: "123456789012",
    wave: 1,
    routing: "100% v3",
    change: "configuration",
    code: {
      changed: false,
      from: { version: "3", codeSha256: "abcdefghijklmnopqrstuvwxyz=", bytes: 2048 },
      to: { codeSha256: "abcdefghijklmnopqrstuvwxyz=", bytes: 2048 },
    },
    settings: [{ name: "MemorySize", from: "128", to: "512" }],
    gates: ["alarm errors"],
    firing: { alarms: [], ignored: false },
    ledger: { lock: null, running: null },
    blocked: null,
    ...overrides,
  };
}

function report(functions: FunctionPreview[], overrides: Partial<PreviewReport> = {}): PreviewReport {
  return {
    kind: "release",
    name: "production",
    environment: { name: "production", reason: "chosen explicitly" },
    plan: {
      description: "Canary10Percent5Minutes: 10% for 5m → 100%",
      strategy: "Canary10Percent5Minutes",
      rows: [
        { atMs: 0, wave: 1, what: "step", weight: 10, bakeMs: 300_000 },
        { atMs: 300_000, wave: 1, what: "promote", weight: 100, bakeMs: 0 },
      ],
    },
    waves: [{ wave: 1, regions: ["eu-west-1"], bakeMs: 0, functions: functions.map((f) => f.function) }],
    worstCase: { totalMs: 17 * 60_000, parts: [{ what: "bakes", ms: 17 * 60_000 }] },
    credentials: null,
    functions,
    warnings: [],
    policy: null,
    ...overrides,
  };
}

describe("the preview as Markdown", () => {
  it("puts a changed setting in the summary row as `name old → new`", () => {
    const markdown = previewMarkdown(report([fn("orders"), fn("search", { change: "noop", settings: [] })]));
    expect(markdown).toContain(
      "| **orders** | eu-west-1 | 1 | 100% v3 | ⚙️ configuration | MemorySize 128 → 512 |",
    );
    expect(markdown).toContain("| search | eu-west-1 | 1 | 100% v3 | ⏭️ noop | — |");
  });

  it("keeps outside text inert: a `|` cannot end a table cell, a backtick cannot end a code span", () => {
    const hostile = fn("orders", {
      settings: [{ name: "LoggingConfig", from: undefined, to: '{"LogGroup":"a|b`c<script>"}' }],
    });
    const markdown = previewMarkdown(report([hostile]));
    const row = markdown.split("\n").find((line) => line.startsWith("| **orders**")) ?? "";
    // Six cells and the edges: no `|` but the escaped one inside the code span.
    expect(row.replaceAll("\\|", "").split("|")).toHaveLength(8);
    expect(row).toContain('`{"LogGroup":"a\\|b c<script>"}`');
    expect(markdown).not.toMatch(/<script>(?![^`]*`)/);
  });

  it("stays under GitHub's comment limit: each function's details are cut to an equal share, with a note", () => {
    const huge = (name: string) =>
      fn(name, {
        settings: Array.from({ length: 400 }, (_, i) => ({
          name: `Setting${i}`,
          from: "x".repeat(60),
          to: "y".repeat(60),
        })),
      });
    const functions = Array.from({ length: 12 }, (_, i) => huge(`fn-${i}`));
    const whole = previewMarkdown(report(functions), { limit: 10_000_000 });
    expect(whole.length).toBeGreaterThan(GITHUB_COMMENT_LIMIT);
    const markdown = previewMarkdown(report(functions), { heading: "<!-- marker -->" });
    expect(markdown.length).toBeLessThanOrEqual(GITHUB_COMMENT_LIMIT);
    expect(markdown.startsWith("<!-- marker -->\n")).toBe(true);
    for (const { function: name } of functions) {
      const section = markdown.slice(markdown.indexOf(`<summary><b>${name}</b>`));
      expect(section.slice(0, section.indexOf("</details>"))).toContain("cut to fit GitHub's comment limit");
    }
    // Every function keeps its row and its <details>; the plan and the footer are whole.
    expect(markdown.match(/<details>/g)).toHaveLength(12);
    expect(markdown.match(/<\/details>/g)).toHaveLength(12);
    expect(markdown).toContain("#### Plan: Canary10Percent5Minutes");
  });

  it("even a release too big for its summary rows is cut under the limit, with the note", () => {
    const functions = Array.from({ length: 800 }, (_, i) => fn(`function-with-a-long-name-${i}`));
    const markdown = previewMarkdown(report(functions));
    expect(markdown.length).toBeLessThanOrEqual(GITHUB_COMMENT_LIMIT);
    expect(markdown.trimEnd().endsWith("shows all._")).toBe(true);
  });

  it("shows the IAM policy diff as a diff block, or that nothing changes", () => {
    const before = {
      Version: "2012-10-17",
      Statement: [{ Effect: "Allow", Action: ["lambda:GetAlias", "s3:GetObject"], Resource: "*" }],
    };
    const after = {
      Version: "2012-10-17",
      Statement: [
        { Effect: "Allow", Action: "lambda:getalias", Resource: "*" },
        { Effect: "Allow", Action: "lambda:UpdateAlias", Resource: "arn:fn" },
      ],
    };
    const diff = diffPolicies(before, after);
    const markdown = previewMarkdown(
      report([fn("orders")], { policy: { file: "ci.json", generated: after as never, diff } }),
    );
    expect(markdown).toContain("**The CI policy must change:** 1 grant(s) to add, 1 no longer needed");
    expect(markdown).toContain(
      ["```diff", "+ Allow lambda:UpdateAlias on arn:fn", "- Allow s3:GetObject on *", "```"].join("\n"),
    );
    const same = diffPolicies(after, after);
    expect(
      previewMarkdown(
        report([fn("orders")], { policy: { file: "ci.json", generated: after as never, diff: same } }),
      ),
    ).toContain("✅ `ci.json` grants exactly what `lambda-rollout iam-policy` generates now (2 grants).");
  });
});

describe("the preview as text", () => {
  it("says what blocks a deploy and what each function changes", () => {
    const text = previewText(
      report([
        fn("orders", {
          blocked: {
            exitCode: 3,
            reason: "locked by roll-out r-1 (octocat, lease until 2030-01-01T00:00:00Z)",
          },
          firing: { alarms: ["errors"], ignored: false },
        }),
      ]),
    );
    expect(text).toContain("orders:live (eu-west-1) wave 1: configuration; now 100% v3");
    expect(text).toContain("  BLOCKED (deploy would exit 3): locked by roll-out r-1");
    expect(text).toContain("  MemorySize 128 → 512");
    expect(text).toContain(
      "  alarms in ALARM now: errors; a deploy's first gate would fail on it and roll back",
    );
    expect(text).toContain("Worst case: up to 17 min (bakes 17 min).");
  });
});
