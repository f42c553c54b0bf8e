/**
 * The GitHub OIDC role's trust policy, planned against moto: with `github_owner_id` and
 * `github_repository_id` the `sub` condition is exactly GitHub's immutable subject
 * (repo:OWNER@OWNER_ID/NAME@REPO_ID:..., https://docs.github.com/en/actions/reference/security/oidc#immutable-subject-claims),
 * one value, no name-only form beside it; without them, today's name form. Both forms, for an environment
 * and a branch, come from one plan of four module instances. Bad ids are refused before anything is planned.
 */
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Moto, startMoto } from "../support/moto.js";
import { createWorkspace, type Workspace } from "./support/terraform.js";

const ROOT = "oidc-plan";
const PROVIDER = `provider "aws" {
  region                      = "us-east-1"
  access_key                  = "test"
  secret_key                  = "test"
  skip_credentials_validation = true
  skip_requesting_account_id  = true
  skip_metadata_api_check     = true
  s3_use_path_style           = true
  endpoints {
    apigateway = var.endpoint
    cloudwatch = var.endpoint
    dynamodb   = var.endpoint
    iam        = var.endpoint
    lambda     = var.endpoint
    logs       = var.endpoint
    s3         = var.endpoint
    sts        = var.endpoint
  }
}

variable "endpoint" { type = string }
`;

/** One module instance per case; `extra` is HCL lines added to the module block. */
function moduleBlock(name: string, extra: string): string {
  return `module "${name}" {
  source                   = "../terraform/modules/lambda-rollout-target"
  function_name            = "${name}"
  execution_role_arn       = "arn:aws:iam::123456789012:role/exec"
  handler                  = "handler.handler"
  artifact_bucket          = "artifacts"
  bootstrap_s3_key         = "bootstrap.zip"
  create_error_alarm       = false
  ci_identity              = "github_oidc"
  github_oidc_provider_arn = "arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com"
  github_repository        = "octo/shop"
${extra}
}
`;
}

const IDS = "  github_owner_id          = 123456\n  github_repository_id     = 456789\n";
/** The example's stack with GitHub OIDC: the ids reach the module of each environment. */
const EXAMPLE = `module "example" {
  source                   = "../examples/name-searcher/infra/modules/stack"
  artifact_bucket_name     = "name-searcher-artifacts-oidc"
  ci_identity              = "github_oidc"
  github_oidc_provider_arn = "arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com"
  github_repository        = "octo/shop"
${IDS}}
`;
const CASES = {
  immutable_environment: `${IDS}  github_environment = "production"`,
  immutable_branch: `${IDS}  github_branch = "main"`,
  name_environment: `  github_environment = "production"`,
  name_branch: `  github_branch = "main"`,
};

interface PlannedResource {
  address: string;
  type: string;
  values: { assume_role_policy?: string };
}
interface PlannedModule {
  resources?: PlannedResource[];
  child_modules?: PlannedModule[];
}
interface PlanJson {
  planned_values: { root_module: PlannedModule };
}

const resourcesOf = (module: PlannedModule): PlannedResource[] => [
  ...(module.resources ?? []),
  ...(module.child_modules ?? []).flatMap(resourcesOf),
];

let moto: Moto;
let workspace: Workspace;
let plan: PlanJson;

beforeAll(async () => {
  moto = await startMoto();
  workspace = await createWorkspace();
  await mkdir(join(workspace.root, ROOT));
  const modules = Object.entries(CASES).map(([name, extra]) => moduleBlock(name, extra));
  await writeFile(join(workspace.root, ROOT, "main.tf"), [PROVIDER, EXAMPLE, ...modules].join("\n"));
  await workspace.tfOk(ROOT, ["init", "-input=false", "-no-color"]);
  await workspace.tfOk(ROOT, [
    "plan",
    "-input=false",
    "-no-color",
    "-out=tfplan",
    "-var",
    `endpoint=${moto.endpoint}`,
  ]);
  plan = JSON.parse((await workspace.tfOk(ROOT, ["show", "-json", "-no-color", "tfplan"])).stdout);
}, 120_000);

afterAll(async () => {
  await workspace?.remove();
  await moto?.stop();
});

/** The `sub` values of the role's trust policy in `module` (an address), exactly as planned. */
function subjects(module: string): unknown {
  const address = `${module.startsWith("module.") ? module : `module.${module}`}.aws_iam_role.deployer[0]`;
  const role = resourcesOf(plan.planned_values.root_module).find((r) => r.address === address);
  if (!role?.values.assume_role_policy) throw new Error(`no planned trust policy at ${address}`);
  const policy = JSON.parse(role.values.assume_role_policy) as {
    Statement: { Condition: Record<string, Record<string, unknown>> }[];
  };
  expect(policy.Statement).toHaveLength(1);
  const condition = policy.Statement[0]?.Condition ?? {};
  // Only StringEquals: no StringLike (wildcards) and no second operator carrying another sub.
  expect(Object.keys(condition)).toEqual(["StringEquals"]);
  const sub = condition.StringEquals?.["token.actions.githubusercontent.com:sub"];
  return Array.isArray(sub) ? sub : [sub];
}

describe("the GitHub OIDC trust policy (terraform plan against moto)", () => {
  it("with the ids, trusts exactly the immutable subject of the environment, nothing else", () => {
    expect(subjects("immutable_environment")).toEqual([
      "repo:octo@123456/shop@456789:environment:production",
    ]);
  });

  it("with the ids, trusts exactly the immutable subject of the branch", () => {
    expect(subjects("immutable_branch")).toEqual(["repo:octo@123456/shop@456789:ref:refs/heads/main"]);
  });

  it("never the withdrawn hyphen form, which a repository named octo-123456/shop-456789 could mint", () => {
    const all = JSON.stringify([subjects("immutable_environment"), subjects("immutable_branch")]);
    expect(all).not.toContain("octo-123456");
    expect(all).not.toContain("repo:octo/shop");
  });

  it("the example infrastructure passes the ids through: each environment's role trusts its immutable subject", () => {
    const role = (env: string) => `module.example.module.environment["${env}"].module.function`;
    expect(subjects(role("production"))).toEqual(["repo:octo@123456/shop@456789:environment:production"]);
    expect(subjects(role("staging"))).toEqual(["repo:octo@123456/shop@456789:environment:staging"]);
  });

  it("without the ids, keeps the name-only subject", () => {
    expect(subjects("name_environment")).toEqual(["repo:octo/shop:environment:production"]);
    expect(subjects("name_branch")).toEqual(["repo:octo/shop:ref:refs/heads/main"]);
  });
});

describe("the id variables", () => {
  /** Plans a root of one module instance per entry (name → id lines); it must fail. Terraform's output. */
  async function refused(dir: string, cases: Record<string, string>): Promise<string> {
    const modules = Object.entries(cases).map(([name, ids]) =>
      moduleBlock(name, `${ids}\n  github_environment = "production"`),
    );
    await mkdir(join(workspace.root, dir));
    await writeFile(join(workspace.root, dir, "main.tf"), [PROVIDER, ...modules].join("\n"));
    await workspace.tfOk(dir, ["init", "-input=false", "-no-color"]);
    const vars = ["-var", `endpoint=${moto.endpoint}`];
    const result = await workspace.tf(dir, ["plan", "-input=false", "-no-color", ...vars]);
    expect(result.code).not.toBe(0);
    return result.stderr.replace(/\s+/g, " ");
  }

  it("refuse an id that is not a whole number of at least 1, all reported in one run", async () => {
    const output = await refused(`${ROOT}-values`, {
      text: '  github_owner_id = "octo"\n  github_repository_id = 456789',
      fraction: "  github_owner_id = 12.5\n  github_repository_id = 456789",
      zero: "  github_owner_id = 123456\n  github_repository_id = 0",
    });
    expect(output).toMatch(/in module "text".*github_owner_id = "octo".*a number is required/);
    expect(output).toContain("github_owner_id must be the owner's numeric GitHub id");
    expect(output).toContain("github_repository_id must be the repository's numeric GitHub id");
  }, 120_000);

  // Terraform checks the role's preconditions only once every variable is valid: planned on its own.
  it("refuse one id without the other, saying how to find both", async () => {
    const output = await refused(`${ROOT}-alone`, { alone: "  github_owner_id = 123456" });
    expect(output).toContain("github_owner_id and github_repository_id go together");
    expect(output).toContain("gh api repos/OWNER/NAME --jq '.owner.id, .id'");
  }, 120_000);
});
