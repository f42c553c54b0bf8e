/**
 * The package users install: `npm pack` this repository, check what the tarball holds and imports, then
 * install it into an empty project and run `npx lambda-rollout deploy --dry-run` against moto.
 * Needs `npm run build` first (`npm test` builds). Packs with --ignore-scripts: the test checks the
 * dist/ that was just built, and a `prepack` build would double the time.
 */
import { execFile } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, onTestFinished, test } from "vitest";
import { aliasOf, createTarget } from "../support/lambda-fixtures.js";
import { type Moto, startMoto } from "../support/moto.js";
import { npmEnv } from "./npm-env.js";
import {
  entryPoints,
  importSpecifiers,
  isBare,
  type Manifest,
  packageNameOf,
  reachableFiles,
} from "./shipped.js";

const run = promisify(execFile);
const ROOT = join(import.meta.dirname, "../..");
const manifest = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as Manifest;

/**
 * Loaded by the AWS SDK inside try/catch, only for SigV4a (multi-region access points), which
 * lambda-rollout never signs; the SDK names the package to install when someone needs it.
 */
const OPTIONAL_IN_SDK = new Set(["@aws-sdk/signature-v4-crt", "@aws-sdk/signature-v4a"]);

let work: string;
let tarball: string;
let files: string[];

beforeAll(async () => {
  if (!existsSync(join(ROOT, "dist/cli.mjs"))) throw new Error("dist/ is missing: run `npm run build` first");
  work = await mkdtemp(join(tmpdir(), "lr-tarball-"));
  const { stdout } = await run("npm", ["pack", "--json", "--ignore-scripts", "--pack-destination", work], {
    cwd: ROOT,
    env: npmEnv(),
  });
  const [packed] = JSON.parse(stdout) as { filename: string; files: { path: string }[] }[];
  if (!packed) throw new Error(`npm pack printed no package: ${stdout}`);
  tarball = join(work, packed.filename);
  files = packed.files.map((file) => file.path).sort();
});

afterAll(async () => {
  if (work) await rm(work, { recursive: true, force: true });
});

describe("the tarball", () => {
  test("holds the entry points, the library's types and the config schema", () => {
    for (const path of [...entryPoints(manifest), "dist/index.d.ts", "schema/lambda-rollout.schema.json"]) {
      expect(files, path).toContain(path);
    }
  });

  test("holds no tests, fixtures, benchmarks, examples, sources, source maps or demo", () => {
    const unwanted = files.filter(
      (path) =>
        /\.test\.|\.bench\.|\.map$|(^|\/)(test|tests|__tests__|fixtures?|bench|examples|src|scripts)\//.test(
          path,
        ) ||
        /demo/i.test(path) ||
        (/\.tsx?$/.test(path) && !path.endsWith(".d.ts")),
    );
    expect(unwanted).toEqual([]);
  });

  test("every script in it is loaded by the CLI or the library, and every .d.ts sits beside one", () => {
    const scripts = files.filter((path) => /\.[cm]?js$/.test(path));
    const reachable = reachableFiles(ROOT, entryPoints(manifest));
    // A module of types only compiles to `export {};`: nothing loads it, but its .d.ts (which other
    // declarations import) needs it beside it.
    const typesOnly = (path: string) =>
      readFileSync(join(ROOT, path), "utf8")
        .replace(/\/\/# sourceMappingURL=.*$/m, "")
        .trim() === "export {};";
    expect(scripts.filter((path) => !reachable.has(path) && !typesOnly(path))).toEqual([]);
    expect([...reachable].filter((path) => !files.includes(path))).toEqual([]);
    const orphanTypes = files.filter(
      (path) => path.endsWith(".d.ts") && !files.includes(path.replace(/\.d\.ts$/, ".js")),
    );
    expect(orphanTypes).toEqual([]);
  });

  test("imports only packages in `dependencies`, and every dependency is imported", () => {
    const dependencies = new Set(Object.keys(manifest.dependencies ?? {}));
    const imported = new Map<string, string>();
    for (const path of files.filter((file) => /\.([cm]?js|d\.ts)$/.test(file))) {
      const code = readFileSync(join(ROOT, path), "utf8");
      for (const specifier of importSpecifiers(code).filter(isBare)) {
        const name = packageNameOf(specifier);
        if (OPTIONAL_IN_SDK.has(name)) continue;
        // A declaration file's `import type … from "x"` needs x's types: x itself or @types/x.
        const typesName = `@types/${name.replace(/^@/, "").replace("/", "__")}`;
        const resolved = path.endsWith(".d.ts") && !dependencies.has(name) ? typesName : name;
        if (!imported.has(resolved)) imported.set(resolved, path);
      }
    }
    const missing = [...imported].filter(([name]) => !dependencies.has(name)).map((e) => e.join(" in "));
    expect(missing, "imported by a shipped file but not in dependencies").toEqual([]);
    const unused = [...dependencies].filter((name) => !imported.has(name));
    expect(unused, "in dependencies but imported by no shipped file").toEqual([]);
  });
});

describe("installed into an empty project", () => {
  let moto: Moto;
  let project: string;
  beforeAll(async () => {
    project = join(work, "consumer");
    await mkdir(project);
    await writeFile(
      join(project, "package.json"),
      `${JSON.stringify({ name: "consumer", version: "1.0.0", private: true, type: "module" })}\n`,
    );
    // The npm cache is warm from this repository's `npm ci`; the registry is asked only for what it lacks.
    // As the README says: `npm install -D <tarball>` (its quick start, run by test/docs, uses the same).
    await run("npm", ["install", "-D", "--no-audit", "--no-fund", "--prefer-offline", tarball], {
      cwd: project,
      env: npmEnv(),
    });
    moto = await startMoto();
  }, 120_000);
  afterAll(async () => {
    await moto?.stop();
  });

  test("npx lambda-rollout --version and --help run the installed CLI", async () => {
    const version = await run("npx", ["--no-install", "lambda-rollout", "--version"], {
      cwd: project,
      env: npmEnv(),
    });
    expect(version.stdout).toBe(`${manifest.version}\n`);
    const help = await run("npx", ["--no-install", "lambda-rollout", "--help"], {
      cwd: project,
      env: npmEnv(),
    });
    expect(help.stdout).toContain("Usage: lambda-rollout");
  });

  test("npx lambda-rollout deploy --dry-run prints the plan against moto and changes nothing", async () => {
    const target = await createTarget(moto, "tarball-dry-run");
    onTestFinished(() => rm(target.dir, { recursive: true, force: true }));
    const args = ["--function", target.name, "--zip", target.v2, "--bucket", target.bucket];
    const { stdout, stderr } = await run(
      "npx",
      [
        "--no-install",
        "lambda-rollout",
        "deploy",
        ...args,
        "--strategy",
        "Linear10PercentEvery1Minute",
        "--dry-run",
      ],
      { cwd: project, env: { ...npmEnv(), ...moto.env, CI: "true", GITHUB_REF_NAME: "" } },
    );
    expect(stderr).toContain("Linear10PercentEvery1Minute: 10% for 1m → 20% for 1m");
    expect(`${stdout}${stderr}`).toContain("dry run: nothing was changed");
    expect(await aliasOf(moto, target.name)).toEqual({ version: "1", weights: {} });
  });

  test("import from 'lambda-rollout' gives the library", async () => {
    const code =
      'const m = await import("lambda-rollout"); console.log(typeof m.deploy, typeof m.buildPlan, typeof m.createAwsPorts);';
    const { stdout } = await run(process.execPath, ["--input-type=module", "-e", code], { cwd: project });
    expect(stdout.trim()).toBe("function function function");
  });
});
