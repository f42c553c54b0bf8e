/**
 * Releases against moto: functions in several regions (moto serves every region from one endpoint and
 * keeps them apart by the signing region), a bucket per region, an alarm per function, and a
 * configuration file listing them under `functions:`.
 */
import { mkdir, mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CloudWatchClient, PutMetricAlarmCommand, SetAlarmStateCommand } from "@aws-sdk/client-cloudwatch";
import { CreateRoleCommand, IAMClient } from "@aws-sdk/client-iam";
import {
  CreateAliasCommand,
  CreateFunctionCommand,
  GetAliasCommand,
  LambdaClient,
  ListVersionsByFunctionCommand,
  PublishVersionCommand,
} from "@aws-sdk/client-lambda";
import { CreateBucketCommand, ListObjectsV2Command, S3Client } from "@aws-sdk/client-s3";
import { packageBytes } from "./lambda-fixtures.js";
import type { Moto } from "./moto.js";

export function regionClients(moto: Moto, region: string) {
  const config = {
    endpoint: moto.endpoint,
    region,
    credentials: { accessKeyId: "test", secretAccessKey: "test" },
  };
  return {
    lambda: new LambdaClient(config),
    s3: new S3Client({ ...config, forcePathStyle: true }),
    cloudwatch: new CloudWatchClient(config),
  };
}

export interface ReleaseFunctionFixture {
  name: string;
  region: string;
  alarm: string;
}

const ROLE = "arn:aws:iam::123456789012:role/lambda-exec";
const buckets = new Set<string>();

/** The bucket of a region, as `artifacts-{region}` names it. */
export const bucketOf = (region: string) => `artifacts-${region}`;

/** Creates `name` in `region` from package "v1", alias `live` on published v1, and an alarm. */
export async function createReleaseFunction(
  moto: Moto,
  name: string,
  region: string,
): Promise<ReleaseFunctionFixture> {
  const aws = regionClients(moto, region);
  await new IAMClient({
    endpoint: moto.endpoint,
    region: "us-east-1",
    credentials: { accessKeyId: "test", secretAccessKey: "test" },
  })
    .send(new CreateRoleCommand({ RoleName: "lambda-exec", AssumeRolePolicyDocument: "{}" }))
    .catch(() => undefined);
  await aws.lambda.send(
    new CreateFunctionCommand({
      FunctionName: name,
      Runtime: "nodejs20.x",
      Role: ROLE,
      Handler: "index.handler",
      Code: { ZipFile: packageBytes("v1") },
    }),
  );
  const version = (await aws.lambda.send(new PublishVersionCommand({ FunctionName: name }))).Version;
  await aws.lambda.send(
    new CreateAliasCommand({ FunctionName: name, Name: "live", FunctionVersion: version }),
  );
  const bucket = bucketOf(region);
  if (!buckets.has(bucket)) {
    await aws.s3
      .send(
        new CreateBucketCommand({
          Bucket: bucket,
          ...(region === "us-east-1"
            ? {}
            : { CreateBucketConfiguration: { LocationConstraint: region as "eu-west-1" } }),
        }),
      )
      .catch(() => undefined);
    buckets.add(bucket);
  }
  const alarm = `${name}-${region}-errors`;
  await aws.cloudwatch.send(
    new PutMetricAlarmCommand({
      AlarmName: alarm,
      Namespace: "AWS/Lambda",
      MetricName: "Errors",
      Dimensions: [{ Name: "FunctionName", Value: name }],
      Statistic: "Sum",
      Period: 60,
      EvaluationPeriods: 1,
      Threshold: 1,
      ComparisonOperator: "GreaterThanOrEqualToThreshold",
    }),
  );
  return { name, region, alarm };
}

export async function setRegionAlarm(
  moto: Moto,
  region: string,
  alarm: string,
  state: "OK" | "ALARM",
  reason = "set by test",
) {
  await regionClients(moto, region).cloudwatch.send(
    new SetAlarmStateCommand({ AlarmName: alarm, StateValue: state, StateReason: reason }),
  );
}

/** The alias as an independent client reads it. */
export async function releaseAliasOf(moto: Moto, fn: { name: string; region: string }) {
  const alias = await regionClients(moto, fn.region).lambda.send(
    new GetAliasCommand({ FunctionName: fn.name, Name: "live" }),
  );
  return {
    version: alias.FunctionVersion,
    weights: alias.RoutingConfig?.AdditionalVersionWeights ?? {},
    description: alias.Description ?? "",
  };
}

export async function versionsOf(moto: Moto, fn: { name: string; region: string }): Promise<string[]> {
  const listed = await regionClients(moto, fn.region).lambda.send(
    new ListVersionsByFunctionCommand({ FunctionName: fn.name }),
  );
  return (listed.Versions ?? []).map((v) => v.Version ?? "").filter((v) => v !== "$LATEST");
}

export async function objectsUnder(moto: Moto, region: string, prefix: string): Promise<number> {
  const listed = await regionClients(moto, region).s3.send(
    new ListObjectsV2Command({ Bucket: bucketOf(region), Prefix: prefix }),
  );
  return listed.KeyCount ?? 0;
}

export interface ReleaseConfigOptions {
  functions: (ReleaseFunctionFixture & { zip?: string; alarms?: string[] })[];
  waves?: { regions: string[]; bake?: string }[];
  steps?: string;
  /** A preset instead of steps, e.g. AllAtOnce. */
  strategy?: string;
  interval?: string;
  /** S3 key prefix: one per test keeps their packages apart. */
  prefix: string;
  /** More YAML lines for the environment, indented as its keys (4 spaces), e.g. `hooks:`. */
  extra?: string[];
}

/**
 * Writes `lambda-rollout.yml` (environment `production`) and each function's package "v2" under
 * `dist/` of a new directory; returns the directory.
 */
export async function writeReleaseConfig(options: ReleaseConfigOptions): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), "lr-release-"));
  await mkdir(join(dir, "dist"));
  const lines = [
    "version: 1",
    "defaults:",
    `  artifact: { bucket: "artifacts-{region}", prefix: ${options.prefix} }`,
    "environments:",
    "  production:",
    options.strategy ? `    strategy: ${options.strategy}` : `    steps: "${options.steps ?? "50%:1s"}"`,
    `    interval: ${options.interval ?? "500ms"}`,
    "    functions:",
  ];
  for (const fn of options.functions) {
    const zip = fn.zip ?? `dist/${fn.name}.zip`;
    if (fn.zip === undefined) await writeFile(join(dir, zip), packageBytes(`v2-${fn.name}`));
    const alarms = JSON.stringify(fn.alarms ?? [fn.alarm]);
    lines.push(`      - { function: ${fn.name}, region: ${fn.region}, zip: ${zip}, alarms: ${alarms} }`);
  }
  if (options.waves) {
    lines.push("    waves:");
    for (const wave of options.waves) {
      lines.push(
        `      - { regions: [${wave.regions.join(", ")}]${wave.bake ? `, bake: ${wave.bake}` : ""} }`,
      );
    }
  }
  lines.push(...(options.extra ?? []));
  await writeFile(join(dir, "lambda-rollout.yml"), `${lines.join("\n")}\n`);
  return dir;
}
