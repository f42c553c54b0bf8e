import { ExitCode, RolloutError } from "../errors.js";
import type { GatePhase, GateVerdict } from "../health/gate.js";
import type { Plan } from "../plan/plan.js";
import type { AliasRouting } from "../ports.js";

/**
 * `approved` is the outcome of the `approve` command alone, never of a deploy; `unlocked`, of `unlock`. `started`: a detached
 * server-side roll-out (or one no longer followed) runs on in Step Functions.
 */
export type Outcome = "promoted" | "noop" | "rolled_back" | "failed" | "approved" | "started" | "unlocked";

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
  /** The Step Functions execution of a server-side roll-out. */
  executionArn?: string | undefined;
  /**
   * The roll-out's ledger record (ledger/): its id (`lambda-rollout history <id>`), where it is, and
   * what it may be missing when the ledger could not be written.
   */
  ledger?: { id: string; record: string; incomplete?: string | undefined } | undefined;
  /**
   * Durable executions still running on the version the run rolled back from (durable.ts): they stay on
   * it whatever the alias does. Absent when there are none, or the function is not durable.
   */
  durableExecutions?: { version: string; running: number; more: boolean; listCommand: string } | undefined;
  /** A dry run's result (outcome `noop`, nothing changed): the plan it printed is what would run. */
  dryRun?: true | undefined;
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
  | {
      /** A version on Lambda Managed Instances still starting its execution environments (managed.ts). */
      type: "activating";
      version: string;
      /** As GetFunction reports it, e.g. `Pending`. */
      state: string;
      capacityProvider: string;
      waitedMs: number;
      timeoutMs: number;
    }
  | { type: "gate"; phase: GatePhase; weight: number; verdict: GateVerdict }
  | { type: "shift"; fromVersion: string; toVersion: string; weight: number; step: number; steps: number }
  | { type: "bake"; weight: number; step: number; remainingMs: number; totalMs: number }
  | { type: "rollback"; reason: string; routing: AliasRouting }
  | {
      /** A deploy with manual approval waits before the shift to 100% (see approval.ts). */
      type: "awaiting_approval";
      function: string;
      alias: string;
      fromVersion: string;
      toVersion: string;
      weight: number;
      /** When the wait ends with a rollback (ISO 8601). */
      until: string;
      timeoutMs: number;
      /** The exact command that lets the roll-out continue. */
      approveCommand: string;
      /** The exact command that stops it. */
      rollbackCommand: string;
    }
  | { type: "approved"; version: string; approvedAt: string }
  | { type: "promoted"; version: string }
  /** A release's wave starts: its regions and functions (see release.ts). */
  | { type: "wave"; wave: number; waves: number; regions: string[]; functions: string[] }
  | ResultEvent;

/**
 * An event with its time. In a release, events about one function also carry that function and its
 * region (null: the SDK's default region).
 */
export type StampedEvent = RolloutEvent & { at: number; function?: string; region?: string | null };

export type EventSink = (event: StampedEvent) => void;

/**
 * A sink that cannot throw: a renderer bug, a closed pipe or a dead log shipper must never stop a
 * rollback or a promotion. The first failure is kept for whoever wants to report it.
 */
export function guardSink(sink: EventSink): EventSink & { failure?: unknown } {
  const guarded: EventSink & { failure?: unknown } = (event) => {
    try {
      sink(event);
    } catch (error) {
      guarded.failure ??= error;
    }
  };
  return guarded;
}

export interface ResultTarget {
  function: string;
  alias: string;
  fromVersion?: string | null | undefined;
  toVersion?: string | null | undefined;
}

/**
 * The result for an error that ended a run: its message, hint and exit code (4 for anything
 * unexpected); `rolled_back` for exit 1 (a gate or a signal), `failed` otherwise.
 */
export function failedResult(target: ResultTarget, error: unknown): ResultEvent {
  const known = error instanceof RolloutError;
  // Exit 1 always means the alias is back where it was: the outcome says so too.
  const rolledBack = known && error.exitCode === ExitCode.rolledBack;
  return {
    type: "result",
    outcome: rolledBack ? "rolled_back" : "failed",
    function: target.function,
    alias: target.alias,
    fromVersion: target.fromVersion ?? null,
    toVersion: target.toVersion ?? null,
    reason: error instanceof Error ? error.message : String(error),
    hint: known ? (error.hint ?? null) : null,
    exitCode: known ? error.exitCode : ExitCode.awsError,
  };
}
