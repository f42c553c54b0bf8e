/**
 * Folds the engine's events into what a job summary shows: one row per traffic step with its gate
 * results, and the traffic weight (and error rate, when metric gates report one) over time.
 */
import { functionPrefix } from "../cli/output/release-view.js";
import type { GateVerdict, VerdictStatus } from "../health/gate.js";
import type { ResultEvent, StampedEvent } from "../rollout/events.js";

export interface GateTally {
  gate: string;
  counts: Record<VerdictStatus, number>;
  /** The detail of the verdict that decided the row: the first failure, else the latest verdict. */
  detail: string;
}

/** `restored`: a release's function whose own gates passed, put back because another function failed. */
export type RowStatus = "passed" | "failed" | "running" | "rolled back" | "restored";

export interface StepRow {
  label: string;
  /** Percent of traffic on the new version during this row. */
  weight: number;
  startedAt: number;
  endedAt: number | undefined;
  gates: GateTally[];
  status: RowStatus;
}

export interface SeriesPoint {
  at: number;
  value: number;
}

export interface Timeline {
  startedAt: number;
  endedAt: number;
  rows: StepRow[];
  /** Weight on the new version; each point holds until the next. */
  weight: SeriesPoint[];
  /** Error rate of the new version in percent, from metric verdicts (`data.newErrorRate`). */
  errorRate: SeriesPoint[];
  result: ResultEvent | undefined;
  newVersion: string | undefined;
  messages: Array<{ level: "info" | "warning"; text: string }>;
  artifact: { bucket: string; key: string; uploaded: boolean; bytes: number; reason?: string } | undefined;
  /** A wait for manual approval: the command that was to be run, and how it ended. */
  approval:
    | { approveCommand: string; since: number; until: string; approvedAt: string | undefined }
    | undefined;
}

function tally(row: StepRow, verdict: GateVerdict): void {
  let entry = row.gates.find((gate) => gate.gate === verdict.gate);
  if (!entry) {
    entry = { gate: verdict.gate, counts: { pass: 0, fail: 0, inconclusive: 0 }, detail: verdict.detail };
    row.gates.push(entry);
  }
  entry.counts[verdict.status] += 1;
  // The first failure explains the row; until one happens, the latest verdict does.
  if (verdict.status === "fail" ? entry.counts.fail === 1 : entry.counts.fail === 0)
    entry.detail = verdict.detail;
  if (verdict.status === "fail") row.status = "failed";
}

export function buildTimeline(events: readonly StampedEvent[]): Timeline {
  const startedAt = events[0]?.at ?? 0;
  const timeline: Timeline = {
    startedAt,
    endedAt: events.at(-1)?.at ?? startedAt,
    rows: [],
    weight: [{ at: startedAt, value: 0 }],
    errorRate: [],
    result: undefined,
    newVersion: undefined,
    messages: [],
    artifact: undefined,
    approval: undefined,
  };
  // Held in an object: closures reassign it, and TypeScript does not track that for plain variables.
  const state: { current: StepRow | undefined } = { current: undefined };
  const close = (at: number) => {
    const row = state.current;
    if (!row) return;
    row.endedAt = at;
    if (row.status === "running") row.status = "passed";
    state.current = undefined;
  };
  const open = (label: string, weight: number, at: number, status: RowStatus = "running"): StepRow => {
    close(at);
    const row: StepRow = { label, weight, startedAt: at, endedAt: undefined, gates: [], status };
    timeline.rows.push(row);
    state.current = row;
    return row;
  };

  for (const event of events) {
    switch (event.type) {
      case "info":
      case "warning":
        // The log's `[function region] ` prefix: in a release, which function a message is about.
        timeline.messages.push({ level: event.type, text: `${functionPrefix(event)}${event.message}` });
        break;
      case "artifact":
        timeline.artifact = {
          bucket: event.bucket,
          key: event.key,
          uploaded: event.uploaded,
          bytes: event.bytes,
          ...(event.reason === undefined ? {} : { reason: event.reason }),
        };
        break;
      case "published":
        timeline.newVersion = event.version;
        break;
      case "gate": {
        const row =
          state.current ??
          open(event.phase === "pre-traffic" ? "pre-traffic checks" : "checks", event.weight, event.at);
        tally(row, event.verdict);
        const rate = event.verdict.data?.newErrorRate;
        if (typeof rate === "number") timeline.errorRate.push({ at: event.at, value: rate * 100 });
        break;
      }
      case "shift":
        timeline.newVersion = event.toVersion;
        open(
          event.weight === 100 ? "promote (100%)" : `step ${event.step}/${event.steps}`,
          event.weight,
          event.at,
        );
        timeline.weight.push({ at: event.at, value: event.weight });
        break;
      case "rollback":
        // A release restores every function it moved when one fails (its events name their function):
        // a row whose own gates did not fail was restored with the release; it did not fail.
        if (state.current)
          state.current.status =
            event.function !== undefined && state.current.status !== "failed" ? "restored" : "failed";
        open(`rollback to v${event.routing.version}`, 0, event.at, "rolled back");
        timeline.weight.push({ at: event.at, value: 0 });
        break;
      case "awaiting_approval":
        timeline.approval = {
          approveCommand: event.approveCommand,
          since: event.at,
          until: event.until,
          approvedAt: undefined,
        };
        open("awaiting approval", event.weight, event.at);
        break;
      case "approved":
        if (timeline.approval) timeline.approval.approvedAt = event.approvedAt;
        break;
      case "promoted":
        timeline.newVersion = event.version;
        break;
      case "result":
        timeline.result = event;
        timeline.newVersion ??= event.toVersion ?? undefined;
        if (state.current?.status === "running" && event.outcome !== "promoted" && event.outcome !== "noop") {
          state.current.status = "failed";
        }
        close(event.at);
        break;
      default:
        break;
    }
  }
  return timeline;
}

/** The value in effect at `at`: the last point at or before it (0 before the first). */
export function valueAt(series: readonly SeriesPoint[], at: number): number {
  let value = 0;
  for (const point of series) {
    if (point.at > at) break;
    value = point.value;
  }
  return value;
}
