import {
  GetAliasCommand,
  GetFunctionCommand,
  InvokeCommand,
  ListVersionsByFunctionCommand,
  PreconditionFailedException,
  UpdateAliasCommand,
  UpdateFunctionCodeCommand,
} from "@aws-sdk/client-lambda";
import { beforeEach, describe, expect, test } from "vitest";
import { FakeClock } from "../../test/support/fakes.js";
import { alias, busy, meta, mockedLambda, throttled } from "../../test/support/lambda-mock.js";
import { AwsError, ConflictError } from "../errors.js";
import { AwsLambda } from "./lambda.js";

let client: ReturnType<typeof mockedLambda>["client"];
let mock: ReturnType<typeof mockedLambda>["mock"];
let clock: FakeClock;
let lambda: AwsLambda;

beforeEach(() => {
  ({ client, mock, clock, lambda } = mockedLambda());
});

describe("retries", () => {
  test("throttling is retried with growing backoff, then succeeds", async () => {
    mock.on(GetAliasCommand).rejectsOnce(throttled()).rejectsOnce(throttled()).resolves(alias());
    const state = await lambda.getAlias("fn", "live");
    expect(state.version).toBe("3");
    expect(mock.commandCalls(GetAliasCommand)).toHaveLength(3);
    // full jitter with random()=0.5: half of 200 * 2^n
    expect(clock.sleeps).toEqual([100, 200]);
  });

  test("throttling that never stops ends as AwsError after the bounded attempts", async () => {
    mock.on(GetAliasCommand).rejects(throttled());
    const error = (await lambda.getAlias("fn", "live").catch((e: unknown) => e)) as AwsError;
    expect(error).toBeInstanceOf(AwsError);
    expect(error).toMatchObject({ code: "TooManyRequestsException", status: 429, retryable: true });
    expect(error.message).toContain("after 5 attempts");
    expect(mock.commandCalls(GetAliasCommand)).toHaveLength(5);
  });

  test("HTTP 429, 5xx and network errors without a known code are retried too", async () => {
    const generic = (status: number) =>
      Object.assign(new Error("x"), { name: "Unknown", $metadata: meta(status) });
    const network = Object.assign(new Error("connect ECONNREFUSED"), { code: "ECONNREFUSED", $metadata: {} });
    mock
      .on(ListVersionsByFunctionCommand)
      .rejectsOnce(generic(429))
      .rejectsOnce(generic(503))
      .rejectsOnce(network)
      .resolves({ Versions: [] });
    expect(await lambda.listVersions("fn")).toEqual([]);
    expect(mock.commandCalls(ListVersionsByFunctionCommand)).toHaveLength(4);
  });

  test("an update in progress on updateFunctionCode is waited out", async () => {
    mock.on(UpdateFunctionCodeCommand).rejectsOnce(busy()).rejectsOnce(busy()).resolves({
      FunctionName: "fn",
      Version: "$LATEST",
      CodeSha256: "abc=",
      LastUpdateStatus: "InProgress",
    });
    const state = await lambda.updateFunctionCode("fn", { s3Bucket: "b", s3Key: "k.zip" });
    expect(state).toMatchObject({ codeSha256: "abc=", lastUpdateStatus: "InProgress" });
    expect(mock.commandCalls(UpdateFunctionCodeCommand)).toHaveLength(3);
    expect(clock.sleeps).toEqual([500, 1000]);
  });

  test("an update that stays in progress surfaces as AwsError (exit 4) naming the function", async () => {
    mock.on(UpdateFunctionCodeCommand).rejects(busy());
    const error = (await lambda
      .updateFunctionCode("fn", { zipFile: new Uint8Array([1]) })
      .catch((e: unknown) => e)) as AwsError;
    expect(error).toBeInstanceOf(AwsError);
    expect(error.exitCode).toBe(4);
    expect(error.message).toMatch(/Another update is in progress on Lambda function fn/);
    expect(mock.commandCalls(UpdateFunctionCodeCommand)).toHaveLength(6);
  });

  test("a conflict on a read is not retried", async () => {
    mock.on(GetFunctionCommand).rejects(busy());
    await expect(lambda.getFunction("fn")).rejects.toBeInstanceOf(AwsError);
    expect(mock.commandCalls(GetFunctionCommand)).toHaveLength(1);
  });

  test("invoke retries throttling but not a 5xx, which may have run the code", async () => {
    mock
      .on(InvokeCommand)
      .rejectsOnce(throttled())
      .rejects(Object.assign(new Error("boom"), { name: "ServiceException", $metadata: meta(500) }));
    await expect(lambda.invoke("fn", "4", "{}")).rejects.toBeInstanceOf(AwsError);
    expect(mock.commandCalls(InvokeCommand)).toHaveLength(2);
  });
});

describe("rate limiting", () => {
  test("control-plane calls beyond the burst are spaced by the fake clock", async () => {
    const limited = new AwsLambda(client, { clock, rateLimit: { perSecond: 5, burst: 2 } });
    const started: number[] = [];
    mock.on(GetAliasCommand).callsFake(() => {
      started.push(clock.now());
      return alias();
    });
    for (let i = 0; i < 5; i++) await limited.getAlias("fn", "live");
    const t0 = started[0] ?? 0;
    expect(started.map((t) => t - t0)).toEqual([0, 0, 200, 400, 600]);
  });

  test("concurrent callers each wait for their own slot", async () => {
    const still = new FakeClock({ advance: false });
    const limited = new AwsLambda(client, { clock: still, rateLimit: { perSecond: 10, burst: 1 } });
    mock.on(GetAliasCommand).resolves(alias());
    await Promise.all([1, 2, 3, 4].map(() => limited.getAlias("fn", "live")));
    expect(still.sleeps).toEqual([100, 200, 300]);
  });
});

describe("UpdateAlias retried after a lost reply", () => {
  const reset = () => Object.assign(new Error("socket hang up"), { code: "ECONNRESET", $metadata: {} });
  const precondition = () =>
    new PreconditionFailedException({
      message: "The Revision Id provided does not match",
      $metadata: meta(412),
    });
  const wanted = { version: "3", additional: { version: "4", weight: 10 } };

  test("a PreconditionFailed caused by our own first write is recognised as success", async () => {
    mock.on(UpdateAliasCommand).rejectsOnce(reset()).rejects(precondition());
    mock.on(GetAliasCommand).resolves(alias({ "4": 0.1 }));
    const state = await lambda.updateAlias("fn", "live", wanted, "rev-1");
    expect(state.additional).toEqual({ version: "4", weight: 10 });
    expect(mock.commandCalls(UpdateAliasCommand)).toHaveLength(2);
  });

  test("when the alias routes differently, it is a ConflictError after all", async () => {
    mock.on(UpdateAliasCommand).rejectsOnce(reset()).rejects(precondition());
    mock.on(GetAliasCommand).resolves(alias({ "5": 0.5 }));
    const error = await lambda.updateAlias("fn", "live", wanted, "rev-1").catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConflictError);
    expect((error as ConflictError).message).toMatch(/changed by someone else/);
    expect(mock.commandCalls(UpdateAliasCommand)).toHaveLength(2);
  });
});
