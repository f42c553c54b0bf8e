import { CloudWatchClient, DescribeAlarmsCommand } from "@aws-sdk/client-cloudwatch";
import { GetAliasCommand, LambdaClient, UpdateAliasCommand } from "@aws-sdk/client-lambda";
import { GetObjectCommand, HeadObjectCommand, PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import {
  attribute,
  type FaultPlan,
  type FaultProxy,
  FunctionFaults,
  startFaultProxy,
} from "./fault-proxy.js";
import { aliasOf, createTarget } from "./lambda-fixtures.js";
import { type Moto, startMoto } from "./moto.js";

const signed = (service: string) => ({
  authorization: `AWS4-HMAC-SHA256 Credential=test/20260101/us-east-1/${service}/aws4_request, SignedHeaders=host, Signature=00`,
});

describe("attribution: which operation and which function a request is for", () => {
  test.each([
    ["GET", "/2015-03-31/functions/fn-1/aliases/live", "GetAlias"],
    ["PUT", "/2015-03-31/functions/fn-1/aliases/live", "UpdateAlias"],
    ["POST", "/2015-03-31/functions/fn-1/aliases", "CreateAlias"],
    ["POST", "/2015-03-31/functions/fn-1/versions", "PublishVersion"],
    ["PUT", "/2015-03-31/functions/fn-1/code", "UpdateFunctionCode"],
    ["GET", "/2015-03-31/functions/fn-1?Qualifier=2", "GetFunction"],
    ["POST", "/2015-03-31/functions/fn-1/invocations?Qualifier=2", "Invoke"],
  ])("Lambda %s %s is %s of fn-1", (method, url, operation) => {
    expect(attribute(method, url, signed("lambda"), "")).toEqual({
      service: "lambda",
      operation,
      functionName: "fn-1",
    });
  });

  test("S3 objects belong to the function named by their folder", () => {
    expect(attribute("PUT", "/bucket/builds/fn-1/abc.zip?x-id=PutObject", signed("s3"), "")).toEqual({
      service: "s3",
      operation: "PutObject",
      functionName: "fn-1",
    });
    expect(attribute("HEAD", "/bucket/fn-1/abc.zip", signed("s3"), "").operation).toBe("HeadObject");
    expect(
      attribute("GET", "/bucket?list-type=2&prefix=fn-1%2Fabc.zip&max-keys=1", signed("s3"), "").operation,
    ).toBe("ListObjectsV2");
  });

  test("ledger objects: a head and a record belong to their function, a release's record is named by its id", () => {
    const head = "/bucket/rollouts/aliases/123456789012/us-east-1/fn-1/live.json?x-id=PutObject";
    expect(attribute("PUT", head, signed("s3"), "")).toEqual({
      service: "s3",
      operation: "PutObject",
      functionName: "fn-1",
      ledger: { kind: "head" },
    });
    const record = "/bucket/p/rollouts/records/123456789012/us-east-1/fn-1/r-0abc-12zz.json";
    expect(attribute("GET", record, signed("s3"), "")).toEqual({
      service: "s3",
      operation: "GetObject",
      functionName: "fn-1",
      ledger: { kind: "record", id: "r-0abc-12zz" },
    });
    expect(attribute("GET", "/bucket/p/rollouts/releases/r-0abc-12zz.json", signed("s3"), "")).toEqual({
      service: "s3",
      operation: "GetObject",
      ledger: { kind: "record", id: "r-0abc-12zz" },
    });
  });

  test("CloudWatch calls belong to the function whose alarms they name (JSON and query protocols)", () => {
    const json = attribute(
      "POST",
      "/",
      {
        ...signed("monitoring"),
        "x-amz-target": "GraniteServiceVersion20100801.DescribeAlarms",
        "content-type": "application/x-amz-json-1.0",
      },
      JSON.stringify({ AlarmNames: ["fn-1-errors"] }),
    );
    expect(json).toEqual({ service: "cloudwatch", operation: "DescribeAlarms", alarmNames: ["fn-1-errors"] });
    const query = attribute(
      "POST",
      "/",
      { ...signed("monitoring"), "content-type": "application/x-www-form-urlencoded" },
      "Action=DescribeAlarms&Version=2010-08-01&AlarmNames.member.1=fn-1-errors",
    );
    expect(query).toMatchObject({ operation: "DescribeAlarms", alarmNames: ["fn-1-errors"] });
  });
});

describe("schedules", () => {
  const getAlias = { service: "lambda" as const, operation: "GetAlias", functionName: "fn" };
  const updateAlias = { ...getAlias, operation: "UpdateAlias" };
  const fates = (plan: FaultPlan, count: number) => {
    const faults = new FunctionFaults("fn", plan, []);
    return Array.from({ length: count }, () => {
      const decision = faults.decide(getAlias, 0);
      return decision.action === "forward" ? "forward" : decision.kind;
    });
  };

  test("the same seed gives the same faults; another seed, others", () => {
    const plan = { seed: 7, throttle: 0.2, error5xx: 0.2, reset: 0.2, lostResponse: 0.2 };
    expect(fates(plan, 40)).toEqual(fates(plan, 40));
    expect(fates(plan, 40)).not.toEqual(fates({ ...plan, seed: 8 }, 40));
    expect(new Set(fates(plan, 40))).toEqual(
      new Set(["forward", "throttle", "5xx", "reset", "lost-response"]),
    );
  });

  test("operation filters and 'after the Nth UpdateAlias' hold faults back until the moment they target", () => {
    const faults = new FunctionFaults(
      "fn",
      { seed: 1, throttle: 1, operations: ["UpdateAlias"], afterUpdateAlias: 2 },
      [],
    );
    expect(faults.decide(getAlias, 0).action).toBe("forward");
    expect(faults.decide(updateAlias, 0).action).toBe("forward");
    expect(faults.decide(updateAlias, 0)).toMatchObject({ action: "reply", kind: "throttle" });
    expect(faults.decide(getAlias, 0).action).toBe("forward");
  });

  test("ledger faults hit the ledger's requests only: 412s and lost replies on its writes, its own outage", () => {
    const put = { service: "s3" as const, operation: "PutObject", functionName: "fn" };
    const ledgerPut = { ...put, ledger: { kind: "head" as const } };
    const ledgerGet = { ...ledgerPut, operation: "GetObject" };
    const kinds = (plan: FaultPlan, request: typeof put, count: number) => {
      const faults = new FunctionFaults("fn", plan, []);
      return new Set(
        Array.from({ length: count }, () => {
          const decision = faults.decide(request, 0);
          return decision.action === "forward" ? "forward" : decision.kind;
        }),
      );
    };
    const plan = { seed: 4, ledger: { error412: 0.4, lostResponse: 0.4 } };
    expect(kinds(plan, ledgerPut, 40)).toEqual(new Set(["forward", "ledger-412", "ledger-lost-response"]));
    expect(kinds(plan, ledgerGet, 40)).toEqual(new Set(["forward"]));
    expect(kinds(plan, put, 40)).toEqual(new Set(["forward"]));

    const outage = { atRequest: 2, durationMs: 1_000, mode: "503" as const };
    const faults = new FunctionFaults("fn", { seed: 5, ledger: { outage } }, []);
    expect(faults.decide(ledgerGet, 0).action).toBe("forward");
    expect(faults.ledgerAnsweredLast).toBe(true);
    expect(faults.decide(ledgerPut, 100)).toMatchObject({ action: "reply", kind: "ledger-outage" });
    expect(faults.decide(put, 200).action).toBe("forward");
    expect(faults.ledgerAnsweredLast).toBe(false);
    expect(faults.decide(ledgerGet, 1_100).action).toBe("forward");
    expect(faults.ledgerAnsweredLast).toBe(true);
  });

  test("a brownout applies writes without answering and fails reads, for its duration only", () => {
    const outage = { atUpdateAlias: 1, delayMs: 0, durationMs: 5_000, mode: "brownout" as const };
    const faults = new FunctionFaults("fn", { seed: 3, outage }, []);
    expect(faults.decide(updateAlias, 1_000)).toMatchObject({
      action: "lose",
      kind: "brownout-applied-unanswered",
    });
    expect(faults.decide(getAlias, 2_000).action).toMatch(/^(reset|reply)$/);
    expect(faults.decide(getAlias, 6_000).action).toBe("forward");
    expect(faults.stats.outagesStarted).toBe(1);
  });
});

describe("against moto, through the SDK", () => {
  let moto: Moto;
  let proxy: FaultProxy;
  beforeAll(async () => {
    moto = await startMoto();
    proxy = await startFaultProxy(moto.endpoint);
  });
  afterAll(async () => {
    await proxy?.stop();
    await moto?.stop();
  });

  const sdk = () => {
    const config = {
      endpoint: proxy.endpoint,
      region: "us-east-1",
      credentials: { accessKeyId: "test", secretAccessKey: "test" },
      maxAttempts: 1,
    };
    return {
      lambda: new LambdaClient(config),
      s3: new S3Client({ ...config, forcePathStyle: true }),
      cloudwatch: new CloudWatchClient(config),
    };
  };
  const failure = (promise: Promise<unknown>) =>
    promise.then(
      () => "no error",
      (error: { name?: string; code?: string; $metadata?: { httpStatusCode?: number } }) =>
        `${error.code ?? error.name} ${error.$metadata?.httpStatusCode ?? "-"}`,
    );

  test("throttling looks like each service's own throttling error", async () => {
    const target = await createTarget(moto, "proxy-throttle");
    proxy.plan(target.name, { seed: 1, throttle: 1 }, [target.alarm]);
    const { lambda, s3, cloudwatch } = sdk();
    expect(await failure(lambda.send(new GetAliasCommand({ FunctionName: target.name, Name: "live" })))).toBe(
      "TooManyRequestsException 429",
    );
    const key = `p/${target.name}/x.zip`;
    expect(await failure(s3.send(new PutObjectCommand({ Bucket: target.bucket, Key: key, Body: "x" })))).toBe(
      "SlowDown 503",
    );
    expect(await failure(s3.send(new HeadObjectCommand({ Bucket: target.bucket, Key: key })))).toMatch(
      / 503$/,
    );
    expect(await failure(cloudwatch.send(new DescribeAlarmsCommand({ AlarmNames: [target.alarm] })))).toBe(
      "Throttling 400",
    );
    proxy.clear(target.name);
    expect(await failure(lambda.send(new GetAliasCommand({ FunctionName: target.name, Name: "live" })))).toBe(
      "no error",
    );
  });

  test("a lost response applies the write and resets the connection; a reset applies nothing", async () => {
    const target = await createTarget(moto, "proxy-lost");
    const { lambda } = sdk();
    const weighted = (weight: number) =>
      new UpdateAliasCommand({
        FunctionName: target.name,
        Name: "live",
        FunctionVersion: "1",
        RoutingConfig: { AdditionalVersionWeights: { "1": weight } },
      });
    proxy.plan(target.name, { seed: 1, reset: 1 });
    expect(await failure(lambda.send(weighted(0.1)))).toBe("ECONNRESET -");
    expect(await aliasOf(moto, target.name)).toEqual({ version: "1", weights: {} });
    const faults = proxy.plan(target.name, { seed: 1, lostResponse: 1 });
    expect(await failure(lambda.send(weighted(0.2)))).toBe("ECONNRESET -");
    expect(await aliasOf(moto, target.name)).toEqual({ version: "1", weights: { "1": 0.2 } });
    expect(faults.stats.describe()).toBe("lost-response 1 (UpdateAlias 1)");
  });

  test("a release's ledger record is attributed to the function its body names; a 412 and a refusal are S3-shaped", async () => {
    const target = await createTarget(moto, "proxy-ledger");
    const faults = proxy.plan(target.name, { seed: 1, ledger: { error412: 1 } });
    const { s3 } = sdk();
    const key = "rollouts/releases/r-0abc-12zz.json";
    const body = JSON.stringify({ schema: 1, targets: [{ function: target.name }] });
    const put = new PutObjectCommand({ Bucket: target.bucket, Key: key, Body: body, IfNoneMatch: "*" });
    expect(await failure(s3.send(put))).toBe("PreconditionFailed 412");
    expect(await failure(s3.send(new GetObjectCommand({ Bucket: target.bucket, Key: key })))).toBe(
      "NoSuchKey 404",
    );
    expect(faults.stats.describe()).toBe("ledger-412 1 (PutObject 1)");
    proxy.plan(target.name, { seed: 1, ledger: { refuse: true } });
    expect(await failure(s3.send(new GetObjectCommand({ Bucket: target.bucket, Key: key })))).toBe(
      "AccessDenied 403",
    );
    proxy.clear(target.name);
  });

  test("5xx errors are service-shaped and never reach moto", async () => {
    const target = await createTarget(moto, "proxy-5xx");
    proxy.plan(target.name, { seed: 2, error5xx: 1 });
    const { lambda } = sdk();
    const update = new UpdateAliasCommand({
      FunctionName: target.name,
      Name: "live",
      FunctionVersion: "1",
      RoutingConfig: { AdditionalVersionWeights: { "1": 0.5 } },
    });
    expect(await failure(lambda.send(update))).toMatch(/^ServiceException 50[03]$/);
    expect(await aliasOf(moto, target.name)).toEqual({ version: "1", weights: {} });
  });
});
