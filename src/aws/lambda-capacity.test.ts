/**
 * Lambda Managed Instances at the adapter (moto does not model capacity providers): a capacity-provider
 * function is recognized from GetFunction's configuration, and a version's scaling is read and written
 * with the version as qualifier.
 */
import {
  GetFunctionCommand,
  GetFunctionScalingConfigCommand,
  PutFunctionScalingConfigCommand,
  ResourceNotFoundException,
} from "@aws-sdk/client-lambda";
import { beforeEach, describe, expect, test } from "vitest";
import { busy, meta, mockedLambda, throttled } from "../../test/support/lambda-mock.js";
import { InputError } from "../errors.js";
import type { AwsLambda } from "./lambda.js";

let mock: ReturnType<typeof mockedLambda>["mock"];
let lambda: AwsLambda;

beforeEach(() => {
  ({ mock, lambda } = mockedLambda());
});

const PROVIDER = "arn:aws:lambda:us-east-1:123456789012:capacity-provider:fleet";

describe("a capacity-provider function", () => {
  test("is recognized from GetFunction's CapacityProviderConfig, which also counts as a setting of the version", async () => {
    mock.on(GetFunctionCommand).resolves({
      Configuration: {
        FunctionName: "fn",
        Version: "$LATEST",
        CodeSha256: "sha",
        CapacityProviderConfig: {
          LambdaManagedInstancesCapacityProviderConfig: { CapacityProviderArn: PROVIDER },
        },
      },
    });
    const state = await lambda.getFunction("fn");
    expect(state.capacityProvider).toBe(PROVIDER);
    expect(state.configuration?.CapacityProviderConfig).toContain(PROVIDER);
  });

  test("a function on Lambda's default compute has none", async () => {
    mock.on(GetFunctionCommand).resolves({ Configuration: { FunctionName: "fn", CodeSha256: "sha" } });
    const state = await lambda.getFunction("fn");
    expect(state.capacityProvider).toBeUndefined();
    expect(state.configuration).not.toHaveProperty("CapacityProviderConfig");
  });
});

describe("getScalingConfig", () => {
  test("asks for the version's scaling with the version as qualifier; the requested one wins over the applied", async () => {
    mock.on(GetFunctionScalingConfigCommand).resolves({
      RequestedFunctionScalingConfig: { MinExecutionEnvironments: 6, MaxExecutionEnvironments: 40 },
      AppliedFunctionScalingConfig: { MinExecutionEnvironments: 3, MaxExecutionEnvironments: 40 },
    });
    expect(await lambda.getScalingConfig("fn", "7")).toEqual({ min: 6, max: 40 });
    expect(mock.commandCalls(GetFunctionScalingConfigCommand)[0]?.args[0].input).toEqual({
      FunctionName: "fn",
      Qualifier: "7",
    });
  });

  test("falls back to the applied scaling, and reports none when the version has neither", async () => {
    mock.on(GetFunctionScalingConfigCommand).resolvesOnce({
      AppliedFunctionScalingConfig: { MinExecutionEnvironments: 3, MaxExecutionEnvironments: 3 },
    });
    expect(await lambda.getScalingConfig("fn", "7")).toEqual({ min: 3, max: 3 });
    mock.on(GetFunctionScalingConfigCommand).resolves({});
    expect(await lambda.getScalingConfig("fn", "7")).toBeUndefined();
  });

  test("a missing version is bad input naming it; throttling is retried", async () => {
    mock
      .on(GetFunctionScalingConfigCommand)
      .rejectsOnce(throttled())
      .rejects(new ResourceNotFoundException({ message: "Function not found", $metadata: meta(404) }));
    const error = await lambda.getScalingConfig("fn", "9").catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InputError);
    expect((error as Error).message).toContain("version 9");
    expect(mock.commandCalls(GetFunctionScalingConfigCommand)).toHaveLength(2);
  });
});

describe("putScalingConfig", () => {
  test("sets min and max on the version and returns the state Lambda reports", async () => {
    mock.on(PutFunctionScalingConfigCommand).resolves({ FunctionState: "Pending" });
    expect(await lambda.putScalingConfig("fn", "8", { min: 6, max: 40 })).toBe("Pending");
    expect(mock.commandCalls(PutFunctionScalingConfigCommand)[0]?.args[0].input).toEqual({
      FunctionName: "fn",
      Qualifier: "8",
      FunctionScalingConfig: { MinExecutionEnvironments: 6, MaxExecutionEnvironments: 40 },
    });
  });

  test("an update in progress (409) is waited out and retried", async () => {
    mock.on(PutFunctionScalingConfigCommand).rejectsOnce(busy()).resolves({ FunctionState: "Active" });
    expect(await lambda.putScalingConfig("fn", "8", { min: 0 })).toBe("Active");
    expect(mock.commandCalls(PutFunctionScalingConfigCommand)).toHaveLength(2);
  });
});
