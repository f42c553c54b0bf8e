import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { CloudWatchClient, DescribeAlarmsCommand } from "@aws-sdk/client-cloudwatch";
import { GetAliasCommand, UpdateAliasCommand } from "@aws-sdk/client-lambda";
import { mockClient } from "aws-sdk-client-mock";
import { afterAll, afterEach, beforeAll, describe, expect, test, vi } from "vitest";
import { meta, mockedLambda } from "../../test/support/lambda-mock.js";
import { AwsError, CredentialsExpiredError } from "../errors.js";
import { CloudWatchAlarms } from "./cloudwatch.js";
import { describeCredentials, parseExpirationVariable } from "./credentials.js";
import { createAwsPorts } from "./index.js";

const attributed = (markers: string[], rest: Record<string, unknown> = {}) => ({
  accessKeyId: "ASIAEXAMPLE",
  secretAccessKey: "s",
  ...rest,
  $source: Object.fromEntries(markers.map((marker) => [marker, "x"])),
});

afterEach(() => {
  vi.unstubAllEnvs();
  vi.useRealTimers();
});

describe("which credentials renew themselves", () => {
  const expiration = new Date("2030-01-01T10:00:00Z");

  test("keys from environment variables are fixed, with the SDK's expiration", () => {
    const lifetime = describeCredentials(attributed(["CREDENTIALS_ENV_VARS"], { expiration }), {});
    expect(lifetime).toEqual({
      expiration,
      refreshable: false,
      source: expect.stringContaining("environment"),
    });
  });

  test("a JSON-quoted AWS_CREDENTIAL_EXPIRATION (configure-aws-credentials' aws-expiration output) is read", () => {
    // The SDK turns the quoted text into an invalid date.
    const credentials = attributed(["CREDENTIALS_ENV_VARS"], {
      expiration: new Date('"x"'),
      sessionToken: "t",
    });
    const lifetime = describeCredentials(credentials, {
      AWS_CREDENTIAL_EXPIRATION: '"2030-01-01T10:00:00.000Z"',
    });
    expect(lifetime.expiration).toEqual(expiration);
    expect(lifetime.caveat).toBeUndefined();
    expect(parseExpirationVariable("2030-01-01T10:00:00Z")).toEqual(expiration);
    expect(parseExpirationVariable("soon")).toBeUndefined();
  });

  test("an AWS_CREDENTIAL_EXPIRATION that is no date is a caveat, not a guess", () => {
    const lifetime = describeCredentials(attributed(["CREDENTIALS_ENV_VARS"]), {
      AWS_CREDENTIAL_EXPIRATION: "soon",
    });
    expect(lifetime.expiration).toBeUndefined();
    expect(lifetime.caveat).toContain('AWS_CREDENTIAL_EXPIRATION ("soon") is not an ISO 8601 date');
  });

  test("session keys in the environment without an expiry: unknown, with a caveat naming the fix", () => {
    const lifetime = describeCredentials(attributed(["CREDENTIALS_ENV_VARS"], { sessionToken: "t" }), {});
    expect(lifetime).toMatchObject({ expiration: undefined, refreshable: false });
    expect(lifetime.caveat).toContain("AWS_CREDENTIAL_EXPIRATION");
    expect(lifetime.caveat).toContain("output-credentials: true");
    // Long-lived keys (no session token) need no caveat.
    expect(describeCredentials(attributed(["CREDENTIALS_ENV_VARS"]), {}).caveat).toBeUndefined();
  });

  test.each([
    [
      ["CREDENTIALS_ENV_VARS_STS_WEB_ID_TOKEN", "CREDENTIALS_STS_ASSUME_ROLE_WEB_ID"],
      "a web identity token",
      true,
    ],
    [["CREDENTIALS_PROFILE_SSO", "CREDENTIALS_SSO"], "IAM Identity Center (SSO)", true],
    // A role assumed with static profile keys carries both markers: assuming the role again renews it.
    [
      ["CREDENTIALS_PROFILE", "CREDENTIALS_PROFILE_SOURCE_PROFILE", "CREDENTIALS_STS_ASSUME_ROLE"],
      "role_arn",
      false,
    ],
    [["CREDENTIALS_PROCESS"], "credential_process", false],
    [["CREDENTIALS_HTTP"], "container", false],
  ])("%j renew (source mentions %s, caveat %s)", (markers, source, caveat) => {
    const lifetime = describeCredentials(attributed(markers, { expiration }), {});
    expect(lifetime.refreshable).toBe(true);
    expect(lifetime.source).toContain(source);
    expect(lifetime.caveat !== undefined).toBe(caveat);
  });

  test("static profile keys and keys passed in code are fixed; an unattributed provider function renews", () => {
    expect(describeCredentials(attributed(["CREDENTIALS_PROFILE"]), {}).refreshable).toBe(false);
    expect(describeCredentials(attributed(["CREDENTIALS_CODE"], { expiration }), {}).refreshable).toBe(false);
    expect(describeCredentials({ accessKeyId: "a", secretAccessKey: "s", expiration }, {})).toMatchObject({
      refreshable: true,
      expiration,
    });
  });

  test("without attribution, keys the default chain takes from the environment are still fixed", () => {
    const env = { AWS_ACCESS_KEY_ID: "ASIA1", AWS_SECRET_ACCESS_KEY: "s", AWS_SESSION_TOKEN: "t" };
    const bare = { accessKeyId: "ASIA1", secretAccessKey: "s", sessionToken: "t" };
    expect(describeCredentials(bare, env, { defaultChain: true })).toMatchObject({ refreshable: false });
    // With AWS_PROFILE set, the chain skips those keys; a provider passed in code is called again.
    expect(describeCredentials(bare, { ...env, AWS_PROFILE: "p" }, { defaultChain: true }).refreshable).toBe(
      true,
    );
    expect(describeCredentials(bare, env, { defaultChain: false }).refreshable).toBe(true);
  });

  test("through the SDK's real chain: env keys with AWS_CREDENTIAL_EXPIRATION are fixed and expire then", async () => {
    vi.stubEnv("AWS_PROFILE", undefined);
    vi.stubEnv("AWS_ACCESS_KEY_ID", "ASIAENVEXAMPLE");
    vi.stubEnv("AWS_SECRET_ACCESS_KEY", "s");
    vi.stubEnv("AWS_SESSION_TOKEN", "t");
    vi.stubEnv("AWS_CREDENTIAL_EXPIRATION", "2030-01-01T10:00:00Z");
    const ports = createAwsPorts({ region: "us-east-1", env: process.env });
    expect(await ports.credentials.lifetime()).toMatchObject({ expiration, refreshable: false });
  });
});

describe("expired or unknown credentials from AWS", () => {
  test("ExpiredTokenException is a CredentialsExpiredError (exit 4), never retried", async () => {
    const { mock, lambda } = mockedLambda();
    // Lambda's model has no class for it; the SDK names the error after the service's code.
    const expired = Object.assign(new Error("The security token included in the request is expired"), {
      name: "ExpiredTokenException",
      $metadata: meta(403),
    });
    mock.on(UpdateAliasCommand).rejects(expired);
    const error = await lambda.updateAlias("fn", "live", { version: "3" }, "rev-2").catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CredentialsExpiredError);
    expect(error).toMatchObject({
      exitCode: 4,
      retryable: false,
      code: "ExpiredTokenException",
      status: 403,
    });
    expect((error as AwsError).message).toContain("UpdateAlias on alias live of function fn");
    expect((error as AwsError).message).toContain("expired or are no longer valid");
    expect(mock.commandCalls(UpdateAliasCommand)).toHaveLength(1);
  });

  test.each([
    ["UnrecognizedClientException", 403],
    ["InvalidClientTokenId", 403],
    ["ExpiredToken", 400],
  ])("%s (HTTP %d) is one too, even for a service that would retry its status", async (code, status) => {
    const client = new CloudWatchClient({
      region: "us-east-1",
      credentials: { accessKeyId: "a", secretAccessKey: "s" },
    });
    const mock = mockClient(client);
    mock
      .on(DescribeAlarmsCommand)
      .rejects(Object.assign(new Error("token"), { name: code, $metadata: meta(status) }));
    const alarms = new CloudWatchAlarms(client, { rateLimit: false, random: () => 0 });
    expect(await alarms.describeAlarms(["a"]).catch((e: unknown) => e)).toBeInstanceOf(
      CredentialsExpiredError,
    );
    expect(mock.commandCalls(DescribeAlarmsCommand)).toHaveLength(1);
  });

  test("the SDK's own 'SSO session has expired' provider error is one too; a missing profile is not", async () => {
    const expired = Object.assign(
      new Error(
        "The SSO session associated with this profile has expired. To refresh this SSO session run aws sso login.",
      ),
      { name: "CredentialsProviderError" },
    );
    const { mock, lambda } = mockedLambda();
    mock.on(GetAliasCommand).rejects(expired);
    expect(await lambda.getAlias("fn", "live").catch((e: unknown) => e)).toBeInstanceOf(
      CredentialsExpiredError,
    );
    const missing = Object.assign(new Error("Could not load credentials from any providers"), {
      name: "CredentialsProviderError",
    });
    mock.reset();
    mock.on(GetAliasCommand).rejects(missing);
    const error = await lambda.getAlias("fn", "live").catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AwsError);
    expect(error).not.toBeInstanceOf(CredentialsExpiredError);
  });
});

describe("long-lived clients renew credentials instead of freezing one set", () => {
  let server: Server;
  let endpoint: string;
  const keysSeen: string[] = [];

  beforeAll(async () => {
    // A stand-in for AWS that records which access key signed each request and answers GetAlias.
    server = createServer((request, response) => {
      keysSeen.push(/Credential=([^/]+)\//.exec(request.headers.authorization ?? "")?.[1] ?? "unsigned");
      request.resume();
      response.setHeader("content-type", "application/json");
      response.end(JSON.stringify({ Name: "live", FunctionVersion: "3", RevisionId: "r", AliasArn: "arn" }));
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await new Promise((resolve) => server.close(resolve));
  });

  test("a provider returning new keys after the old ones expire is honoured by the next call", async () => {
    vi.useFakeTimers({ toFake: ["Date"], now: new Date("2030-01-01T09:00:00Z") });
    const issued = [
      { accessKeyId: "ASIAFIRST", secretAccessKey: "s", expiration: new Date("2030-01-01T10:00:00Z") },
      { accessKeyId: "ASIASECOND", secretAccessKey: "s", expiration: new Date("2030-01-01T11:00:00Z") },
    ];
    let calls = 0;
    const provider = async () => issued[Math.min(calls++, issued.length - 1)] as (typeof issued)[0];
    const ports = createAwsPorts({ region: "us-east-1", endpoint, credentials: provider, rateLimit: false });

    await ports.lambda.getAlias("fn", "live");
    expect((await ports.credentials.lifetime()).expiration).toEqual(issued[0]?.expiration);
    // Past the first keys' expiry: the client asks the provider again rather than reuse them.
    vi.setSystemTime(new Date("2030-01-01T10:01:00Z"));
    await ports.lambda.getAlias("fn", "live");
    expect(keysSeen).toEqual(["ASIAFIRST", "ASIASECOND"]);
    expect(await ports.credentials.lifetime()).toMatchObject({
      expiration: issued[1]?.expiration,
      refreshable: true,
    });
  });
});
