/**
 * Durable functions at the adapter (moto does not model durable executions): the running executions of
 * one version are counted with ListDurableExecutionsByFunction, the version as qualifier and status
 * RUNNING, page by page up to a limit; a durable function is recognized from its DurableConfig.
 */
import {
  GetFunctionCommand,
  LambdaServiceException,
  ListDurableExecutionsByFunctionCommand,
  ListVersionsByFunctionCommand,
} from "@aws-sdk/client-lambda";
import { beforeEach, describe, expect, test } from "vitest";
import { meta, mockedLambda, throttled } from "../../test/support/lambda-mock.js";
import { AwsError } from "../errors.js";
import type { AwsLambda } from "./lambda.js";

let mock: ReturnType<typeof mockedLambda>["mock"];
let lambda: AwsLambda;

beforeEach(() => {
  ({ mock, lambda } = mockedLambda());
});

const executions = (n: number) =>
  Array.from({ length: n }, (_, i) => ({
    DurableExecutionArn: `arn:aws:lambda:us-east-1:123456789012:function:fn:7/durable-execution/e${i}`,
    DurableExecutionName: `e${i}`,
    FunctionArn: "arn:aws:lambda:us-east-1:123456789012:function:fn:7",
    Status: "RUNNING" as const,
    StartTimestamp: new Date(0),
  }));

describe("runningDurableExecutions", () => {
  test("lists the version's RUNNING executions, the version as qualifier, following NextMarker", async () => {
    mock
      .on(ListDurableExecutionsByFunctionCommand, { Marker: undefined })
      .resolves({ DurableExecutions: executions(2), NextMarker: "m1" })
      .on(ListDurableExecutionsByFunctionCommand, { Marker: "m1" })
      .resolves({ DurableExecutions: executions(1) });
    expect(await lambda.runningDurableExecutions("fn", "7")).toEqual({ count: 3, more: false });
    const inputs = mock.commandCalls(ListDurableExecutionsByFunctionCommand).map((c) => c.args[0].input);
    expect(inputs[0]).toEqual({
      FunctionName: "fn",
      Qualifier: "7",
      Statuses: ["RUNNING"],
      MaxItems: 1000,
      Marker: undefined,
    });
    expect(inputs[1]).toMatchObject({ Qualifier: "7", Statuses: ["RUNNING"], Marker: "m1" });
  });

  test("stops at the limit and says there may be more (prune only needs to know whether any run)", async () => {
    mock
      .on(ListDurableExecutionsByFunctionCommand)
      .resolves({ DurableExecutions: executions(1), NextMarker: "m" });
    expect(await lambda.runningDurableExecutions("fn", "7", { limit: 1 })).toEqual({ count: 1, more: true });
    expect(mock.commandCalls(ListDurableExecutionsByFunctionCommand)).toHaveLength(1);
    expect(mock.commandCalls(ListDurableExecutionsByFunctionCommand)[0]?.args[0].input.MaxItems).toBe(1);
  });

  test("none running is a count of 0", async () => {
    mock.on(ListDurableExecutionsByFunctionCommand).resolves({ DurableExecutions: [] });
    expect(await lambda.runningDurableExecutions("fn", "7")).toEqual({ count: 0, more: false });
  });

  test("throttling is retried; a denied call is an AwsError for the caller to weigh", async () => {
    mock
      .on(ListDurableExecutionsByFunctionCommand)
      .rejectsOnce(throttled())
      .rejects(
        new LambdaServiceException({
          name: "AccessDeniedException",
          message: "not authorized to perform: lambda:ListDurableExecutionsByFunction",
          $fault: "client",
          $metadata: meta(403),
        }),
      );
    await expect(lambda.runningDurableExecutions("fn", "7")).rejects.toBeInstanceOf(AwsError);
    expect(mock.commandCalls(ListDurableExecutionsByFunctionCommand)).toHaveLength(2);
  });
});

test("a durable function is recognized from its DurableConfig, in GetFunction and in the version list", async () => {
  const durable = { FunctionName: "fn", CodeSha256: "s", DurableConfig: { ExecutionTimeout: 86_400 } };
  mock.on(GetFunctionCommand).resolves({ Configuration: { ...durable, Version: "$LATEST" } });
  mock.on(ListVersionsByFunctionCommand).resolves({
    Versions: [
      { FunctionName: "fn", CodeSha256: "s", Version: "1" },
      { ...durable, Version: "2" },
    ],
  });
  expect((await lambda.getFunction("fn")).durable).toBe(true);
  expect((await lambda.listVersions("fn")).map((v) => [v.version, v.durable])).toEqual([
    ["1", undefined],
    ["2", true],
  ]);
});
