/**
 * `lambda-rollout preview` through the real binary against moto: a release of three functions after
 * someone changed one member's MemorySize outside lambda-rollout (UpdateFunctionConfiguration, as a
 * Terraform apply of `memory_size` sends it; Terraform itself takes ~16 s per function against moto
 * here, too slow for the suite), a package change and a noop. Every request is recorded by a proxy:
 * preview must only read.
 */
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import {
  PublishVersionCommand,
  UpdateAliasCommand,
  UpdateFunctionConfigurationCommand,
} from "@aws-sdk/client-lambda";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { generatePolicy } from "../../src/iam/configured.js";
import { packageBytes, runCli } from "../support/lambda-fixtures.js";
import { type Moto, startMoto } from "../support/moto.js";
import { type RecordingProxy, startRecordingProxy } from "../support/recording-proxy.js";
import {
  createReleaseFunction,
  regionClients,
  releaseAliasOf,
  versionsOf,
  writeReleaseConfig,
} from "../support/release-fixtures.js";

let moto: Moto;
let proxy: RecordingProxy;
let counter = 0;

beforeAll(async () => {
  moto = await startMoto();
  proxy = await startRecordingProxy(moto.endpoint);
});
afterAll(async () => {
  await proxy?.stop();
  await moto?.stop();
});

const EU = "eu-west-1";
const US = "us-east-1";

/**
 * `config-<n>` gets its MemorySize changed (its package is the live one), `code-<n>` a new package,
 * `same-<n>` (us-east-1, wave 2) its live package again.
 */
async function release(steps = "10%:5m") {
  const n = ++counter;
  const [config, code, same] = [
    await createReleaseFunction(moto, `config-${n}`, EU),
    await createReleaseFunction(moto, `code-${n}`, EU),
    await createReleaseFunction(moto, `same-${n}`, US),
  ];
  const dir = await writeReleaseConfig({
    prefix: `preview-${n}`,
    functions: [{ ...config, zip: "dist/live.zip" }, code, { ...same, zip: "dist/live.zip" }],
    waves: [{ regions: [EU], bake: "1m" }, { regions: [US] }],
    steps,
  });
  // The package the functions were created from: same bytes, same CodeSha256.
  await writeFile(join(dir, "dist/live.zip"), packageBytes("v1"));
  return { dir, config, code, same, functions: [config, code, same] };
}

const preview = (dir: string, ...extra: string[]) =>
  runCli(moto, ["preview", "--config", `${dir}/lambda-rollout.yml`, "--env", "production", ...extra], dir, {
    AWS_ENDPOINT_URL: proxy.endpoint,
  });

// Reads only: Get/List/Describe/Head, and GET requests of resources named by path (Lambda:GET:…).
const READS = /^(Get|List|Describe|Head|Lambda:GET:)/;

describe("preview of a release", () => {
  test("names the member whose MemorySize changed (128 → 512), the code change and the noop; reads only", async () => {
    const { dir, config, code, same, functions } = await release();
    await regionClients(moto, EU).lambda.send(
      new UpdateFunctionConfigurationCommand({ FunctionName: config.name, MemorySize: 512 }),
    );
    const from = proxy.requests.length;
    const run = await preview(dir, "--format", "markdown");
    expect(run.code, run.stderr).toBe(0);
    const markdown = run.stdout;
    const row = (name: string) =>
      markdown.split("\n").find((line) => line.startsWith(`| **${name}**`) || line.startsWith(`| ${name} `));
    expect(row(config.name)).toContain("⚙️ configuration");
    expect(row(config.name)).toContain("MemorySize 128 → 512");
    expect(row(code.name)).toContain("📦 code");
    expect(row(code.name)).not.toContain("MemorySize");
    expect(row(same.name)).toContain("⏭️ noop");
    expect(markdown).toContain(`<summary><b>${config.name}</b> (eu-west-1): ⚙️ configuration</summary>`);
    expect(markdown).toContain("- **Setting:** MemorySize 128 → 512");
    expect(markdown).toContain("#### Plan: custom: 10% for 5m → 100%");
    expect(markdown).toContain(`**Waves:** wave 1 (eu-west-1): ${config.name}, ${code.name}`);
    expect(markdown.length).toBeLessThan(65_536);

    // Nothing but reads reached AWS, and nothing changed there.
    const operations = proxy.requests.slice(from).map((request) => request.operation);
    expect(operations.length).toBeGreaterThan(0);
    expect(operations.filter((operation) => !READS.test(operation))).toEqual([]);
    for (const fn of functions) {
      expect(await releaseAliasOf(moto, fn)).toMatchObject({ version: "1", weights: {} });
      expect(await versionsOf(moto, fn)).toEqual(["1"]);
    }
  });

  test("--format json says the same as data: settings old and new, code digests and sizes, waves", async () => {
    const { dir, config, code, same } = await release();
    await regionClients(moto, EU).lambda.send(
      new UpdateFunctionConfigurationCommand({ FunctionName: config.name, MemorySize: 512 }),
    );
    const run = await preview(dir, "--format", "json");
    expect(run.code, run.stderr).toBe(0);
    const report = JSON.parse(run.stdout);
    expect(report).toMatchObject({ type: "preview", kind: "release", name: "production", policy: null });
    const byName = (name: string) =>
      report.functions.find((fn: { function: string }) => fn.function === name);
    expect(byName(config.name)).toMatchObject({
      change: "configuration",
      wave: 1,
      settings: [{ name: "MemorySize", from: "128", to: "512" }],
      code: { changed: false },
      blocked: null,
      ledger: { lock: null, running: null },
    });
    expect(byName(code.name)).toMatchObject({ change: "code", settings: [], code: { changed: true } });
    expect(byName(code.name).code.from.codeSha256).not.toBe(byName(code.name).code.to.codeSha256);
    expect(byName(code.name).code.to.bytes).toBe(packageBytes(`v2-${code.name}`).length);
    expect(byName(same.name)).toMatchObject({ change: "noop", wave: 2 });
    expect(report.waves.map((wave: { functions: string[] }) => wave.functions)).toEqual([
      [config.name, code.name],
      [],
    ]);
    expect(report.worstCase.totalMs).toBeGreaterThan(5 * 60_000);
  });

  test("an alias mid-roll-out is reported as blocking the deploy (exit 3 then); preview itself exits 0", async () => {
    const { dir, code } = await release();
    const lambda = regionClients(moto, EU).lambda;
    await lambda.send(new UpdateFunctionConfigurationCommand({ FunctionName: code.name, Timeout: 9 }));
    const v2 = await lambda.send(new PublishVersionCommand({ FunctionName: code.name }));
    await lambda.send(
      new UpdateAliasCommand({
        FunctionName: code.name,
        Name: "live",
        RoutingConfig: { AdditionalVersionWeights: { [v2.Version as string]: 0.1 } },
      }),
    );
    const run = await preview(dir);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toContain(
      `${code.name}:live (eu-west-1) wave 1: code and configuration; now 90% v1 / 10% v2`,
    );
    expect(run.stdout).toContain("BLOCKED (deploy would exit 3): mid-roll-out");
  });

  test("--policy shows the grants the CI policy lacks and those it no longer needs", async () => {
    const { dir } = await release();
    const generated = await generatePolicy(
      { config: `${dir}/lambda-rollout.yml`, env: "production" },
      { cwd: dir, env: {} },
    );
    // The policy of an older configuration: no metrics read yet, and an alarm since removed.
    const old = {
      ...generated,
      Statement: [
        ...generated.Statement.filter((statement) => statement.Sid !== "ReadMetrics"),
        {
          Sid: "Old",
          Effect: "Allow",
          Action: ["cloudwatch:DescribeAlarms"],
          Resource: ["arn:aws:cloudwatch:eu-west-1:*:alarm:retired"],
        },
      ],
    };
    await writeFile(join(dir, "ci-policy.json"), JSON.stringify(old));
    const run = await preview(dir, "--format", "markdown", "--policy", "ci-policy.json");
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toContain("**The CI policy must change:** 1 grant(s) to add, 1 no longer needed");
    expect(run.stdout).toContain(
      [
        "```diff",
        "+ Allow cloudwatch:GetMetricData on *",
        "- Allow cloudwatch:DescribeAlarms on arn:aws:cloudwatch:eu-west-1:*:alarm:retired",
        "```",
      ].join("\n"),
    );
    await writeFile(join(dir, "same.json"), JSON.stringify(generated));
    const same = await preview(dir, "--format", "markdown", "--policy", "same.json");
    expect(same.stdout).toMatch(
      /✅ `same.json` grants exactly what `lambda-rollout iam-policy` generates now \(\d+ grants\)/,
    );
  });
});

describe("bad input is exit 2, as for deploy", () => {
  test("a missing package and a function that does not exist are both named; a bad --format too", async () => {
    const n = ++counter;
    const real = await createReleaseFunction(moto, `real-${n}`, EU);
    const dir = await writeReleaseConfig({
      prefix: `preview-bad-${n}`,
      functions: [
        { ...real, zip: "dist/missing.zip" },
        { name: `ghost-${n}`, region: EU, alarm: real.alarm },
      ],
    });
    const run = await preview(dir);
    expect(run.code).toBe(2);
    expect(run.stdout).toBe("");
    expect(run.stderr).toContain("2 problems; nothing was changed");
    expect(run.stderr).toContain("Package not found");
    expect(run.stderr).toContain(`ghost-${n}`);
    const format = await preview(dir, "--format", "html");
    expect(format.code).toBe(2);
    expect(format.stderr).toContain("--format must be text, markdown or json");
  });

  test("a policy file that is not a policy", async () => {
    const { dir } = await release();
    await writeFile(join(dir, "bad.json"), "{ not json");
    const run = await preview(dir, "--policy", "bad.json");
    expect(run.code).toBe(2);
    expect(run.stderr).toContain("bad.json (--policy) is not an IAM policy document");
  });
});
