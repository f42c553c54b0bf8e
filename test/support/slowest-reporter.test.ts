import { expect, test } from "vitest";
import { slowestFiles } from "./slowest-reporter.js";

test("the ten slowest files, slowest first, in seconds aligned on the point", () => {
  const files = Array.from({ length: 12 }, (_, i) => ({ file: `test/f${i}.test.ts`, seconds: i * 9.26 }));
  const lines = slowestFiles(files);
  expect(lines).toHaveLength(11);
  expect(lines[0]).toBe("slowest test files:");
  expect(lines[1]).toBe("  101.9 s  test/f11.test.ts");
  expect(lines[2]).toBe("   92.6 s  test/f10.test.ts");
  expect(lines[10]).toBe("   18.5 s  test/f2.test.ts");
});

test("fewer files than ten: all of them; none: nothing printed", () => {
  expect(slowestFiles([{ file: "a.test.ts", seconds: 0.04 }])).toEqual([
    "slowest test files:",
    "  0.0 s  a.test.ts",
  ]);
  expect(slowestFiles([])).toEqual([]);
});
