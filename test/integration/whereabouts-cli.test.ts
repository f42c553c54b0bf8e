/**
 * A command run next to the wrong configuration says where it looked, and the commands it suggests
 * carry the flags that were used: a `status --config local.yml --env production` suggests
 * `promote --config local.yml --env production`, not a bare `promote` that reads ./lambda-rollout.yml.
 */
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { PublishVersionCommand, UpdateAliasCommand } from "@aws-sdk/client-lambda";
import { afterAll, beforeAll, describe, expect, test, vi } from "vitest";
import { cliInProcess } from "../support/in-process-cli.js";
import { clients, createTarget } from "../support/lambda-fixtures.js";
import { type Moto, startMoto } from "../support/moto.js";

let moto: Moto;
let dir: string;
let name: string;
beforeAll(async () => {
  moto = await startMoto();
  for (const [key, value] of Object.entries(moto.env)) vi.stubEnv(key, value);
  const target = await createTarget(moto, "whereabouts");
  ({ dir, name } = target);
  // Mid-roll-out: 10% on v2.
  const lambda = clients(moto).lambda;
  await lambda.send(new PublishVersionCommand({ FunctionName: name }));
  await lambda.send(
    new UpdateAliasCommand({
      FunctionName: name,
      Name: "live",
      FunctionVersion: "1",
      RoutingConfig: { AdditionalVersionWeights: { "2": 0.1 } },
    }),
  );
  const environment = (region: string) =>
    `version: 1\nenvironments:\n  production: { function: ${name}, region: ${region}, branches: [main] }\n`;
  // The emulator's environment, and the real one found in the working directory by default.
  await writeFile(join(dir, "local.yml"), environment("us-east-1"));
  await writeFile(join(dir, "lambda-rollout.yml"), environment("eu-west-1"));
});
afterAll(async () => {
  vi.unstubAllEnvs();
  await moto?.stop();
});

function cli(args: string[]) {
  return cliInProcess(args, { cwd: dir, env: { ...process.env, GITHUB_REF_NAME: "main" } });
}

describe("commands that name where they looked and what to run next", () => {
  test("status with --config/--env suggests promote and rollback with the same flags", async () => {
    const result = await cli(["status", "--config", "local.yml", "--env", "production"]);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain(
      "Run `lambda-rollout promote --config local.yml --env production` to finish it or `lambda-rollout rollback --config local.yml --env production` to undo it.",
    );
  });

  test("status with --function and --region suggests them back", async () => {
    const result = await cli(["status", "--function", name, "--region", "us-east-1"]);
    expect(result.stdout).toContain(
      `\`lambda-rollout promote --function ${name} --alias live --region us-east-1\``,
    );
  });

  test("the configuration found by default names a function that is not in its region: the file, region and endpoint are named", async () => {
    const result = await cli(["status"]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(
      `error: Lambda function ${name} does not exist (looked in region eu-west-1, endpoint ${moto.endpoint}, the account of your credentials; configuration lambda-rollout.yml, branch "main" matches pattern "main" of environment "production").`,
    );
    expect(result.stderr).toContain("lambda-rollout never creates functions or aliases");
  });

  test("with no configuration at all, it says so", async () => {
    const result = await cli(["rollback", "--function", "ghost", "--region", "us-east-1"]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(
      `Lambda function ghost does not exist (looked in region us-east-1, endpoint ${moto.endpoint}, the account of your credentials; no configuration file).`,
    );
  });

  test("a deploy from the configuration names it too, and its suggested status command carries it", async () => {
    const missing = await cli(["deploy", "--zip", "v2.zip", "--bucket", "b", "--dry-run"]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(
      /does not exist \(looked in region eu-west-1, .*; configuration lambda-rollout\.yml, branch "main"/,
    );
    // Mid-roll-out: the deploy refuses, and says how to look with the same configuration.
    const split = await cli([
      "deploy",
      "--config",
      "local.yml",
      "--env",
      "production",
      "--zip",
      "v2.zip",
      "--bucket",
      "b",
    ]);
    expect(split.code).toBe(3);
    expect(split.stderr).toContain(
      "Inspect it with `lambda-rollout status --config local.yml --env production`",
    );
  });
});
