/**
 * End to end for issue 4: apply examples/name-searcher/infra/local against moto, check the outputs,
 * prove the Terraform policy equals `deployerPolicy()` (no drift) and that each environment's access
 * key can upload only under its own prefix (moto enforces S3 ARNs), then `terraform plan` must show no
 * changes and `terraform destroy` must succeed. One apply is shared by every test of this file.
 */
import { execFile } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { HeadObjectCommand, PutObjectCommand, S3Client, S3ServiceException } from "@aws-sdk/client-s3";
import { strToU8, zipSync } from "fflate";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { policyGrants } from "../../src/iam/grants.js";
import { deployerPolicy, previewPolicy } from "../../src/iam/policy.js";
import { type Moto, startMoto } from "../support/moto.js";
import { applyLocalStack, type EnvironmentOutputs, type LocalStack, REPO } from "./support/terraform.js";

const ENVIRONMENTS = ["production", "staging"] as const;

let moto: Moto;
let stack: LocalStack;
let destroyed = false;

beforeAll(async () => {
  moto = await startMoto();
  stack = await applyLocalStack(moto);
}, 150_000);

afterAll(async () => {
  try {
    if (stack && !destroyed) await stack.destroy();
  } finally {
    await stack?.workspace.remove();
    await moto?.stop();
  }
}, 120_000);

/** Turns moto's IAM enforcement on for the duration of `body` (count 0 = authenticate every request). */
async function withIamEnforced<T>(body: () => Promise<T>): Promise<T> {
  const set = async (count: string) => {
    const response = await fetch(`${moto.endpoint}/moto-api/reset-auth`, {
      method: "POST",
      headers: { "content-type": "text/plain" },
      body: count,
    });
    if (!response.ok) throw new Error(`moto reset-auth ${count}: ${response.status}`);
  };
  await set("0");
  try {
    return await body();
  } finally {
    await set("inf");
  }
}

function s3As(env: EnvironmentOutputs): S3Client {
  return new S3Client({
    region: "us-east-1",
    endpoint: moto.endpoint,
    forcePathStyle: true,
    credentials: { accessKeyId: env.accessKeyId, secretAccessKey: env.secretAccessKey },
  });
}

async function statusOf(action: Promise<unknown>): Promise<number> {
  try {
    await action;
    return 200;
  } catch (error) {
    if (error instanceof S3ServiceException) return error.$metadata.httpStatusCode ?? 0;
    throw error;
  }
}

describe("examples/name-searcher/infra/local applied to moto", () => {
  it("creates production and staging from one definition", () => {
    const { environments, artifactBucket, artifactPrefix } = stack.outputs;
    expect(artifactBucket).toBe("name-searcher-artifacts-local");
    expect(artifactPrefix).toBe("artifacts");
    for (const name of ENVIRONMENTS) {
      const env = environments[name];
      expect(env).toMatchObject({
        functionName: `name-searcher-${name}`,
        aliasName: "live",
        aliasArn: `arn:aws:lambda:us-east-1:123456789012:function:name-searcher-${name}:live`,
        tableName: `name-searcher-${name}`,
        apiStage: name,
        artifactKeyPrefix: `artifacts/name-searcher-${name}/`,
      });
      expect(env.alarmNames.sort()).toEqual([
        `name-searcher-${name}-api-5xx`,
        `name-searcher-${name}-live-errors`,
      ]);
      expect(env.accessKeyId).toMatch(/^AKIA/);
    }
    expect(environments.production.apiId).not.toBe(environments.staging.apiId);
  });

  it.each(
    ENVIRONMENTS.flatMap(
      (name) =>
        [
          [name, "iam-policy", "deployerPolicy", deployerPolicy],
          [name, "iam-policy --preview", "previewPolicy", previewPolicy],
        ] as const,
    ),
  )("renders for %s the same grants as `lambda-rollout %s` (no drift)", (name, _, output, render) => {
    const env = stack.outputs.environments[name];
    const fromTypeScript = render({
      functionName: env.functionName,
      aliasName: env.aliasName,
      region: stack.outputs.region,
      accountId: stack.outputs.accountId,
      bucket: stack.outputs.artifactBucket,
      prefix: stack.outputs.artifactPrefix,
      alarmNames: env.alarmNames,
    });
    expect(policyGrants(env[output])).toEqual(policyGrants(fromTypeScript));
  });

  it("lets each deployer key upload under its own prefix only (moto IAM enforcement)", async () => {
    const { artifactBucket: bucket, environments } = stack.outputs;
    const body = new TextEncoder().encode("zip bytes");
    const results: Record<string, number> = {};
    await withIamEnforced(async () => {
      for (const name of ENVIRONMENTS) {
        const s3 = s3As(environments[name]);
        const other = environments[name === "staging" ? "production" : "staging"];
        const put = (b: string, key: string) =>
          statusOf(s3.send(new PutObjectCommand({ Bucket: b, Key: key, Body: body })));
        const head = (key: string) => statusOf(s3.send(new HeadObjectCommand({ Bucket: bucket, Key: key })));
        const own = environments[name].artifactKeyPrefix;
        results[`${name} put own prefix`] = await put(bucket, `${own}abc.zip`);
        results[`${name} head own object`] = await head(`${own}abc.zip`);
        results[`${name} head missing own object`] = await head(`${own}missing.zip`);
        results[`${name} put other env prefix`] = await put(bucket, `${other.artifactKeyPrefix}abc.zip`);
        results[`${name} put bucket root`] = await put(bucket, "abc.zip");
        results[`${name} put shared prefix`] = await put(bucket, "artifacts/abc.zip");
        results[`${name} overwrite bootstrap`] = await put(bucket, "bootstrap/name-searcher-bootstrap.zip");
        results[`${name} put other bucket`] = await put("some-other-bucket", `${own}abc.zip`);
        s3.destroy();
      }
    });
    const expected: Record<string, number> = {};
    for (const name of ENVIRONMENTS) {
      Object.assign(expected, {
        [`${name} put own prefix`]: 200,
        [`${name} head own object`]: 200,
        [`${name} head missing own object`]: 404,
        [`${name} put other env prefix`]: 403,
        [`${name} put bucket root`]: 403,
        [`${name} put shared prefix`]: 403,
        [`${name} overwrite bootstrap`]: 403,
        [`${name} put other bucket`]: 403,
      });
    }
    expect(results).toEqual(expected);
  });

  // ---- deploys with the lambda-rollout binary, between apply and plan -----------------------------

  describe("then lambda-rollout deploys", () => {
    let packages: string;
    beforeAll(async () => {
      packages = await mkdtemp(join(tmpdir(), "name-searcher-packages-"));
    });
    afterAll(async () => {
      await rm(packages, { recursive: true, force: true });
    });

    /**
     * Deploys as CI does on `branch`, through examples/name-searcher/lambda-rollout.local.yml (the
     * example's configuration pointed at infra/local), so the branch mapping, the names and the
     * policy-scoped prefix all come from the files users run.
     */
    async function deploy(branch: "main" | "develop", release: string, overrides: string[] = []) {
      const zip = join(packages, `${branch}-${release}.zip`);
      const code = `export const handler = async () => ({ statusCode: 200, body: ${JSON.stringify(release)} });\n`;
      await writeFile(
        zip,
        zipSync({ "handler.mjs": strToU8(code) }, { mtime: new Date("1980-01-02T00:00:00Z") }),
      );
      const args = [
        "bin/lambda-rollout.js",
        "deploy",
        ...["--config", "examples/name-searcher/lambda-rollout.local.yml", "--zip", zip, "--json"],
        ...overrides,
      ];
      const result = await new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
        execFile(
          "node",
          args,
          { cwd: REPO, env: { ...process.env, ...moto.env, GITHUB_REF_NAME: branch } },
          (error, stdout, stderr) => {
            resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr });
          },
        );
      });
      const lines = result.stdout.trim().split("\n").filter(Boolean);
      const last = JSON.parse(lines.at(-1) ?? "{}") as Record<string, unknown>;
      expect(
        result.code,
        `deploy of ${branch} failed (is the CLI built? \`npm run build\`):\n${result.stderr}\n${result.stdout}`,
      ).toBe(0);
      const events = lines.map((line) => JSON.parse(line) as Record<string, unknown>);
      return { last, events, stderr: result.stderr };
    }

    it("deploys develop to staging all at once", async () => {
      const { last, stderr } = await deploy("develop", "staging-1");
      expect(stderr).toContain('environment "staging"');
      expect(last).toMatchObject({
        type: "result",
        outcome: "promoted",
        function: stack.outputs.environments.staging.functionName,
      });
    }, 60_000);

    it("deploys main to production: the first release from $LATEST gradually (after a baseline), then a canary", async () => {
      const first = await deploy("main", "production-1", ["--steps", "10%:1s", "--interval", "1s"]);
      // Terraform left the alias on $LATEST: it is pinned to a baseline version (v1) before any shift.
      expect(first.last).toMatchObject({
        type: "result",
        outcome: "promoted",
        fromVersion: "1",
        toVersion: "2",
      });
      expect(first.events.filter((e) => e.type === "shift").map((e) => e.weight)).toEqual([10, 100]);
      const canary = await deploy("main", "production-2", [
        ...["--steps", "10%:1s,50%:1s", "--final-bake", "1s", "--interval", "1s"],
      ]);
      expect(canary.last).toMatchObject({
        type: "result",
        outcome: "promoted",
        function: stack.outputs.environments.production.functionName,
        fromVersion: first.last.toVersion,
      });
    }, 90_000);
  });

  it("shows no changes in `terraform plan` afterwards", async () => {
    const result = await stack.plan();
    expect(
      result.code,
      `terraform plan reported changes or failed:\n${result.stdout}\n${result.stderr}`,
    ).toBe(0);
  }, 90_000);

  it("destroys everything", async () => {
    destroyed = true;
    const result = await stack.destroy();
    expect(result.stdout).toMatch(/Destroy complete! Resources: \d+ destroyed\./);
  }, 120_000);
});
