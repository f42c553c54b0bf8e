/**
 * A deploy of a function on Lambda Managed Instances, with the fake clock: the new version's long wait
 * for Active (its own default, progress, exit 4 with the alias unmoved when it never gets there), the
 * stable version's scaling copied before any traffic, the replaced version scaled down after the
 * promotion and the final bake, and the warning near the capacity provider's 100 versions.
 */
import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { zipSync } from "fflate";
import { beforeAll, describe, expect, test } from "vitest";
import { FakeAlarms, FakeArtifacts, FakeClock, FakeLambda } from "../../../test/support/fakes.js";
import { sha256 } from "../../artifact/hash.js";
import type { HealthGate } from "../../health/gate.js";
import { buildPlan } from "../../plan/plan.js";
import { type DeployRequest, deploy } from "../deploy/deploy.js";
import type { StampedEvent } from "../events.js";

const PROVIDER = "arn:aws:lambda:us-east-1:123456789012:capacity-provider:fleet";
const MINUTE = 60_000;
/** The activation wait polls every 5 s. */
const polls = (ms: number) => ms / 5_000;

let zip: string;
let zipSha: string;

beforeAll(async () => {
  const dir = await mkdtemp(join(tmpdir(), "lr-managed-"));
  const bytes = zipSync({
    "handler.mjs": new TextEncoder().encode("export const handler = async () => ({});"),
  });
  zip = join(dir, "fn.zip");
  await writeFile(zip, bytes);
  zipSha = sha256(bytes).base64;
});

/** v1 live on the capacity provider with 6-40 environments; the package deploys as v2. */
function setup(
  options: { managed?: boolean; stableVersions?: number; gates?: HealthGate[]; aliasOn?: string } = {},
) {
  const stableVersions = options.stableVersions ?? 1;
  const lambda = new FakeLambda("fn", "live", { stableVersions, aliasOn: options.aliasOn });
  lambda.shaFor = () => zipSha;
  if (options.managed ?? true) {
    lambda.latest.capacityProvider = PROVIDER;
    for (const version of lambda.versions) version.capacityProvider = PROVIDER;
    lambda.scaling.set(String(stableVersions), { min: 6, max: 40 });
  }
  const clock = new FakeClock();
  const events: StampedEvent[] = [];
  const run = (extra: Partial<DeployRequest> = {}) =>
    deploy(
      {
        functionName: "fn",
        aliasName: "live",
        source: { zip, bucket: "artifacts" },
        plan: buildPlan({ steps: "10%:5m", finalBake: "10m" }),
        ...extra,
      },
      {
        lambda,
        artifacts: new FakeArtifacts(),
        alarms: new FakeAlarms(),
        clock,
        emit: (e) => events.push(e),
        gates: options.gates,
      },
    );
  /** The Lambda calls in order, as `op:args` for the ones that matter here. */
  const trail = () =>
    lambda.calls
      .filter((c) => ["publishVersion", "putScalingConfig", "updateAlias"].includes(c.op))
      .map((c) =>
        c.op === "putScalingConfig"
          ? `scale v${c.args[1]} ${JSON.stringify(c.args[2])}`
          : c.op === "updateAlias"
            ? `alias ${JSON.stringify(c.args[0])}`
            : "publish",
      );
  return { lambda, clock, events, run, trail };
}

describe("a version that takes 10 minutes to become Active", () => {
  test("is waited for with progress, given the stable version's scaling, then rolled out", async () => {
    const { lambda, clock, events, run, trail } = setup();
    lambda.pendingPolls = polls(10 * MINUTE);
    const start = clock.now();
    const result = await run();
    expect(result).toMatchObject({ outcome: "promoted", exitCode: 0, fromVersion: "1", toVersion: "2" });
    // Scaling before any traffic: the first alias write comes after it.
    expect(trail().slice(0, 3)).toEqual([
      "publish",
      'scale v2 {"min":6,"max":40}',
      'alias {"version":"1","additional":{"version":"2","weight":10}}',
    ]);
    const progress = events.filter((e) => e.type === "activating");
    expect(progress.length).toBeGreaterThanOrEqual(19);
    expect(progress[0]).toMatchObject({ version: "2", state: "Pending", capacityProvider: PROVIDER });
    expect(progress.every((e) => e.type === "activating" && e.timeoutMs === 20 * MINUTE)).toBe(true);
    const waited = progress.map((e) => (e.type === "activating" ? e.waitedMs : 0));
    expect(waited).toEqual([...waited].sort((a, b) => a - b));
    expect(waited.at(-1)).toBeGreaterThanOrEqual(9.5 * MINUTE);
    // 10 min of activation + 5 min bake + 10 min final bake, all on the fake clock.
    expect(clock.now() - start).toBeGreaterThanOrEqual(25 * MINUTE);
    const note = events.find((e) => e.type === "info" && e.message.includes("Lambda Managed Instances"));
    expect(note).toMatchObject({ message: expect.stringContaining("min 6, max 40 execution environments") });
  });

  test("on Lambda's default compute the same wait fails after the 5-minute update timeout: exit 4, alias unmoved", async () => {
    const { lambda, run } = setup({ managed: false });
    lambda.pendingPolls = 10 * MINUTE;
    const result = await run();
    expect(result).toMatchObject({ outcome: "failed", exitCode: 4 });
    expect(result.reason).toMatch(/still Pending after 30\d s/);
    expect(lambda.writes()).toEqual([]);
  });
});

test("an alias on $LATEST: the baseline published from it is Active before the alias moves to it", async () => {
  const { lambda, run } = setup({ aliasOn: "$LATEST" });
  lambda.pendingPolls = polls(4 * MINUTE);
  const stateWhenRouted: (string | undefined)[] = [];
  const update = lambda.updateAlias.bind(lambda);
  lambda.updateAlias = async (f, a, routing, rev, o) => {
    stateWhenRouted.push(lambda.versions.find((v) => v.version === routing.version)?.state);
    return await update(f, a, routing, rev, o);
  };
  const result = await run();
  expect(result).toMatchObject({ outcome: "promoted", fromVersion: "2", toVersion: "3" });
  expect(lambda.writes()[0]).toEqual({ version: "2" });
  expect(stateWhenRouted).toEqual(["Active", "Active", "Active"]);
});

describe("a version that never becomes Active is a failure before any traffic (exit 4, alias unmoved)", () => {
  test("Failed: names the capacity provider to check", async () => {
    const { lambda, run } = setup();
    lambda.pendingPolls = polls(3 * MINUTE);
    lambda.activation = "Failed";
    const result = await run();
    expect(result).toMatchObject({ outcome: "failed", exitCode: 4, fromVersion: "1" });
    expect(result.reason).toContain("failed to become Active");
    expect(result.hint).toContain(`Check the capacity provider ${PROVIDER}`);
    expect(result.hint).toContain("The alias was not moved to it.");
    expect(lambda.writes()).toEqual([]);
    expect(lambda.alias.version).toBe("1");
  });

  test("still Pending at the configured activation timeout", async () => {
    const { lambda, run } = setup();
    lambda.pendingPolls = polls(30 * MINUTE);
    const result = await run({ managedInstances: { activationTimeoutMs: 12 * MINUTE } });
    expect(result).toMatchObject({ outcome: "failed", exitCode: 4 });
    expect(result.reason).toMatch(/was still Pending after 720 s/);
    expect(result.hint).toContain("managedInstances.activationTimeout");
    expect(lambda.writes()).toEqual([]);
  });

  test("a scaling that cannot be set: exit 4, alias unmoved", async () => {
    const { lambda, run } = setup();
    lambda.failWhen = (op) => (op === "putScalingConfig" ? new Error("AccessDenied") : undefined);
    const result = await run();
    expect(result).toMatchObject({ outcome: "failed", exitCode: 4 });
    expect(lambda.writes()).toEqual([]);
  });
});

describe("scaling", () => {
  test("the configuration's scaling wins over the stable version's (which is then not read)", async () => {
    const { lambda, run, trail } = setup();
    const result = await run({ managedInstances: { scaling: { min: 2, max: 8 } } });
    expect(result).toMatchObject({ outcome: "promoted" });
    expect(trail()[1]).toBe('scale v2 {"min":2,"max":8}');
    expect(lambda.calls.some((c) => c.op === "getScalingConfig")).toBe(false);
  });

  test("a new version whose scaling restarts its environments is waited for again", async () => {
    const { lambda, run } = setup();
    const put = lambda.putScalingConfig.bind(lambda);
    lambda.putScalingConfig = async (f, v, s) => {
      await put(f, v, s);
      const version = lambda.versions.find((x) => x.version === v);
      if (version) version.state = "Pending";
      lambda.pendingPolls = polls(2 * MINUTE);
      return "Pending";
    };
    expect(await run()).toMatchObject({ outcome: "promoted" });
    const afterScaling = lambda.calls.slice(lambda.calls.findIndex((c) => c.op === "putScalingConfig"));
    expect(afterScaling.filter((c) => c.op === "getFunction").length).toBeGreaterThanOrEqual(
      polls(2 * MINUTE),
    );
    expect(afterScaling.findIndex((c) => c.op === "updateAlias")).toBeGreaterThan(
      afterScaling.findIndex((c) => c.op === "getFunction"),
    );
  });

  test("after the promotion and the final bake, the replaced version is scaled down as configured", async () => {
    const { lambda, clock, run, trail } = setup();
    let scaledDownAt = 0;
    let promotedAt = 0;
    const put = lambda.putScalingConfig.bind(lambda);
    lambda.putScalingConfig = async (f, v, s) => {
      if (v === "1") scaledDownAt = clock.now();
      return await put(f, v, s);
    };
    const update = lambda.updateAlias.bind(lambda);
    lambda.updateAlias = async (f, a, routing, rev, o) => {
      if (!routing.additional) promotedAt = clock.now();
      return await update(f, a, routing, rev, o);
    };
    const result = await run({ managedInstances: { scaleDownReplaced: { min: 0, max: 1 } } });
    expect(result).toMatchObject({ outcome: "promoted" });
    expect(trail().at(-1)).toBe('scale v1 {"min":0,"max":1}');
    expect(scaledDownAt - promotedAt).toBeGreaterThanOrEqual(10 * MINUTE);
  });

  test("a rolled-back deploy leaves the stable version's scaling alone", async () => {
    const failing: HealthGate = {
      name: "always-fails",
      check: async () => ({ gate: "always-fails", status: "fail", detail: "no" }),
    };
    const { lambda, run } = setup({ gates: [failing] });
    const result = await run({ managedInstances: { scaleDownReplaced: { min: 0 } } });
    expect(result).toMatchObject({ outcome: "rolled_back", exitCode: 1 });
    expect(lambda.calls.filter((c) => c.op === "putScalingConfig").map((c) => c.args[1])).toEqual(["2"]);
  });

  test("a failed scale-down is a warning; the promotion stands", async () => {
    const { lambda, events, run } = setup();
    const put = lambda.putScalingConfig.bind(lambda);
    lambda.putScalingConfig = async (f, v, s) => {
      if (v === "1") throw new Error("ThrottlingException");
      return await put(f, v, s);
    };
    const result = await run({ managedInstances: { scaleDownReplaced: { min: 0 } } });
    expect(result).toMatchObject({ outcome: "promoted", exitCode: 0 });
    expect(events.some((e) => e.type === "warning" && e.message.includes("Could not scale down v1"))).toBe(
      true,
    );
  });

  test("a function on Lambda's default compute gets no scaling calls, and a managedInstances block is said to be ignored", async () => {
    const { lambda, events, run } = setup({ managed: false });
    expect(await run({ managedInstances: { scaleDownReplaced: { min: 0 } } })).toMatchObject({
      outcome: "promoted",
    });
    expect(lambda.calls.some((c) => c.op === "getScalingConfig" || c.op === "putScalingConfig")).toBe(false);
    expect(events.some((e) => e.type === "warning" && e.message.includes("is ignored"))).toBe(true);
  });
});

describe("the capacity provider's 100 versions", () => {
  const warning = (events: StampedEvent[]) =>
    events.find((e) => e.type === "warning" && e.message.includes("at most 100"));

  test("within 10 of the limit after this deploy: a warning pointing to prune --keep", async () => {
    const { events, run } = setup({ stableVersions: 89 });
    expect(await run({ dryRun: true })).toMatchObject({ outcome: "noop" });
    expect(warning(events)).toMatchObject({
      message: expect.stringContaining("fn will have 90 published versions"),
    });
    expect(warning(events)).toMatchObject({
      message: expect.stringContaining("lambda-rollout prune --function fn --keep N"),
    });
  });

  test("further away: no warning", async () => {
    const { events, run } = setup({ stableVersions: 88 });
    await run({ dryRun: true });
    expect(warning(events)).toBeUndefined();
  });
});
