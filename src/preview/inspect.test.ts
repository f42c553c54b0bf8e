import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { zipSync } from "fflate";
import { describe, expect, it } from "vitest";
import { FakeAlarms, FakeArtifacts, FakeClock, FakeLambda } from "../../test/support/fakes.js";
import { MemoryLedgerStore } from "../../test/support/ledger-store.js";
import { InputError } from "../errors.js";
import { buildPlan } from "../plan/plan.js";
import type { CredentialsLifetime } from "../ports.js";
import type { DeployRequest } from "../rollout/deploy/deploy.js";
import { beginSession, recordTarget } from "../rollout/ledger/begin.js";
import type { LedgerAccess } from "../rollout/ledger/location.js";
import { type PreviewRegionPorts, planRows, preview, showSetting, singleTarget } from "./inspect.js";

async function packageFile(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), "lr-preview-"));
  const path = join(dir, "fn.zip");
  await writeFile(path, zipSync({ "handler.js": new TextEncoder().encode("exports.handler = 1") }));
  return path;
}

function request(zip: string, overrides: Partial<DeployRequest> = {}): DeployRequest {
  return {
    functionName: "fn",
    aliasName: "live",
    source: { zip, bucket: "artifacts" },
    plan: buildPlan({ steps: "10%:5m" }),
    alarms: ["errors"],
    ...overrides,
  };
}

function setup(lifetime?: CredentialsLifetime) {
  const lambda = new FakeLambda("fn", "live", { stableVersions: 1 });
  const alarms = new FakeAlarms(["errors"]);
  const store = new MemoryLedgerStore();
  const ports: PreviewRegionPorts = {
    lambda,
    alarms,
    artifacts: new FakeArtifacts(),
    credentials: lifetime ? { lifetime: async () => lifetime } : undefined,
    ledgerStore: store,
  };
  const ledger: LedgerAccess = {
    store,
    location: { bucket: "artifacts", prefix: "rollouts/" },
    actor: { name: "octocat" },
  };
  return { lambda, alarms, store, ports, ledger, clock: new FakeClock() };
}

describe("preview of one function", () => {
  it("says which settings changed, old → new, and never shows an environment variable's value", async () => {
    const { lambda, ports, ledger, clock } = setup();
    const live = lambda.versions[0];
    if (!live) throw new Error("no v1");
    live.configuration = { MemorySize: "128", Environment: '{"TOKEN":"hunter2","KEEP":"same"}' };
    lambda.latest.configuration = {
      MemorySize: "512",
      Environment: '{"TOKEN":"swordfish","KEEP":"same","NEW":"x"}',
    };
    const found = await preview(singleTarget(request(await packageFile()), undefined, undefined), {
      portsFor: () => ports,
      clock,
      ledger,
    });
    const [fn] = found.functions;
    expect(fn).toMatchObject({
      function: "fn",
      alias: "live",
      change: "code and configuration",
      routing: "100% v1",
      settings: [
        { name: "Environment", from: undefined, to: "added NEW; changed TOKEN" },
        { name: "MemorySize", from: "128", to: "512" },
      ],
      ledger: { lock: null, running: null },
      blocked: null,
    });
    expect(JSON.stringify(found)).not.toMatch(/hunter2|swordfish/);
    // Only reads: no write of any kind reached Lambda.
    expect(lambda.calls.map((call) => call.op)).not.toContain("updateAlias");
    expect(lambda.writes()).toEqual([]);
  });

  it("a lock held by a running roll-out blocks the deploy (exit 3); a lease that ran out does not", async () => {
    const { lambda, ports, ledger, clock } = setup();
    await beginSession(
      ledger,
      {
        id: "r-abc-1",
        kind: "rollout",
        name: "fn",
        engine: "local",
        plan: "custom: 10% for 5m → 100%",
        gates: [],
        targets: [recordTarget(lambda.alias)],
      },
      { clock, isSplit: async () => false, warn: () => {} },
    );
    const target = singleTarget(request(await packageFile()), undefined, undefined);
    const held = await preview(target, { portsFor: () => ports, clock, ledger });
    expect(held.functions[0]?.ledger).toMatchObject({
      lock: { id: "r-abc-1", by: "octocat", expired: false },
      running: { id: "r-abc-1", plan: "custom: 10% for 5m → 100%" },
    });
    expect(held.functions[0]?.blocked).toEqual({
      exitCode: 3,
      reason: expect.stringContaining("locked by roll-out r-abc-1 (octocat"),
    });
    clock.time += 60 * 60_000;
    const later = await preview(target, { portsFor: () => ports, clock, ledger });
    expect(later.functions[0]?.ledger?.lock?.expired).toBe(true);
    expect(later.functions[0]?.blocked).toBeNull();
  });

  it("an alarm already in ALARM is said: a deploy's first gate would fail on it", async () => {
    const { alarms, ports, ledger, clock } = setup();
    alarms.states.set("errors", "ALARM");
    const found = await preview(singleTarget(request(await packageFile()), undefined, undefined), {
      portsFor: () => ports,
      clock,
      ledger,
    });
    expect(found.functions[0]?.firing).toEqual({ alarms: ["errors"], ignored: false });
  });

  it("compares the worst case with the credentials: too short and not renewed is what deploy refuses", async () => {
    const clock = new FakeClock();
    const { ports, ledger } = setup({
      expiration: new Date(clock.now() + 10 * 60_000),
      refreshable: false,
      source: "environment variables",
    });
    const found = await preview(singleTarget(request(await packageFile()), undefined, undefined), {
      portsFor: () => ports,
      clock,
      ledger,
    });
    expect(found.worstCase?.totalMs).toBeGreaterThan(10 * 60_000);
    expect(found.credentials).toMatchObject({
      verdict: "too_short",
      source: "environment variables",
      suggestedSessionSeconds: 3600,
    });
  });

  it("bad input is the deploy's InputError: a missing alarm, provisioned concurrency on a weighted plan, --version", async () => {
    const zip = await packageFile();
    const { ports, lambda, ledger, clock } = setup();
    const run = (r: DeployRequest) =>
      preview(singleTarget(r, undefined, undefined), { portsFor: () => ports, clock, ledger });
    await expect(run(request(zip, { alarms: ["nope"] }))).rejects.toThrow(/alarm\(s\) not found: nope/);
    lambda.provisioned.set("live", { requested: 5 });
    await expect(run(request(zip))).rejects.toThrow(/provisioned concurrency/);
    expect(() => singleTarget(request(zip, { source: { version: "3" } }), undefined, undefined)).toThrow(
      InputError,
    );
  });
});

describe("the plan as a timeline", () => {
  it("runs the plan per wave, with the final bake and each wave's bake", () => {
    const plan = buildPlan({ steps: "10%:5m,50%:5m", finalBake: "2m" });
    expect(planRows(plan, [{ bakeMs: 60_000 }, { bakeMs: 0 }])).toEqual([
      { atMs: 0, wave: 1, what: "step", weight: 10, bakeMs: 300_000 },
      { atMs: 300_000, wave: 1, what: "step", weight: 50, bakeMs: 300_000 },
      { atMs: 600_000, wave: 1, what: "promote", weight: 100, bakeMs: 0 },
      { atMs: 600_000, wave: 1, what: "final bake", weight: 100, bakeMs: 120_000 },
      { atMs: 720_000, wave: 1, what: "wave bake", weight: 100, bakeMs: 60_000 },
      { atMs: 780_000, wave: 2, what: "step", weight: 10, bakeMs: 300_000 },
      { atMs: 1_080_000, wave: 2, what: "step", weight: 50, bakeMs: 300_000 },
      { atMs: 1_380_000, wave: 2, what: "promote", weight: 100, bakeMs: 0 },
      { atMs: 1_380_000, wave: 2, what: "final bake", weight: 100, bakeMs: 120_000 },
    ]);
  });

  it("a setting other than the environment is shown as it is", () => {
    expect(showSetting({ name: "Timeout", from: "3", to: "9" })).toEqual({
      name: "Timeout",
      from: "3",
      to: "9",
    });
    expect(showSetting({ name: "Environment", from: '{"A":"1"}', to: "{}" })).toEqual({
      name: "Environment",
      from: undefined,
      to: "removed A",
    });
  });
});
