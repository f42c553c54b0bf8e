/**
 * SDK side of the local data plane (`src/local/ports.ts`): a version's configuration and code, the
 * alias's routing, and PutMetricData.
 *
 * Where a version's code comes from, measured against moto 5.2.1: GetFunction's `Code.Location` is a
 * fixed `https://awslambda-<region>-tasks.s3...amazonaws.com/...` URL that is the same for every
 * version and downloads nothing (no such bucket in moto, no internet). So, by CodeSha256:
 * 1. packages registered by the caller (`registerPackage`), e.g. the demo's own builds;
 * 2. the content-addressed object `PREFIX/FUNCTION/SHA256HEX.zip` in the configured buckets, which is
 *    where `lambda-rollout deploy` uploads every release;
 * 3. any other object under `PREFIX/FUNCTION/` in those buckets whose SHA-256 matches (bounded);
 * 4. `Code.Location`, only when it is not the emulator's dead URL (real AWS serves a presigned URL).
 */
import { createHash } from "node:crypto";
import {
  CloudWatchClient,
  type CloudWatchClientConfig,
  PutMetricDataCommand,
} from "@aws-sdk/client-cloudwatch";
import {
  CreateAliasCommand,
  CreateFunctionCommand,
  GetFunctionCommand,
  LambdaClient,
  type LambdaClientConfig,
  type Runtime,
} from "@aws-sdk/client-lambda";
import {
  CreateBucketCommand,
  GetObjectCommand,
  ListObjectsV2Command,
  S3Client,
  type S3ClientConfig,
} from "@aws-sdk/client-s3";
import { LAMBDA_RUNTIME } from "../artifact/bundle.js";
import { artifactKeyPrefix } from "../artifact/key.js";
import { InputError } from "../errors.js";
import type { LocalLambdaPort, MetricDatum, MetricSinkPort, VersionConfig } from "../local/ports.js";
import type { AliasRouting } from "../ports.js";
import { AwsLambda } from "./lambda.js";
import { AwsCaller } from "./retry.js";

export interface PackageSource {
  bucket: string;
  prefix?: string | undefined;
}

export interface LocalSupportOptions {
  region?: string | undefined;
  endpoint?: string | undefined;
  /** Buckets (and key prefixes) where deployment packages are uploaded. */
  packageSources?: PackageSource[] | undefined;
  /** Objects hashed per folder when the content-addressed key is absent; default 50. */
  maxObjectsToHash?: number | undefined;
}

/** PutMetricData accepts up to 1000 data points per call; stay well below. */
const DATA_PER_CALL = 500;

function sha256Base64(bytes: Uint8Array): string {
  return createHash("sha256").update(bytes).digest("base64");
}

function isEmulatorDeadLink(location: string | undefined): boolean {
  return !location || /^https:\/\/awslambda-[a-z0-9-]+-tasks\.s3\./.test(location);
}

export class LocalSupport implements LocalLambdaPort, MetricSinkPort {
  readonly lambda: LambdaClient;
  readonly s3: S3Client;
  readonly cloudwatch: CloudWatchClient;
  private readonly aliases: AwsLambda;
  private readonly caller = new AwsCaller({}, false);
  private readonly packages = new Map<string, Uint8Array>();
  private readonly configs = new Map<string, Promise<VersionConfig>>();
  private readonly sources: PackageSource[];
  private readonly maxObjectsToHash: number;
  private readonly endpoint: string | undefined;

  constructor(options: LocalSupportOptions = {}) {
    const shared: LambdaClientConfig & S3ClientConfig & CloudWatchClientConfig = {
      maxAttempts: 1,
      ...(options.region ? { region: options.region } : {}),
      ...(options.endpoint ? { endpoint: options.endpoint } : {}),
    };
    this.lambda = new LambdaClient(shared);
    // Emulators serve buckets by path, not by host name.
    this.s3 = new S3Client({ ...shared, forcePathStyle: true });
    this.cloudwatch = new CloudWatchClient(shared);
    this.aliases = new AwsLambda(this.lambda, { rateLimit: false });
    this.sources = options.packageSources ?? [];
    this.maxObjectsToHash = options.maxObjectsToHash ?? 50;
    this.endpoint = options.endpoint;
  }

  /** Makes a package findable by its CodeSha256; returns that hash. */
  registerPackage(bytes: Uint8Array): string {
    const sha = sha256Base64(bytes);
    this.packages.set(sha, bytes);
    return sha;
  }

  addPackageSource(source: PackageSource): void {
    this.sources.push(source);
  }

  async getAliasRouting(functionName: string, aliasName: string): Promise<AliasRouting> {
    const alias = await this.aliases.getAlias(functionName, aliasName);
    return { version: alias.version, additional: alias.additional };
  }

  getVersionConfig(functionName: string, version: string): Promise<VersionConfig> {
    // Published versions are immutable; $LATEST is not, so it is never cached.
    const key = `${functionName}:${version}`;
    const cached = this.configs.get(key);
    if (cached) return cached;
    const loading = this.readConfig(functionName, version);
    if (version !== "$LATEST") {
      this.configs.set(key, loading);
      loading.catch(() => this.configs.delete(key));
    }
    return loading;
  }

  private async readConfig(functionName: string, version: string): Promise<VersionConfig> {
    const result = await this.getFunction(functionName, version);
    const c = result.Configuration ?? {};
    return {
      functionName,
      version: c.Version ?? version,
      handler: c.Handler ?? "index.handler",
      runtime: c.Runtime ?? LAMBDA_RUNTIME,
      timeoutSeconds: c.Timeout ?? 3,
      memoryMb: c.MemorySize ?? 128,
      environment: { ...(c.Environment?.Variables ?? {}) },
      codeSha256: c.CodeSha256 ?? "",
    };
  }

  private async getFunction(functionName: string, version: string) {
    return await this.caller.run(
      { operation: "GetFunction", resource: `function ${functionName}:${version}`, unlimited: true },
      () => this.lambda.send(new GetFunctionCommand({ FunctionName: functionName, Qualifier: version })),
    );
  }

  async getVersionCode(functionName: string, version: string): Promise<Uint8Array> {
    const result = await this.getFunction(functionName, version);
    const sha = result.Configuration?.CodeSha256 ?? "";
    const registered = this.packages.get(sha);
    if (registered) return registered;
    const hex = Buffer.from(sha, "base64").toString("hex");
    for (const source of this.sources) {
      const found = await this.findInBucket(source, functionName, sha, hex);
      if (found) return this.remember(found);
    }
    const location = result.Code?.Location;
    if (!isEmulatorDeadLink(location) && location) {
      const response = await fetch(location, { signal: AbortSignal.timeout(10_000) });
      if (response.ok) {
        const bytes = new Uint8Array(await response.arrayBuffer());
        if (sha256Base64(bytes) === sha) return this.remember(bytes);
      }
    }
    const looked = this.sources
      .map((s) => `s3://${s.bucket}/${artifactKeyPrefix(s.prefix, functionName)}`)
      .join(", ");
    throw new InputError(
      `Cannot find the deployment package of ${functionName}:${version} (CodeSha256 ${sha}).`,
      {
        hint:
          `Looked in registered packages${looked ? ` and ${looked}` : ""}. The emulator does not serve code: ` +
          "register the zip (registerPackage) or name the bucket and prefix it was uploaded to.",
      },
    );
  }

  private remember(bytes: Uint8Array): Uint8Array {
    this.packages.set(sha256Base64(bytes), bytes);
    return bytes;
  }

  private async readObject(bucket: string, key: string): Promise<Uint8Array | undefined> {
    try {
      const object = await this.s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
      return object.Body ? await object.Body.transformToByteArray() : undefined;
    } catch {
      return undefined;
    }
  }

  private async findInBucket(
    source: PackageSource,
    functionName: string,
    sha: string,
    hex: string,
  ): Promise<Uint8Array | undefined> {
    const dir = artifactKeyPrefix(source.prefix, functionName);
    const direct = await this.readObject(source.bucket, `${dir}${hex}.zip`);
    if (direct && sha256Base64(direct) === sha) return direct;
    const listing = await this.s3
      .send(new ListObjectsV2Command({ Bucket: source.bucket, Prefix: dir, MaxKeys: this.maxObjectsToHash }))
      .catch(() => undefined);
    for (const entry of listing?.Contents ?? []) {
      if (!entry.Key?.endsWith(".zip")) continue;
      const bytes = await this.readObject(source.bucket, entry.Key);
      if (bytes && sha256Base64(bytes) === sha) return bytes;
    }
    return undefined;
  }

  async putMetricData(namespace: string, data: MetricDatum[]): Promise<void> {
    for (let i = 0; i < data.length; i += DATA_PER_CALL) {
      const batch = data.slice(i, i + DATA_PER_CALL).map((d) => ({
        MetricName: d.metricName,
        Dimensions: Object.entries(d.dimensions).map(([Name, Value]) => ({ Name, Value })),
        Timestamp: d.timestamp,
        Unit: d.unit,
        // High resolution, so gates can use periods shorter than a minute locally.
        StorageResolution: 1,
        ...(d.values ? { Values: d.values, Counts: d.counts } : { Value: d.value ?? 0 }),
      }));
      await this.caller.run({ operation: "PutMetricData", resource: namespace, unlimited: true }, () =>
        this.cloudwatch.send(new PutMetricDataCommand({ Namespace: namespace, MetricData: batch })),
      );
    }
  }

  /**
   * Emulator set-up for the demo and `rehearse`: an execution role, a bucket, a function and its alias.
   * IAM and DynamoDB clients are loaded on demand: only these local set-ups need them.
   */
  async provision(spec: ProvisionSpec): Promise<void> {
    const { CreateRoleCommand, IAMClient } = await import("@aws-sdk/client-iam");
    const iam = new IAMClient(
      await this.lambda.config.region().then((region) => ({ region, endpoint: this.endpoint })),
    );
    const role = await iam
      .send(new CreateRoleCommand({ RoleName: `${spec.functionName}-exec`, AssumeRolePolicyDocument: "{}" }))
      .then((r) => r.Role?.Arn);
    if (spec.bucket) await this.s3.send(new CreateBucketCommand({ Bucket: spec.bucket }));
    await this.lambda.send(
      new CreateFunctionCommand({
        FunctionName: spec.functionName,
        Runtime: (spec.runtime ?? LAMBDA_RUNTIME) as Runtime,
        Role: role ?? `arn:aws:iam::123456789012:role/${spec.functionName}-exec`,
        Handler: spec.handler,
        Code: { ZipFile: spec.zip },
        Timeout: spec.timeoutSeconds ?? 3,
        MemorySize: spec.memoryMb ?? 128,
        Environment: { Variables: spec.environment ?? {} },
      }),
    );
    this.registerPackage(spec.zip);
    // On $LATEST, as Terraform creates it: the first release then moves it all at once.
    await this.lambda.send(
      new CreateAliasCommand({
        FunctionName: spec.functionName,
        Name: spec.aliasName,
        FunctionVersion: "$LATEST",
      }),
    );
  }

  /** A DynamoDB table keyed by `key` (string), with `items` written into it. */
  async createTable(table: string, key: string, items: Record<string, string>[]): Promise<void> {
    const { CreateTableCommand, DynamoDBClient, PutItemCommand } = await import("@aws-sdk/client-dynamodb");
    const region = await this.lambda.config.region();
    const dynamo = new DynamoDBClient({ region, ...(this.endpoint ? { endpoint: this.endpoint } : {}) });
    await dynamo.send(
      new CreateTableCommand({
        TableName: table,
        AttributeDefinitions: [{ AttributeName: key, AttributeType: "S" }],
        KeySchema: [{ AttributeName: key, KeyType: "HASH" }],
        BillingMode: "PAY_PER_REQUEST",
      }),
    );
    for (const item of items) {
      const attributes = Object.fromEntries(Object.entries(item).map(([k, v]) => [k, { S: v }]));
      await dynamo.send(new PutItemCommand({ TableName: table, Item: attributes }));
    }
  }
}

export interface ProvisionSpec {
  functionName: string;
  aliasName: string;
  handler: string;
  zip: Uint8Array;
  runtime?: string | undefined;
  timeoutSeconds?: number | undefined;
  memoryMb?: number | undefined;
  environment?: Record<string, string> | undefined;
  bucket?: string | undefined;
}
