/**
 * One default Lambda runtime everywhere: what `package` builds for (LAMBDA_RUNTIME, and esbuild's
 * target through it), what the Terraform module creates by default, and what the example deploys.
 * docs/guides/ci-and-terraform.md (Node.js and Lambda runtime versions) says why it is nodejs22.x.
 */
import { readdir, readFile } from "node:fs/promises";
import { describe, expect, it } from "vitest";
import { LAMBDA_RUNTIME } from "../../src/artifact/bundle.js";
import { PROVIDER_MIRROR } from "../infra/support/terraform.js";

const root = new URL("../../", import.meta.url);
const read = (path: string) => readFile(new URL(path, root), "utf8");

describe("the default Lambda runtime", () => {
  it("is the Terraform module's default", async () => {
    const variables = await read("terraform/modules/lambda-rollout-target/variables.tf");
    const block = /variable "runtime" \{[^}]*\}/.exec(variables)?.[0] ?? "";
    expect(block).toMatch(new RegExp(`default\\s*=\\s*"${LAMBDA_RUNTIME.replace(".", "\\.")}"`));
  });

  it("is what the example's infrastructure and README use", async () => {
    const environment = await read("examples/name-searcher/infra/modules/environment/main.tf");
    expect([...environment.matchAll(/runtime\s*=\s*"([^"]+)"/g)].map((m) => m[1])).toEqual([LAMBDA_RUNTIME]);
    const readme = await read("examples/name-searcher/README.md");
    expect(readme).toMatch(new RegExp(`\\| Runtime\\s+\\| \`${LAMBDA_RUNTIME.replace(".", "\\.")}\``));
  });
});

/** hashicorp/aws accepts nodejs24.x from 6.20 on; 5.x rejects it (the README's requirements section). */
const NODEJS24_PROVIDER = [6, 20] as const;

const parts = (version: string) => version.split(".").map(Number);
function atLeast(version: string, [major, minor]: readonly [number, number]): boolean {
  const [a = 0, b = 0] = parts(version);
  return a > major || (a === major && b >= minor);
}
function newest(versions: string[]): string | undefined {
  const compare = (x: string, y: string) => {
    const [p, q] = [parts(x), parts(y)];
    for (let i = 0; i < 3; i++) if ((p[i] ?? 0) !== (q[i] ?? 0)) return (p[i] ?? 0) - (q[i] ?? 0);
    return 0;
  };
  return versions
    .filter((v) => /^\d+\.\d+\.\d+$/.test(v))
    .sort(compare)
    .at(-1);
}

/** The module's default runtime for the newest provider Terraform would install. */
function runtimeFor(providerVersions: string[]): string {
  const version = newest(providerVersions);
  if (version === undefined) throw new Error("no hashicorp/aws provider version");
  return atLeast(version, NODEJS24_PROVIDER) ? "nodejs24.x" : "nodejs22.x";
}

describe("the module's default runtime follows the provider in the mirror", () => {
  it("nodejs22.x while the newest provider is below 6.20, nodejs24.x from 6.20 on", () => {
    expect(runtimeFor(["5.100.0"])).toBe("nodejs22.x");
    expect(runtimeFor(["6.19.3", "5.100.0"])).toBe("nodejs22.x");
    expect(runtimeFor(["5.100.0", "6.20.0"])).toBe("nodejs24.x");
    expect(runtimeFor(["7.0.1"])).toBe("nodejs24.x");
  });

  it("is what the mirror's provider calls for (this fails the day a 6.20+ provider arrives, until the default moves)", async () => {
    const installed = await readdir(`${PROVIDER_MIRROR}/registry.terraform.io/hashicorp/aws`);
    const variables = await read("terraform/modules/lambda-rollout-target/variables.tf");
    const block = /variable "runtime" \{[^}]*\}/.exec(variables)?.[0] ?? "";
    const expected = runtimeFor(installed);
    expect(/default\s*=\s*"([^"]+)"/.exec(block)?.[1], `provider ${newest(installed)} in the mirror`).toBe(
      expected,
    );
    // Moving to nodejs24.x means no longer admitting a provider that rejects it.
    const constraint = /version\s*=\s*">=\s*([\d.]+)/.exec(
      await read("terraform/modules/lambda-rollout-target/versions.tf"),
    )?.[1];
    if (expected === "nodejs24.x") expect(atLeast(constraint ?? "0", NODEJS24_PROVIDER)).toBe(true);
    else expect(block).toContain("nodejs24.x needs hashicorp/aws 6.20 or later");
  });
});
