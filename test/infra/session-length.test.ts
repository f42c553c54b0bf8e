/**
 * The example's OIDC session must outlast its longest roll-out: the workflow's role-duration-seconds
 * covers every environment's worst case (as the deploy's own credentials check computes it) plus the
 * job's earlier steps, and the Terraform module's session ceiling allows that duration.
 */
import { readFile } from "node:fs/promises";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { worstCaseOf } from "../../src/rollout/deploy/deploy.js";
import { resolveDeploy } from "../../src/rollout/request/request.js";

const root = new URL("../../", import.meta.url);
const read = (path: string) => readFile(new URL(path, root), "utf8");
const EXAMPLE = "examples/name-searcher";
/** What the check before the first write recommends on top of the worst case. */
const JOB_SLACK_MS = 15 * 60_000;

async function sessionSeconds(): Promise<number> {
  const workflow = parse(await read(`${EXAMPLE}/.github/workflows/deploy.yml`)) as {
    jobs: { deploy: { steps: { uses?: string; with?: Record<string, unknown> }[] } };
  };
  const step = workflow.jobs.deploy.steps.find((s) =>
    s.uses?.startsWith("aws-actions/configure-aws-credentials@"),
  );
  return Number(step?.with?.["role-duration-seconds"]);
}

async function moduleCeilingSeconds(): Promise<number> {
  const variables = await read("terraform/modules/lambda-rollout-target/variables.tf");
  const match = /variable "deployer_max_session_duration_seconds" \{[\s\S]*?default\s*=\s*(\d+)/.exec(
    variables,
  );
  return Number(match?.[1]);
}

async function worstCaseMs(environment: string): Promise<number> {
  const cwd = new URL(`${EXAMPLE}/`, root).pathname;
  const resolved = await resolveDeploy(
    { config: "lambda-rollout.yml", env: environment, zip: "dist/name-searcher.zip" },
    { env: {}, cwd, readText: (path) => readFile(path, "utf8") },
  );
  if (resolved.kind !== "deploy") throw new Error(`${environment} resolves to ${resolved.kind}`);
  // A `metrics:` block brings its inconclusive extension, as the deploy itself counts it.
  return worstCaseOf(resolved.request, resolved.request.plan).totalMs;
}

describe("the example's deploy session", () => {
  it.each(["production", "staging"])(
    "outlasts the %s roll-out's worst case plus the job's earlier steps",
    async (env) => {
      const seconds = await sessionSeconds();
      expect(seconds).toBeGreaterThan(0);
      expect(seconds * 1000).toBeGreaterThanOrEqual((await worstCaseMs(env)) + JOB_SLACK_MS);
    },
  );

  it("production's worst case is the 17 minutes the workflow's comment states", async () => {
    expect(await worstCaseMs("production")).toBe(17 * 60_000);
  });

  it("is allowed by the Terraform module's session ceiling", async () => {
    const ceiling = await moduleCeilingSeconds();
    expect(ceiling).toBeGreaterThanOrEqual(3600);
    expect(await sessionSeconds()).toBeLessThanOrEqual(ceiling);
  });
});
