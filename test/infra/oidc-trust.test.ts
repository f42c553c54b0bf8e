/**
 * The GitHub OIDC role's trust policy, planned against moto: with `github_owner_id` and
 * `github_repository_id` the `sub` condition is exactly GitHub's immutable subject
 * (repo:OWNER@OWNER_ID/NAME@REPO_ID:..., https://docs.github.com/en/actions/reference/security/oidc#immutable-subject-claims),
 * one value, no name-only form beside it; without them, today's name form. Both forms, for an environment
 * and a branch, and the example's stack passing the ids through, come from one plan. Bad ids are refused:
 * invalid values by `terraform validate`, one id without the other by the role's precondition.
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
  immutable_environment: `${IDS}  github_environment = "production"\n  create_preview_role = true`,
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
/** Terraform's output for the roots that must be refused. */
let refusals: { values: string; alone: string };

/** Writes `main.tf` of a root (a directory of the workspace) and inits it. */
async function root(dir: string, parts: string[], init: string[] = []): Promise<void> {
  await mkdir(join(workspace.root, dir));
  await writeFile(join(workspace.root, dir, "main.tf"), parts.join("\n"));
  await workspace.tfOk(dir, ["init", "-input=false", "-no-color", ...init]);
}

/** Runs a Terraform command that must fail; its error output on one line. */
async function refused(dir: string, args: string[]): Promise<string> {
  const result = await workspace.tf(dir, [...args, "-no-color"]);
  if (result.code === 0) throw new Error(`terraform ${args[0]} in ${dir} succeeded; it must refuse`);
  return result.stderr.replace(/\s+/g, " ");
}

const planning = ["plan", "-input=false"];

// Each Terraform run costs seconds of provider start-up: the three roots are planned side by side.
beforeAll(async () => {
  moto = await startMoto();
  workspace = await createWorkspace();
  const endpoint = ["-var", `endpoint=${moto.endpoint}`];
  const cases = Object.entries(CASES).map(([name, extra]) => moduleBlock(name, extra));
  const bad = {
    text: '  github_owner_id = "octo"\n  github_repository_id = 456789',
    fraction: "  github_owner_id = 12.5\n  github_repository_id = 456789",
    zero: "  github_owner_id = 123456\n  github_repository_id = 0",
  };
  const invalid = Object.entries(bad).map(([name, ids]) =>
    moduleBlock(name, `${ids}\n  github_environment = "production"`),
  );
  const [planned, values, alone] = await Promise.all([
    (async () => {
      await root(ROOT, [PROVIDER, EXAMPLE, ...cases]);
      await workspace.tfOk(ROOT, [...planning, "-no-color", "-out=tfplan", ...endpoint]);
      return (await workspace.tfOk(ROOT, ["show", "-json", "-no-color", "tfplan"])).stdout;
    })(),
    // Invalid values are caught by `terraform validate`, every one of them in one run.
    (async () => {
      await root(`${ROOT}-values`, invalid, ["-backend=false"]);
      return await refused(`${ROOT}-values`, ["validate"]);
    })(),
    // Terraform checks the role's preconditions only once every variable is valid: a root of its own.
    (async () => {
      const only = moduleBlock("alone", '  github_owner_id = 123456\n  github_environment = "production"');
      await root(`${ROOT}-alone`, [PROVIDER, only]);
      return await refused(`${ROOT}-alone`, [...planning, ...endpoint]);
    })(),
  ]);
  plan = JSON.parse(planned);
  refusals = { values, alone };
}, 180_000);

afterAll(async () => {
  await workspace?.remove();
  await moto?.stop();
});

/** The `sub` values of the role's trust policy in `module` (an address), exactly as planned. */
function subjects(module: string, name = "deployer"): unknown {
  const address = `${module.startsWith("module.") ? module : `module.${module}`}.aws_iam_role.${name}[0]`;
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

  it("with the ids, the read-only preview role trusts the immutable subject of pull requests", () => {
    expect(subjects("immutable_environment", "preview")).toEqual([
      "repo:octo@123456/shop@456789:pull_request",
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
  it("refuse an id that is not a whole number of at least 1, all reported at once", () => {
    expect(refusals.values).toMatch(/in module "text".*github_owner_id = "octo".*a number is required/);
    expect(refusals.values).toContain("github_owner_id must be the owner's numeric GitHub id");
    expect(refusals.values).toContain("github_repository_id must be the repository's numeric GitHub id");
  });

  it("refuse one id without the other, saying how to find both", () => {
    expect(refusals.alone).toContain("github_owner_id and github_repository_id go together");
    expect(refusals.alone).toContain("gh api repos/OWNER/NAME --jq '.owner.id, .id'");
  });
});
