import {
  GetAliasCommand,
  GetFunctionCommand,
  InvokeCommand,
  ListVersionsByFunctionCommand,
  PreconditionFailedException,
  PublishVersionCommand,
  ResourceNotFoundException,
  UpdateAliasCommand,
} from "@aws-sdk/client-lambda";
import { beforeEach, describe, expect, test } from "vitest";
import { alias, meta, mockedLambda } from "../../test/support/lambda-mock.js";
import { AwsError, ConflictError, InputError } from "../errors.js";
import { AwsLambda, fractionToPercent, percentToFraction } from "./lambda.js";

let mock: ReturnType<typeof mockedLambda>["mock"];
let lambda: AwsLambda;

beforeEach(() => {
  ({ mock, lambda } = mockedLambda());
});

describe("weights", () => {
  test("percent and fraction convert both ways without float noise", () => {
    expect(percentToFraction(10)).toBe(0.1);
    expect(percentToFraction(33.3)).toBe(0.333);
    expect(fractionToPercent(0.1)).toBe(10);
    expect(fractionToPercent(0.07)).toBe(7);
    expect(fractionToPercent(0.3)).toBe(30);
  });

  test("getAlias reports the extra version's weight in percent", async () => {
    mock.on(GetAliasCommand).resolves(alias({ "4": 0.1 }));
    const state = await lambda.getAlias("fn", "live");
    expect(state).toMatchObject({
      version: "3",
      additional: { version: "4", weight: 10 },
      revisionId: "rev-2",
    });
  });

  test("a zero weight left behind by someone else is reported as not split", async () => {
    mock.on(GetAliasCommand).resolves(alias({ "4": 0 }));
    expect((await lambda.getAlias("fn", "live")).additional).toBeUndefined();
  });

  test("updateAlias sends the weight as a fraction and the expected RevisionId", async () => {
    mock.on(UpdateAliasCommand).resolves(alias({ "4": 0.25 }));
    const state = await lambda.updateAlias(
      "fn",
      "live",
      { version: "3", additional: { version: "4", weight: 25 } },
      "rev-2",
    );
    expect(mock.commandCalls(UpdateAliasCommand)[0]?.args[0].input).toEqual({
      FunctionName: "fn",
      Name: "live",
      FunctionVersion: "3",
      RoutingConfig: { AdditionalVersionWeights: { "4": 0.25 } },
      RevisionId: "rev-2",
    });
    expect(state.additional).toEqual({ version: "4", weight: 25 });
  });

  test("removing routing sends an empty AdditionalVersionWeights", async () => {
    mock.on(UpdateAliasCommand).resolves(alias());
    const state = await lambda.updateAlias("fn", "live", { version: "4" }, "rev-2");
    const input = mock.commandCalls(UpdateAliasCommand)[0]?.args[0].input;
    expect(input?.RoutingConfig).toEqual({ AdditionalVersionWeights: {} });
    expect(state.additional).toBeUndefined();
  });

  test("invalid routing is refused before anything is sent", async () => {
    await expect(
      lambda.updateAlias("fn", "live", { version: "3", additional: { version: "4", weight: 100 } }, "r"),
    ).rejects.toBeInstanceOf(InputError);
    await expect(
      lambda.updateAlias("fn", "live", { version: "3", additional: { version: "3", weight: 10 } }, "r"),
    ).rejects.toBeInstanceOf(InputError);
    expect(mock.commandCalls(UpdateAliasCommand)).toHaveLength(0);
  });
});

describe("errors", () => {
  test("PreconditionFailed on updateAlias is a ConflictError (exit 3) and nothing more is written", async () => {
    mock.on(UpdateAliasCommand).rejects(
      new PreconditionFailedException({
        message: "The Revision Id provided does not match",
        $metadata: meta(412),
      }),
    );
    const error = await lambda
      .updateAlias("fn", "live", { version: "3", additional: { version: "4", weight: 10 } }, "rev-1")
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConflictError);
    expect((error as ConflictError).exitCode).toBe(3);
    expect((error as ConflictError).message).toMatch(/live.*fn/);
    expect((error as ConflictError).hint).toMatch(/status.*rollback.*promote/);
    expect(mock.commandCalls(UpdateAliasCommand)).toHaveLength(1);
    expect(mock.calls()).toHaveLength(1);
  });

  test("a missing alias is an InputError naming it, where it was looked for, and what to check", async () => {
    mock.on(GetAliasCommand).rejects(
      new ResourceNotFoundException({
        message: "Alias not found: arn:aws:lambda:...:fn:live",
        $metadata: meta(404),
      }),
    );
    const error = await lambda.getAlias("fn", "live").catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InputError);
    expect((error as InputError).message).toBe(
      "Alias live of Lambda function fn does not exist (looked in region us-east-1, AWS's endpoint, the account of your credentials).",
    );
    expect((error as InputError).hint).toMatch(
      /region, the account \(AWS_PROFILE\) and the configuration file \(--config, --env\)/,
    );
    expect((error as InputError).hint).toContain("lambda-rollout never creates functions or aliases");
  });

  test("the caller's whereabouts (configuration, account, endpoint) are said too", async () => {
    const { mock: other, client } = mockedLambda();
    const located = new AwsLambda(client, {
      rateLimit: false,
      whereabouts: {
        endpoint: "http://127.0.0.1:5000",
        account: "123456789012",
        origin: 'configuration lambda-rollout.yml, environment "production" chosen explicitly',
      },
    });
    other
      .on(GetFunctionCommand)
      .rejects(new ResourceNotFoundException({ message: "nope", $metadata: meta(404) }));
    await expect(located.getFunction("fn")).rejects.toThrow(
      'Lambda function fn does not exist (looked in region us-east-1, endpoint http://127.0.0.1:5000, account 123456789012; configuration lambda-rollout.yml, environment "production" chosen explicitly).',
    );
  });

  test("a missing function is an InputError naming the function", async () => {
    mock.on(GetAliasCommand).rejects(
      new ResourceNotFoundException({
        message: "Function not found: arn:aws:lambda:...:fn",
        $metadata: meta(404),
      }),
    );
    mock
      .on(GetFunctionCommand)
      .rejects(new ResourceNotFoundException({ message: "Function not found", $metadata: meta(404) }));
    await expect(lambda.getAlias("fn", "live")).rejects.toThrow(
      "Lambda function fn does not exist (looked in",
    );
    await expect(lambda.getFunction("fn")).rejects.toBeInstanceOf(InputError);
  });

  test("other SDK errors become AwsError with code, status and cause, without the access key", async () => {
    const cause = Object.assign(new Error("User AKIAIOSFODNN7EXAMPLE is not authorized"), {
      name: "AccessDeniedException",
      $metadata: meta(403),
    });
    mock.on(GetFunctionCommand).rejects(cause);
    const error = (await lambda.getFunction("fn", "5").catch((e: unknown) => e)) as AwsError;
    expect(error).toBeInstanceOf(AwsError);
    expect(error.exitCode).toBe(4);
    expect(error).toMatchObject({ code: "AccessDeniedException", status: 403 });
    expect(error.cause).toBe(cause);
    expect(error.message).toMatch(/^GetFunction on function fn:5 failed/);
    expect(error.message).not.toContain("AKIAIOSFODNN7EXAMPLE");
  });
});

describe("other operations", () => {
  test("publishVersion sends the CodeSha256 guard", async () => {
    mock.on(PublishVersionCommand).resolves({ Version: "5", CodeSha256: "abc=" });
    const state = await lambda.publishVersion("fn", "abc=", "deploy 1");
    expect(mock.commandCalls(PublishVersionCommand)[0]?.args[0].input).toEqual({
      FunctionName: "fn",
      CodeSha256: "abc=",
      Description: "deploy 1",
    });
    expect(state.version).toBe("5");
  });

  test("invoke passes the qualifier and decodes the payload as UTF-8", async () => {
    mock.on(InvokeCommand).resolves({
      StatusCode: 200,
      FunctionError: "Unhandled",
      ExecutedVersion: "4",
      Payload: new TextEncoder().encode('{"msg":"héllo"}') as never,
    });
    const result = await lambda.invoke("fn", "4", '{"a":1}');
    expect(result).toEqual({
      statusCode: 200,
      functionError: "Unhandled",
      payload: '{"msg":"héllo"}',
      executedVersion: "4",
    });
    const input = mock.commandCalls(InvokeCommand)[0]?.args[0].input;
    expect(input?.Qualifier).toBe("4");
    expect(new TextDecoder().decode(input?.Payload as Uint8Array)).toBe('{"a":1}');
  });

  test("listVersions follows NextMarker", async () => {
    mock
      .on(ListVersionsByFunctionCommand, { Marker: undefined })
      .resolves({ Versions: [{ Version: "$LATEST" }, { Version: "1" }], NextMarker: "m1" })
      .on(ListVersionsByFunctionCommand, { Marker: "m1" })
      .resolves({ Versions: [{ Version: "2" }] });
    const versions = await lambda.listVersions("fn");
    expect(versions.map((v) => v.version)).toEqual(["$LATEST", "1", "2"]);
  });
});
