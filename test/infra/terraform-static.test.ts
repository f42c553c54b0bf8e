/**
 * `terraform fmt -check` and `terraform validate` for the module and both roots of the example. Fails
 * (does not skip) when Terraform or the provider mirror is missing.
 */
import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createWorkspace, LOCAL_ROOT, MODULE_DIR, REAL_ROOT, type Workspace } from "./support/terraform.js";

const DIRS = [
  MODULE_DIR,
  REAL_ROOT,
  LOCAL_ROOT,
  `${REAL_ROOT}/modules/stack`,
  `${REAL_ROOT}/modules/environment`,
];

let workspace: Workspace;

beforeAll(async () => {
  workspace = await createWorkspace();
}, 30_000);

afterAll(async () => {
  await workspace?.remove();
});

describe("terraform", () => {
  it("is formatted (terraform fmt -check -recursive)", async () => {
    for (const dir of ["terraform", REAL_ROOT]) {
      const result = await workspace.tf(dir, ["fmt", "-check", "-recursive", "-diff", "-no-color"]);
      expect(result.stdout, `terraform fmt would change files in ${dir}`).toBe("");
      expect(result.code).toBe(0);
    }
  });

  it.each(DIRS)(
    "validates %s",
    async (dir) => {
      await workspace.tfOk(dir, ["init", "-input=false", "-backend=false", "-no-color"]);
      const result = await workspace.tfOk(dir, ["validate", "-json", "-no-color"]);
      const report = JSON.parse(result.stdout) as {
        valid: boolean;
        warning_count: number;
        diagnostics: unknown[];
      };
      expect(report.diagnostics).toEqual([]);
      expect(report.valid).toBe(true);
    },
    60_000,
  );

  it("the artifact bucket's lifecycle expires noncurrent versions only: no current package or ledger object", async () => {
    const rules: string[] = [];
    for (const dir of DIRS) {
      for (const file of (await readdir(dir)).filter((name) => name.endsWith(".tf"))) {
        const text = await readFile(join(dir, file), "utf8");
        for (const match of text.matchAll(/resource "aws_s3_bucket_lifecycle_configuration"[\s\S]*?\n}\n/g))
          rules.push(match[0]);
      }
    }
    expect(rules).toHaveLength(1);
    for (const rule of rules) {
      expect(rule).toMatch(/noncurrent_version_expiration\s*{/);
      // `expiration { … }` alone would delete current objects: the ledger's records and locks with them.
      expect(rule).not.toMatch(/(^|[^_])expiration\s*{/m);
    }
  });
});
