import { createHash } from "node:crypto";
import { GetMetricDataCommand } from "@aws-sdk/client-cloudwatch";
import { CreateRoleCommand } from "@aws-sdk/client-iam";
import {
  CreateAliasCommand,
  CreateFunctionCommand,
  PublishVersionCommand,
  UpdateAliasCommand,
  UpdateFunctionCodeCommand,
} from "@aws-sdk/client-lambda";
import { CreateBucketCommand, PutObjectCommand } from "@aws-sdk/client-s3";
import { strToU8, zipSync } from "fflate";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { createAwsPorts } from "../../src/aws/index.js";
import { createMetricGate } from "../../src/health/metrics.js";
import { EmulatorLambda } from "../../src/local/aws/emulator-lambda.js";
import { CloudWatchMetricSink } from "../../src/local/aws/metric-sink.js";
import { type DataPlane, startDataPlane } from "../../src/local/data-plane.js";
import { runLoad, summarize } from "../../src/local/load.js";
import { systemClock } from "../../src/ports.js";
import { clients } from "../support/lambda-fixtures.js";
import { type Moto, startMoto } from "../support/moto.js";

const FN = "dp-fn";
const BUCKET = "dp-artifacts";

function zip(source: string): Uint8Array {
  return zipSync({ "index.js": [strToU8(source), { mtime: new Date("2020-01-01T00:00:00Z") }] });
}

const healthy = zip(
  `exports.handler = async (e) => ({ statusCode: 200, headers: { "content-type": "application/json" },
     body: JSON.stringify({ q: e.queryStringParameters, greeting: process.env.GREETING }) });`,
);
const failing = zip(`exports.handler = async () => { throw new Error("v2 is broken"); };`);
const hanging = zip(`exports.handler = () => new Promise(() => {});`);

/** mulberry32: a seeded random source, so the split is reproducible. */
function seeded(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

let moto: Moto;
let plane: DataPlane | undefined;
let lambda: EmulatorLambda;

beforeAll(async () => {
  moto = await startMoto();
  Object.assign(process.env, moto.env);
  const aws = clients(moto);
  const role = await aws.iam.send(
    new CreateRoleCommand({ RoleName: "dp-exec", AssumeRolePolicyDocument: "{}" }),
  );
  await aws.s3.send(new CreateBucketCommand({ Bucket: BUCKET }));
  await aws.lambda.send(
    new CreateFunctionCommand({
      FunctionName: FN,
      Runtime: "nodejs20.x",
      Role: role.Role?.Arn,
      Handler: "index.handler",
      Code: { ZipFile: healthy },
      Environment: { Variables: { GREETING: "hello" } },
    }),
  );
  await aws.lambda.send(new PublishVersionCommand({ FunctionName: FN }));
  // v2 goes the way `deploy` ships code: content-addressed in S3, then UpdateFunctionCode from S3.
  const hex = createHash("sha256").update(failing).digest("hex");
  await aws.s3.send(
    new PutObjectCommand({ Bucket: BUCKET, Key: `releases/${FN}/${hex}.zip`, Body: failing }),
  );
  await aws.lambda.send(
    new UpdateFunctionCodeCommand({ FunctionName: FN, S3Bucket: BUCKET, S3Key: `releases/${FN}/${hex}.zip` }),
  );
  await aws.lambda.send(new PublishVersionCommand({ FunctionName: FN }));
  // v3 sits under an arbitrary key name: found by hashing the folder's objects.
  await aws.s3.send(
    new PutObjectCommand({ Bucket: BUCKET, Key: `releases/${FN}/hanging.zip`, Body: hanging }),
  );
  await aws.lambda.send(new UpdateFunctionCodeCommand({ FunctionName: FN, ZipFile: hanging }));
  await aws.lambda.send(new PublishVersionCommand({ FunctionName: FN }));
  await aws.lambda.send(
    new CreateAliasCommand({
      FunctionName: FN,
      Name: "live",
      FunctionVersion: "1",
      RoutingConfig: { AdditionalVersionWeights: { "2": 0.5 } },
    }),
  );
  const connection = { endpoint: moto.endpoint, region: moto.region, credentials: moto.credentials };
  lambda = new EmulatorLambda({
    ...connection,
    packageSources: [{ bucket: BUCKET, prefix: "releases" }],
  });
  // v1's package is handed over directly, as the demo does with the packages it builds.
  lambda.registerPackage(healthy);
  plane = await startDataPlane({
    functionName: FN,
    aliasName: "live",
    lambda,
    metricSink: new CloudWatchMetricSink(connection),
    flushIntervalMs: 60_000,
    random: seeded(42),
    // Enough environments that a burst at 100 requests/s is not throttled.
    runtime: { maxConcurrencyPerVersion: 50 },
  });
  // One warm environment per version before the bursts: dozens of workers cold-starting at once on a
  // busy machine take seconds each, the load then hits its in-flight cap and skips requests.
  await Promise.all(["1", "2"].map((version) => plane?.runtime.invoke(FN, version, {})));
});

afterAll(async () => {
  await plane?.close();
  await moto?.stop();
});

describe("local data plane against moto", () => {
  test("the API listens on loopback only and passes the REST proxy event to the handler", async () => {
    expect(plane?.api.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const response = await fetch(`${plane?.api.url}/?name=John%20Doe`);
    const version = response.headers.get("x-executed-version");
    if (version === "1") {
      expect(response.status).toBe(200);
      expect(await response.json()).toEqual({ q: { name: "John Doe" }, greeting: "hello" });
    } else {
      expect(version).toBe("2");
      expect(response.status).toBe(502);
      expect(await response.json()).toEqual({ message: "Internal server error" });
    }
  });

  test("50% routing splits traffic by weight, errors are counted, metrics land with the three dimensions", async () => {
    const startedAt = new Date(Date.now() - 60_000);
    const report = await runLoad({ url: `${plane?.api.url}/?name=Ada`, ratePerSecond: 100, count: 200 });
    const summary = summarize(report);
    const one = summary["1"] ?? { total: 0, errors: 0, throttled: 0 };
    const two = summary["2"] ?? { total: 0, errors: 0, throttled: 0 };
    expect(one.total + two.total).toBe(200);
    expect(one.total).toBeGreaterThan(70);
    expect(two.total).toBeGreaterThan(70);
    expect(one.errors).toBe(0);
    expect(two.errors).toBe(two.total);
    expect(report.byVersion["2"]).toEqual({ "502": two.total });

    await plane?.metrics.flush();
    const totals = plane?.metrics.totalsByVersion() ?? {};
    const dims = (version: string) => [
      { Name: "FunctionName", Value: FN },
      { Name: "Resource", Value: `${FN}:live` },
      { Name: "ExecutedVersion", Value: version },
    ];
    const query = (id: string, metric: string, dimensions: { Name: string; Value: string }[]) => ({
      Id: id,
      MetricStat: {
        Metric: { Namespace: "AWS/Lambda", MetricName: metric, Dimensions: dimensions },
        Period: 60,
        Stat: "Sum",
      },
    });
    const result = await clients(moto).cloudwatch.send(
      new GetMetricDataCommand({
        StartTime: startedAt,
        EndTime: new Date(Date.now() + 60_000),
        MetricDataQueries: [
          query("inv1", "Invocations", dims("1")),
          query("inv2", "Invocations", dims("2")),
          query("err2", "Errors", dims("2")),
          query("err1", "Errors", dims("1")),
          query("alias", "Invocations", dims("1").slice(0, 2)),
        ],
      }),
    );
    const sum = (id: string) =>
      (result.MetricDataResults?.find((r) => r.Id === id)?.Values ?? []).reduce((a, b) => a + b, 0);
    // The first test's request is in the same window.
    expect(sum("inv1")).toBe(totals["1"]?.invocations);
    expect(sum("inv2")).toBe(totals["2"]?.invocations);
    expect(sum("err2")).toBe(totals["2"]?.errors);
    expect(sum("err1")).toBe(0);
    expect(sum("alias")).toBe(sum("inv1") + sum("inv2"));
    expect(sum("inv2")).toBeGreaterThanOrEqual(two.total);
  });

  test("the metric gate reads those metrics and fails the broken version", async () => {
    const ports = createAwsPorts({ endpoint: moto.endpoint, region: "us-east-1" });
    const gate = createMetricGate(
      { periodSeconds: 60, minInvocations: 20, errorRate: { max: 0.05, maxRelative: 2 } },
      { metrics: ports.metrics, clock: systemClock },
    );
    const now = Date.now() + 1000;
    const verdict = await gate.check({
      functionName: FN,
      aliasName: "live",
      stableVersion: "1",
      newVersion: "2",
      weight: 50,
      phase: "bake",
      stepStartedAt: now - 120_000,
      now,
    });
    expect(verdict.status).toBe("fail");
    expect(verdict.detail).toMatch(/error rate 100\.0%/);
  });

  test("traffic follows a change of the alias once the routing is invalidated", async () => {
    await clients(moto).lambda.send(
      new UpdateAliasCommand({ FunctionName: FN, Name: "live", FunctionVersion: "1", RoutingConfig: {} }),
    );
    plane?.api.routing.invalidate();
    const report = await runLoad({ url: `${plane?.api.url}/`, ratePerSecond: 100, count: 20 });
    expect(report.byVersion).toEqual({ "1": { "200": 20 } });
  });

  test("a version that runs past its timeout is reported like Lambda and answered with 502", async () => {
    await clients(moto).lambda.send(
      new UpdateAliasCommand({ FunctionName: FN, Name: "live", FunctionVersion: "3" }),
    );
    plane?.api.routing.invalidate();
    const response = await fetch(`${plane?.api.url}/`);
    expect(response.status).toBe(502);
    expect(response.headers.get("x-executed-version")).toBe("3");
    const invocation = await plane?.runtime.invoke(FN, "3", {});
    expect(invocation?.functionError).toBe("Unhandled");
    expect(invocation?.errorMessage).toMatch(/Task timed out after 3\.00 seconds$/);
    expect(invocation?.executedVersion).toBe("3");
  });
});
