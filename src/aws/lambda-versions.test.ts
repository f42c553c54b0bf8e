import {
  DeleteFunctionCommand,
  GetProvisionedConcurrencyConfigCommand,
  LambdaServiceException,
  ListAliasesCommand,
  ProvisionedConcurrencyConfigNotFoundException,
  ResourceConflictException,
  ResourceNotFoundException,
} from "@aws-sdk/client-lambda";
import { beforeEach, describe, expect, test } from "vitest";
import { meta, mockedLambda, throttled } from "../../test/support/lambda-mock.js";
import { AwsError, ConflictError } from "../errors.js";
import type { AwsLambda } from "./lambda.js";

let mock: ReturnType<typeof mockedLambda>["mock"];
let lambda: AwsLambda;

beforeEach(() => {
  ({ mock, lambda } = mockedLambda());
});

describe("deleteVersion", () => {
  test("sends DeleteFunction with the version as Qualifier", async () => {
    mock.on(DeleteFunctionCommand).resolves({});
    expect(await lambda.deleteVersion("fn", "7")).toBe("deleted");
    expect(mock.commandCalls(DeleteFunctionCommand)[0]?.args[0].input).toEqual({
      FunctionName: "fn",
      Qualifier: "7",
    });
  });

  test.each(["", "$LATEST", "live", "0", "7 ", undefined as unknown as string])(
    "never sends an unqualified or non-version delete (%j), which would delete the whole function",
    async (version) => {
      mock.on(DeleteFunctionCommand).resolves({});
      await expect(lambda.deleteVersion("fn", version)).rejects.toThrow(TypeError);
      expect(mock.commandCalls(DeleteFunctionCommand)).toHaveLength(0);
    },
  );

  test("a version already gone is 'absent', not an error", async () => {
    mock
      .on(DeleteFunctionCommand)
      .rejects(new ResourceNotFoundException({ message: "Function not found: fn:7", $metadata: meta(404) }));
    expect(await lambda.deleteVersion("fn", "7")).toBe("absent");
  });

  test("a version an alias references is a ConflictError, tried once", async () => {
    mock.on(DeleteFunctionCommand).rejects(
      new ResourceConflictException({
        message: "Unable to delete version because the following aliases reference it: [live]",
        $metadata: meta(409),
      }),
    );
    const error = await lambda.deleteVersion("fn", "7").catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConflictError);
    expect((error as Error).message).toContain("[live]");
    expect(mock.commandCalls(DeleteFunctionCommand)).toHaveLength(1);
  });

  test("throttling is retried", async () => {
    mock.on(DeleteFunctionCommand).rejectsOnce(throttled()).resolves({});
    expect(await lambda.deleteVersion("fn", "7")).toBe("deleted");
    expect(mock.commandCalls(DeleteFunctionCommand)).toHaveLength(2);
  });
});

test("listAliases follows NextMarker and maps routing and description", async () => {
  mock
    .on(ListAliasesCommand, { FunctionName: "fn", Marker: undefined })
    .resolves({
      Aliases: [
        { Name: "live", FunctionVersion: "5", RoutingConfig: { AdditionalVersionWeights: { "6": 0.1 } } },
      ],
      NextMarker: "m1",
    })
    .on(ListAliasesCommand, { FunctionName: "fn", Marker: "m1" })
    .resolves({ Aliases: [{ Name: "staging", FunctionVersion: "2", Description: "d" }] });
  const aliases = await lambda.listAliases("fn");
  expect(aliases.map((a) => [a.aliasName, a.version, a.additional, a.description])).toEqual([
    ["live", "5", { version: "6", weight: 10 }, undefined],
    ["staging", "2", undefined, "d"],
  ]);
});

describe("getProvisionedConcurrency (moto does not model it)", () => {
  test("reads the alias's configuration", async () => {
    mock.on(GetProvisionedConcurrencyConfigCommand).resolves({
      RequestedProvisionedConcurrentExecutions: 10,
      AllocatedProvisionedConcurrentExecutions: 10,
      Status: "READY",
    });
    expect(await lambda.getProvisionedConcurrency("fn", "live")).toEqual({
      requested: 10,
      allocated: 10,
      status: "READY",
    });
    expect(mock.commandCalls(GetProvisionedConcurrencyConfigCommand)[0]?.args[0].input).toEqual({
      FunctionName: "fn",
      Qualifier: "live",
    });
  });

  test("none configured is undefined", async () => {
    mock.on(GetProvisionedConcurrencyConfigCommand).rejects(
      new ProvisionedConcurrencyConfigNotFoundException({
        message: "No Provisioned Concurrency Config found for this function",
        $metadata: meta(404),
      }),
    );
    expect(await lambda.getProvisionedConcurrency("fn", "live")).toBeUndefined();
  });

  test("an emulator's bare 404 for the whole API is read as none", async () => {
    mock
      .on(GetProvisionedConcurrencyConfigCommand)
      .rejects(new LambdaServiceException({ name: "UnknownError", $fault: "client", $metadata: meta(404) }));
    expect(await lambda.getProvisionedConcurrency("fn", "live")).toBeUndefined();
  });

  test("access denied is an AwsError (the caller decides what it means)", async () => {
    mock.on(GetProvisionedConcurrencyConfigCommand).rejects(
      new LambdaServiceException({
        name: "AccessDeniedException",
        message: "not authorized to perform: lambda:GetProvisionedConcurrencyConfig",
        $fault: "client",
        $metadata: meta(403),
      }),
    );
    await expect(lambda.getProvisionedConcurrency("fn", "live")).rejects.toBeInstanceOf(AwsError);
  });
});
