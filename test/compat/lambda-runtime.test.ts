/**
 * One default Lambda runtime everywhere: what `package` builds for (LAMBDA_RUNTIME, and esbuild's
 * target through it), what the Terraform module creates by default, and what the example deploys.
 * docs/guides/ci-and-terraform.md (Node.js and Lambda runtime versions) says why it is nodejs22.x.
 */
import { readFile } from "node:fs/promises";
import { describe, expect, it } from "vitest";
import { LAMBDA_RUNTIME } from "../../src/artifact/bundle.js";

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
