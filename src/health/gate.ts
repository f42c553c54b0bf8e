/**
 * The health-gate interface. A gate is asked for a verdict; the engine decides what a verdict means.
 * Alarms, smoke invocations and metric analysis all plug in here.
 */

export type VerdictStatus = "pass" | "fail" | "inconclusive";

export interface GateVerdict {
  gate: string;
  status: VerdictStatus;
  /** One line a human can act on: which alarm, which payload, which metric and threshold. */
  detail: string;
  /** Numbers behind the verdict (error rates, counts), for NDJSON and job summaries. */
  data?: Record<string, number | string | undefined> | undefined;
}

export type GatePhase =
  | "pre-traffic"
  | "bake"
  | "before-shift"
  | "before-promote"
  /** Polls while a deploy with manual approval waits before 100%. */
  | "awaiting-approval"
  | "post-traffic"
  | "final-bake"
  | "final-check";

/**
 * Checks that decide whether traffic moves on (or the roll-out ends promoted). A gate may tolerate a
 * bad poll during a bake, never a bad decision.
 */
export const DECISION_PHASES: ReadonlySet<GatePhase> = new Set([
  "before-shift",
  "before-promote",
  "final-check",
]);

export interface GateContext {
  functionName: string;
  aliasName: string;
  stableVersion: string;
  newVersion: string;
  /** Percent of traffic on the new version while this check runs. */
  weight: number;
  phase: GatePhase;
  /** When the current weight took effect (epoch ms), so metric gates query the right window. */
  stepStartedAt: number;
  now: number;
  /** Aborted on SIGINT/SIGTERM: long checks (hook commands) stop early. */
  signal?: AbortSignal | undefined;
}

export interface HealthGate {
  readonly name: string;
  check(context: GateContext): Promise<GateVerdict>;
}

/** What the engine does with an inconclusive verdict at the end of a bake. */
export interface InconclusivePolicy {
  /** What an inconclusive verdict means once the extension is used up. */
  outcome: "pass" | "fail";
  /** How long a step may be extended waiting for enough evidence. */
  maxExtensionMs: number;
}
