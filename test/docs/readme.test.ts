/** The README as a front door: short, the two fresh-clone commands first, the picture the Action draws. */
import { describe, expect, test } from "vitest";
import { read } from "./markdown.js";
import { readmeChart } from "./readme-chart.js";

const readme = read("README.md");

describe("README.md", () => {
  test("is about 200 lines at most; the rest is in docs/", () => {
    expect(readme.split("\n").length).toBeLessThanOrEqual(210);
  });

  test("gives the two commands for a fresh clone first: the demo and every test", () => {
    const firstBlock = readme.split("```bash\n")[1]?.split("```")[0] ?? "";
    expect(readme.indexOf("```bash")).toBeLessThan(1000);
    expect(firstBlock).toMatch(/^npm ci && npm run demo\s/m);
    expect(firstBlock).toMatch(/^npm ci && npm test\s/m);
  });

  test("shows the job summary's chart exactly as the Action renders it", () => {
    expect(readme).toContain(readmeChart());
  });

  test("has the sections a newcomer looks for", () => {
    for (const heading of [
      "## Install",
      "## Quick start: your own function on the emulator",
      "## The demo",
      "## What it does, by engine",
      "## Documentation",
    ]) {
      expect(readme).toContain(`\n${heading}\n`);
    }
  });
});
