/**
 * Durable functions: prune keeps the versions durable executions still run on (and says so), a rollback
 * reports the executions left on the version it rolled back from (best effort: a failed listing is a
 * warning, never another outcome), and smoke invocations name the new version.
 */
import {
  DeleteFunctionCommand,
  ListAliasesCommand,
  ListDurableExecutionsByFunctionCommand,
  ListVersionsByFunctionCommand,
} from "@aws-sdk/client-lambda";
import { describe, expect, test } from "vitest";
import { deployHarness } from "../../../test/support/deploy-harness.js";
import { FakeLambda } from "../../../test/support/fakes.js";
import { mockedLambda } from "../../../test/support/lambda-mock.js";
import type { HealthGate } from "../../health/gate.js";
import { rollback } from "../../index.js";
import { buildPlan } from "../../plan/plan.js";
import { planPrune, prune } from "../manage/prune.js";
import { DURABLE_RUNNING } from "./durable.js";

/** A durable fn with versions 1..n, `live` on n. */
function durableLambda(n: number, durable = true): FakeLambda {
  const lambda = new FakeLambda("fn", "live", { stableVersions: n, aliasOn: String(n) });
  lambda.versions = lambda.versions.map((v) => ({ ...v, durable, codeSize: 1000 }));
  return lambda;
}

const asked = (lambda: FakeLambda) =>
  lambda.calls.filter((c) => c.op === "runningDurableExecutions").map((c) => c.args[1]);

describe("prune never deletes a version durable executions still run on", () => {
  test("keeps it, says why, and asks only about what it would otherwise delete", async () => {
    const lambda = durableLambda(6);
    lambda.durableRunning.set("2", 3);
    const report = await prune(lambda, { functionName: "fn", keep: 2 });
    expect(report.deleted.map((v) => v.version)).toEqual(["1", "3", "4"]);
    expect(lambda.versions.map((v) => v.version)).toEqual(["2", "5", "6"]);
    expect(report.durable).toEqual(["2"]);
    expect(report.protected).toEqual([{ version: "2", reasons: [DURABLE_RUNNING] }]);
    expect(report.summary).toContain("kept v2: durable executions still run on it");
    expect(asked(lambda)).toEqual(["1", "2", "3", "4"]);
  });

  test("a dry run says the same and deletes nothing", async () => {
    const lambda = durableLambda(4);
    lambda.durableRunning.set("1", 1);
    const report = await prune(lambda, { functionName: "fn", keep: 1, dryRun: true });
    expect(report.deleted.map((v) => v.version)).toEqual(["2", "3"]);
    expect(report.summary).toContain("kept v1: durable executions still run on it");
    expect(lambda.calls.some((c) => c.op === "deleteVersion")).toBe(false);
  });

  test("a version it could not check stays too, with the reason", async () => {
    const lambda = durableLambda(3);
    lambda.failWhen = (op, _n, args) =>
      op === "runningDurableExecutions" && args[1] === "1" ? new Error("AccessDenied") : undefined;
    const report = await prune(lambda, { functionName: "fn", keep: 1 });
    expect(report.deleted.map((v) => v.version)).toEqual(["2"]);
    expect(report.protected[0]?.version).toBe("1");
    expect(report.protected[0]?.reasons[0]).toMatch(
      /could not check it for running durable executions \(AccessDenied\)/,
    );
    expect(report.durable).toEqual([]);
  });

  test("a function that is not durable is not asked", async () => {
    const lambda = durableLambda(4, false);
    lambda.durableRunning.set("1", 5);
    const report = await prune(lambda, { functionName: "fn", keep: 1 });
    expect(report.deleted.map((v) => v.version)).toEqual(["1", "2", "3"]);
    expect(asked(lambda)).toEqual([]);
  });

  test("planPrune takes the versions to keep as a separate input, beside what the aliases need", () => {
    const lambda = durableLambda(4);
    const plan = planPrune(lambda.versions, [lambda.alias], 1, new Map([["2", DURABLE_RUNNING]]));
    expect(plan.delete.map((v) => v.version)).toEqual(["1", "3"]);
    expect(plan.protected).toEqual([{ version: "2", reasons: [DURABLE_RUNNING] }]);
  });

  test("through the AWS adapter: ListDurableExecutionsByFunction per candidate, never DeleteFunction on a running one", async () => {
    const { mock, lambda } = mockedLambda();
    const version = (n: number) => ({
      FunctionName: "fn",
      Version: String(n),
      CodeSha256: `s${n}`,
      DurableConfig: { ExecutionTimeout: 86_400 },
    });
    mock.on(ListVersionsByFunctionCommand).resolves({ Versions: [1, 2, 3].map(version) });
    mock.on(ListAliasesCommand).resolves({ Aliases: [{ Name: "live", FunctionVersion: "3" }] });
    mock
      .on(ListDurableExecutionsByFunctionCommand, { Qualifier: "1" })
      .resolves({
        DurableExecutions: [
          {
            DurableExecutionArn: "arn:aws:lambda:us-east-1:123456789012:function:fn:1/durable-execution/x",
            DurableExecutionName: "x",
            FunctionArn: "arn:aws:lambda:us-east-1:123456789012:function:fn:1",
            Status: "RUNNING",
            StartTimestamp: new Date(0),
          },
        ],
      })
      .on(ListDurableExecutionsByFunctionCommand, { Qualifier: "2" })
      .resolves({ DurableExecutions: [] });
    mock.on(DeleteFunctionCommand).resolves({});
    const report = await prune(lambda, { functionName: "fn", keep: 1 });
    expect(report.durable).toEqual(["1"]);
    expect(mock.commandCalls(DeleteFunctionCommand).map((c) => c.args[0].input.Qualifier)).toEqual(["2"]);
    expect(mock.commandCalls(ListDurableExecutionsByFunctionCommand).map((c) => c.args[0].input)).toEqual([
      { FunctionName: "fn", Qualifier: "1", Statuses: ["RUNNING"], MaxItems: 1, Marker: undefined },
      { FunctionName: "fn", Qualifier: "2", Statuses: ["RUNNING"], MaxItems: 1, Marker: undefined },
    ]);
  });
});

const failing: HealthGate = {
  name: "errors-gate",
  check: async () => ({ gate: "errors-gate", status: "fail", detail: "errors" }),
};

describe("after a rollback, the result reports durable executions left on the rolled-back version", () => {
  /** v2 (durable) is deployed by version over v1. */
  function durableDeploy() {
    const harness = deployHarness(buildPlan({ steps: "10%:5m" }));
    for (const version of harness.lambda.versions) version.durable = true;
    return harness;
  }

  test("their count and the command that lists them; outcome and exit code unchanged", async () => {
    const { lambda, run } = durableDeploy();
    lambda.durableRunning.set("2", 4);
    const result = await run({ gates: [failing], region: "eu-west-1" });
    expect(result).toMatchObject({ outcome: "rolled_back", exitCode: 1, fromVersion: "1", toVersion: "2" });
    expect(result.durableExecutions).toEqual({
      version: "2",
      running: 4,
      more: false,
      listCommand:
        "aws lambda list-durable-executions-by-function --function-name fn --qualifier 2 --statuses RUNNING --region eu-west-1",
    });
    expect(result.hint).toContain("4 durable executions still run on v2");
    expect(lambda.alias.version).toBe("1");
  });

  test("a failure to list them is a warning; the result is the same rollback", async () => {
    const { lambda, events, run } = durableDeploy();
    lambda.failWhen = (op) => (op === "runningDurableExecutions" ? new Error("AccessDenied") : undefined);
    const result = await run({ gates: [failing] });
    expect(result).toMatchObject({ outcome: "rolled_back", exitCode: 1 });
    expect(result.durableExecutions).toBeUndefined();
    expect(
      events.some(
        (e) => e.type === "warning" && e.message.includes("Could not check v2 for durable executions"),
      ),
    ).toBe(true);
    expect(events.at(-1)).toMatchObject({ type: "result", outcome: "rolled_back", exitCode: 1 });
  });

  test("none left, a promoted run, or a function that is not durable: nothing reported, nothing asked", async () => {
    const none = durableDeploy();
    expect((await none.run({ gates: [failing] })).durableExecutions).toBeUndefined();
    const promoted = durableDeploy();
    promoted.lambda.durableRunning.set("2", 4);
    expect((await promoted.run()).durableExecutions).toBeUndefined();
    expect(asked(promoted.lambda)).toEqual([]);
    const plain = deployHarness(buildPlan({ steps: "10%:5m" }));
    plain.lambda.durableRunning.set("2", 4);
    expect((await plain.run({ gates: [failing] })).durableExecutions).toBeUndefined();
    expect(asked(plain.lambda)).toEqual([]);
  });

  test("the library's rollback of a split alias reports them too", async () => {
    const lambda = durableLambda(2);
    lambda.setRouting({ version: "1", additional: { version: "2", weight: 10 } });
    lambda.durableRunning.set("2", 1);
    const result = await rollback(lambda, "fn", "live");
    expect(result).toMatchObject({ outcome: "rolled_back", exitCode: 0, toVersion: "2" });
    expect(result.durableExecutions).toMatchObject({ version: "2", running: 1 });
    expect(result.hint).toContain("1 durable execution still runs on v2");
  });
});

test("smoke invocations name the new version (durable functions refuse unqualified invocations)", async () => {
  const { lambda, run } = deployHarness(buildPlan({ steps: "10%:5m" }));
  const result = await run({ smoke: [{ payload: "{}" }, { payload: '{"ping":1}' }] });
  expect(result).toMatchObject({ outcome: "promoted", toVersion: "2" });
  const qualifiers = lambda.calls.filter((c) => c.op === "invoke").map((c) => c.args[0]);
  expect(qualifiers).toEqual(["2", "2"]);
});
