/**
 * A CLI that cannot load its own code says so and exits 4, never Node's loader error with exit 1 (which
 * CI reads as "rolled back"): dist/cli.mjs missing (a checkout never built, `npm run build` emptying
 * dist/ meanwhile), and a command's lazily loaded chunk missing. Runs copies of the built bin/ and dist/.
 */
import { execFile } from "node:child_process";
import { cp, mkdir, mkdtemp, readdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";

const ROOT = join(import.meta.dirname, "../..");

let work: string;
beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), "lr-broken-install-"));
});
afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

/** A copy of the package: bin/, package.json and (unless `dist` is false) the built dist/. */
async function copy(name: string, options: { dist: boolean; checkout: boolean }) {
  const root = join(work, name);
  await cp(join(ROOT, "bin"), join(root, "bin"), { recursive: true });
  await cp(join(ROOT, "package.json"), join(root, "package.json"));
  if (options.dist) await cp(join(ROOT, "dist"), join(root, "dist"), { recursive: true });
  if (options.checkout) {
    await mkdir(join(root, "src/cli"), { recursive: true });
    await writeFile(join(root, "src/cli/main.ts"), "");
  }
  return root;
}

function run(root: string, args: string[]) {
  return new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
    execFile(process.execPath, [join(root, "bin/lambda-rollout.js"), ...args], (error, stdout, stderr) => {
      resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr });
    });
  });
}

describe("a lambda-rollout that cannot load its own code", () => {
  test("a source checkout without dist/: exit 4, asks for `npm run build`", async () => {
    const root = await copy("checkout", { dist: false, checkout: true });
    const result = await run(root, ["deploy", "--function", "fn", "--version", "2"]);
    expect(result.code).toBe(4);
    expect(result.stderr).toMatch(/^error: lambda-rollout cannot load its own code \(.*dist\/cli\.mjs/);
    expect(result.stderr).toContain("this installation is broken or half-written, and nothing was run");
    expect(result.stderr).toContain("run `npm run build` (after `npm ci`)");
    expect(result.stderr).not.toContain("ERR_MODULE_NOT_FOUND\n    at");
  });

  test("an installed package without dist/: exit 4, says how to reinstall", async () => {
    const root = await copy("installed", { dist: false, checkout: false });
    const result = await run(root, ["--help"]);
    expect(result.code).toBe(4);
    expect(result.stderr).toContain("Reinstall it the way you installed it");
    expect(result.stderr).not.toContain("npm run build`");
  });

  test("a missing command chunk: the same message and exit 4; the rest still works", async () => {
    const root = await copy("no-status-chunk", { dist: true, checkout: false });
    const chunks = join(root, "dist/cli-chunks");
    const statusChunks = (await readdir(chunks)).filter((file) => file.startsWith("status-"));
    expect(statusChunks.length).toBeGreaterThan(0);
    for (const file of statusChunks) await rm(join(chunks, file));
    const result = await run(root, ["status", "--function", "fn", "--region", "eu-west-1"]);
    expect(result.code).toBe(4);
    expect(result.stderr).toMatch(/^error: lambda-rollout cannot load its own code \(.*cli-chunks/);
    expect(result.stderr).toContain("Reinstall it the way you installed it");
    // The command tree is in dist/cli.mjs itself: help needs no command's chunk.
    expect(await run(root, ["--cli-version"])).toMatchObject({ code: 0, stdout: "0.1.0\n" });
  });
});
