/** Provisioned concurrency on the alias, which moto does not model: deploy-level tests with fakes. */
import { describe, expect, test } from "vitest";
import { FakeAlarms, FakeArtifacts, FakeClock, FakeLambda } from "../../../test/support/fakes.js";
import { AwsError, ExitCode } from "../../errors.js";
import { buildPlan } from "../../plan/plan.js";
import { type DeployRequest, deploy } from "../deploy/deploy.js";
import type { StampedEvent } from "../events.js";

function setup() {
  const lambda = new FakeLambda("fn", "live", { stableVersions: 2, aliasOn: "1" });
  const events: StampedEvent[] = [];
  const run = (extra: Partial<DeployRequest> = {}) =>
    deploy(
      {
        functionName: "fn",
        aliasName: "live",
        source: { version: "2" },
        plan: buildPlan({ strategy: "Canary10Percent5Minutes" }),
        intervalMs: 60_000,
        ...extra,
      },
      {
        lambda,
        alarms: new FakeAlarms(),
        artifacts: new FakeArtifacts(),
        clock: new FakeClock(),
        emit: (event) => events.push(event),
      },
    );
  const writes = () =>
    lambda.calls.filter((c) => ["updateAlias", "publishVersion", "updateFunctionCode"].includes(c.op));
  return { lambda, events, run, writes };
}

describe("provisioned concurrency on the alias", () => {
  test("a weighted plan is refused during validation: exit 2, nothing changed, the fix named", async () => {
    const { lambda, run, writes } = setup();
    lambda.provisioned.set("live", { requested: 25, allocated: 25, status: "READY" });
    const result = await run();
    expect(result.exitCode).toBe(ExitCode.invalidInput);
    expect(result.reason).toContain("has provisioned concurrency (25 requested)");
    expect(result.reason).toContain("Nothing was changed");
    expect(result.hint).toContain("--strategy AllAtOnce");
    expect(result.hint).toContain(
      "delete-provisioned-concurrency-config --function-name fn --qualifier live",
    );
    expect(writes()).toEqual([]);
    expect(lambda.alias.version).toBe("1");
  });

  test("a dry run gives the same verdict", async () => {
    const { lambda, run } = setup();
    lambda.provisioned.set("live", { requested: 5 });
    expect((await run({ dryRun: true })).exitCode).toBe(ExitCode.invalidInput);
  });

  test("AllAtOnce (one UpdateAlias without weights) is allowed and not checked", async () => {
    const { lambda, run } = setup();
    lambda.provisioned.set("live", { requested: 25 });
    const result = await run({ plan: buildPlan({ strategy: "AllAtOnce" }) });
    expect(result).toMatchObject({ outcome: "promoted", exitCode: 0, toVersion: "2" });
    expect(lambda.calls.filter((c) => c.op === "getProvisionedConcurrency")).toEqual([]);
    expect(lambda.writes()).toEqual([{ version: "2" }]);
  });

  test("provisioned concurrency on a version (not the alias) does not block a canary", async () => {
    const { lambda, run } = setup();
    lambda.provisioned.set("1", { requested: 25 });
    const result = await run();
    expect(result.outcome).toBe("promoted");
    expect(lambda.calls.find((c) => c.op === "getProvisionedConcurrency")?.args).toEqual(["fn", "live"]);
  });

  test("a policy without the read permission warns and carries on as before", async () => {
    const { lambda, events, run } = setup();
    lambda.failWhen = (op) =>
      op === "getProvisionedConcurrency"
        ? new AwsError("User is not authorized to perform: lambda:GetProvisionedConcurrencyConfig", {
            code: "AccessDeniedException",
            status: 403,
          })
        : undefined;
    const result = await run();
    expect(result.outcome).toBe("promoted");
    expect(events).toContainEqual(
      expect.objectContaining({
        type: "warning",
        message: expect.stringContaining("Add lambda:GetProvisionedConcurrencyConfig"),
      }),
    );
  });
});
