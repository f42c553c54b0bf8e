/**
 * What `deploy` and `--help` load. Each command is imported only when it runs (src/cli/program.ts) and
 * the bundle is split at those imports (scripts/build-cli.mjs), so a deploy never parses the emulator,
 * the worker runtime, esbuild or the DynamoDB and IAM clients that `rehearse` and the tests need.
 * Checked twice: in the build's import graph (everything deploy could load), and in a real deploy of the
 * built binary against moto, whose loaded modules a loader hook records (what it does load).
 */
import { spawn } from "node:child_process";
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import type { BuildResult, Metafile } from "esbuild";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { createTarget, runCli } from "../support/lambda-fixtures.js";
import { type Moto, startMoto } from "../support/moto.js";

const ROOT = resolve(import.meta.dirname, "../..");
const BIN = join(ROOT, "bin/lambda-rollout.js");
const RECORDER = join(ROOT, "test/support/record-modules.mjs");

/** Source paths (as esbuild and the source maps name them) that deploy must never load. */
const NOT_FOR_DEPLOY = [
  /(^|\/)src\/local\//,
  /(^|\/)src\/aws\/local-support/,
  /(^|\/)node_modules\/esbuild\//,
  /(^|\/)node_modules\/@aws-sdk\/client-dynamodb\//,
  /(^|\/)node_modules\/@aws-sdk\/client-iam\//,
];
const forbidden = (paths: Iterable<string>) =>
  [...paths].filter((path) => NOT_FOR_DEPLOY.some((pattern) => pattern.test(path)));

type BuildCli = (options: { outdir?: string; write?: boolean }) => Promise<BuildResult<{ metafile: true }>>;
const loadBuildCli = async () =>
  ((await import(join(ROOT, "scripts/build-cli.mjs"))) as { buildCli: BuildCli }).buildCli;

describe("the build's import graph", () => {
  let metafile: Metafile;
  beforeAll(async () => {
    metafile = (await (await loadBuildCli())({ write: false })).metafile;
  });

  /** The outputs loaded with `output` (static imports, transitively), their inputs and external imports. */
  function staticClosure(...outputs: string[]) {
    const seen = new Set(outputs);
    const queue = [...outputs];
    const externals = new Set<string>();
    for (let output = queue.pop(); output !== undefined; output = queue.pop()) {
      for (const imported of metafile.outputs[output]?.imports ?? []) {
        if (imported.external) externals.add(imported.path);
        else if (imported.kind === "import-statement" && !seen.has(imported.path)) {
          seen.add(imported.path);
          queue.push(imported.path);
        }
      }
    }
    const inputs = [...seen].flatMap((output) => Object.keys(metafile.outputs[output]?.inputs ?? {}));
    return { outputs: seen, inputs, externals };
  }

  const chunkOf = (entryPoint: string) => {
    const found = Object.entries(metafile.outputs).find(([, output]) => output.entryPoint === entryPoint);
    if (!found) throw new Error(`no output for ${entryPoint}`);
    return found[0];
  };

  test("each command is a chunk of its own, beside the entry dist/cli.mjs", () => {
    expect(chunkOf("src/cli/main.ts")).toBe("dist/cli.mjs");
    for (const name of ["deploy", "status", "rollback", "promote", "iam-policy", "package", "rehearse"]) {
      expect(chunkOf(`src/cli/commands/${name}.ts`)).toMatch(/^dist\/cli-chunks\//);
    }
  });

  test("start-up (the command tree, --help) holds no command's code and no AWS SDK", () => {
    const startup = staticClosure("dist/cli.mjs");
    expect(startup.inputs).toContain("src/cli/program.ts");
    expect(startup.inputs.filter((input) => /src\/cli\/commands\/|@aws-sdk|@smithy/.test(input))).toEqual([]);
  });

  test("deploy can reach neither the emulator, esbuild, nor the DynamoDB and IAM clients", () => {
    const deploy = staticClosure("dist/cli.mjs", chunkOf("src/cli/commands/deploy.ts"));
    expect(deploy.inputs).toContain("src/run.ts");
    expect(deploy.inputs.some((input) => input.includes("@aws-sdk/client-lambda/"))).toBe(true);
    expect(forbidden(deploy.inputs)).toEqual([]);
    expect([...deploy.externals].filter((path) => path.startsWith("esbuild"))).toEqual([]);
  });

  test("the graph check would notice: rehearse reaches the emulator", () => {
    const rehearse = staticClosure("dist/cli.mjs", chunkOf("src/cli/commands/rehearse.ts"));
    expect(forbidden(rehearse.inputs)).toEqual(expect.arrayContaining(["src/local/emulator.ts"]));
  });
});

test("a build leaves only its own chunks beside the entry, none of an earlier build's", async () => {
  const outdir = await mkdtemp(join(tmpdir(), "lr-cli-build-"));
  try {
    await mkdir(join(outdir, "cli-chunks"));
    await writeFile(join(outdir, "cli-chunks/chunk-OLDBUILD.mjs"), "export {};\n");
    const { metafile } = await (await loadBuildCli())({ outdir });
    const written = (await readdir(join(outdir, "cli-chunks"))).map((name) => `cli-chunks/${name}`);
    const built = Object.keys(metafile.outputs).map((path) => path.slice(path.indexOf("cli-chunks/")));
    // Only this build's chunks (the ones the entry reaches: test/package/tarball.test.ts checks that).
    expect(written).not.toContain("cli-chunks/chunk-OLDBUILD.mjs");
    expect(written.filter((path) => !built.includes(path))).toEqual([]);
    expect(written.length).toBeGreaterThan(0);
  } finally {
    await rm(outdir, { recursive: true, force: true });
  }
});

/** Runs the built binary with the recorder preloaded; returns the sources of every module it loaded. */
async function loadedSources(run: (env: Record<string, string>) => Promise<{ code: number | null }>) {
  const record = join(tmpdir(), `lr-modules-${process.pid}-${Date.now()}.txt`);
  try {
    const result = await run({ NODE_OPTIONS: `--import=${RECORDER}`, RECORD_MODULES_TO: record });
    const urls = (await readFile(record, "utf8")).split("\n").filter((url) => url.startsWith("file:"));
    const files = urls.map((url) => fileURLToPath(url));
    const sources: string[] = [];
    for (const file of files.filter((path) => path.startsWith(join(ROOT, "dist")))) {
      const map = JSON.parse(await readFile(`${file}.map`, "utf8")) as { sources: string[] };
      sources.push(...map.sources.map((source) => resolve(dirname(file), source).slice(ROOT.length + 1)));
    }
    // Modules loaded from outside the bundle (esbuild is external) count by their own path.
    sources.push(...files.filter((path) => !path.startsWith(join(ROOT, "dist"))));
    return { code: result.code, files, sources };
  } finally {
    await rm(record, { force: true });
  }
}

describe("what the built binary loads", () => {
  let moto: Moto;
  beforeAll(async () => {
    moto = await startMoto();
  });
  afterAll(async () => {
    await moto?.stop();
  });

  test("--help loads the entry and the command tree only", async () => {
    const help = await loadedSources(
      (env) =>
        new Promise((done) =>
          spawn(process.execPath, [BIN, "deploy", "--help"], { env: { ...process.env, ...env } }).on(
            "close",
            (code) => done({ code }),
          ),
        ),
    );
    expect(help.code).toBe(0);
    expect(help.files.some((file) => file.endsWith("dist/cli.mjs"))).toBe(true);
    expect(help.sources.filter((source) => /src\/cli\/commands\/|@aws-sdk/.test(source))).toEqual([]);
  });

  test("an all-at-once deploy loads the AWS clients it uses, and nothing of the emulator or esbuild", async () => {
    const target = await createTarget(moto, "bundle-loads");
    const deploy = await loadedSources((env) =>
      runCli(
        moto,
        ["deploy", "--function", target.name, "--zip", target.v2, "--bucket", target.bucket].concat([
          "--strategy",
          "AllAtOnce",
          "--json",
        ]),
        undefined,
        env,
      ),
    );
    expect(deploy.code).toBe(0);
    expect(deploy.sources).toContain("src/cli/commands/deploy.ts");
    expect(deploy.sources.some((source) => source.includes("@aws-sdk/client-lambda/"))).toBe(true);
    expect(forbidden(deploy.sources)).toEqual([]);
  });
});
