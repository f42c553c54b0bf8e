/**
 * Just enough Markdown for the documentation tests: the repository's Markdown files, their headings as
 * GitHub anchors them, their relative links, and their fenced code blocks.
 */
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";

export const ROOT = join(import.meta.dirname, "../..");

/** README.md, every file under docs/, and the examples' and Terraform modules' Markdown (tracked or new, not ignored). */
export function documentationFiles(): string[] {
  const listed = execFileSync("git", ["ls-files", "--cached", "--others", "--exclude-standard"], {
    cwd: ROOT,
    encoding: "utf8",
  });
  return listed
    .split("\n")
    .filter((path) => path === "README.md" || /^(docs|examples|terraform)\/.*\.md$/.test(path))
    .sort();
}

export function read(path: string): string {
  return readFileSync(join(ROOT, path), "utf8");
}

/** The text outside fenced code blocks, lines kept (so line numbers still match). */
export function prose(markdown: string): string {
  let fenced = false;
  return markdown
    .split("\n")
    .map((line) => {
      if (/^\s*```/.test(line)) {
        fenced = !fenced;
        return "";
      }
      return fenced ? "" : line;
    })
    .join("\n");
}

/** GitHub's anchor for a heading: lower case, punctuation dropped, spaces to hyphens. */
export function slug(heading: string): string {
  return heading
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\s_-]/gu, "")
    .replace(/\s/g, "-");
}

/** Every heading's anchor, with GitHub's `-1`, `-2` suffixes for repeats. */
export function anchors(markdown: string): Set<string> {
  const seen = new Map<string, number>();
  const found = new Set<string>();
  for (const line of prose(markdown).split("\n")) {
    const heading = /^#{1,6}\s+(.*)$/.exec(line)?.[1];
    if (heading === undefined) continue;
    const base = slug(heading);
    const count = seen.get(base) ?? 0;
    seen.set(base, count + 1);
    found.add(count === 0 ? base : `${base}-${count}`);
  }
  return found;
}

/** Links that stay in the repository: `[text](path#anchor)`, outside code. */
export function relativeLinks(markdown: string): { target: string; line: number }[] {
  const links: { target: string; line: number }[] = [];
  prose(markdown)
    .split("\n")
    .forEach((text, index) => {
      const withoutCode = text.replace(/`[^`]*`/g, "");
      for (const match of withoutCode.matchAll(/\]\(([^)\s]+)(?:\s+"[^"]*")?\)/g)) {
        const target = match[1] ?? "";
        if (/^[a-z][a-z0-9+.-]*:/i.test(target)) continue; // https:, mailto:
        links.push({ target, line: index + 1 });
      }
    });
  return links;
}

/** The fenced code blocks of a section (from a heading to the next heading of its level or above). */
export function codeBlocks(markdown: string, heading: string, language = "bash"): string[] {
  const lines = markdown.split("\n");
  const start = lines.findIndex((line) => line.replace(/^#+\s+/, "") === heading && /^#+\s/.test(line));
  if (start < 0) throw new Error(`no heading "${heading}"`);
  const level = (/^#+/.exec(lines[start] ?? "")?.[0] ?? "#").length;
  const blocks: string[] = [];
  let current: string[] | undefined;
  for (const line of lines.slice(start + 1)) {
    if (current === undefined && new RegExp(`^#{1,${level}}\\s`).test(line)) break;
    if (line.startsWith("```")) {
      if (current) {
        blocks.push(current.join("\n"));
        current = undefined;
      } else if (line.slice(3).trim() === language) current = [];
      else current = undefined;
      continue;
    }
    current?.push(line);
  }
  return blocks;
}
