/**
 * Server-side releases, in the IAM simulator: the CI identity's release policy gains the release state
 * machine's five Step Functions actions and nothing else there; the release state machine's role may
 * shift exactly the release's aliases, invoke their published versions and read their alarms. The
 * Terraform module renders the same statements.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import type { DeployerTarget } from "../../src/iam/policy.js";
import { releasePolicy, releaseStateMachineRolePolicy } from "../../src/iam/release-policy.js";
import { REPO } from "../infra/support/terraform.js";
import { ACCOUNT, type Call, decide, label } from "./simulate.js";

const REGION = "us-east-1";
const member = (functionName: string): DeployerTarget => ({
  functionName,
  aliasName: "live",
  region: REGION,
  accountId: ACCOUNT,
  bucket: "orders-artifacts",
  prefix: "artifacts",
  alarmNames: [`${functionName}-errors`],
  stateMachineName: "orders-release",
});
const targets = [member("orders-get"), member("orders-put")];
const states = `arn:aws:states:${REGION}:${ACCOUNT}`;
const fn = (name: string) => `arn:aws:lambda:${REGION}:${ACCOUNT}:function:${name}`;
const alarm = (name: string) => `arn:aws:cloudwatch:${REGION}:${ACCOUNT}:alarm:${name}`;
const execution = `${states}:execution:orders-release:lambda-rollout-mwyp7zwo-5n1a`;

describe("the release deployer policy with a state machine", () => {
  const policy = releasePolicy(targets);
  it.each(
    (
      [
        { action: "states:StartExecution", resource: `${states}:stateMachine:orders-release` },
        { action: "states:DescribeStateMachine", resource: `${states}:stateMachine:orders-release` },
        { action: "states:GetExecutionHistory", resource: execution },
        { action: "states:StopExecution", resource: execution },
      ] as Call[]
    ).map((call) => [label(call), call] as const),
  )("allows %s", async (_, call) => {
    expect(await decide(policy, call)).toBe("Allowed");
  });

  it("denies another machine's executions, and grants nothing in Step Functions without one", async () => {
    const other = { action: "states:StartExecution", resource: `${states}:stateMachine:billing-release` };
    expect(await decide(policy, other)).toBe("ImplicitlyDenied");
    const local = releasePolicy(targets.map((t) => ({ ...t, stateMachineName: undefined })));
    const start = { action: "states:StartExecution", resource: `${states}:stateMachine:orders-release` };
    expect(await decide(local, start)).toBe("ImplicitlyDenied");
  });
});

describe("the release state machine's role", () => {
  const role = releaseStateMachineRolePolicy(targets) as unknown as Parameters<typeof decide>[0];
  const allowed: Call[] = [
    { action: "lambda:UpdateAlias", resource: `${fn("orders-get")}:live` },
    { action: "lambda:UpdateAlias", resource: `${fn("orders-put")}:live` },
    { action: "lambda:GetAlias", resource: `${fn("orders-put")}:live` },
    { action: "lambda:InvokeFunction", resource: `${fn("orders-get")}:7` },
    { action: "cloudwatch:DescribeAlarms", resource: alarm("orders-put-errors") },
  ];
  it.each(allowed.map((call) => [label(call), call] as const))("allows %s", async (_, call) => {
    expect(await decide(role, call)).toBe("Allowed");
  });

  const denied: [Call, string][] = [
    [{ action: "lambda:InvokeFunction", resource: `${fn("orders-get")}:live` }, "ExplicitlyDenied"],
    [{ action: "lambda:InvokeFunction", resource: `${fn("orders-put")}:$LATEST` }, "ExplicitlyDenied"],
    [{ action: "lambda:UpdateAlias", resource: `${fn("billing")}:live` }, "ImplicitlyDenied"],
    [{ action: "lambda:UpdateFunctionCode", resource: fn("orders-get") }, "ImplicitlyDenied"],
    [{ action: "cloudwatch:DescribeAlarms", resource: alarm("billing-errors") }, "ImplicitlyDenied"],
  ];
  it.each(denied.map(([call, decision]) => [label(call), call, decision] as const))(
    "denies %s",
    async (_, call, decision) => {
      expect(await decide(role, call)).toBe(decision);
    },
  );

  it("the Terraform module's statements grant the same actions under the same Sids", () => {
    const hcl = readFileSync(
      join(REPO, "terraform/modules/lambda-rollout-release-state-machine/main.tf"),
      "utf8",
    );
    const deployer = releasePolicy(targets).Statement;
    const sids = [
      ...["ShiftAlias", "SmokeVersions", "OnlyVersions", "ReadAlarms"].map(
        (sid) =>
          [sid, releaseStateMachineRolePolicy(targets).Statement.find((s) => s.Sid === sid)?.Action] as const,
      ),
      ...["StartRollouts", "FollowRollouts"].map(
        (sid) => [sid, deployer.find((s) => s.Sid === sid)?.Action] as const,
      ),
    ];
    for (const [sid, actions] of sids) {
      const block = new RegExp(`sid\\s*=\\s*"${sid}"[\\s\\S]*?actions\\s*=\\s*\\[([^\\]]*)\\]`).exec(hcl);
      const terraform = [...(block?.[1] ?? "").matchAll(/"([^"]+)"/g)].map((m) => m[1]);
      expect(terraform, sid).toEqual(actions);
    }
  });
});
