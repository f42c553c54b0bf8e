import { describe, expect, test } from "vitest";
import { errorOf } from "../../test/support/errors.js";
import { InputError } from "../errors.js";
import { checkAliasName, parseFunctionRef, resolveFunctionTarget } from "./function-name.js";

describe("function references: a name, a full ARN or a partial ARN", () => {
  test("a bare name is the name", () => {
    expect(parseFunctionRef("orders-api_v2")).toEqual({ name: "orders-api_v2" });
  });

  test("a full ARN gives the name, and its partition, region and account", () => {
    expect(parseFunctionRef("arn:aws:lambda:eu-west-1:123456789012:function:orders")).toEqual({
      name: "orders",
      partition: "aws",
      region: "eu-west-1",
      account: "123456789012",
    });
    expect(parseFunctionRef("arn:aws-us-gov:lambda:us-gov-west-1:123456789012:function:fn")).toMatchObject({
      name: "fn",
      partition: "aws-us-gov",
      region: "us-gov-west-1",
    });
  });

  test("a partial ARN gives the name and the account", () => {
    expect(parseFunctionRef("123456789012:function:orders")).toEqual({
      name: "orders",
      account: "123456789012",
    });
  });

  test.each([
    ["arn:aws:lambda:eu-west-1:123456789012:function:orders:live", /alias "live"/, /--alias live/],
    ["arn:aws:lambda:eu-west-1:123456789012:function:orders:7", /version 7/, /--version 7/],
    ["123456789012:function:orders:blue", /alias "blue"/, /--alias blue/],
    ["orders:live", /alias "live"/, /--alias live/],
    ["orders:$LATEST", /\$LATEST/, /without ":\$LATEST"/],
  ])(
    "a qualified reference %s is an input error that says where the qualifier goes",
    (text, message, hint) => {
      const error = errorOf(() => parseFunctionRef(text));
      expect(error.exitCode).toBe(2);
      expect(error.message).toMatch(message);
      expect(error.hint).toMatch(hint);
      expect(error.hint).toContain("orders");
    },
  );

  test.each([
    ["", /empty/],
    ["x".repeat(65), /64/],
    ["my function", /letters, digits/],
    ["fn.v2", /letters, digits/],
    ["arn:aws:s3:::bucket", /not a Lambda function ARN/],
    ["arn:aws:lambda:eu-west-1:12345:function:fn", /not a Lambda function ARN/],
    ["arn:aws:lambda:eu-west-1:123456789012:layer:fn", /not a Lambda function ARN/],
    ["arn:aws:lambda:eu-west-1:123456789012:function:bad.name", /letters, digits/],
  ])("%j is a name Lambda would reject", (text, message) => {
    const error = errorOf(() => parseFunctionRef(text, "--function"));
    expect(error.exitCode).toBe(2);
    expect(error.message).toContain("--function");
    expect(error.message).toMatch(message);
  });

  test("the message names where the value came from", () => {
    expect(errorOf(() => parseFunctionRef("a b", 'function of environment "prod"')).message).toContain(
      'function of environment "prod"',
    );
  });
});

describe("alias names", () => {
  test.each(["live", "blue-green_2", "v1", "a".repeat(128), "1a"])("%s is accepted", (name) => {
    expect(checkAliasName(name)).toBe(name);
  });

  test.each([
    ["", /empty/],
    ["7", /version number/],
    ["0123", /version number/],
    ["a".repeat(129), /128/],
    ["live!", /letters, digits/],
    ["$LATEST", /letters, digits/],
  ])("%j is rejected with exit 2", (name, message) => {
    const error = errorOf(() => checkAliasName(name, "--alias"));
    expect(error.exitCode).toBe(2);
    expect(error.message).toContain("--alias");
    expect(error.message).toMatch(message);
  });
});

describe("the function and its region, from flags and the configuration", () => {
  const arn = "arn:aws:lambda:eu-west-1:123456789012:function:orders";

  test("no function at all is undefined", () => {
    expect(resolveFunctionTarget({})).toBeUndefined();
  });

  test("a bare name keeps --region over the configuration's region", () => {
    expect(
      resolveFunctionTarget({ flagFunction: "fn", flagRegion: "us-east-1", configRegion: "eu-west-1" }),
    ).toEqual({
      name: "fn",
      region: "us-east-1",
    });
    expect(resolveFunctionTarget({ configFunction: "fn", configRegion: "eu-west-1" })).toEqual({
      name: "fn",
      region: "eu-west-1",
    });
  });

  test("an ARN's region is where the function is: used when no region is given", () => {
    expect(resolveFunctionTarget({ flagFunction: arn })).toMatchObject({
      name: "orders",
      region: "eu-west-1",
    });
    expect(resolveFunctionTarget({ configFunction: arn })).toMatchObject({
      name: "orders",
      region: "eu-west-1",
    });
  });

  test("an ARN given as a flag wins over the configuration's region (flags override the file)", () => {
    expect(resolveFunctionTarget({ flagFunction: arn, configRegion: "us-east-1" })).toMatchObject({
      region: "eu-west-1",
    });
  });

  test("the same region twice is fine", () => {
    expect(resolveFunctionTarget({ flagFunction: arn, flagRegion: "eu-west-1" })).toMatchObject({
      region: "eu-west-1",
    });
  });

  test("--region that contradicts the ARN is an input error", () => {
    const error = errorOf(() => resolveFunctionTarget({ flagFunction: arn, flagRegion: "us-east-1" }));
    expect(error.message).toMatch(/eu-west-1.*us-east-1/);
    expect(error.hint).toMatch(/--region/);
  });

  test("a configuration whose region contradicts its own ARN is an input error", () => {
    const error = errorOf(() => resolveFunctionTarget({ configFunction: arn, configRegion: "us-east-1" }));
    expect(error.message).toMatch(/eu-west-1.*us-east-1/);
  });

  test("a configured ARN with --region elsewhere is an input error too", () => {
    expect(() => resolveFunctionTarget({ configFunction: arn, flagRegion: "us-east-1" })).toThrow(InputError);
  });

  test("a partial ARN has no region: the usual precedence applies", () => {
    expect(
      resolveFunctionTarget({ flagFunction: "123456789012:function:orders", configRegion: "eu-west-1" }),
    ).toEqual({ name: "orders", region: "eu-west-1", account: "123456789012" });
  });
});
