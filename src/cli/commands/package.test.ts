import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sha256 } from "../../artifact/hash.js";
import { ExitCode, InputError } from "../../errors.js";
import { runCli } from "../main.js";
import { packageCommand } from "./package.js";

let cwd: string;

function memoryIo() {
  const out: string[] = [];
  const err: string[] = [];
  return {
    io: {
      stdout: { write: (text: string) => out.push(text) },
      stderr: { write: (text: string) => err.push(text) },
      env: {},
      cwd,
    },
    stdout: () => out.join(""),
    stderr: () => err.join(""),
  };
}

/** `lambda-rollout package ARGS` in-process, through the CLI's parser and its one catch. */
async function packageCli(args: string[]) {
  const memory = memoryIo();
  const exitCode = await runCli(["package", ...args], memory.io);
  return { ...memory, exitCode };
}

beforeAll(async () => {
  cwd = await mkdtemp(join(tmpdir(), "lambda-rollout-cli-package-"));
  await mkdir(join(cwd, "src"));
  await writeFile(join(cwd, "package.json"), "{}");
  await writeFile(join(cwd, "src/handler.ts"), "export const handler = async () => ({ statusCode: 204 });\n");
});
afterAll(async () => {
  await rm(cwd, { recursive: true, force: true });
});

describe("lambda-rollout package", () => {
  it("prints path, size, sha256 hex and CodeSha256, resolving paths against the working directory", async () => {
    const run = await packageCli(["--entry", "src/handler.ts", "--out", "dist/fn.zip"]);
    const digest = sha256(await readFile(join(cwd, "dist/fn.zip")));

    expect(run.exitCode).toBe(0);
    expect(run.stdout()).toContain("path        dist/fn.zip\n");
    expect(run.stdout()).toMatch(/size {8}\d+ bytes/);
    expect(run.stdout()).toContain(`sha256      ${digest.hex}\n`);
    expect(run.stdout()).toContain(`CodeSha256  ${digest.base64}\n`);
    expect(run.stdout()).toContain("handler     handler.handler");
  });

  it("prints one JSON object with --json", async () => {
    const run = await packageCli(["--entry", "src/handler.ts", "--out", "dist/fn.zip", "--json"]);
    const bytes = await readFile(join(cwd, "dist/fn.zip"));
    const lines = run.stdout().trimEnd().split("\n");

    expect(lines).toHaveLength(1);
    expect(JSON.parse(lines[0]!)).toEqual({
      path: "dist/fn.zip",
      size: bytes.length,
      sha256: sha256(bytes).hex,
      codeSha256: sha256(bytes).base64,
      handler: "handler.handler",
      runtime: "nodejs22.x",
      files: ["handler.mjs"],
    });
  });

  it("reports a build error as exit 2 with esbuild's message on stderr", async () => {
    await writeFile(join(cwd, "src/broken.ts"), "export const handler = ;\n");
    const run = await packageCli(["--entry", "src/broken.ts", "--out", "dist/broken.zip"]);

    expect(run.exitCode).toBe(ExitCode.invalidInput);
    expect(run.stderr()).toMatch(
      /^error: Cannot bundle \S*src\/broken\.ts: src\/broken\.ts:1:\d+: Unexpected ";"/,
    );
    expect(run.stdout()).toBe("");
  });

  it("refuses an entry that does not export the handler the Handler names (exit 2, zip not written)", async () => {
    await writeFile(join(cwd, "src/main.ts"), "export const main = async () => ({ statusCode: 204 });\n");
    const run = await packageCli(["--entry", "src/main.ts", "--out", "dist/main.zip"]);

    expect(run.exitCode).toBe(ExitCode.invalidInput);
    expect(run.stderr()).toContain(
      `error: ${join(cwd, "src/main.ts")} exports main, not handler: Lambda's Handler handler.handler calls the export "handler", so every invocation would fail.`,
    );
    expect(run.stderr()).toContain("or keep `main` and pass --handler handler.main");
    await expect(readFile(join(cwd, "dist/main.zip"))).rejects.toThrow(/ENOENT/);
  });

  it("--handler FILE.EXPORT names the bundle's file and the export it must have", async () => {
    const run = await packageCli([
      "--entry",
      "src/main.ts",
      "--out",
      "dist/main.zip",
      "--handler",
      "index.main",
    ]);
    expect(run.exitCode).toBe(0);
    expect(run.stdout()).toContain("handler     index.main (runtime nodejs22.x; zip holds index.mjs)");

    const wrongExport = await packageCli([
      "--entry",
      "src/handler.ts",
      "--out",
      "x.zip",
      "--handler",
      "index.main",
    ]);
    expect(wrongExport.exitCode).toBe(ExitCode.invalidInput);
    expect(wrongExport.stderr()).toContain("exports handler, not main: Lambda's Handler index.main");

    const invalid = await packageCli(["--entry", "src/main.ts", "--out", "x.zip", "--handler", "main"]);
    expect(invalid.exitCode).toBe(ExitCode.invalidInput);
    expect(invalid.stderr()).toContain('Invalid --handler "main": use FILE.EXPORT');
  });

  it("reports missing flags as exit 2", async () => {
    const run = await packageCli(["--entry", "src/handler.ts"]);
    expect(run.exitCode).toBe(ExitCode.invalidInput);
    expect(run.stderr()).toContain("Missing --out.");
  });

  it("throws an InputError for the CLI to report, like every command", async () => {
    await expect(packageCommand({ out: "x.zip" }, memoryIo().io)).rejects.toBeInstanceOf(InputError);
  });
});
