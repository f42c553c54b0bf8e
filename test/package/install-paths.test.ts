/**
 * The ways to install lambda-rollout that the README gives, each tried as a user would: from a fresh
 * clone (a copy of the repository's files, without node_modules or dist), from this checkout once built
 * (`npm install -D <path>`, `npm link`), and the example project's own install and tests. The tarball
 * (`npm install -D <tarball>`, `npx`) is tried in tarball.test.ts and in the README's quick start.
 * Needs `npm run build` first (`npm test` builds).
 */
import { execFile } from "node:child_process";
import { cp, mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { npmEnv } from "./npm-env.js";

const run = promisify(execFile);
const ROOT = join(import.meta.dirname, "../..");

let work: string;
beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), "lr-install-"));
});
afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

/** What `git clone` of this working tree would give: tracked and new files, nothing ignored. */
async function freshClone(name: string): Promise<string> {
  const target = join(work, name);
  const { stdout } = await run("git", ["ls-files", "-z", "--cached", "--others", "--exclude-standard"], {
    cwd: ROOT,
    maxBuffer: 16 * 1024 * 1024,
  });
  for (const path of stdout.split("\0").filter(Boolean)) {
    await mkdir(dirname(join(target, path)), { recursive: true });
    await cp(join(ROOT, path), join(target, path)).catch((error: NodeJS.ErrnoException) => {
      // Deleted in the working tree but still tracked: not part of a clone of it.
      if (error.code !== "ENOENT") throw error;
    });
  }
  return target;
}

/** An empty project, as `npm init -y` leaves it. */
async function emptyProject(name: string): Promise<string> {
  const project = join(work, name);
  await mkdir(project);
  await writeFile(
    join(project, "package.json"),
    `${JSON.stringify({ name, version: "1.0.0", private: true, type: "module" })}\n`,
  );
  return project;
}

describe("from a fresh clone", () => {
  let clone: string;
  beforeAll(async () => {
    clone = await freshClone("clone");
  });

  test("the CLI before `npm run build` says to run it (exit 4), instead of a loader crash", async () => {
    const result = await run(process.execPath, [join(clone, "bin/lambda-rollout.js"), "--help"]).catch(
      (error: { code: number; stderr: string }) => error,
    );
    expect(result).toMatchObject({ code: 4 });
    expect((result as { stderr: string }).stderr).toContain("run `npm run build` (after `npm ci`)");
  });

  test("cd examples/name-searcher && npm ci && npm test", async () => {
    const example = join(clone, "examples/name-searcher");
    await run("npm", ["ci", "--no-audit", "--no-fund", "--prefer-offline"], { cwd: example, env: npmEnv() });
    const { stdout } = await run("npm", ["test"], { cwd: example, env: npmEnv() });
    // biome-ignore lint/suspicious/noControlCharactersInRegex: vitest's colours
    expect(stdout.replace(/\x1b\[[0-9;]*m/g, "")).toMatch(/Test Files\s+3 passed \(3\)/);
  }, 180_000);
});

describe("from this checkout, built", () => {
  test("npm install -D <path>, then npx lambda-rollout", async () => {
    const project = await emptyProject("by-path");
    await run("npm", ["install", "-D", "--no-audit", "--no-fund", "--prefer-offline", ROOT], {
      cwd: project,
      env: npmEnv(),
    });
    const { stdout } = await run("npx", ["--no-install", "lambda-rollout", "--version"], {
      cwd: project,
      env: npmEnv(),
    });
    expect(stdout).toBe("0.1.0\n");
  }, 180_000);

  test("npm link puts lambda-rollout on the PATH (a global prefix of its own here)", async () => {
    const prefix = join(work, "global");
    const env = { ...npmEnv(), NPM_CONFIG_PREFIX: prefix };
    await run("npm", ["link", "--no-audit", "--no-fund"], { cwd: ROOT, env });
    const { stdout } = await run("lambda-rollout", ["--version"], {
      env: { ...env, PATH: `${join(prefix, "bin")}:${process.env.PATH}` },
    });
    expect(stdout).toBe("0.1.0\n");
  }, 60_000);
});
