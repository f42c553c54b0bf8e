import { expect, it } from "vitest";
import { releaseHarness } from "../../test/support/release-harness.js";
import { renderSummary } from "./summary.js";

it("a release's job summary has a table per function and the traffic chart per wave", async () => {
  const h = releaseHarness();
  await h.run();
  const summary = renderSummary(h.events);
  expect(summary).toContain("### Functions");
  expect(summary).toContain("| a | eu-west-1 | 1 | v1 → v2 | ✅ promoted |");
  expect(summary).toContain("| b | eu-west-1 | 1 | v1 → v2 | ✅ promoted |");
  expect(summary).toContain("| a | us-east-1 | 2 | v1 → v2 | ✅ promoted |");
  for (const heading of ["#### a (eu-west-1)", "#### b (eu-west-1)", "#### a (us-east-1)"]) {
    expect(summary).toContain(heading);
  }
  expect(summary).toContain("### Traffic over time — wave 1/2 (eu-west-1)");
  expect(summary).toContain("### Traffic over time — wave 2/2 (us-east-1)");
  expect(summary.match(/```mermaid/g)).toHaveLength(2);
});
