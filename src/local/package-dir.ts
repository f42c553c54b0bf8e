/**
 * Unpacks a deployment package into its own temporary directory, the local stand-in for Lambda's
 * `/var/task`. One directory per CodeSha256, so each version imports its own files and nothing else.
 */
import { existsSync } from "node:fs";
import { mkdir, mkdtemp, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join, resolve, sep } from "node:path";
import { fileURLToPath } from "node:url";
import { unzipSync } from "fflate";

/**
 * Entries are written only inside `root`: a `../` or absolute name in a zip (zip slip) is refused
 * rather than written somewhere on the developer's machine.
 */
export async function unpackZip(bytes: Uint8Array, root: string): Promise<string[]> {
  const files = unzipSync(bytes);
  const written: string[] = [];
  for (const [name, content] of Object.entries(files)) {
    const target = resolve(root, name);
    if (target !== root && !target.startsWith(root + sep)) {
      throw new Error(`refusing zip entry outside the package root: ${name}`);
    }
    if (name.endsWith("/")) {
      await mkdir(target, { recursive: true });
      continue;
    }
    await mkdir(dirname(target), { recursive: true });
    await writeFile(target, content);
    written.push(name);
  }
  return written;
}

/**
 * The Node.js Lambda runtimes ship the AWS SDK v3, so bundles usually leave `@aws-sdk/*` out. The local
 * stand-in is the node_modules this package was installed with (which holds the SDK).
 */
export function findRuntimeModules(start = dirname(fileURLToPath(import.meta.url))): string | undefined {
  let dir = start;
  for (;;) {
    const candidate = join(dir, "node_modules");
    if (existsSync(join(candidate, "@aws-sdk"))) return candidate;
    const parent = dirname(dir);
    if (parent === dir) return undefined;
    dir = parent;
  }
}

export interface PackageDir {
  root: string;
  remove(): Promise<void>;
}

export async function createPackageDir(
  bytes: Uint8Array,
  label: string,
  runtimeModules: string | undefined,
): Promise<PackageDir> {
  const safeLabel = label.replace(/[^A-Za-z0-9_-]/g, "_").slice(0, 60);
  const root = await mkdtemp(join(tmpdir(), `lambda-rollout-${safeLabel}-`));
  try {
    const names = await unpackZip(bytes, root);
    const bringsOwnModules = names.some((n) => n.startsWith("node_modules/"));
    if (runtimeModules && !bringsOwnModules) {
      await symlink(runtimeModules, join(root, "node_modules"), "dir");
    }
  } catch (error) {
    await rm(root, { recursive: true, force: true });
    throw error;
  }
  return { root, remove: () => rm(root, { recursive: true, force: true }) };
}
