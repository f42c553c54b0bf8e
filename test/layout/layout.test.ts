/**
 * The layout shows the model: no import cycle anywhere in src/ (a file's concept never depends on
 * itself through others), and no source file in src/rollout/ over 300 lines (split by concept).
 */
import { readFileSync } from "node:fs";
import { join, relative, resolve } from "node:path";
import { describe, expect, test } from "vitest";
import { cyclesOf, importGraph, importsOf, sourceFiles } from "./import-graph.js";

const ROOT = resolve(import.meta.dirname, "../..");

describe("src/ import graph", () => {
  test("has no cycle", () => {
    const graph = importGraph(ROOT, join(ROOT, "src"));
    expect(graph.size).toBeGreaterThan(100);
    expect(cyclesOf(graph)).toEqual([]);
  });

  test("the parser sees every import form, and the cycle finder finds a cycle", () => {
    const file = join(ROOT, "src/rollout/engine/engine.ts");
    const imports = importsOf(file, ROOT);
    // A value import, a type-only import, and one spread over several lines.
    expect(imports).toContain("src/rollout/engine/loop.ts");
    expect(imports).toContain("src/rollout/engine/member.ts");
    expect(imports).toContain("src/errors.ts");
    const graph = new Map([
      ["a.ts", ["b.ts"]],
      ["b.ts", ["c.ts"]],
      ["c.ts", ["a.ts"]],
      ["d.ts", ["a.ts"]],
    ]);
    expect(cyclesOf(graph)).toEqual([["a.ts", "b.ts", "c.ts"]]);
  });
});

const MAX_LINES = 300;
test(`no source file in src/rollout/ has more than ${MAX_LINES} lines`, () => {
  const over = sourceFiles(join(ROOT, "src/rollout"))
    .map((file) => ({
      file: relative(ROOT, file),
      lines: readFileSync(file, "utf8").split("\n").length - 1,
    }))
    .filter((entry) => entry.lines > MAX_LINES);
  expect(over).toEqual([]);
});
