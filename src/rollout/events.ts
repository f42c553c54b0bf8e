import { ExitCode, RolloutError } from "../errors.js";
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
  | {
      type: "artifact";
      bucket: string;
      key: string;
      sha256: string;
      uploaded: boolean;
      bytes: number;
      /** Why an object already at the key was replaced (no or another checksum). */
      reason?: string | undefined;
    }
  | { type: "published"; version: string; codeSha256: string }
  | { type: "gate"; phase: GatePhase; weight: number; verdict: GateVerdict }
  | { type: "shift"; fromVersion: string; toVersion: string; weight: number; step: number; steps: number }
  | { type: "bake"; weight: number; step: number; remainingMs: number; totalMs: number }
  | { type: "rollback"; reason: string; routing: AliasRouting }
  | { type: "promoted"; version: string }
  | ResultEvent;

export type StampedEvent = RolloutEvent & { at: number };

export type EventSink = (event: StampedEvent) => void;

export interface ResultTarget {
  function: string;
  alias: string;
  fromVersion?: string | null | undefined;
  toVersion?: string | null | undefined;
}

/** The `failed` result for an error: its message, hint and exit code (4 for anything unexpected). */
export function failedResult(target: ResultTarget, error: unknown): ResultEvent {
  const known = error instanceof RolloutError;
  return {
    type: "result",
    outcome: "failed",
    function: target.function,
    alias: target.alias,
    fromVersion: target.fromVersion ?? null,
    toVersion: target.toVersion ?? null,
    reason: error instanceof Error ? error.message : String(error),
    hint: known ? (error.hint ?? null) : null,
    exitCode: known ? error.exitCode : ExitCode.awsError,
  };
}
