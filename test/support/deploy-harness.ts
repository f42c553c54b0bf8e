import type { HealthGate } from "../../src/health/gate.js";
import { buildPlan, type Plan } from "../../src/plan/plan.js";
import { type DeployPorts, type DeployRequest, deploy } from "../../src/rollout/deploy/deploy.js";
import type { StampedEvent } from "../../src/rollout/events.js";
import { FakeAlarms, FakeArtifacts, FakeClock, FakeLambda } from "./fakes.js";

/**
 * An in-memory deploy for engine tests: v1 is live, v2 is published and ready, and `run()` deploys v2
 * by version with the alarm `errors`, polling every minute of fake time. `run({ gates })` hands the
 * test's own probes over as custom gates; the rest of its argument is request data. `more` adds ports
 * built on the harness's clock (a ledger, say).
 */
export function deployHarness(
  plan: Plan = buildPlan({ steps: "10%:5m,50%:5m", finalBake: "2m" }),
  more: (clock: FakeClock) => Partial<DeployPorts> = () => ({}),
) {
  const lambda = new FakeLambda("fn", "live", { stableVersions: 2, aliasOn: "1" });
  const alarms = new FakeAlarms(["errors"]);
  const clock = new FakeClock();
  const ports = more(clock);
  const events: StampedEvent[] = [];
  const controller = new AbortController();
  let sink = (event: StampedEvent) => {
    events.push(event);
  };
  const request: DeployRequest = {
    functionName: "fn",
    aliasName: "live",
    source: { version: "2" },
    plan,
    alarms: ["errors"],
    intervalMs: 60_000,
  };
  const run = ({ gates, ...extra }: Partial<DeployRequest> & { gates?: HealthGate[] } = {}) =>
    deploy(
      { ...request, ...extra },
      {
        lambda,
        alarms,
        artifacts: new FakeArtifacts(),
        clock,
        emit: (event) => sink(event),
        signal: controller.signal,
        gates,
        ...ports,
      },
    );
  /** Replaces where events go (a renderer that throws, for instance). */
  const replaceSink = (next: (event: StampedEvent) => void) => {
    sink = next;
  };
  return { lambda, alarms, clock, events, controller, run, replaceSink };
}
