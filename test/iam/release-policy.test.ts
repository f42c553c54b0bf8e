/**
 * A release's deployer policy, proven with the IAM policy simulator: every function of the release in
 * its own region, bucket and prefix is allowed; the same function in another region, another
 * function, another bucket or prefix is not.
 */
import { describe, expect, it } from "vitest";
import type { DeployerTarget } from "../../src/iam/policy.js";
import { releasePolicy } from "../../src/iam/release-policy.js";
import { ACCOUNT, type Call, decide } from "./simulate.js";

const target = (name: string, region: string, alarms: string[] = []): DeployerTarget => ({
  functionName: name,
  aliasName: "live",
  region,
  accountId: ACCOUNT,
  bucket: `myapp-artifacts-${region}`,
  prefix: "releases",
  alarmNames: alarms,
});

const targets = [
  target("orders-get", "eu-west-1"),
  target("orders-put", "eu-west-1", ["orders-put-errors"]),
  target("orders-get", "us-east-1"),
];
const policy = releasePolicy(targets);
const fn = (name: string, region: string) => `arn:aws:lambda:${region}:${ACCOUNT}:function:${name}`;
const object = (region: string, key: string) => `arn:aws:s3:::myapp-artifacts-${region}/${key}`;

describe("iam-policy of a release", () => {
  it.each<Call>([
    { action: "lambda:UpdateAlias", resource: `${fn("orders-get", "eu-west-1")}:live` },
    { action: "lambda:UpdateAlias", resource: `${fn("orders-put", "eu-west-1")}:live` },
    { action: "lambda:UpdateAlias", resource: `${fn("orders-get", "us-east-1")}:live` },
    { action: "lambda:ListVersionsByFunction", resource: fn("orders-get", "us-east-1") },
    { action: "s3:PutObject", resource: object("us-east-1", "releases/orders-get/abc.zip") },
    { action: "s3:PutObject", resource: object("eu-west-1", "releases/orders-put/abc.zip") },
    {
      action: "s3:ListBucket",
      resource: "arn:aws:s3:::myapp-artifacts-eu-west-1",
      context: { "s3:prefix": "releases/orders-put/abc.zip" },
    },
    {
      action: "cloudwatch:DescribeAlarms",
      resource: `arn:aws:cloudwatch:eu-west-1:${ACCOUNT}:alarm:orders-put-errors`,
    },
  ])("allows $action on $resource", async (call) => {
    expect(await decide(policy, call)).toBe("Allowed");
  });

  it.each<Call>([
    // orders-put ships in eu-west-1 only.
    { action: "lambda:UpdateAlias", resource: `${fn("orders-put", "us-east-1")}:live` },
    { action: "lambda:UpdateAlias", resource: `${fn("payments", "eu-west-1")}:live` },
    { action: "s3:PutObject", resource: object("us-east-1", "releases/orders-put/abc.zip") },
    { action: "s3:PutObject", resource: object("eu-west-1", "other/orders-get/abc.zip") },
    {
      action: "s3:ListBucket",
      resource: "arn:aws:s3:::myapp-artifacts-us-east-1",
      context: { "s3:prefix": "releases/orders-put/abc.zip" },
    },
    {
      action: "cloudwatch:DescribeAlarms",
      resource: `arn:aws:cloudwatch:us-east-1:${ACCOUNT}:alarm:orders-put-errors`,
    },
    { action: "lambda:DeleteFunction", resource: fn("orders-get", "eu-west-1") },
  ])("denies $action on $resource", async (call) => {
    expect(await decide(policy, call)).toBe("ImplicitlyDenied");
  });

  it("has one ListBucket statement per bucket, with unique Sids", () => {
    const sids = policy.Statement.map((statement) => statement.Sid);
    expect(new Set(sids).size).toBe(sids.length);
    expect(sids.filter((sid) => sid.startsWith("ArtifactListing"))).toHaveLength(2);
  });
});

describe("iam-policy of a release: its ledger", () => {
  // One ledger for the whole release (deploy puts it in the first function's bucket by default).
  const ledger = { bucket: "myapp-artifacts-eu-west-1", prefix: "releases/rollouts/" };
  const withLedger = releasePolicy(targets.map((t) => ({ ...t, ledger })));
  const key = (path: string) => `arn:aws:s3:::myapp-artifacts-eu-west-1/releases/rollouts/${path}`;
  const lock = (name: string, region: string) => key(`aliases/${ACCOUNT}/${region}/${name}/live.json`);

  it.each<Call>([
    { action: "s3:PutObject", resource: key("releases/r-mhx1k2ab-9f3c.json") },
    { action: "s3:GetObject", resource: key("releases/r-mhx1k2ab-9f3c.json") },
    { action: "s3:PutObject", resource: lock("orders-get", "eu-west-1") },
    { action: "s3:PutObject", resource: lock("orders-put", "eu-west-1") },
    { action: "s3:PutObject", resource: lock("orders-get", "us-east-1") },
  ])("allows $action on $resource", async (call) => {
    expect(await decide(withLedger, call)).toBe("Allowed");
  });

  it.each<Call>([
    { action: "s3:PutObject", resource: lock("orders-put", "us-east-1") },
    { action: "s3:PutObject", resource: lock("payments", "eu-west-1") },
    {
      action: "s3:PutObject",
      resource: "arn:aws:s3:::myapp-artifacts-us-east-1/releases/rollouts/releases/x.json",
    },
    { action: "s3:DeleteObject", resource: key("releases/r-mhx1k2ab-9f3c.json") },
  ])("denies $action on $resource", async (call) => {
    expect(await decide(withLedger, call)).toBe("ImplicitlyDenied");
  });
});
