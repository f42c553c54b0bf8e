import { describe, expect, it } from "vitest";
import { artifactKeyPrefix } from "../artifact/key.js";
import { InputError } from "../errors.js";
import { policyGrants } from "./grants.js";
import { type DeployerTarget, deployerPolicy } from "./policy.js";

function target(overrides: Partial<DeployerTarget> = {}): DeployerTarget {
  return {
    functionName: "name-searcher-staging",
    aliasName: "live",
    region: "eu-west-1",
    accountId: "123456789012",
    bucket: "artifacts-bucket",
    prefix: "builds",
    alarmNames: ["errors", "api-5xx"],
    ...overrides,
  };
}

function statement(sid: string, t = target()) {
  const found = deployerPolicy(t).Statement.find((s) => s.Sid === sid);
  if (!found) throw new Error(`no statement ${sid}`);
  return found;
}

describe("deployerPolicy", () => {
  it("scopes the Lambda calls to the function and its qualified ARNs", () => {
    const fn = "arn:aws:lambda:eu-west-1:123456789012:function:name-searcher-staging";
    expect(statement("DeployFunction")).toEqual({
      Sid: "DeployFunction",
      Effect: "Allow",
      Action: [
        "lambda:GetAlias",
        "lambda:GetFunction",
        "lambda:GetFunctionConfiguration",
        "lambda:GetProvisionedConcurrencyConfig",
        "lambda:InvokeFunction",
        "lambda:ListDurableExecutionsByFunction",
        "lambda:ListVersionsByFunction",
        "lambda:PublishVersion",
        "lambda:UpdateAlias",
        "lambda:UpdateFunctionCode",
        "lambda:GetFunctionScalingConfig",
        "lambda:PutFunctionScalingConfig",
      ],
      Resource: [fn, `${fn}:*`],
    });
  });

  it("lets the deployer read and write artifacts only under PREFIX/FUNCTION/", () => {
    expect(statement("ArtifactObjects").Resource).toEqual([
      "arn:aws:s3:::artifacts-bucket/builds/name-searcher-staging/*",
    ]);
    expect(statement("ArtifactObjects").Action).toEqual(["s3:GetObject", "s3:PutObject"]);
    expect(statement("ArtifactListing")).toMatchObject({
      Action: ["s3:ListBucket"],
      Resource: ["arn:aws:s3:::artifacts-bucket"],
      Condition: { StringLike: { "s3:prefix": ["builds/name-searcher-staging/*"] } },
    });
  });

  it.each([
    ["", "fn/"],
    ["/", "fn/"],
    ["builds", "builds/fn/"],
    ["/builds/", "builds/fn/"],
    ["a/b/", "a/b/fn/"],
  ])("puts artifacts of prefix %j under %s", (prefix, expected) => {
    expect(artifactKeyPrefix(prefix, "fn")).toBe(expected);
    expect(statement("ArtifactObjects", target({ prefix, functionName: "fn" })).Resource).toEqual([
      `arn:aws:s3:::artifacts-bucket/${expected}*`,
    ]);
  });

  it("reads only the named alarms, and leaves the statement out when there are none", () => {
    expect(statement("ReadAlarms").Resource).toEqual([
      "arn:aws:cloudwatch:eu-west-1:123456789012:alarm:api-5xx",
      "arn:aws:cloudwatch:eu-west-1:123456789012:alarm:errors",
    ]);
    const sids = deployerPolicy(target({ alarmNames: [] })).Statement.map((s) => s.Sid);
    expect(sids).toEqual([
      "DeployFunction",
      "ArtifactObjects",
      "ArtifactListing",
      "LedgerObjects",
      "LedgerReleases",
      "LedgerListing",
      "ReadMetrics",
    ]);
  });

  it("lets the deployer use the ledger: this function's locks and records, releases' records to read, listing", () => {
    expect(statement("LedgerObjects")).toMatchObject({
      Action: ["s3:GetObject", "s3:PutObject"],
      Resource: [
        "arn:aws:s3:::artifacts-bucket/builds/rollouts/aliases/123456789012/eu-west-1/name-searcher-staging/*",
        "arn:aws:s3:::artifacts-bucket/builds/rollouts/records/123456789012/eu-west-1/name-searcher-staging/*",
      ],
    });
    expect(statement("LedgerReleases")).toMatchObject({
      Action: ["s3:GetObject"],
      Resource: ["arn:aws:s3:::artifacts-bucket/builds/rollouts/releases/*"],
    });
    expect(statement("LedgerListing")).toMatchObject({
      Action: ["s3:ListBucket"],
      Resource: ["arn:aws:s3:::artifacts-bucket"],
      Condition: { StringLike: { "s3:prefix": ["builds/rollouts/*"] } },
    });
    // A ledger elsewhere (`ledger:` in the configuration) moves both grants there.
    const elsewhere = deployerPolicy(target({ ledger: { bucket: "audit", prefix: "lambda/" } }));
    expect(elsewhere.Statement.find((s) => s.Sid === "LedgerObjects")?.Resource).toEqual([
      "arn:aws:s3:::audit/lambda/aliases/123456789012/eu-west-1/name-searcher-staging/*",
      "arn:aws:s3:::audit/lambda/records/123456789012/eu-west-1/name-searcher-staging/*",
    ]);
  });

  it("grants GetMetricData on * because it has no resource-level permissions", () => {
    expect(statement("ReadMetrics")).toMatchObject({ Action: ["cloudwatch:GetMetricData"], Resource: ["*"] });
  });

  it("renders without an account, and in other partitions", () => {
    const policy = deployerPolicy(target({ accountId: "*", partition: "aws-cn", region: "cn-north-1" }));
    const resources = policy.Statement.flatMap((s) => s.Resource);
    expect(resources).toContain("arn:aws-cn:lambda:cn-north-1:*:function:name-searcher-staging");
    expect(resources).toContain("arn:aws-cn:s3:::artifacts-bucket/builds/name-searcher-staging/*");
    expect(resources).toContain("arn:aws-cn:cloudwatch:cn-north-1:*:alarm:errors");
  });

  it("reports every invalid field at once, as an InputError", () => {
    const bad = target({
      functionName: "arn:aws:lambda:eu-west-1:1:function:x",
      accountId: "12",
      bucket: "Bad_Bucket",
      prefix: "builds/*",
      alarmNames: ["err*"],
    });
    expect(() => deployerPolicy(bad)).toThrow(InputError);
    expect(() => deployerPolicy(bad)).toThrow(/function name.*account.*bucket.*prefix.*alarm name/);
  });

  it("is pure: the same target gives the same document", () => {
    expect(deployerPolicy(target())).toEqual(deployerPolicy(target()));
  });
});

describe("policyGrants", () => {
  it("ignores order, Sids, string-vs-list forms and action case", () => {
    const a = {
      Version: "2012-10-17",
      Statement: [
        {
          Sid: "A",
          Effect: "Allow",
          Action: ["s3:GetObject", "s3:PutObject"],
          Resource: "arn:aws:s3:::b/k/*",
        },
        {
          Effect: "Allow",
          Action: "s3:ListBucket",
          Resource: ["arn:aws:s3:::b"],
          Condition: { StringLike: { "s3:prefix": "k/*" } },
        },
      ],
    };
    const b = JSON.stringify({
      Version: "2012-10-17",
      Statement: [
        {
          Effect: "Allow",
          Action: ["s3:listbucket"],
          Resource: "arn:aws:s3:::b",
          Condition: { StringLike: { "s3:prefix": ["k/*"] } },
        },
        { Effect: "Allow", Action: "s3:PutObject", Resource: ["arn:aws:s3:::b/k/*"] },
        { Sid: "X", Effect: "Allow", Action: "s3:GetObject", Resource: ["arn:aws:s3:::b/k/*"] },
      ],
    });
    expect(policyGrants(a)).toEqual(policyGrants(b));
    expect(policyGrants(a)).toHaveLength(3);
  });

  it("tells apart a different resource or condition", () => {
    const base = { Effect: "Allow", Action: "s3:ListBucket", Resource: "arn:aws:s3:::b" };
    const withPrefix = (prefix: string) => ({
      Statement: [{ ...base, Condition: { StringLike: { "s3:prefix": prefix } } }],
    });
    expect(policyGrants(withPrefix("k/*"))).not.toEqual(policyGrants(withPrefix("*")));
    expect(policyGrants({ Statement: [base] })).not.toEqual(policyGrants(withPrefix("k/*")));
  });

  it("refuses NotAction, which it cannot compare", () => {
    expect(() =>
      policyGrants({ Statement: [{ Effect: "Allow", NotAction: "iam:*", Resource: "*" }] }),
    ).toThrow(InputError);
  });
});
