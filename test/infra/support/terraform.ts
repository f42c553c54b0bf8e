/**
 * Terraform for tests: a temporary copy of the repo's Terraform (so the working tree stays clean), a CLI
 * config that installs the AWS provider from the image's filesystem mirror, and `applyLocalStack()`,
 * which applies examples/name-searcher/infra/local against a running moto and returns its outputs.
 */
import { execFile } from "node:child_process";
import { access, cp, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { basename, dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import type { Moto } from "../../support/moto.js";

export const REPO = resolve(dirname(fileURLToPath(import.meta.url)), "../../..");
export const PROVIDER_MIRROR = "/opt/tf-plugins";
const PROVIDER_DIR = `${PROVIDER_MIRROR}/registry.terraform.io/hashicorp/aws`;

/** Directories (relative to the repo) that hold Terraform roots or modules under test. */
export const MODULE_DIR = "terraform/modules/lambda-rollout-target";
export const REAL_ROOT = "examples/name-searcher/infra";
export const LOCAL_ROOT = "examples/name-searcher/infra/local";

export interface TfResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Fails (never skips) with a message naming what is missing. */
export async function requireTerraform(): Promise<void> {
  const missing: string[] = [];
  const version = await run("terraform", ["version"], REPO, {});
  if (version.code !== 0)
    missing.push(`the terraform binary on PATH (${version.stderr.trim() || "not found"})`);
  try {
    await access(PROVIDER_DIR);
  } catch {
    missing.push(`the hashicorp/aws provider mirror at ${PROVIDER_DIR}`);
  }
  if (missing.length > 0) {
    throw new Error(
      `Terraform tests need ${missing.join(" and ")}; install them (see docs/contributing/development.md).`,
    );
  }
}

function run(command: string, args: string[], cwd: string, env: Record<string, string>): Promise<TfResult> {
  return new Promise((resolvePromise) => {
    execFile(
      command,
      args,
      { cwd, env: { ...process.env, ...env }, maxBuffer: 64 * 1024 * 1024 },
      (error, stdout, stderr) => {
        const code =
          error === null
            ? 0
            : typeof error.code === "number"
              ? error.code
              : error.code === "ENOENT"
                ? 127
                : 1;
        resolvePromise({ code, stdout, stderr: error && code === 127 ? error.message : stderr });
      },
    );
  });
}

export interface Workspace {
  /** Root of the temporary copy; the repo-relative layout is kept so module sources resolve. */
  root: string;
  env: Record<string, string>;
  /** Runs terraform in `dir` (repo-relative) of the copy. Does not throw; see `tfOk`. */
  tf(dir: string, args: string[], extraEnv?: Record<string, string>): Promise<TfResult>;
  /** Like `tf`, but throws with terraform's output when it exits non-zero. */
  tfOk(dir: string, args: string[], extraEnv?: Record<string, string>): Promise<TfResult>;
  remove(): Promise<void>;
}

const SKIP = new Set([".terraform", ".terraform.lock.hcl", "terraform.tfstate", "terraform.tfstate.backup"]);

export async function createWorkspace(): Promise<Workspace> {
  await requireTerraform();
  const root = await mkdtemp(join(tmpdir(), "lambda-rollout-tf-"));
  for (const dir of ["terraform", REAL_ROOT]) {
    await cp(join(REPO, dir), join(root, dir), {
      recursive: true,
      filter: (source) => !SKIP.has(basename(source)),
    });
  }
  const cliConfig = join(root, "terraform.rc");
  await writeFile(
    cliConfig,
    `provider_installation {
  filesystem_mirror {
    path    = "${PROVIDER_MIRROR}"
    include = ["registry.terraform.io/hashicorp/aws"]
  }
  direct {
    exclude = ["registry.terraform.io/hashicorp/aws"]
  }
}
`,
  );
  const env = {
    TF_CLI_CONFIG_FILE: cliConfig,
    TF_IN_AUTOMATION: "1",
    TF_INPUT: "0",
    CHECKPOINT_DISABLE: "1",
  };
  const tf = (dir: string, args: string[], extraEnv: Record<string, string> = {}) =>
    run("terraform", [...args], join(root, dir), { ...env, ...extraEnv });
  return {
    root,
    env,
    tf,
    async tfOk(dir, args, extraEnv) {
      const result = await tf(dir, args, extraEnv);
      if (result.code !== 0) {
        throw new Error(
          `terraform ${args.join(" ")} in ${dir} exited ${result.code}:\n${result.stderr}\n${result.stdout}`.slice(
            0,
            8000,
          ),
        );
      }
      return result;
    },
    remove: () => rm(root, { recursive: true, force: true }),
  };
}

/** One environment of the applied stack, as the tests and `lambda-rollout` address it. */
export interface EnvironmentOutputs {
  functionName: string;
  aliasName: string;
  aliasArn: string;
  tableName: string;
  apiId: string;
  apiStage: string;
  alarmNames: string[];
  artifactKeyPrefix: string;
  /** JSON rendered by the module's aws_iam_policy_document. */
  deployerPolicy: string;
  /** The read-only policy of `preview` (preview.tf), as rendered. */
  previewPolicy: string;
  accessKeyId: string;
  secretAccessKey: string;
}

export interface StackOutputs {
  region: string;
  accountId: string;
  artifactBucket: string;
  artifactPrefix: string;
  environments: Record<"production" | "staging", EnvironmentOutputs>;
}

export interface LocalStack {
  workspace: Workspace;
  outputs: StackOutputs;
  /** `terraform plan -detailed-exitcode`: 0 = no changes, 2 = changes. */
  plan(): Promise<TfResult>;
  destroy(): Promise<TfResult>;
}

interface RawSummary {
  function_name: string;
  alias_name: string;
  alias_arn: string;
  table_name: string;
  api_id: string;
  api_stage: string;
  alarm_names: string[];
  artifact_key_prefix: string;
}

interface RawOutputs {
  artifact_bucket: { value: string };
  artifact_prefix: { value: string };
  environments: { value: Record<string, RawSummary> };
  deployer_policies: { value: Record<string, string> };
  preview_policies: { value: Record<string, string> };
  deployer_access_key_ids: { value: Record<string, string> };
  deployer_secret_access_keys: { value: Record<string, string> };
}

function environmentOutputs(raw: RawOutputs, name: "production" | "staging"): EnvironmentOutputs {
  const summary = raw.environments.value[name];
  const accessKeyId = raw.deployer_access_key_ids.value[name];
  const secretAccessKey = raw.deployer_secret_access_keys.value[name];
  const deployerPolicy = raw.deployer_policies.value[name];
  const previewPolicy = raw.preview_policies.value[name];
  if (!summary || !accessKeyId || !secretAccessKey || !deployerPolicy || !previewPolicy)
    throw new Error(`terraform outputs lack environment ${name}`);
  return {
    functionName: summary.function_name,
    aliasName: summary.alias_name,
    aliasArn: summary.alias_arn,
    tableName: summary.table_name,
    apiId: summary.api_id,
    apiStage: summary.api_stage,
    alarmNames: summary.alarm_names,
    artifactKeyPrefix: summary.artifact_key_prefix,
    deployerPolicy,
    previewPolicy,
    accessKeyId,
    secretAccessKey,
  };
}

/**
 * Copies the Terraform to a temp dir, inits the local root and applies it against `moto`; state lives
 * in the copy. Call `destroy()` and then `workspace.remove()` when done.
 */
export async function applyLocalStack(moto: Moto): Promise<LocalStack> {
  const workspace = await createWorkspace();
  const vars = ["-var", `endpoint=${moto.endpoint}`, "-var", "region=us-east-1"];
  // As examples/name-searcher/infra/README.md says: the AWS provider from the filesystem mirror.
  await workspace.tfOk(LOCAL_ROOT, ["init", "-input=false", "-no-color", `-plugin-dir=${PROVIDER_MIRROR}`]);
  await workspace.tfOk(LOCAL_ROOT, ["apply", "-input=false", "-auto-approve", "-no-color", ...vars]);
  const raw = JSON.parse(
    (await workspace.tfOk(LOCAL_ROOT, ["output", "-json", "-no-color"])).stdout,
  ) as RawOutputs;
  const outputs: StackOutputs = {
    region: "us-east-1",
    accountId: "123456789012",
    artifactBucket: raw.artifact_bucket.value,
    artifactPrefix: raw.artifact_prefix.value,
    environments: {
      production: environmentOutputs(raw, "production"),
      staging: environmentOutputs(raw, "staging"),
    },
  };
  return {
    workspace,
    outputs,
    plan: () =>
      workspace.tf(LOCAL_ROOT, ["plan", "-input=false", "-no-color", "-detailed-exitcode", ...vars]),
    destroy: () =>
      workspace.tfOk(LOCAL_ROOT, ["destroy", "-input=false", "-auto-approve", "-no-color", ...vars]),
  };
}
