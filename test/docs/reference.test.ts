/**
 * The references are checked against what they describe, read from the live program, the JSON schema
 * and action.yml: a new flag, configuration key or Action input or output fails here until its line
 * is written in docs/reference/.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { parse } from "yaml";
import { cliInProcess } from "../support/in-process-cli.js";
import { prose, ROOT, read } from "./markdown.js";

/** The text of a `## heading` section of a Markdown page (up to the next `## `). */
function section(markdown: string, heading: string): string {
  const lines = prose(markdown).split("\n");
  const start = lines.indexOf(`## ${heading}`);
  if (start < 0) return "";
  const end = lines.findIndex((line, index) => index > start && /^##?\s/.test(line));
  return lines.slice(start, end < 0 ? undefined : end).join("\n");
}

/**
 * `` `--flag`` (or `` `key``, or `` `parent.key``) followed by a space, a backtick or a `<`: the name
 * itself, not a longer one.
 */
const mentions = (text: string, name: string) =>
  new RegExp(`\`(?:[\\w$]+\\.)*${name.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}(?=[\\s\`<\\\\])`).test(text);

async function help(args: string[]): Promise<string> {
  const result = await cliInProcess([...args, "--help"], { cwd: ROOT });
  expect(result.code).toBe(0);
  return result.stdout;
}

/** The long flags a --help lists under Options:, without --help itself. */
function flagsOf(helpText: string): string[] {
  const options = helpText.split("\nOptions:\n")[1]?.split("\n\n")[0] ?? "";
  return [...options.matchAll(/^ {2}(?:-\w, )?(--[a-z][a-z-]*)/gm)]
    .map((match) => match[1] as string)
    .filter((flag) => flag !== "--help");
}

describe("docs/reference/cli.md", () => {
  const reference = read("docs/reference/cli.md");

  test("lists the program's own options", async () => {
    const missing = flagsOf(await help([])).filter(
      (flag) => !mentions(section(reference, "Global options"), flag),
    );
    expect(missing).toEqual([]);
  });

  test("has a section for every command, listing every flag of its --help", async () => {
    const top = await help([]);
    const listed = (top.split("\nCommands:\n")[1] ?? "").split("\n\n")[0] ?? "";
    const commands = [...listed.matchAll(/^ {2}([a-z][a-z-]*)/gm)]
      .map((match) => match[1] as string)
      .filter((name) => name !== "help");
    expect(commands.length).toBeGreaterThan(8);
    const missing: string[] = [];
    for (const name of commands) {
      const text = section(reference, name);
      if (!text) {
        missing.push(`## ${name}`);
        continue;
      }
      for (const flag of flagsOf(await help([name]))) {
        if (!mentions(text, flag)) missing.push(`${name} ${flag}`);
      }
    }
    expect(missing).toEqual([]);
  });
});

describe("docs/reference/action.md", () => {
  const action = parse(readFileSync(join(ROOT, "action.yml"), "utf8")) as {
    inputs: Record<string, unknown>;
    outputs: Record<string, unknown>;
  };
  const reference = read("docs/reference/action.md");

  test.each([
    ["Inputs", () => Object.keys(action.inputs)],
    ["Outputs", () => Object.keys(action.outputs)],
  ] as const)("lists every one of action.yml's %s", (heading, names) => {
    const text = section(reference, heading);
    expect(names().filter((name) => !mentions(text, name))).toEqual([]);
  });
});

describe("docs/reference/configuration.md", () => {
  const schema = JSON.parse(readFileSync(join(ROOT, "schema/lambda-rollout.schema.json"), "utf8"));
  const reference = read("docs/reference/configuration.md");

  /** Every property name anywhere in the JSON schema, with the path that leads to it. */
  function keys(node: unknown, path: string, found: Map<string, string>): Map<string, string> {
    if (Array.isArray(node)) for (const item of node) keys(item, path, found);
    else if (node && typeof node === "object") {
      for (const [key, value] of Object.entries(node)) {
        if (key === "properties" && value && typeof value === "object") {
          for (const [name, child] of Object.entries(value)) {
            if (!found.has(name)) found.set(name, `${path}.${name}`);
            keys(child, `${path}.${name}`, found);
          }
        } else if (key !== "required") keys(value, path, found);
      }
    }
    return found;
  }

  test("names every key of the configuration's JSON schema", () => {
    const missing = [...keys(schema, "", new Map())]
      .filter(([name]) => !mentions(reference, name))
      .map(([, path]) => path);
    expect(missing).toEqual([]);
  });
});
