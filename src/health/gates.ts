/**
 * Every built-in gate is built here, from plain specs (what a request, a configuration or an Action
 * input says), so the CLI, the Action, the library and the rehearsal all get the same gates. A new
 * gate kind adds a spec field and one line below.
 */
import type { AlarmPort, Clock, LambdaPort, MetricsPort } from "../ports.js";
import { createAlarmGate, type ReadFailurePolicy } from "./alarms.js";
import type { HealthGate, InconclusivePolicy } from "./gate.js";
import { createHookGate } from "./hooks.js";
import { createMetricGate } from "./metrics.js";
import { METRIC_GATE_DEFAULTS, type MetricGateOptions } from "./metrics-options.js";
import { createSmokeGate, type SmokeCheck } from "./smoke.js";

export const DEFAULT_HOOK_TIMEOUT_MS = 5 * 60_000;

/** What gates a roll-out has, as data. */
export interface GateSpecs {
  /** CloudWatch alarms: none may be in ALARM before traffic moves, nor during bakes. */
  alarms?: string[] | undefined;
  alarmReadFailure?: ReadFailurePolicy | undefined;
  /**
   * `ignore`: alarms already in ALARM when the roll-out starts do not block it (until they leave ALARM);
   * needs another gate that judges the new version itself (see firing-alarms.ts). Default `fail`.
   */
  alarmsAlreadyFiring?: "fail" | "ignore" | undefined;
  /** Invocations of the new version before any traffic moves. */
  smoke?: SmokeCheck[] | undefined;
  /**
   * Commands run as gates: `preTraffic` once before any traffic moves (after the smoke invocations),
   * `postTraffic` once right after the shift to 100%. Exit 0 passes.
   */
  hooks?:
    | {
        preTraffic?: string[] | undefined;
        postTraffic?: string[] | undefined;
        timeoutMs?: number | undefined;
      }
    | undefined;
  /** Per-version metric analysis during bakes; its `inconclusive`/`maxExtensionMs` set the policy. */
  metrics?: MetricGateOptions | undefined;
  /** Overrides the inconclusive policy (see {@link inconclusivePolicy}). */
  inconclusive?: InconclusivePolicy | undefined;
}

/** The gates of one roll-out, by when the engine asks them. */
export interface GateSet {
  preTraffic: HealthGate[];
  /** Polled during bakes and asked before each increase and before promotion. */
  gates: HealthGate[];
  postTraffic: HealthGate[];
}

export interface GateDeps {
  lambda: LambdaPort;
  alarms: AlarmPort;
  /** Needed only when the specs ask for metric analysis. */
  metrics?: MetricsPort | undefined;
  clock: Clock;
  /** Alarms found in ALARM before the roll-out, ignored when the specs say `alarmsAlreadyFiring: ignore`. */
  firingAtStart?: readonly string[] | undefined;
  /** Where hook commands run and what environment they get (default: the process's). */
  cwd?: string | undefined;
  env?: NodeJS.ProcessEnv | undefined;
}

/** The one default: an inconclusive gate may extend a bake by 5 minutes, then fails it. */
export const DEFAULT_INCONCLUSIVE: InconclusivePolicy = {
  outcome: METRIC_GATE_DEFAULTS.inconclusive,
  maxExtensionMs: METRIC_GATE_DEFAULTS.maxExtensionMs,
};

/** The policy for inconclusive verdicts: the explicit one, else the metric options', else the default. */
export function inconclusivePolicy(specs: GateSpecs): InconclusivePolicy {
  if (specs.inconclusive) return specs.inconclusive;
  return {
    outcome: specs.metrics?.inconclusive ?? DEFAULT_INCONCLUSIVE.outcome,
    maxExtensionMs: specs.metrics?.maxExtensionMs ?? DEFAULT_INCONCLUSIVE.maxExtensionMs,
  };
}

/** Builds the gates the specs describe; `custom` gates (library users' own) are polled with the rest. */
export function buildGates(specs: GateSpecs, deps: GateDeps, custom: HealthGate[] = []): GateSet {
  const set: GateSet = { preTraffic: [], gates: [], postTraffic: [] };
  const alarms = specs.alarms ?? [];
  if (alarms.length > 0) {
    const ignored = specs.alarmsAlreadyFiring === "ignore" ? (deps.firingAtStart ?? []) : [];
    const gate = createAlarmGate(deps.alarms, alarms, specs.alarmReadFailure ?? "fail", ignored);
    set.preTraffic.push(gate);
    set.gates.push(gate);
  }
  if (specs.smoke && specs.smoke.length > 0) set.preTraffic.push(createSmokeGate(deps.lambda, specs.smoke));
  const hook = { timeoutMs: specs.hooks?.timeoutMs ?? DEFAULT_HOOK_TIMEOUT_MS, cwd: deps.cwd, env: deps.env };
  for (const command of specs.hooks?.preTraffic ?? []) set.preTraffic.push(createHookGate(command, hook));
  for (const command of specs.hooks?.postTraffic ?? []) set.postTraffic.push(createHookGate(command, hook));
  if (specs.metrics) {
    if (!deps.metrics) throw new TypeError("metric analysis needs a MetricsPort (ports.metrics)");
    set.gates.push(createMetricGate(specs.metrics, { metrics: deps.metrics, clock: deps.clock }));
  }
  set.gates.push(...custom);
  return set;
}

/** True when some gate can answer "inconclusive", so bakes may be extended. */
export function mayExtend(specs: GateSpecs, custom: HealthGate[] = []): boolean {
  return specs.metrics !== undefined || custom.length > 0;
}
