import { readFile } from "node:fs/promises";
import { validateAction, validateWorkflow } from "@action-validator/core";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";

const root = new URL("../../", import.meta.url);
const read = (path: string) => readFile(new URL(path, root), "utf8");
const WORKFLOW = "examples/name-searcher/.github/workflows/deploy.yml";

interface Job {
  permissions?: Record<string, string>;
  concurrency?: { group: string; "cancel-in-progress": boolean };
  environment?: string;
  steps: Array<{ uses?: string; with?: Record<string, unknown> }>;
}

describe("the example workflow", () => {
  it("passes action-validator (GitHub's workflow schema from SchemaStore)", async () => {
    expect(validateWorkflow(await read(WORKFLOW)).errors).toEqual([]);
  });

  it("the validator does catch a broken workflow", () => {
    const broken =
      "on: push\njobs:\n  a:\n    runs-on: ubuntu-24.04\n    permissions: { contents: maybe }\n    steps: [{ run: x }]\n";
    expect(validateWorkflow(broken).errors).not.toEqual([]);
  });

  it("grants nothing at the top and least permissions per job; only deploy and preview get an OIDC token", async () => {
    const workflow = parse(await read(WORKFLOW)) as { permissions: unknown; jobs: Record<string, Job> };
    expect(workflow.permissions).toEqual({});
    expect(workflow.jobs.test?.permissions).toEqual({ contents: "read" });
    expect(workflow.jobs.package?.permissions).toEqual({ contents: "read" });
    expect(workflow.jobs.deploy?.permissions).toEqual({
      contents: "read",
      "id-token": "write",
      deployments: "write",
    });
    expect(workflow.jobs.preview?.permissions).toEqual({
      contents: "read",
      "id-token": "write",
      "pull-requests": "write",
    });
  });

  it("previews pull requests to main and develop with the read-only role, for the environment they target", async () => {
    type Step = { uses?: string; run?: string; with?: Record<string, unknown> };
    const workflow = parse(await read(WORKFLOW)) as {
      on: Record<string, unknown>;
      jobs: Record<string, { if?: string; steps: Step[] }>;
    };
    expect(Object.keys(workflow.on)).toContain("pull_request");
    const preview = workflow.jobs.preview;
    expect(preview?.if).toBe(
      "github.event_name == 'pull_request' && (github.base_ref == 'main' || github.base_ref == 'develop')",
    );
    const steps = preview?.steps ?? [];
    const credentials = steps.find((step) => step.uses?.startsWith("aws-actions/configure-aws-credentials@"));
    expect(String(credentials?.with?.["role-to-assume"])).toMatch(/vars\.PREVIEW_ROLE_ARN_PRODUCTION/);
    expect(String(credentials?.with?.["role-to-assume"])).not.toMatch(/DEPLOY_ROLE/);
    const rollout = steps.find((step) => step.uses?.startsWith("lambda-rollout/lambda-rollout@"));
    expect(rollout?.with).toMatchObject({
      mode: "preview",
      config: "lambda-rollout.yml",
      zip: "dist/name-searcher.zip",
    });
    expect(rollout?.with?.env).toBe(
      ["$", "{{ github.base_ref == 'main' && 'production' || 'staging' }}"].join(""),
    );
    // It packages the same zip the deploy would ship, so the code comparison is the deploy's.
    expect(steps.map((step) => step.run)).toContain("npm run package");
  });

  it("asks for deployments: write exactly where a step records a GitHub Deployment", async () => {
    const workflow = parse(await read(WORKFLOW)) as { jobs: Record<string, Job> };
    for (const job of Object.values(workflow.jobs)) {
      const records = job.steps.some((step) => String(step.with?.["github-deployment"]) === "true");
      expect(job.permissions?.deployments === "write").toBe(records);
    }
  });

  it("serialises deploys per environment without cancelling one midway", async () => {
    const deploy = (parse(await read(WORKFLOW)) as { jobs: Record<string, Job> }).jobs.deploy;
    const mapping = ["$", "{{ github.ref_name == 'main' && 'production' || 'staging' }}"].join("");
    expect(deploy?.environment).toBe(mapping);
    expect(deploy?.concurrency).toEqual({
      group: `name-searcher-deploy-${mapping}`,
      "cancel-in-progress": false,
    });
  });

  it("hands the session's expiry to lambda-rollout, so a roll-out that would outlive it is refused", async () => {
    type Step = { id?: string; uses?: string; with?: Record<string, unknown>; env?: Record<string, string> };
    const steps =
      (parse(await read(WORKFLOW)) as { jobs: Record<string, { steps: Step[] }> }).jobs.deploy?.steps ?? [];
    const credentials = steps.find((step) => step.uses?.startsWith("aws-actions/configure-aws-credentials@"));
    const rollout = steps.find((step) => step.uses?.startsWith("lambda-rollout/lambda-rollout@"));
    expect(credentials?.with?.["output-credentials"]).toBe(true);
    expect(rollout?.env?.AWS_CREDENTIAL_EXPIRATION).toBe(
      ["$", `{{ steps.${credentials?.id}.outputs.aws-expiration }}`].join(""),
    );
  });

  it("uploads the roll-out's report (the Action's report output) as an artifact, whatever the outcome", async () => {
    type Step = { uses?: string; if?: string; with?: Record<string, unknown> };
    const steps =
      (parse(await read(WORKFLOW)) as { jobs: Record<string, { steps: Step[] }> }).jobs.deploy?.steps ?? [];
    const upload = steps.find(
      (step) =>
        step.uses?.startsWith("actions/upload-artifact@") && String(step.with?.path).includes("report"),
    );
    expect(upload?.if).toBe("always() && steps.rollout.outputs.report != ''");
    expect(upload?.with?.path).toBe(["$", "{{ steps.rollout.outputs.report }}"].join(""));
  });

  it("pins every action to a full commit SHA", async () => {
    const workflow = parse(await read(WORKFLOW)) as { jobs: Record<string, Job> };
    const uses = Object.values(workflow.jobs).flatMap((job) => job.steps.flatMap((step) => step.uses ?? []));
    expect(uses.length).toBeGreaterThan(5);
    for (const reference of uses) expect(reference).toMatch(/^[\w.-]+\/[\w.-]+@[0-9a-f]{40}$/);
  });

  it("names the release of every pin in a comment, as Dependabot and reviewers read it", async () => {
    const lines = (await read(WORKFLOW)).split("\n").filter((line) => /^\s*-? ?uses:/.test(line));
    expect(lines.length).toBeGreaterThan(5);
    for (const line of lines) expect(line).toMatch(/@[0-9a-f]{40} # v(\d+\.\d+\.\d+|X\.Y\.Z)$/);
  });
});

describe("action.yml", () => {
  it("passes action-validator and runs the bundled entry point on node24", async () => {
    const text = await read("action.yml");
    expect(parse(text).runs).toEqual({ using: "node24", main: "action/dist/index.js" });
    // action-validator 0.6.0, its latest release, embeds a SchemaStore schema from before SchemaStore
    // added node24 (commit 5aa34c1d, 2025-08-01), so it rejects `using: node24`. Everything else is
    // validated as is; `using` is checked exactly above.
    const standIn = text.replace(/^ {2}using: node24$/m, "  using: node20");
    expect(standIn).not.toBe(text);
    expect(validateAction(standIn).errors).toEqual([]);
  });

  it("mirrors the CLI's deploy options, adds the preview's, and has the eight outputs", async () => {
    const action = parse(await read("action.yml")) as { inputs: object; outputs: object };
    expect(Object.keys(action.inputs)).toEqual([
      "config",
      "env",
      "function",
      "alias",
      "zip",
      "bucket",
      "prefix",
      "version",
      "strategy",
      "steps",
      "final-bake",
      "alarms",
      "interval",
      "smoke-payload",
      "pre-traffic-hooks",
      "post-traffic-hooks",
      "hook-timeout",
      "restore-timeout",
      "notify",
      "manual-approval",
      "approval-timeout",
      "max-rps",
      "region",
      "dry-run",
      "github-deployment",
      "github-token",
      "allow-firing-alarms",
      "engine",
      "state-machine",
      "detach",
      "ledger-bucket",
      "ledger-prefix",
      "mode",
      "policy",
    ]);
    expect(Object.keys(action.outputs)).toEqual([
      "outcome",
      "version",
      "previous-version",
      "execution-arn",
      "release-id",
      "release",
      "comment-url",
      "report",
    ]);
  });
});
