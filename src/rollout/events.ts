import type { GatePhase, GateVerdict } from "../health/gate.js";
import type { Plan } from "../plan/plan.js";
import type { AliasRouting } from "../ports.js";

export type Outcome = "promoted" | "noop" | "rolled_back" | "failed";

export interface ResultEvent {
  type: "result";
  outcome: Outcome;
  function: string;
  alias: string;
  fromVersion: string | null;
  toVersion: string | null;
  reason: string | null;
  /** What to do about it (the exact command after a failed rollback). */
  hint: string | null;
  exitCode: number;
}

/** Everything the engine reports. Renderers (TTY, plain log, NDJSON, job summary) consume these. */
export type RolloutEvent =
  | { type: "plan"; function: string; alias: string; plan: Plan; dryRun: boolean }
  | { type: "info"; message: string }
  | { type: "warning"; message: string }
  | { type: "artifact"; bucket: string; key: string; sha256: string; uploaded: boolean; bytes: number }
  | { type: "published"; version: string; codeSha256: string }
  | { type: "gate"; phase: GatePhase; weight: number; verdict: GateVerdict }
  | { type: "shift"; fromVersion: string; toVersion: string; weight: number; step: number; steps: number }
  | { type: "bake"; weight: number; step: number; remainingMs: number; totalMs: number }
  | { type: "rollback"; reason: string; routing: AliasRouting }
  | { type: "promoted"; version: string }
  | ResultEvent;

export type StampedEvent = RolloutEvent & { at: number };

export type EventSink = (event: StampedEvent) => void;
