/**
 * Reads a release execution's history (release-definition.ts) as the local release's events: a `wave`
 * event per wave, a `shift` per member per step, gate verdicts and bakes (through the single-function
 * reader: the gate and bake states are shared), a `rollback` per member restored. Pure.
 */
import type { ExecutionEvent } from "../ports.js";
import type { RolloutEvent } from "../rollout/events.js";
import type { ExecutionInput } from "./definition.js";
import { type Ending, HistoryReader, parseDocument } from "./history.js";
import {
  RELEASE_STATE,
  type ReleaseExecutionInput,
  type ReleaseMemberInput,
  type ReleaseWaveInput,
} from "./release-definition.js";

/** What became of each member in the restore, in the order of the input's `members`. */
export type RestoreOutcome = "restored" | "untouched" | "foreign" | "failed";

interface ReleaseDocument {
  plan?: ReleaseWaveInput;
  step?: { number?: number; item?: { weight?: number } };
  cursor?: { count?: number };
  restored?: { functions?: string[]; outcomes?: RestoreOutcome[] };
  /** What each member's write of the last wave Map ended as: written, foreign or failed. */
  wrote?: { outcomes?: string[] };
  failure?: { cause?: string };
}

export interface MemberEvent {
  event: RolloutEvent;
  /** The member it is about; undefined for the release as a whole. */
  member?: ReleaseMemberInput;
}

export class ReleaseHistoryReader {
  /** The wave running (1-based), 0 before the first. */
  wave = 0;
  /** The restore's outcome per member, once it ran. */
  restore: RestoreOutcome[] | undefined;
  /** The alarm gate's failure in the local engine's words, when an alarm failed the release. */
  alarmFailure: string | undefined;
  private gates: HistoryReader | undefined;

  constructor(
    private readonly input: ReleaseExecutionInput,
    /** The one region of the release (its state machine's), as `wave` events name it. */
    private readonly region: string,
  ) {}

  read(event: ExecutionEvent): { events: MemberEvent[]; ending?: Ending } {
    const doc = parseDocument<ReleaseDocument>(event.data);
    const total = this.input.steps.length + 1;
    switch (`${event.type}:${event.stateName ?? ""}`) {
      case "PassStateExited:UseWave": {
        const wave = doc.plan;
        if (!wave) return { events: [] };
        this.wave = wave.number;
        // The shared gate and bake states read like a single roll-out's whose plan is this wave.
        const view: ExecutionInput = {
          functionName: "",
          aliasName: "",
          stableVersion: "",
          newVersion: "",
          steps: this.input.steps.map((step) => ({ ...step, routing: { AdditionalVersionWeights: {} } })),
          finalBakeSeconds: wave.finalBakeSeconds,
          pollSeconds: wave.pollSeconds,
          alarms: wave.alarms,
          smoke: [],
          stableFacts: "",
          newFacts: "",
        };
        this.gates = new HistoryReader(view);
        return {
          events: [
            {
              event: {
                type: "wave",
                wave: wave.number,
                waves: wave.waves,
                regions: [this.region],
                functions: wave.members.map((member) => member.functionName),
              },
            },
          ],
        };
      }
      case `MapStateExited:${RELEASE_STATE.shiftWave}`:
      case `MapStateExited:${RELEASE_STATE.promoteWave}`: {
        const promote = event.stateName === RELEASE_STATE.promoteWave;
        const weight = promote ? 100 : (doc.step?.item?.weight ?? 0);
        const step = promote ? total : (doc.step?.number ?? 0);
        return {
          // Only the writes that landed: a member someone else changed, or whose write failed, did not shift.
          events: (doc.plan?.members ?? []).flatMap((member, index) =>
            doc.wrote?.outcomes?.[index] === "written"
              ? [
                  {
                    member,
                    event: {
                      type: "shift" as const,
                      fromVersion: member.stableVersion,
                      toVersion: member.newVersion,
                      weight,
                      step,
                      steps: total,
                    },
                  },
                ]
              : [],
          ),
        };
      }
      case `MapStateExited:Smoke`: {
        const failed = (doc as { error?: { Cause?: string } }).error;
        const count = doc.plan?.smoke.length ?? 0;
        return {
          events: [
            {
              event: {
                type: "gate",
                phase: "pre-traffic",
                weight: 0,
                verdict: failed
                  ? { gate: "smoke", status: "fail", detail: failed.Cause ?? "a smoke invocation failed" }
                  : {
                      gate: "smoke",
                      status: "pass",
                      detail: `${count} invocation(s) of the new versions passed`,
                    },
              },
            },
          ],
        };
      }
      case `PassStateExited:${RELEASE_STATE.wavePromoted}`:
        return {
          events: [
            { event: { type: "info", message: `Wave ${this.wave}/${this.input.waves.length} promoted.` } },
          ],
        };
      case `MapStateExited:${RELEASE_STATE.restoreAll}`: {
        this.restore = doc.restored?.outcomes ?? [];
        const reason = this.alarmFailure ?? doc.failure?.cause ?? "the execution failed";
        return {
          events: this.input.members.flatMap((member, index) =>
            this.restore?.[index] === "restored"
              ? [{ member, event: { type: "rollback", reason, routing: { version: member.stableVersion } } }]
              : [],
          ),
        };
      }
      case "ExecutionSucceeded:":
        return {
          events: this.input.members.map((member) => ({
            member,
            event: { type: "promoted", version: member.newVersion },
          })),
          ending: { kind: "succeeded" },
        };
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
      default: {
        // Alarm verdicts and bakes: the shared states, read as the single-function reader reads them.
        if (!this.gates || event.type.startsWith("Execution")) return { events: [] };
        const read = this.gates.read(event);
        if (this.gates.alarmFailure) this.alarmFailure = this.gates.alarmFailure;
        return { events: read.events.map((item) => ({ event: item })) };
      }
    }
  }
}
