/** Every relative link in the README, docs/ and the examples' READMEs leads somewhere that exists. */
import { existsSync, statSync } from "node:fs";
import { dirname, join, normalize } from "node:path";
import { describe, expect, test } from "vitest";
import { anchors, documentationFiles, prose, ROOT, read, relativeLinks } from "./markdown.js";

const files = documentationFiles();

describe("documentation links", () => {
  test("the documentation is where the README says", () => {
    expect(files).toContain("README.md");
    expect(files).toContain("docs/contributing/architecture.md");
    expect(files.filter((file) => file.startsWith("docs/guides/")).length).toBeGreaterThan(3);
  });

  test.each(files)("%s: every relative link resolves (file and anchor)", (file) => {
    const broken: string[] = [];
    for (const { target, line } of relativeLinks(read(file))) {
      const [path = "", anchor] = target.split("#");
      const resolved = path === "" ? file : normalize(join(dirname(file), decodeURI(path)));
      if (resolved.startsWith("..") || !existsSync(join(ROOT, resolved))) {
        broken.push(`${file}:${line} ${target} (no ${resolved})`);
        continue;
      }
      if (anchor === undefined) continue;
      if (statSync(join(ROOT, resolved)).isDirectory() || !resolved.endsWith(".md")) {
        broken.push(`${file}:${line} ${target} (an anchor on something that is not a Markdown file)`);
      } else if (!anchors(read(resolved)).has(anchor)) {
        broken.push(`${file}:${line} ${target} (no heading #${anchor} in ${resolved})`);
      }
    }
    expect(broken).toEqual([]);
  });

  test.each(files)("%s speaks to users: no issue numbers", (file) => {
    const found = prose(read(file))
      .split("\n")
      .map((line, index) => ({ line: index + 1, text: line }))
      .filter(({ text }) => /\bissues? #?\d+\b/i.test(text));
    expect(found).toEqual([]);
  });
});
