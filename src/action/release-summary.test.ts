import { describe, expect, it } from "vitest";
import { releaseHarness } from "../../test/support/release-harness.js";
import { cells, tableRows } from "../../test/support/summary-tables.js";
import { renderSummary } from "./summary.js";

/** The Result cell of a table row. */
const resultOf = (row: string | undefined) => cells(row).at(-1);

const HEADINGS = ["#### a (eu-west-1)", "#### b (eu-west-1)", "#### a (us-east-1)"];

describe("a release's job summary", () => {
  it("has a table per function and the traffic chart per wave", async () => {
    const h = releaseHarness();
    await h.run();
    const summary = renderSummary(h.events);
    expect(summary).toContain("### Functions");
    expect(summary).toContain("| Function | Region | Wave | Versions | Package | Result |");
    for (const [fn, region, wave] of [
      ["a", "eu-west-1", 1],
      ["b", "eu-west-1", 1],
      ["a", "us-east-1", 2],
    ]) {
      // Each function's own package, not the last upload's.
      expect(summary).toMatch(
        new RegExp(
          `\\| ${fn} \\| ${region} \\| ${wave} \\| v1 → v2 \\| \`s3://artifacts-${region}/${fn}/[0-9a-f]{64}\\.zip\` \\(uploaded\\) \\| ✅ promoted \\|`,
        ),
      );
    }
    expect(summary).not.toContain("**Package:**");
    for (const heading of HEADINGS) expect(summary).toContain(heading);
    expect(summary).toContain("### Traffic over time — wave 1/2 (eu-west-1)");
    expect(summary).toContain("### Traffic over time — wave 2/2 (us-east-1)");
    expect(summary.match(/```mermaid/g)).toHaveLength(2);
  });

  it("ends each promoted function's last row as passed, wave 1's when its wave ended", async () => {
    const h = releaseHarness();
    await h.run();
    const summary = renderSummary(h.events);
    for (const heading of HEADINGS) {
      const last = tableRows(summary, heading).at(-1);
      expect(last, heading).toMatch(/^\| promote \(100%\) \| 100% \|/);
      expect(resultOf(last), heading).toBe("✅ passed");
    }
    // Wave 1's promotion: 10 minutes of wave bake, not the whole of wave 2 as well.
    expect(tableRows(summary, "#### a (eu-west-1)").at(-1)).toMatch(/\| \+10:00 \| 10:00 \|/);
  });

  it("says the functions restored because another failed were restored with the release", async () => {
    const h = releaseHarness();
    const us = h.fake("a@us-east-1");
    us.failWhen = (op, n) => {
      // Wave 2's first shift: its alarm fires during the bake.
      if (op === "updateAlias" && n === 1) h.alarms.get("us-east-1")?.states.set("a-errors", "ALARM");
      return undefined;
    };
    const result = await h.run();
    expect(result.outcome).toBe("rolled_back");
    const summary = renderSummary(h.events);
    for (const heading of ["#### a (eu-west-1)", "#### b (eu-west-1)"]) {
      const rows = tableRows(summary, heading);
      expect(rows.at(-2), heading).toMatch(/^\| promote \(100%\) \|.*\| alarms ✅ \d+\/\d+ \|/);
      expect(resultOf(rows.at(-2)), heading).toBe("↩️ restored with the release");
      expect(rows.at(-1), heading).toMatch(/^\| rollback to v1 \| 0% \|.*\| ↩️ rolled back \|$/);
    }
    const failed = tableRows(summary, "#### a (us-east-1)");
    expect(failed.at(-2)).toMatch(
      /^\| step 1\/3 \| 10% \|.*\| alarms ❌ in ALARM: a-errors \| ❌ failed \|$/,
    );
    expect(failed.at(-1)).toMatch(/^\| rollback to v1 \| 0% \|/);
  });

  it("prefixes its log with the function and region, as the CLI's plain log does", async () => {
    const h = releaseHarness();
    await h.run();
    const log = renderSummary(h.events).split("<summary>Log</summary>")[1] ?? "";
    expect(log).toContain("- \\[a eu-west-1\\] wave 1, now 100% v1");
    expect(log).toContain("- \\[b eu-west-1\\] wave 1, now 100% v1");
    expect(log).toContain("- \\[a us-east-1\\] wave 2, now 100% v1");
  });
});
