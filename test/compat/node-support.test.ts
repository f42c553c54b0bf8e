/**
 * What `engines` promises holds for what the bundles contain. The AWS SDK for JavaScript v3 requires
 * Node 22 in its releases from the first week of January 2027; until lambda-rollout 0.2.0 requires
 * Node 22 itself, the SDK stays pinned to releases that still support Node 20 (docs/guides/ci-and-terraform.md, Node.js and Lambda runtime versions).
 */
import { readFile } from "node:fs/promises";
import { describe, expect, it } from "vitest";
import { TESTED_NODE_VERSIONS } from "../support/node-binaries.js";

const root = new URL("../../", import.meta.url);
const readJson = async <T>(path: string) => JSON.parse(await readFile(new URL(path, root), "utf8")) as T;

interface Manifest {
  engines: { node: string };
  dependencies: Record<string, string>;
}
interface Lockfile {
  packages: Record<string, { version?: string; engines?: { node?: string } }>;
}

const major = (version: string) => Number(/^v?(\d+)/.exec(version)?.[1]);

/** The forms `engines` uses here: `^N`, `>=N` (minor and patch optional), joined by `||`. */
function admits(range: string, version: string): boolean {
  return range.split("||").some((part) => {
    const match = /^\s*(\^|>=)\s*v?(\d+)(?:\.\d+){0,2}\s*$/.exec(part);
    if (!match) throw new Error(`unrecognised range "${part.trim()}" in "${range}"`);
    return match[1] === "^" ? major(version) === Number(match[2]) : major(version) >= Number(match[2]);
  });
}

/** Lowest Node major a `>=N…` engines range admits. */
function minimumMajor(range: string): number {
  const match = /^\s*>=\s*v?(\d+)(?:\.\d+){0,2}\s*$/.exec(range);
  if (!match) throw new Error(`unrecognised engines range "${range}": check by hand which Node it needs`);
  return Number(match[1]);
}

describe("Node.js support", () => {
  it("engines admits every Node the multi-version test runs the bundles on", async () => {
    const { engines } = await readJson<Manifest>("package.json");
    for (const version of [process.versions.node, ...TESTED_NODE_VERSIONS]) {
      expect(admits(engines.node, version), `${engines.node} admits ${version}`).toBe(true);
    }
    expect(admits(engines.node, "26.0.0")).toBe(true);
    expect(admits(engines.node, "18.20.0")).toBe(false);
  });

  it("while engines admits Node 20, every AWS SDK and Smithy package installed supports it", async () => {
    const { engines } = await readJson<Manifest>("package.json");
    const lowest = admits(engines.node, "20.0.0") ? 20 : 22;
    const { packages } = await readJson<Lockfile>("package-lock.json");
    const sdk = Object.entries(packages).filter(([path]) => /node_modules\/@(aws-sdk|smithy)\//.test(path));
    expect(sdk.length).toBeGreaterThan(20);
    const tooNew = sdk
      .filter(([, entry]) => entry.engines?.node !== undefined && minimumMajor(entry.engines.node) > lowest)
      .map(([path, entry]) => `${path}@${entry.version} needs node ${entry.engines?.node}`);
    expect(tooNew, `engines says ${engines.node}`).toEqual([]);
  });

  it("while engines admits Node 20, the AWS SDK dependencies are exact versions, not ranges", async () => {
    const { engines, dependencies } = await readJson<Manifest>("package.json");
    if (!admits(engines.node, "20.0.0")) return;
    const sdk = Object.entries(dependencies).filter(([name]) => name.startsWith("@aws-sdk/"));
    expect(sdk.length).toBeGreaterThan(0);
    for (const [name, range] of sdk) expect(range, name).toMatch(/^\d+\.\d+\.\d+$/);
  });
});
