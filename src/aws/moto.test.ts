/**
 * The adapters against a real moto server: request shapes, pagination and response parsing as an
 * AWS-compatible endpoint sees them. Optimistic locking is not modelled by moto (see local-aws.md) and
 * is covered by lambda.test.ts instead.
 */
import { createHash } from "node:crypto";
import {
  CloudWatchClient,
  PutMetricAlarmCommand,
  PutMetricDataCommand,
  SetAlarmStateCommand,
} from "@aws-sdk/client-cloudwatch";
import {
  CreateAliasCommand,
  CreateFunctionCommand,
  GetAliasCommand,
  LambdaClient,
} from "@aws-sdk/client-lambda";
import { CreateBucketCommand, HeadObjectCommand, PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { strToU8, zipSync } from "fflate";
import { afterAll, beforeAll, describe, expect, test, vi } from "vitest";
import { type Moto, startMoto } from "../../test/support/moto.js";
import { InputError } from "../errors.js";
import { CloudWatchAlarms, CloudWatchMetrics } from "./cloudwatch.js";
import { createAwsPorts } from "./index.js";
import { AwsLambda } from "./lambda.js";
import { S3ArtifactStore } from "./s3.js";

const FN = "orders";
const BUCKET = "artifacts";
let moto: Moto;
let lambdaClient: LambdaClient;
let cwClient: CloudWatchClient;
let s3Client: S3Client;
let lambda: AwsLambda;
let store: S3ArtifactStore;

const zip = (body: string) =>
  zipSync(
    { "index.js": strToU8(`exports.handler = async () => ${body};\n`) },
    { mtime: new Date(2020, 0, 1) },
  );
const sha = (bytes: Uint8Array) => createHash("sha256").update(bytes).digest("base64");

/** moto routes by the signing scope, so an unsigned IAM call with a scope-only header is enough. */
async function createRole(name: string): Promise<string> {
  const body = new URLSearchParams({
    Action: "CreateRole",
    Version: "2010-05-08",
    RoleName: name,
    AssumeRolePolicyDocument: JSON.stringify({
      Version: "2012-10-17",
      Statement: [
        { Effect: "Allow", Principal: { Service: "lambda.amazonaws.com" }, Action: "sts:AssumeRole" },
      ],
    }),
  });
  const response = await fetch(moto.endpoint, {
    method: "POST",
    headers: {
      "content-type": "application/x-www-form-urlencoded",
      authorization:
        "AWS4-HMAC-SHA256 Credential=test/20240101/us-east-1/iam/aws4_request, SignedHeaders=host, Signature=0",
    },
    body,
  });
  const text = await response.text();
  const arn = /<Arn>([^<]+)<\/Arn>/.exec(text)?.[1];
  if (!response.ok || !arn) throw new Error(`CreateRole failed: ${response.status} ${text}`);
  return arn;
}

beforeAll(async () => {
  moto = await startMoto();
  const common = {
    endpoint: moto.endpoint,
    region: "us-east-1",
    credentials: { accessKeyId: "test", secretAccessKey: "test" },
  };
  lambdaClient = new LambdaClient(common);
  cwClient = new CloudWatchClient(common);
  s3Client = new S3Client({ ...common, forcePathStyle: true });
  // The limiter is proven with a fake clock in lambda.test.ts; here it would only add real waiting.
  lambda = new AwsLambda(lambdaClient, { rateLimit: false });
  store = new S3ArtifactStore(s3Client);
  const role = await createRole("orders-exec");
  await lambdaClient.send(
    new CreateFunctionCommand({
      FunctionName: FN,
      Role: role,
      Runtime: "nodejs20.x",
      Handler: "index.handler",
      Code: { ZipFile: zip("1") },
    }),
  );
  await s3Client.send(new CreateBucketCommand({ Bucket: BUCKET }));
});

afterAll(async () => {
  await moto?.stop();
});

describe("Lambda", () => {
  test("getFunction reports $LATEST with the package's CodeSha256", async () => {
    const fn = await lambda.getFunction(FN);
    expect(fn).toMatchObject({
      functionName: FN,
      version: "$LATEST",
      codeSha256: sha(zip("1")),
      handler: "index.handler",
      runtime: "nodejs20.x",
      state: "Active",
    });
  });

  test("versions are published from ZipFile updates and listed", async () => {
    const v1 = await lambda.publishVersion(FN, sha(zip("1")), "first");
    const updated = await lambda.updateFunctionCode(FN, { zipFile: zip("2") });
    expect(updated.codeSha256).toBe(sha(zip("2")));
    const v2 = await lambda.publishVersion(FN, updated.codeSha256, "second");
    expect([v1.version, v2.version]).toEqual(["1", "2"]);
    expect(v2.codeSha256).toBe(sha(zip("2")));
    const versions = await lambda.listVersions(FN);
    expect(versions.map((v) => v.version)).toEqual(["$LATEST", "1", "2"]);
    expect((await lambda.getFunction(FN, "1")).codeSha256).toBe(sha(zip("1")));
  });

  test("alias weights round-trip as percent here and fractions in AWS; removal leaves no routing", async () => {
    await lambdaClient.send(new CreateAliasCommand({ FunctionName: FN, Name: "live", FunctionVersion: "1" }));
    const before = await lambda.getAlias(FN, "live");
    expect(before).toMatchObject({
      functionName: FN,
      aliasName: "live",
      version: "1",
      additional: undefined,
    });
    expect(before.aliasArn).toMatch(/:function:orders:live$/);

    const split = await lambda.updateAlias(
      FN,
      "live",
      { version: "1", additional: { version: "2", weight: 10 } },
      before.revisionId,
    );
    expect(split.additional).toEqual({ version: "2", weight: 10 });
    const raw = await lambdaClient.send(new GetAliasCommand({ FunctionName: FN, Name: "live" }));
    expect(raw.RoutingConfig?.AdditionalVersionWeights).toEqual({ "2": 0.1 });
    expect((await lambda.getAlias(FN, "live")).additional).toEqual({ version: "2", weight: 10 });

    const promoted = await lambda.updateAlias(FN, "live", { version: "2" }, split.revisionId);
    expect(promoted).toMatchObject({ version: "2", additional: undefined });
    const rawAfter = await lambdaClient.send(new GetAliasCommand({ FunctionName: FN, Name: "live" }));
    expect(rawAfter.FunctionVersion).toBe("2");
    expect(rawAfter.RoutingConfig?.AdditionalVersionWeights ?? {}).toEqual({});
  });

  test("missing function and alias are InputErrors naming them", async () => {
    await expect(lambda.getAlias(FN, "nope")).rejects.toThrow(/Alias nope of Lambda function orders/);
    await expect(lambda.getAlias("ghost", "live")).rejects.toBeInstanceOf(InputError);
    await expect(lambda.getFunction("ghost")).rejects.toThrow(/Lambda function ghost does not exist/);
  });

  test("invoke without a canned result echoes the payload", async () => {
    const result = await lambda.invoke(FN, "2", '{"ping":"é"}');
    expect(result.statusCode).toBe(200);
    expect(result.functionError).toBeUndefined();
    expect(result.payload).toBe('{"ping":"é"}');
  });
});

describe("S3 artifacts and code from S3", () => {
  test("put is content addressed: absent, uploaded, present; the code deploys from it", async () => {
    const bytes = zip("3");
    const key = `releases/${FN}/${Buffer.from(sha(bytes), "base64").toString("hex")}.zip`;
    expect(await store.head(BUCKET, key)).toBeUndefined();
    await store.put(BUCKET, key, bytes, sha(bytes));
    // S3 (and moto) keep the SHA-256 the upload was checked against, so a re-run can verify it.
    expect(await store.head(BUCKET, key)).toEqual({ sha256Base64: sha(bytes) });

    const updated = await lambda.updateFunctionCode(FN, { s3Bucket: BUCKET, s3Key: key });
    expect(updated.codeSha256).toBe(sha(bytes));
    const v3 = await lambda.publishVersion(FN, sha(bytes), "from s3");
    expect(v3).toMatchObject({ version: "3", codeSha256: sha(bytes) });
  });

  test("put sends the SHA-256 checksum on the wire (moto stores but does not verify it; S3 does)", async () => {
    const sent: Record<string, string>[] = [];
    const spyClient = new S3Client({
      endpoint: moto.endpoint,
      region: "us-east-1",
      credentials: { accessKeyId: "test", secretAccessKey: "test" },
      forcePathStyle: true,
    });
    spyClient.middlewareStack.add(
      (next) => async (args) => {
        const request = args.request as { headers?: Record<string, string> };
        if (request.headers) sent.push({ ...request.headers });
        return await next(args);
      },
      { step: "finalizeRequest" },
    );
    const bytes = zip("4");
    await new S3ArtifactStore(spyClient).put(BUCKET, "checked.zip", bytes, sha(bytes));
    expect(sent[0]?.["x-amz-checksum-sha256"]).toBe(sha(bytes));
    const head = await s3Client.send(new HeadObjectCommand({ Bucket: BUCKET, Key: "checked.zip" }));
    expect(head.ContentType).toBe("application/zip");
    expect(head.ContentLength).toBe(bytes.length);
  });

  test("an object someone else wrote at the key has no SHA-256 to verify; our upload replaces it", async () => {
    const key = "foreign/object.zip";
    await s3Client.send(new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: zip("other") }));
    expect(await store.head(BUCKET, key)).toEqual({ sha256Base64: undefined });
    const bytes = zip("5");
    await store.put(BUCKET, key, bytes, sha(bytes));
    expect(await store.head(BUCKET, key)).toEqual({ sha256Base64: sha(bytes) });
  });

  test("a missing bucket is an InputError, to head (whose 404 alone cannot say it) as to put", async () => {
    await expect(store.put("no-such-bucket", "k.zip", zip("1"), sha(zip("1")))).rejects.toBeInstanceOf(
      InputError,
    );
    await expect(store.head("no-such-bucket", "fn/k.zip")).rejects.toThrow(
      "S3 bucket no-such-bucket does not exist.",
    );
    expect(await store.head(BUCKET, "fn/not-uploaded-yet.zip")).toBeUndefined();
  });
});

describe("CloudWatch", () => {
  test("alarms report their state; unknown names are absent", async () => {
    for (const name of ["orders-errors", "orders-latency"]) {
      await cwClient.send(
        new PutMetricAlarmCommand({
          AlarmName: name,
          Namespace: "AWS/Lambda",
          MetricName: "Errors",
          Statistic: "Sum",
          Period: 60,
          EvaluationPeriods: 1,
          Threshold: 1,
          ComparisonOperator: "GreaterThanOrEqualToThreshold",
        }),
      );
    }
    await cwClient.send(
      new SetAlarmStateCommand({
        AlarmName: "orders-errors",
        StateValue: "ALARM",
        StateReason: "test: errors",
      }),
    );
    const alarms = await new CloudWatchAlarms(cwClient).describeAlarms([
      "orders-errors",
      "orders-latency",
      "missing",
    ]);
    const byName = Object.fromEntries(alarms.map((a) => [a.name, a]));
    expect(Object.keys(byName).sort()).toEqual(["orders-errors", "orders-latency"]);
    expect(byName["orders-errors"]).toMatchObject({ state: "ALARM", reason: "test: errors" });
    expect(byName["orders-latency"]?.state).toBe("OK");
  });

  test("metrics are aggregated over the window; no data is undefined", async () => {
    const start = new Date(Math.floor(Date.now() / 60_000) * 60_000 - 10 * 60_000);
    const at = (minutes: number) => new Date(start.getTime() + minutes * 60_000 + 1_000);
    const dimensions = { FunctionName: FN, Resource: `${FN}:live`, ExecutedVersion: "2" };
    await cwClient.send(
      new PutMetricDataCommand({
        Namespace: "Rollout/Test",
        MetricData: [
          [1, 2],
          [3, 6],
          [5, 4],
        ].map(([minute, value]) => ({
          MetricName: "Errors",
          Dimensions: Object.entries(dimensions).map(([Name, Value]) => ({ Name, Value })),
          Timestamp: at(minute ?? 0),
          Value: value,
        })),
      }),
    );
    const query = (id: string, stat: string, metricName = "Errors") => ({
      id,
      namespace: "Rollout/Test",
      metricName,
      dimensions,
      stat,
    });
    const end = new Date(start.getTime() + 9 * 60_000);
    const result = await new CloudWatchMetrics(cwClient).getMetrics(
      [
        query("sum", "Sum"),
        query("avg", "Average"),
        query("max", "Maximum"),
        query("count", "SampleCount"),
        query("none", "Sum", "Throttles"),
      ],
      start,
      end,
      60,
    );
    expect(result).toEqual({ sum: 12, avg: 4, max: 6, count: 3, none: undefined });
  });
});

test("createAwsPorts takes region and endpoint from the standard environment", async () => {
  for (const [key, value] of Object.entries(moto.env)) vi.stubEnv(key, value);
  try {
    const ports = createAwsPorts({ rateLimit: false });
    expect((await ports.lambda.getAlias(FN, "live")).version).toBe("2");
    expect(await ports.artifacts.head(BUCKET, "nothing-here.zip")).toBeUndefined();
  } finally {
    vi.unstubAllEnvs();
  }
});
