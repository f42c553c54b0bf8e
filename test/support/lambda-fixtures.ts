import { type ChildProcess, spawn } from "node:child_process";
import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CloudWatchClient, PutMetricAlarmCommand, SetAlarmStateCommand } from "@aws-sdk/client-cloudwatch";
import { CreateRoleCommand, IAMClient } from "@aws-sdk/client-iam";
import {
  CreateAliasCommand,
  CreateFunctionCommand,
  GetAliasCommand,
  GetFunctionConfigurationCommand,
  LambdaClient,
  PublishVersionCommand,
} from "@aws-sdk/client-lambda";
import { CreateBucketCommand, S3Client } from "@aws-sdk/client-s3";
import { zipSync } from "fflate";
import type { Moto } from "./moto.js";

const BIN = join(import.meta.dirname, "../../bin/lambda-rollout.js");

export function clients(moto: Moto) {
  const config = {
    endpoint: moto.endpoint,
    region: "us-east-1",
    credentials: { accessKeyId: "test", secretAccessKey: "test" },
  };
  return {
    lambda: new LambdaClient(config),
    s3: new S3Client({ ...config, forcePathStyle: true }),
    iam: new IAMClient(config),
    cloudwatch: new CloudWatchClient(config),
  };
}

/** A tiny Node.js package whose handler file is `index.js`; `marker` makes each version's bytes differ. */
export function packageBytes(marker: string): Uint8Array {
  const source = `exports.handler = async () => ({ statusCode: 200, body: ${JSON.stringify(marker)} });\n`;
  return zipSync({
    "index.js": [new TextEncoder().encode(source), { mtime: new Date("2020-01-01T00:00:00Z") }],
  });
}

export async function writePackage(dir: string, marker: string): Promise<string> {
  const path = join(dir, `${marker}.zip`);
  await writeFile(path, packageBytes(marker));
  return path;
}

let roleArn: string | undefined;

/**
 * Creates function `name` (from package "v1"), its alias `live` on `$LATEST` or on published v1, an
 * artifact bucket and an alarm. Returns a temp dir holding packages v1..v3.
 */
export async function createTarget(
  moto: Moto,
  name: string,
  options: { aliasOn: "$LATEST" | "v1" } = { aliasOn: "v1" },
) {
  const aws = clients(moto);
  if (!roleArn) {
    const role = await aws.iam
      .send(new CreateRoleCommand({ RoleName: "lambda-exec", AssumeRolePolicyDocument: "{}" }))
      .catch(async () => undefined);
    roleArn = role?.Role?.Arn ?? "arn:aws:iam::123456789012:role/lambda-exec";
  }
  await aws.lambda.send(
    new CreateFunctionCommand({
      FunctionName: name,
      Runtime: "nodejs20.x",
      Role: roleArn,
      Handler: "index.handler",
      Code: { ZipFile: packageBytes("v1") },
    }),
  );
  let version = "$LATEST";
  if (options.aliasOn === "v1") {
    version = (await aws.lambda.send(new PublishVersionCommand({ FunctionName: name }))).Version as string;
  }
  await aws.lambda.send(
    new CreateAliasCommand({ FunctionName: name, Name: "live", FunctionVersion: version }),
  );
  const bucket = `artifacts-${name}`.toLowerCase();
  await aws.s3.send(new CreateBucketCommand({ Bucket: bucket }));
  const alarm = `${name}-errors`;
  await aws.cloudwatch.send(
    new PutMetricAlarmCommand({
      AlarmName: alarm,
      Namespace: "AWS/Lambda",
      MetricName: "Errors",
      Dimensions: [
        { Name: "FunctionName", Value: name },
        { Name: "Resource", Value: `${name}:live` },
      ],
      Statistic: "Sum",
      Period: 60,
      EvaluationPeriods: 1,
      Threshold: 1,
      ComparisonOperator: "GreaterThanOrEqualToThreshold",
    }),
  );
  const dir = await mkdtemp(join(tmpdir(), `lr-${name}-`));
  return {
    name,
    bucket,
    alarm,
    dir,
    v1: await writePackage(dir, "v1"),
    v2: await writePackage(dir, "v2"),
    v3: await writePackage(dir, "v3"),
  };
}

/** `deploy --function F --zip V2 --bucket B`: a target's new package, as the tests deploy it. */
export const deployOf = (target: { name: string; v2: string; bucket: string }): string[] => [
  "deploy",
  "--function",
  target.name,
  "--zip",
  target.v2,
  "--bucket",
  target.bucket,
];

export async function aliasOf(moto: Moto, name: string) {
  const alias = await clients(moto).lambda.send(new GetAliasCommand({ FunctionName: name, Name: "live" }));
  return {
    version: alias.FunctionVersion,
    weights: alias.RoutingConfig?.AdditionalVersionWeights ?? {},
  };
}

/** The CodeSha256 Lambda holds for a version, read with a client of its own. */
export async function codeShaOf(moto: Moto, name: string, version: string): Promise<string | undefined> {
  const config = await clients(moto).lambda.send(
    new GetFunctionConfigurationCommand({ FunctionName: name, Qualifier: version }),
  );
  return config.CodeSha256;
}

export async function setAlarm(moto: Moto, alarm: string, state: "OK" | "ALARM") {
  await clients(moto).cloudwatch.send(
    new SetAlarmStateCommand({ AlarmName: alarm, StateValue: state, StateReason: "set by test" }),
  );
}

export interface CliRun {
  child: ChildProcess;
  /** Resolves with the first NDJSON event on stdout that satisfies `predicate`. */
  waitFor(
    predicate: (event: Record<string, unknown>) => boolean,
    timeoutMs?: number,
  ): Promise<Record<string, unknown>>;
  done: Promise<{
    code: number | null;
    signal: NodeJS.Signals | null;
    stdout: string;
    stderr: string;
    events: Record<string, unknown>[];
  }>;
}

export interface CliOptions {
  /** The Node.js binary that runs the CLI. Default: the one running the tests. */
  node?: string;
}

/** Runs the real `lambda-rollout` binary against moto. An `env` value of undefined unsets it. */
export function startCli(
  moto: Moto,
  args: string[],
  cwd?: string,
  env: Record<string, string | undefined> = {},
  options: CliOptions = {},
): CliRun {
  const child = spawn(options.node ?? process.execPath, [BIN, ...args], {
    cwd,
    env: { ...process.env, ...moto.env, CI: "true", GITHUB_REF_NAME: "", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  const events: Record<string, unknown>[] = [];
  const waiters: {
    predicate: (e: Record<string, unknown>) => boolean;
    resolve: (e: Record<string, unknown>) => void;
  }[] = [];
  let buffer = "";
  child.stdout?.on("data", (chunk: Buffer) => {
    stdout += chunk.toString();
    buffer += chunk.toString();
    let newline = buffer.indexOf("\n");
    while (newline >= 0) {
      const line = buffer.slice(0, newline);
      buffer = buffer.slice(newline + 1);
      newline = buffer.indexOf("\n");
      if (!line.startsWith("{")) continue;
      const event = JSON.parse(line) as Record<string, unknown>;
      events.push(event);
      for (const waiter of [...waiters]) {
        if (waiter.predicate(event)) {
          waiters.splice(waiters.indexOf(waiter), 1);
          waiter.resolve(event);
        }
      }
    }
  });
  child.stderr?.on("data", (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const done = new Promise<{
    code: number | null;
    signal: NodeJS.Signals | null;
    stdout: string;
    stderr: string;
    events: Record<string, unknown>[];
  }>((resolve) => child.on("close", (code, signal) => resolve({ code, signal, stdout, stderr, events })));
  return {
    child,
    done,
    waitFor(predicate, timeoutMs = 30_000) {
      const seen = events.find(predicate);
      if (seen) return Promise.resolve(seen);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(
          () => reject(new Error(`event not seen in ${timeoutMs} ms; stderr:\n${stderr}`)),
          timeoutMs,
        );
        waiters.push({
          predicate,
          resolve: (event) => {
            clearTimeout(timer);
            resolve(event);
          },
        });
      });
    },
  };
}

export async function runCli(
  moto: Moto,
  args: string[],
  cwd?: string,
  env: Record<string, string | undefined> = {},
  options: CliOptions = {},
) {
  return await startCli(moto, args, cwd, env, options).done;
}
