/**
 * Reads a roll-out execution's history as the local engine's events, so a followed server-side
 * roll-out prints and reports like a local one. Pure: the follower feeds it history events in order.
 */
import type { GatePhase } from "../health/gate.js";
import type { ExecutionEvent } from "../ports.js";
import type { RolloutEvent } from "../rollout/events.js";
import { type ExecutionInput, STATE } from "./definition.js";

/** How the execution ended, as the history says. */
export type Ending =
  | { kind: "succeeded" }
  | { kind: "failed"; error: string; cause: string }
  | { kind: "stopped"; status: "ABORTED" | "TIMED_OUT"; cause: string };

/** The parts of the machine's working document (see definition.ts) the follower reads. */
interface RunDocument {
  plan?: ExecutionInput;
  cursor?: { index?: number; count?: number };
  step?: { number?: number; item?: { weight?: number; bakeSeconds?: number } };
  run?: { phase?: string; final?: boolean; total?: number; remaining?: number };
  alarms?: { names?: string[]; states?: string[]; compositeNames?: string[]; compositeStates?: string[] };
  firing?: { metric?: boolean; composite?: boolean; found?: number; expected?: number };
  error?: { Error?: string; Cause?: string };
  failure?: { error?: string; cause?: string };
}

/** A history event's state document (its input or output), or {} when it is none. */
export function parseDocument<T extends object>(text: string | undefined): Partial<T> {
  if (!text) return {};
  try {
    const value: unknown = JSON.parse(text);
    return value !== null && typeof value === "object" ? (value as Partial<T>) : {};
  } catch {
    return {};
  }
}

export class HistoryReader {
  /** True once the execution has put traffic on the new version. */
  moved = false;
  /** True once the execution has made the new version 100%. */
  promoted = false;
  /**
   * The alarm gate's failure as the local engine words it (`Health gate "alarms" failed at 10% (bake):
   * in ALARM: errors`), worked out from DescribeAlarms' answer: the execution's own cause can only
   * print the alarms' names and states as two lists.
   */
  alarmFailure: string | undefined;
  /** True once the execution has begun waiting for approval. */
  awaiting = false;

  constructor(
    private readonly input: ExecutionInput,
    /** The exact `approve` and `rollback` commands, for the wait for approval. */
    private readonly commands: { approve: string; rollback: string } = { approve: "", rollback: "" },
  ) {}

  private phaseOf(doc: RunDocument): { phase: GatePhase; weight: number } {
    const run = doc.run ?? {};
    const weight = doc.step?.item?.weight ?? 0;
    if (run.phase === "pre-traffic") return { phase: "pre-traffic", weight: 0 };
    if (run.phase === "approval") return { phase: "awaiting-approval", weight };
    if (run.phase === "approved") return { phase: "before-promote", weight };
    if (run.final) return { phase: run.phase === "final-check" ? "final-check" : "final-bake", weight: 100 };
    if (run.phase === "decision") {
      const last = (doc.step?.number ?? 0) >= (doc.cursor?.count ?? 0);
      return { phase: last ? "before-promote" : "before-shift", weight };
    }
    return { phase: "bake", weight };
  }

  /** The events one history event stands for, and the ending when it is the last one. */
  read(event: ExecutionEvent): { events: RolloutEvent[]; ending?: Ending } {
    const { input } = this;
    const doc = parseDocument<RunDocument>(event.data);
    const versions = { fromVersion: input.stableVersion, toVersion: input.newVersion };
    const total = input.steps.length + 1;
    switch (`${event.type}:${event.stateName ?? ""}`) {
      case `TaskStateExited:${STATE.shift}`: {
        this.moved = true;
        const weight = doc.step?.item?.weight ?? 0;
        return {
          events: [{ type: "shift", ...versions, weight, step: doc.step?.number ?? 0, steps: total }],
        };
      }
      case `TaskStateExited:${STATE.promote}`:
        this.moved = true;
        this.promoted = true;
        return { events: [{ type: "shift", ...versions, weight: 100, step: total, steps: total }] };
      case `WaitStateEntered:${STATE.waitPoll}`:
      case `WaitStateEntered:${STATE.waitRest}`: {
        const final = doc.run?.final === true;
        const bakeSeconds = final ? input.finalBakeSeconds : (doc.step?.item?.bakeSeconds ?? 0);
        return {
          events: [
            {
              type: "bake",
              weight: final ? 100 : (doc.step?.item?.weight ?? 0),
              step: final ? total : (doc.step?.number ?? 0),
              remainingMs: (doc.run?.remaining ?? 0) * 1000,
              totalMs: bakeSeconds * 1000,
            },
          ],
        };
      }
      case `PassStateExited:${STATE.alarmVerdict}`: {
        const { phase, weight } = this.phaseOf(doc);
        const names = [...(doc.alarms?.names ?? []), ...(doc.alarms?.compositeNames ?? [])];
        const states = [...(doc.alarms?.states ?? []), ...(doc.alarms?.compositeStates ?? [])];
        const inAlarm = names.filter((_, i) => states[i] === "ALARM");
        // The state machine only counts; the names DescribeAlarms left out are worked out here.
        const missing = input.alarms.filter((name) => !names.includes(name));
        const failed = missing.length > 0 || doc.firing?.metric === true || doc.firing?.composite === true;
        const detail =
          missing.length > 0
            ? `no longer exist: ${missing.join(", ")} (deleted or renamed; a missing alarm cannot gate)`
            : inAlarm.length > 0
              ? `in ALARM: ${inAlarm.join(", ")}`
              : `${names.length} alarm(s) not in ALARM: ${names.join(", ")}`;
        if (failed) this.alarmFailure = `Health gate "alarms" failed at ${weight}% (${phase}): ${detail}`;
        return {
          events: [
            {
              type: "gate",
              phase,
              weight,
              verdict: { gate: "alarms", status: failed ? "fail" : "pass", detail },
            },
          ],
        };
      }
      case `TaskStateEntered:${STATE.awaitApproval}`: {
        if (this.awaiting || !input.approval) return { events: [] };
        this.awaiting = true;
        const timeoutMs = input.approval.timeoutSeconds * 1000;
        return {
          events: [
            {
              type: "awaiting_approval",
              function: input.functionName,
              alias: input.aliasName,
              ...versions,
              weight: doc.step?.item?.weight ?? 0,
              until: new Date(event.timestamp + timeoutMs).toISOString(),
              timeoutMs,
              approveCommand: this.commands.approve,
              rollbackCommand: this.commands.rollback,
            },
          ],
        };
      }
      case `PassStateEntered:${STATE.approved}`:
        return {
          events: [
            {
              type: "approved",
              version: input.newVersion,
              approvedAt: new Date(event.timestamp).toISOString(),
            },
          ],
        };
      case `MapStateExited:${STATE.smoke}`: {
        const failed = doc.error !== undefined;
        const detail = failed
          ? (doc.error?.Cause ?? "a smoke invocation failed")
          : `${input.smoke.length} invocation(s) of v${input.newVersion} passed`;
        return {
          events: [
            {
              type: "gate",
              phase: "pre-traffic",
              weight: 0,
              verdict: { gate: "smoke", status: failed ? "fail" : "pass", detail },
            },
          ],
        };
      }
      case `TaskStateEntered:${STATE.restore}`:
        // Restoring before any shift rewrites what is already there: not a rollback to report.
        return this.moved
          ? {
              events: [
                {
                  type: "rollback",
                  reason: this.alarmFailure ?? doc.failure?.cause ?? "the execution failed",
                  routing: { version: input.stableVersion },
                },
              ],
            }
          : { events: [] };
      case "ExecutionSucceeded:":
        return { events: [{ type: "promoted", version: input.newVersion }], ending: { kind: "succeeded" } };
      case "ExecutionFailed:":
        return { events: [], ending: { kind: "failed", error: event.error ?? "", cause: event.cause ?? "" } };
      case "ExecutionAborted:":
      case "ExecutionTimedOut:":
        return {
          events: [],
          ending: {
            kind: "stopped",
            status: event.type === "ExecutionAborted" ? "ABORTED" : "TIMED_OUT",
            cause: event.cause ?? "",
          },
        };
      default:
        return { events: [] };
    }
  }
}
