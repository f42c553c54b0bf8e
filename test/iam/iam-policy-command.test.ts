import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCli } from "../../src/cli/main.js";
import { parseCommandLine } from "../../src/cli/program.js";
import { InputError } from "../../src/errors.js";
import { deployerPolicy, type PolicyDocument, previewPolicy } from "../../src/iam/policy.js";

let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "iam-policy-"));
  await writeFile(
    join(dir, "lambda-rollout.yml"),
    [
      "version: 1",
      "defaults:",
      "  region: eu-west-1",
      "  artifact: { bucket: name-searcher-artifacts, prefix: artifacts }",
      "environments:",
      "  production:",
      "    function: name-searcher-production",
      "    alarms: [name-searcher-production-live-errors, name-searcher-production-api-5xx]",
      "    branches: [main]",
      "  staging:",
      "    function: name-searcher-staging",
      "    alarms: [name-searcher-staging-live-errors]",
      "    branches: ['feature/**']",
      "  pruned:",
      "    function: name-searcher-pruned",
      "    prune: { keep: 5 }",
      "  release:",
      '    artifact: { bucket: "myapp-{region}", prefix: rel }',
      "    functions:",
      "      - { function: orders-get, zip: a.zip }",
      "      - { function: orders-get, zip: a.zip, region: us-east-1 }",
      "",
    ].join("\n"),
  );
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/**
 * `iam-policy ARGS` in-process: parsed as the CLI does, then run so that a failure is thrown (the
 * command's convention), or with `throughCli` through the CLI's one catch, which gives the exit code.
 */
async function run(args: string[], env: NodeJS.ProcessEnv = {}, throughCli = false) {
  let stdout = "";
  let stderr = "";
  let exitCode: number | undefined;
  const io = {
    stdout: { write: (text: string) => (stdout += text) },
    stderr: { write: (text: string) => (stderr += text) },
    env: { GITHUB_REF_NAME: "main", ...env },
    cwd: dir,
  };
  if (throughCli) exitCode = await runCli(["iam-policy", ...args], io);
  else await (await parseCommandLine(["iam-policy", ...args], io))?.();
  return { stdout, stderr, exitCode };
}

describe("lambda-rollout iam-policy", () => {
  it("grants deleting old versions only to an environment with `prune:` configured", async () => {
    const statements = async (env: string) =>
      (
        JSON.parse((await run(["--env", env])).stdout) as {
          Statement: { Sid: string; Action: string[]; Resource: string[] }[];
        }
      ).Statement;
    const pruned = await statements("pruned");
    expect(pruned.find((s) => s.Sid === "PruneVersions")).toEqual({
      Sid: "PruneVersions",
      Effect: "Allow",
      Action: ["lambda:DeleteFunction"],
      Resource: ["arn:aws:lambda:eu-west-1:*:function:name-searcher-pruned:*"],
    });
    const staging = await statements("staging");
    expect(staging.flatMap((s) => s.Action)).not.toContain("lambda:DeleteFunction");
    expect(staging.flatMap((s) => s.Action)).not.toContain("lambda:ListAliases");
  });

  it("for a release, grants each function in its own region, bucket and prefix", async () => {
    const { stdout } = await run(["--env", "release", "--account", "123456789012"]);
    const policy = JSON.parse(stdout) as { Statement: { Sid: string; Resource: string[] }[] };
    const bySid = Object.fromEntries(policy.Statement.map((s) => [s.Sid, s.Resource]));
    expect(bySid.DeployFunction).toEqual([
      "arn:aws:lambda:eu-west-1:123456789012:function:orders-get",
      "arn:aws:lambda:eu-west-1:123456789012:function:orders-get:*",
      "arn:aws:lambda:us-east-1:123456789012:function:orders-get",
      "arn:aws:lambda:us-east-1:123456789012:function:orders-get:*",
    ]);
    expect(bySid.ArtifactObjects).toEqual([
      "arn:aws:s3:::myapp-eu-west-1/rel/orders-get/*",
      "arn:aws:s3:::myapp-us-east-1/rel/orders-get/*",
    ]);
  });

  it("--preview prints the read-only policy of `preview`, for one function or a release", async () => {
    const one = JSON.parse((await run(["--env", "staging", "--preview"])).stdout) as PolicyDocument;
    expect(one).toEqual(
      previewPolicy({
        functionName: "name-searcher-staging",
        aliasName: "live",
        region: "eu-west-1",
        accountId: "*",
        bucket: "name-searcher-artifacts",
        prefix: "artifacts",
        alarmNames: ["name-searcher-staging-live-errors"],
      }),
    );
    const release = JSON.parse((await run(["--env", "release", "--preview"])).stdout) as PolicyDocument;
    const actions = release.Statement.flatMap((statement) => statement.Action);
    expect(
      actions.filter(
        (action) => !/^(lambda:Get|s3:GetObject|s3:ListBucket|cloudwatch:Describe)/.test(action),
      ),
    ).toEqual([]);
    expect(release.Statement[0]?.Resource).toContain("arn:aws:lambda:us-east-1:*:function:orders-get:*");
  });

  it("for a release, refuses flags that name one function (exit 2)", async () => {
    const { exitCode } = await run(["--env", "release", "--function", "x"], {}, true);
    expect(exitCode).toBe(2);
  });

  it("prints deployerPolicy() for the flags", async () => {
    const { stdout } = await run([
      "--function",
      "fn",
      "--alias",
      "live",
      "--bucket",
      "my-bucket",
      "--prefix",
      "builds",
      "--alarm",
      "a1",
      "--alarm",
      "a2",
      "--region",
      "us-east-1",
      "--account",
      "123456789012",
    ]);
    expect(JSON.parse(stdout)).toEqual(
      deployerPolicy({
        functionName: "fn",
        aliasName: "live",
        bucket: "my-bucket",
        prefix: "builds",
        alarmNames: ["a1", "a2"],
        region: "us-east-1",
        accountId: "123456789012",
      }),
    );
  });

  it("defaults the account to *, the alias to live, the prefix to none and the region to AWS_REGION", async () => {
    const { stdout } = await run(["--function", "fn", "--bucket", "my-bucket"], {
      AWS_REGION: "eu-central-1",
    });
    expect(JSON.parse(stdout)).toEqual(
      deployerPolicy({
        functionName: "fn",
        aliasName: "live",
        bucket: "my-bucket",
        prefix: "",
        alarmNames: [],
        region: "eu-central-1",
        accountId: "*",
      }),
    );
  });

  it("takes partition, region and account from a function ARN", async () => {
    const { stdout } = await run([
      "--function",
      "arn:aws-cn:lambda:cn-north-1:123456789012:function:fn",
      "--bucket",
      "my-bucket",
    ]);
    expect(stdout).toContain('"arn:aws-cn:lambda:cn-north-1:123456789012:function:fn"');
  });

  it("takes the account from a partial ARN and names the function by its bare name", async () => {
    const { stdout } = await run(["--function", "123456789012:function:fn", "--bucket", "my-bucket"], {
      AWS_REGION: "eu-west-1",
    });
    expect(JSON.parse(stdout)).toEqual(
      deployerPolicy({
        functionName: "fn",
        aliasName: "live",
        bucket: "my-bucket",
        prefix: "",
        alarmNames: [],
        region: "eu-west-1",
        accountId: "123456789012",
      }),
    );
  });

  it("rejects a qualified ARN, an ARN contradicting --region or --account, and a bad alias", async () => {
    const arn = "arn:aws:lambda:eu-west-1:123456789012:function:fn";
    await expect(run(["--function", `${arn}:live`, "--bucket", "b-b-b"])).rejects.toThrow(/alias "live"/);
    await expect(run(["--function", arn, "--bucket", "b-b-b", "--region", "us-east-1"])).rejects.toThrow(
      /eu-west-1.*us-east-1/,
    );
    await expect(run(["--function", arn, "--bucket", "b-b-b", "--account", "210987654321"])).rejects.toThrow(
      /123456789012.*210987654321/,
    );
    await expect(
      run(["--function", "fn", "--alias", "7", "--bucket", "b-b-b", "--region", "eu-west-1"]),
    ).rejects.toThrow(InputError);
  });

  it("reads function, alias, region, bucket, prefix and alarms from --config --env", async () => {
    const { stdout } = await run(["--config", "lambda-rollout.yml", "--env", "staging"]);
    expect(JSON.parse(stdout)).toEqual(
      deployerPolicy({
        functionName: "name-searcher-staging",
        aliasName: "live",
        bucket: "name-searcher-artifacts",
        prefix: "artifacts",
        alarmNames: ["name-searcher-staging-live-errors"],
        region: "eu-west-1",
        accountId: "*",
      }),
    );
  });

  it("finds ./lambda-rollout.yml and the environment from the branch; flags override the file", async () => {
    const { stdout } = await run(["--alarm", "only-this", "--account", "123456789012"]);
    const policy = JSON.parse(stdout) as ReturnType<typeof deployerPolicy>;
    const resources = policy.Statement.flatMap((statement) => statement.Resource);
    expect(resources).toContain("arn:aws:lambda:eu-west-1:123456789012:function:name-searcher-production");
    expect(resources).toContain("arn:aws:cloudwatch:eu-west-1:123456789012:alarm:only-this");
    expect(resources.filter((r) => r.includes(":alarm:"))).toHaveLength(1);
  });

  it("throws an InputError naming every missing flag", async () => {
    const attempt = run(["--function", "fn"], {});
    await expect(attempt).rejects.toThrow(InputError);
    await expect(run(["--function", "fn"], {})).rejects.toThrow("--bucket, --region");
  });

  it("rejects --env without a configuration file", async () => {
    await expect(run(["--function", "fn", "--env", "staging"])).rejects.toThrow(
      /--env needs a configuration/,
    );
  });

  it("with a done callback, prints the error and reports exit code 2", async () => {
    const result = await run(["--config", "lambda-rollout.yml", "--env", "nope"], {}, true);
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toMatch(/Unknown environment "nope"/);
    expect(result.stdout).toBe("");
  });
});
