import { describe, expect, test } from "vitest";
import { FakeAlarms, FakeArtifacts, FakeClock, FakeLambda } from "../../../test/support/fakes.js";
import { AwsError } from "../../errors.js";
import type { HealthGate } from "../../health/gate.js";
import { buildPlan } from "../../plan/plan.js";
import type { StampedEvent } from "../events.js";
import { type DeployRequest, deploy } from "./deploy.js";

/** fn with v1..v5, `live` on v4; the deploy shifts to v5. */
function setup() {
  const lambda = new FakeLambda("fn", "live", { stableVersions: 5, aliasOn: "4" });
  const events: StampedEvent[] = [];
  const run = (extra: Partial<DeployRequest> = {}, gates: HealthGate[] = []) =>
    deploy(
      {
        functionName: "fn",
        aliasName: "live",
        source: { version: "5" },
        plan: buildPlan({ steps: "10%:1m" }),
        intervalMs: 60_000,
        ...extra,
      },
      {
        lambda,
        alarms: new FakeAlarms(),
        artifacts: new FakeArtifacts(),
        clock: new FakeClock(),
        emit: (event) => events.push(event),
        gates,
      },
    );
  const deletes = () => lambda.calls.filter((c) => c.op === "deleteVersion").map((c) => c.args[1]);
  return { lambda, events, run, deletes };
}

describe("deploy prunes after a successful promotion when configured", () => {
  test("promoted: older versions go, the live one and the one it replaced stay", async () => {
    const { lambda, events, run, deletes } = setup();
    const result = await run({ prune: { keep: 1 } });
    expect(result).toMatchObject({ outcome: "promoted", exitCode: 0 });
    expect(deletes()).toEqual(["1", "2", "3"]);
    expect(lambda.versions.map((v) => v.version)).toEqual(["4", "5"]);
    expect(
      events.find((e) => e.type === "info" && e.message.startsWith("Pruned old versions")),
    ).toBeDefined();
    // The result line is still the last event.
    expect(events.at(-1)?.type).toBe("result");
  });

  test("not configured: nothing is listed or deleted", async () => {
    const { lambda, run } = setup();
    await run();
    expect(lambda.calls.filter((c) => c.op === "listAliases" || c.op === "deleteVersion")).toEqual([]);
  });

  test("rolled back: nothing is pruned", async () => {
    const { run, deletes } = setup();
    const failing: HealthGate = {
      name: "probe",
      check: async () => ({ gate: "probe", status: "fail", detail: "bad" }),
    };
    const result = await run({ prune: { keep: 1 } }, [failing]);
    expect(result.outcome).toBe("rolled_back");
    expect(deletes()).toEqual([]);
  });

  test("a prune that fails is a warning; the release stays promoted, exit 0", async () => {
    const { lambda, events, run } = setup();
    lambda.failWhen = (op) =>
      op === "listAliases" ? new AwsError("AccessDenied: lambda:ListAliases", { status: 403 }) : undefined;
    const result = await run({ prune: { keep: 1 } });
    expect(result).toMatchObject({ outcome: "promoted", exitCode: 0, toVersion: "5" });
    const warning = events.find((e) => e.type === "warning" && e.message.includes("Could not prune"));
    expect(warning).toMatchObject({ message: expect.stringContaining("not affected") });
    expect(lambda.versions).toHaveLength(5);
  });
});
