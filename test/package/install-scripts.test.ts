/**
 * A fresh `npm ci` runs no install script nobody reviewed, and prints no install-script warning
 * (npm 11 warns about every dependency whose scripts `allowScripts` in package.json does not cover).
 *
 * esbuild is denied (`false`): its postinstall only checks the binary's version and hard-links the
 * platform binary over the `esbuild` shell command. lambda-rollout and the build scripts use esbuild's
 * JavaScript API, which finds the binary in the platform package (@esbuild/<os>-<cpu>, an optional
 * dependency npm installs by itself) and checks its version on start-up.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { expect, test } from "vitest";

const ROOT = join(import.meta.dirname, "../..");
const read = <T>(path: string) => JSON.parse(readFileSync(join(ROOT, path), "utf8")) as T;

interface Manifest {
  allowScripts?: Record<string, boolean>;
}
interface Lockfile {
  packages: Record<string, { version?: string; hasInstallScript?: boolean }>;
}

test("every locked package with an install script is approved or denied in allowScripts", () => {
  const { allowScripts = {} } = read<Manifest>("package.json");
  const { packages } = read<Lockfile>("package-lock.json");
  const covered = (name: string, version = "") =>
    name in allowScripts || `${name}@${version}` in allowScripts;
  const unreviewed = Object.entries(packages)
    .filter(([path, entry]) => path !== "" && entry.hasInstallScript)
    .map(([path, entry]) => ({ name: path.replace(/^.*node_modules\//, ""), version: entry.version }))
    .filter(({ name, version }) => !covered(name, version))
    .map(({ name, version }) => `${name}@${version}`);
  expect(unreviewed, "review them, then `npm install-scripts approve|deny <name>`").toEqual([]);
});

test("esbuild's API finds its binary without the postinstall", async () => {
  const esbuild = await import("esbuild");
  const { code } = await esbuild.transform("let x: number = 1", { loader: "ts" });
  expect(code).toBe("let x = 1;\n");
});
