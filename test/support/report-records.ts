/**
 * Three roll-outs recorded by the real engine (deploy(), release()) on fakes and a fake clock, with
 * the ledger in memory: the records the report is drawn from, as a real run leaves them.
 *
 * - promoted: a canary with an alarm and a metric gate (its first window inconclusive), final bake;
 * - rolledBack: the alarm fires during the second step, the alias goes back;
 * - release: three functions in two regions (two waves); an operator promotes wave 1 early.
 */
import { buildPlan } from "../../src/plan/plan.js";
import type { MetricQuery, MetricsPort } from "../../src/ports.js";
import { deploy } from "../../src/rollout/deploy/deploy.js";
import type { LedgerAccess } from "../../src/rollout/ledger/location.js";
import { recordOperatorAction } from "../../src/rollout/ledger/read.js";
import type { RolloutRecord } from "../../src/rollout/ledger/record.js";
import { FakeAlarms, FakeArtifacts, FakeClock, FakeLambda } from "./fakes.js";
import { MemoryLedgerStore } from "./ledger-store.js";
import { releaseHarness } from "./release-harness.js";

const BUCKET = "artifacts";

function ledger(): LedgerAccess & { store: MemoryLedgerStore } {
  return {
    store: new MemoryLedgerStore(),
    location: { bucket: BUCKET, prefix: "rollouts/" },
    actor: {
      name: "octocat",
      repository: "acme/shop",
      runUrl: "https://github.com/acme/shop/actions/runs/4242",
      commit: "9f3c2a17d0e84b6c5a1f2e3d4c5b6a7980716253",
    },
  };
}

/** The one record the ledger holds. */
function recordIn(access: { store: MemoryLedgerStore }): RolloutRecord {
  const [record] = access.store.documents(BUCKET, "rollouts/re") as RolloutRecord[];
  if (!record) throw new Error("no record in the ledger");
  return record;
}

/** Healthy per-version Lambda metrics, a little noisy: the new version about as good as the stable. */
export function healthyMetrics(clock: FakeClock): MetricsPort {
  return {
    getMetrics: async (queries: MetricQuery[]) => {
      const wobble = Math.sin(clock.now() / 90_000);
      const values: Record<string, number> = {
        new_invocations: 480,
        new_errors: 1,
        new_throttles: 0,
        new_duration: 182 + 12 * wobble,
        stable_invocations: 3900,
        stable_errors: 9,
        stable_throttles: 0,
        stable_duration: 176,
      };
      return Object.fromEntries(queries.map((query) => [query.id, values[query.id]]));
    },
  };
}

/** Requests, errors and the p99 duration (ms) of a version over the window. */
export interface VersionNumbers {
  Invocations: number;
  Errors: number;
  Duration: number;
}

/**
 * CloudWatch in memory, per version (the ExecutedVersion dimension); without `percentiles`, a p99 query
 * fails as an emulator's does. Every call is kept.
 */
export function versionMetrics(
  by: Record<string, VersionNumbers>,
  options: { percentiles: boolean } = { percentiles: true },
): MetricsPort & { calls: MetricQuery[][] } {
  const calls: MetricQuery[][] = [];
  return {
    calls,
    getMetrics: async (queries) => {
      calls.push(queries);
      if (!options.percentiles && queries.some((q) => q.stat.startsWith("p")))
        throw new Error("CloudWatch answered HTTP 500 for GetMetricData");
      return Object.fromEntries(
        queries.map((q) => [
          q.id,
          by[q.dimensions.ExecutedVersion ?? ""]?.[q.metricName as keyof VersionNumbers],
        ]),
      );
    },
  };
}

function single(name: string) {
  const lambda = new FakeLambda(name, "live", { stableVersions: 42, aliasOn: "41" });
  const clock = new FakeClock({ time: Date.parse("2026-03-10T14:02:07Z") });
  return { lambda, clock, access: ledger(), artifacts: new FakeArtifacts() };
}

export async function promotedRecord(): Promise<RolloutRecord> {
  const { lambda, clock, access, artifacts } = single("orders-api");
  const alarms = new FakeAlarms(["orders-api-errors"]);
  await deploy(
    {
      functionName: "orders-api",
      aliasName: "live",
      source: { version: "42" },
      plan: buildPlan({ steps: "10%:5m,50%:5m", finalBake: "5m" }),
      alarms: ["orders-api-errors"],
      metrics: {
        minInvocations: 20,
        errorRate: { max: 0.05, maxRelative: 2 },
        duration: { stat: "p99", maxRelative: 1.5 },
      },
      intervalMs: 60_000,
    },
    {
      lambda,
      alarms,
      artifacts,
      metrics: healthyMetrics(clock),
      clock,
      ledger: access,
      rolloutId: "r-mmkq3x2a-7d1e",
    },
  );
  return recordIn(access);
}

export async function rolledBackRecord(): Promise<RolloutRecord> {
  const { lambda, clock, access, artifacts } = single("checkout");
  const fires = clock.now() + 7 * 60_000 + 20_000;
  const alarms = {
    describeAlarms: async (names: string[]) =>
      names.map((name) => ({
        name,
        state: clock.now() >= fires ? ("ALARM" as const) : ("OK" as const),
        reason:
          clock.now() >= fires
            ? "Threshold Crossed: 1 datapoint [14.0 (10/03/26 14:09:00)] was greater than or equal to the threshold (5.0)."
            : undefined,
      })),
  };
  await deploy(
    {
      functionName: "checkout",
      aliasName: "live",
      source: { version: "42" },
      plan: buildPlan({ steps: "10%:5m,50%:5m" }),
      alarms: ["checkout-5xx"],
      intervalMs: 60_000,
    },
    { lambda, alarms, artifacts, clock, ledger: access, rolloutId: "r-mmkr0c9d-2b4f" },
  );
  return recordIn(access);
}

export async function releaseRecord(): Promise<RolloutRecord> {
  const access = ledger();
  const clock = new FakeClock({ time: Date.parse("2026-03-10T15:30:00Z") });
  const h = releaseHarness({
    clock,
    ledger: access,
    releaseId: "r-mmks1b0c-4e2a",
    functions: [
      ["orders-api", "eu-west-1"],
      ["orders-worker", "eu-west-1"],
      ["orders-api", "us-east-1"],
    ],
  });
  // Four minutes into the 50% step, an operator promotes wave 1 (both eu-west-1 functions) by hand.
  const promoteAt = clock.now() + 9 * 60_000;
  let promoted = false;
  const region = h.portsFor("eu-west-1");
  const read = region.alarms.describeAlarms.bind(region.alarms);
  region.alarms.describeAlarms = async (names, options) => {
    if (!promoted && clock.now() >= promoteAt) {
      promoted = true;
      for (const key of ["orders-api@eu-west-1", "orders-worker@eu-west-1"])
        h.fake(key).setRouting({ version: "2" });
      await recordOperatorAction(
        access,
        { id: "r-mmks1b0c-4e2a", record: "releases/r-mmks1b0c-4e2a.json" },
        {
          name: "promote",
          actor: { name: "alice", host: "alice-laptop" },
          detail: "wave 1 (eu-west-1) promoted to its new versions: error rates flat for 9 minutes",
          now: clock.now(),
        },
        [],
      );
    }
    return read(names, options);
  };
  await h.run();
  return recordIn(access);
}
