/**
 * One fault-injection run, derived from its seed alone: the roll-out plan, the gates, when the alarm
 * fires, and the proxy's fault schedule (the ledger's objects included). The same seed always gives the same scenario, so a failing run
 * is re-run with `FAULT_SEED=<seed> FAULT_RUNS=1`.
 */
import { type FaultPlan, mulberry32, type OutagePlan } from "../support/fault-proxy.js";

export type PlanKind = "all-at-once" | "canary" | "linear" | "final-bake";
export type Profile = "noise" | "lost-writes" | "rollback-path" | "throttle-storm";

export const PLAN_KINDS: readonly PlanKind[] = ["all-at-once", "canary", "linear", "final-bake"];
export const PROFILES: readonly Profile[] = ["noise", "lost-writes", "rollback-path", "throttle-storm"];
export const OUTAGE_MODES: readonly OutagePlan["mode"][] = ["reset", "503", "brownout"];

export interface Scenario {
  seed: number;
  planKind: PlanKind;
  profile: Profile;
  /** Plan flags, e.g. `--steps 10%:1s`. */
  planArgs: string[];
  /** UpdateAlias calls a healthy run makes (one per step, plus the shift to 100%). */
  aliasWrites: number;
  /** Pass `--alarm` (its DescribeAlarms calls then go through the proxy too). */
  alarm: boolean;
  /** Set the alarm to ALARM once this shift is seen, forcing a rollback; undefined: it stays OK. */
  alarmAtWeight: "first-step" | "100" | undefined;
  smoke: boolean;
  faults: FaultPlan;
  /** One line saying what this run does, for the report. */
  label: string;
}

const INTERVAL = "500ms";

function pick<T>(random: () => number, items: readonly T[]): T {
  return items[Math.floor(random() * items.length)] as T;
}

function planFor(kind: PlanKind, random: () => number): { args: string[]; steps: number } {
  switch (kind) {
    case "all-at-once":
      return { args: ["--strategy", "AllAtOnce"], steps: 0 };
    case "canary":
      return { args: ["--steps", pick(random, ["10%:1s", "5%:800ms"])], steps: 1 };
    case "linear": {
      const steps = pick(random, ["20%:1s,50%:1s", "30%:500ms,60%:500ms,90%:500ms"]);
      return { args: ["--steps", steps], steps: steps.split(",").length };
    }
    case "final-bake":
      return random() < 0.5
        ? { args: ["--strategy", "AllAtOnce", "--final-bake", "1s"], steps: 0 }
        : { args: ["--steps", "25%:500ms", "--final-bake", "1s"], steps: 1 };
  }
}

const WRITES = ["UpdateAlias", "PublishVersion", "UpdateFunctionCode", "PutObject"];

function faultsFor(profile: Profile, seed: number, planKind: PlanKind): FaultPlan {
  // The proxy's per-request draws get their own stream, independent of the scenario's draws.
  const base = { seed: (seed ^ 0x5bd1e995) >>> 0, maxLatencyMs: 1_500 };
  switch (profile) {
    case "noise":
      return { ...base, throttle: 0.08, error5xx: 0.05, reset: 0.04, lostResponse: 0.04, latency: 0.15 };
    case "lost-writes":
      return { ...base, operations: WRITES, lostResponse: 0.35, reset: 0.08, error5xx: 0.05, throttle: 0.05 };
    case "rollback-path":
      // Quiet until traffic moved, then the alias calls and health reads that a rollback depends on
      // (all at once has no rollback after its only shift: its shift is the target then).
      return {
        ...base,
        afterUpdateAlias: planKind === "all-at-once" ? 0 : 1,
        operations: ["UpdateAlias", "GetAlias", "DescribeAlarms", "GetFunction"],
        throttle: 0.15,
        error5xx: 0.1,
        reset: 0.1,
        lostResponse: 0.2,
      };
    case "throttle-storm":
      return { ...base, throttle: 0.3, latency: 0.3 };
  }
}

export function scenarioFor(seed: number): Scenario {
  const random = mulberry32(seed);
  // Plan and profile come from the seed's residues, so any 16 consecutive seeds cover every pair.
  const planKind = PLAN_KINDS[seed % PLAN_KINDS.length] as PlanKind;
  const profile = PROFILES[Math.floor(seed / PLAN_KINDS.length) % PROFILES.length] as Profile;
  const plan = planFor(planKind, random);
  const aliasWrites = plan.steps + 1;
  const bakes = planKind !== "all-at-once";
  // The rollback-path profile only matters when something makes the run roll back.
  const alarmFires = bakes && (profile === "rollback-path" || random() < 0.35);
  const alarm = alarmFires || random() < 0.5;
  const alarmAtWeight = !alarmFires
    ? undefined
    : planKind === "final-bake" && (plan.steps === 0 || random() < 0.5)
      ? "100"
      : "first-step";
  const smoke = random() < 0.4;
  const faults = faultsFor(profile, seed, planKind);
  // Every third seed adds an outage, its mode cycling so that any 9 consecutive seeds see all three.
  // It starts with one of the run's UpdateAlias calls (that call is the first one to hit it).
  if (seed % 3 === 0) {
    faults.outage = {
      atUpdateAlias: 1 + Math.floor(random() * aliasWrites),
      delayMs: 0,
      durationMs: 3_000 + Math.floor(random() * 5_000),
      mode: OUTAGE_MODES[Math.floor(seed / 3) % OUTAGE_MODES.length] as OutagePlan["mode"],
    };
  }
  const outage = faults.outage
    ? ` + outage (${faults.outage.mode} ${faults.outage.durationMs}ms from UpdateAlias #${faults.outage.atUpdateAlias})`
    : "";
  // The ledger's own faults, drawn last so the draws above stay what they were: odd seeds get 412s and
  // lost replies on its writes, seeds 2 mod 4 an outage of the ledger alone from one of its first
  // requests (the lock, the record, a shift, the outcome), its mode alternating.
  if (seed % 2 === 1) faults.ledger = { error412: 0.15, lostResponse: 0.15 };
  if (seed % 4 === 2) {
    faults.ledger = {
      outage: {
        atRequest: 1 + Math.floor(random() * 8),
        durationMs: 2_000 + Math.floor(random() * 4_000),
        mode: Math.floor(seed / 4) % 2 === 0 ? "reset" : "503",
      },
    };
  }
  const ledgerOutage = faults.ledger?.outage;
  const ledger = ledgerOutage
    ? ` + ledger outage (${ledgerOutage.mode} ${ledgerOutage.durationMs}ms from ledger request #${ledgerOutage.atRequest})`
    : faults.ledger
      ? " + ledger 412s and lost replies"
      : "";
  const gates = [
    alarm
      ? alarmAtWeight
        ? `alarm fires at ${alarmAtWeight === "100" ? "100%" : "first step"}`
        : "alarm"
      : "",
    smoke ? "smoke" : "",
  ].filter(Boolean);
  return {
    seed,
    planKind,
    profile,
    planArgs: [...plan.args, "--interval", INTERVAL],
    aliasWrites,
    alarm,
    alarmAtWeight,
    smoke,
    faults,
    label: `${planKind} (${plan.args.join(" ")}), ${profile}${outage}${ledger}${gates.length ? `, ${gates.join(" + ")}` : ""}`,
  };
}
