import { describe, expect, test } from "vitest";
import { FakeAlarms, FakeArtifacts, FakeClock, FakeLambda } from "../../test/support/fakes.js";
import { ExitCode } from "../errors.js";
import { buildPlan } from "../plan/plan.js";
import type { AlarmState } from "../ports.js";
import { type DeployRequest, deploy } from "../rollout/deploy/deploy.js";
import type { StampedEvent } from "../rollout/events.js";

/**
 * v1 live, deploy v2 by version with alarms `old` (in ALARM from the start) and `new`, a smoke
 * invocation as the gate that judges the new version, and `script(poll)` changing alarm states per
 * DescribeAlarms call (1 = the validation read).
 */
function setup(script: (poll: number, alarms: FakeAlarms) => void = () => {}) {
  const lambda = new FakeLambda("fn", "live", { stableVersions: 2, aliasOn: "1" });
  const alarms = new FakeAlarms(["old", "new"]);
  alarms.states.set("old", "ALARM");
  let polls = 0;
  const read = alarms.describeAlarms.bind(alarms);
  alarms.describeAlarms = async (names: string[]): Promise<AlarmState[]> => {
    script(++polls, alarms);
    return await read(names);
  };
  const events: StampedEvent[] = [];
  const run = (extra: Partial<DeployRequest> = {}) =>
    deploy(
      {
        functionName: "fn",
        aliasName: "live",
        source: { version: "2" },
        plan: buildPlan({ steps: "10%:5m,50%:5m" }),
        alarms: ["old", "new"],
        smoke: [{ payload: "{}" }],
        alarmsAlreadyFiring: "ignore",
        intervalMs: 60_000,
        ...extra,
      },
      { lambda, alarms, artifacts: new FakeArtifacts(), clock: new FakeClock(), emit: (e) => events.push(e) },
    );
  return { lambda, alarms, events, run };
}

describe("alarms already firing at the start (alarmsAlreadyFiring: ignore)", () => {
  test("do not block the roll-out, and a warning names them", async () => {
    const { events, run } = setup();
    const result = await run();
    expect(result).toMatchObject({ outcome: "promoted", exitCode: 0 });
    const warning = events.find((e) => e.type === "warning" && e.message.includes("Already in ALARM"));
    expect(warning).toMatchObject({ message: expect.stringContaining(": old.") });
    expect(warning).toMatchObject({ message: expect.stringContaining("judged by smoke invocations") });
  });

  test("other alarms gate as usual", async () => {
    const { lambda, run } = setup((poll, alarms) => {
      if (poll === 4) alarms.states.set("new", "ALARM");
    });
    const result = await run();
    expect(result).toMatchObject({ outcome: "rolled_back", exitCode: ExitCode.rolledBack });
    expect(result.reason).toContain("in ALARM: new");
    expect(lambda.alias.version).toBe("1");
  });

  test("one that leaves ALARM and fires again gates: it is no longer ignored", async () => {
    const { run } = setup((poll, alarms) => {
      if (poll === 3) alarms.states.set("old", "OK");
      if (poll === 5) alarms.states.set("old", "ALARM");
    });
    const result = await run();
    expect(result.outcome).toBe("rolled_back");
    expect(result.reason).toContain("in ALARM: old");
  });

  test("without a gate that judges the new version it is exit 2, nothing read or changed", async () => {
    const { lambda, run } = setup();
    const result = await run({ smoke: [] });
    expect(result.exitCode).toBe(ExitCode.invalidInput);
    expect(result.reason).toContain("--allow-firing-alarms");
    expect(result.hint).toContain("--smoke-payload");
    expect(lambda.calls).toEqual([]);
  });

  test("hooks or metric analysis count as judging the new version too", async () => {
    const { run } = setup();
    const result = await run({ smoke: [], hooks: { preTraffic: ["true"] } });
    expect(result.outcome).toBe("promoted");
  });

  test("without the option, an alarm already firing stops the roll-out before any traffic moves", async () => {
    const { lambda, run } = setup();
    const result = await run({ alarmsAlreadyFiring: "fail" });
    expect(result.outcome).toBe("rolled_back");
    expect(lambda.writes()).toEqual([]);
  });
});
