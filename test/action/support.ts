import { spawn } from "node:child_process";
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { Moto } from "../support/moto.js";

const ENTRY = join(import.meta.dirname, "../../action/dist/index.js");

export interface ActionRun {
  code: number | null;
  stdout: string;
  outputs: Record<string, string>;
  summary: string;
}

export interface Annotation {
  level: string;
  title: string | undefined;
  message: string;
}

const decode = (text: string) =>
  text
    .replace(/%0D/g, "\r")
    .replace(/%0A/g, "\n")
    .replace(/%3A/g, ":")
    .replace(/%2C/g, ",")
    .replace(/%25/g, "%");

/** The `::error title=…::message` workflow commands in a log, decoded as the runner decodes them. */
export function annotations(stdout: string): Annotation[] {
  return [...stdout.matchAll(/^::(error|warning|notice)(?: ([^:]*))?::(.*)$/gm)].map((match) => {
    const title = /(?:^|,)title=([^,]*)/.exec(match[2] ?? "")?.[1];
    return {
      level: match[1] as string,
      title: title === undefined ? undefined : decode(title),
      message: decode(match[3] as string),
    };
  });
}

/** Parses GITHUB_OUTPUT as @actions/core writes it: `name<<DELIMITER`, value lines, `DELIMITER`. */
export function parseOutputFile(text: string): Record<string, string> {
  const outputs: Record<string, string> = {};
  const lines = text.split("\n");
  for (let i = 0; i < lines.length; i++) {
    const match = /^([^<=]+)<<(.+)$/.exec(lines[i] as string);
    if (!match) continue;
    const [, name, delimiter] = match as unknown as [string, string, string];
    const value: string[] = [];
    for (i++; i < lines.length && lines[i] !== delimiter; i++) value.push(lines[i] as string);
    outputs[name] = value.join("\n");
  }
  return outputs;
}

/**
 * Runs the bundled entry point as the runner does: `node action/dist/index.js` in the workspace, inputs
 * as INPUT_* variables, GITHUB_REF_NAME, and fresh GITHUB_OUTPUT / GITHUB_STEP_SUMMARY files.
 * `options.node` is the Node.js binary (default: the one running the tests); `options.env` is added to
 * the environment, an undefined value unsetting a variable.
 */
export function startAction(
  moto: Moto,
  workspace: string,
  inputs: Record<string, string>,
  refName: string,
  options: { node?: string; env?: Record<string, string | undefined> } = {},
): { waitForLine: (text: string) => Promise<void>; done: Promise<ActionRun> } {
  const outputFile = join(workspace, `output-${Date.now()}-${Math.random()}.txt`);
  const summaryFile = join(workspace, `summary-${Date.now()}-${Math.random()}.md`);
  const inherited = Object.fromEntries(
    Object.entries(process.env).filter(([key]) => !key.startsWith("INPUT_") && !key.startsWith("GITHUB_")),
  );
  const inputEnv = Object.fromEntries(
    Object.entries(inputs).map(([name, value]) => [`INPUT_${name.toUpperCase()}`, value]),
  );
  const ready = Promise.all([writeFile(outputFile, ""), writeFile(summaryFile, "")]);
  let stdout = "";
  const waiters: Array<{ text: string; resolve: () => void }> = [];
  const done = ready.then(
    () =>
      new Promise<ActionRun>((resolve, reject) => {
        const child = spawn(options.node ?? process.execPath, [ENTRY], {
          cwd: workspace,
          env: {
            ...inherited,
            ...moto.env,
            ...inputEnv,
            CI: "true",
            GITHUB_ACTIONS: "true",
            GITHUB_REF_NAME: refName,
            GITHUB_OUTPUT: outputFile,
            GITHUB_STEP_SUMMARY: summaryFile,
            ...options.env,
          },
          stdio: ["ignore", "pipe", "pipe"],
        });
        child.stdout.on("data", (chunk: Buffer) => {
          stdout += chunk.toString();
          for (const waiter of [...waiters]) {
            if (stdout.includes(waiter.text)) {
              waiters.splice(waiters.indexOf(waiter), 1);
              waiter.resolve();
            }
          }
        });
        child.stderr.on("data", (chunk: Buffer) => {
          stdout += chunk.toString();
        });
        child.on("error", reject);
        child.on("close", async (code) => {
          resolve({
            code,
            stdout,
            outputs: parseOutputFile(await readFile(outputFile, "utf8")),
            summary: await readFile(summaryFile, "utf8"),
          });
        });
      }),
  );
  return {
    done,
    waitForLine: (text) =>
      stdout.includes(text)
        ? Promise.resolve()
        : Promise.race([
            new Promise<void>((resolve) => waiters.push({ text, resolve })),
            done.then(() => {
              throw new Error(`the Action ended without printing "${text}":\n${stdout}`);
            }),
          ]),
  };
}
