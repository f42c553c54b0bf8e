/**
 * A ledger record (rollout/ledger/record.ts) as a report draws it: one lane per function (grouped by
 * wave for a release) with the traffic weight on its new version over time, the gate verdicts as
 * numbered marks, and what happened to it (rollback, promotion, approval); operator actions and
 * warnings for the whole roll-out. Pure: the record in, the model out.
 */
import type { RecordTarget, RolloutRecord, TimelineEntry } from "../rollout/ledger/record.js";

export type MarkStatus = "pass" | "fail" | "inconclusive";

/** Weight in percent on the new version from `at` until the next point. */
export interface WeightPoint {
  at: number;
  weight: number;
}

/** A gate verdict the record kept: every decision, and every poll that did not pass. */
export interface Mark {
  /** 1-based, in time order over the whole roll-out: the verdicts table lists them by it. */
  n: number;
  at: number;
  gate: string;
  status: MarkStatus;
  phase: string;
  weight: number;
  detail: string;
  /** The lane's function, or null for a verdict about the whole wave. */
  function: string | null;
}

export interface LaneEvent {
  at: number;
  kind: "published" | "rollback" | "promoted" | "awaiting_approval" | "approved";
  label: string;
  detail: string;
}

export interface Lane {
  key: string;
  function: string;
  region: string;
  alias: string;
  account: string;
  wave: number | null;
  stable: string;
  next: string | null;
  state: RecordTarget["state"];
  weights: WeightPoint[];
  marks: Mark[];
  events: LaneEvent[];
}

export interface WaveGroup {
  wave: number | null;
  /** When the wave began (its `wave` entry), if the record says. */
  startedAt: number | null;
  lanes: Lane[];
}

export interface Operator {
  at: number;
  action: string;
  by: string;
  detail: string;
}

export interface ReportModel {
  record: RolloutRecord;
  start: number;
  end: number;
  waves: WaveGroup[];
  marks: Mark[];
  operators: Operator[];
  warnings: { at: number; function: string | null; message: string }[];
}

const statusOf = (status: string): MarkStatus =>
  status === "pass" || status === "fail" ? status : "inconclusive";

/** The lane an entry is about: by function (and region, when it names one); one target: that one. */
function laneOf(lanes: Lane[], entry: TimelineEntry): Lane | undefined {
  if (entry.function === undefined) return lanes.length === 1 ? lanes[0] : undefined;
  return lanes.find(
    (lane) => lane.function === entry.function && (entry.region == null || entry.region === lane.region),
  );
}

function laneFor(target: RecordTarget, start: number): Lane {
  return {
    key: target.aliasArn,
    function: target.function,
    region: target.region,
    alias: target.alias,
    account: target.account,
    wave: target.wave,
    stable: target.stableVersion,
    next: target.newVersion,
    state: target.state,
    weights: [{ at: start, weight: 0 }],
    marks: [],
    events: [],
  };
}

export function reportModel(record: RolloutRecord, now: number): ReportModel {
  const start = Date.parse(record.startedAt);
  const times = record.timeline.map((entry) => Date.parse(entry.at));
  const end = Math.max(
    start + 1000,
    record.endedAt ? Date.parse(record.endedAt) : Math.max(now, ...times),
    ...times,
  );
  const lanes = record.targets.map((target) => laneFor(target, start));
  const marks: Mark[] = [];
  const operators: Operator[] = [];
  const warnings: ReportModel["warnings"] = [];
  const waveStarts = new Map<number, number>();
  let currentWave: number | null = null;
  for (const entry of record.timeline) {
    const at = Date.parse(entry.at);
    const lane = laneOf(lanes, entry);
    switch (entry.type) {
      case "wave":
        currentWave = entry.wave;
        waveStarts.set(entry.wave, at);
        break;
      case "shift":
        lane?.weights.push({ at, weight: entry.weight });
        break;
      case "rollback":
        lane?.weights.push({ at, weight: 0 });
        lane?.events.push({
          at,
          kind: "rollback",
          label: `rolled back to v${entry.toVersion}`,
          detail: entry.reason,
        });
        break;
      case "promoted":
        lane?.events.push({ at, kind: "promoted", label: `v${entry.version} promoted`, detail: "" });
        break;
      case "published":
        lane?.events.push({
          at,
          kind: "published",
          label: `v${entry.version} published`,
          detail: `CodeSha256 ${entry.codeSha256}`,
        });
        break;
      case "awaiting_approval":
        lane?.events.push({
          at,
          kind: "awaiting_approval",
          label: "awaiting approval",
          detail: `until ${entry.until}`,
        });
        break;
      case "approved":
        lane?.events.push({ at, kind: "approved", label: "approved", detail: entry.approvedAt });
        break;
      case "gate": {
        const mark: Mark = {
          n: marks.length + 1,
          at,
          gate: entry.gate,
          status: statusOf(entry.status),
          phase: entry.phase,
          weight: entry.weight,
          detail: entry.detail,
          function: lane && record.targets.length > 1 ? lane.function : null,
        };
        marks.push(mark);
        // A verdict about the whole wave (no function named) is drawn on each of its lanes.
        const on = lane ? [lane] : lanes.filter((l) => currentWave === null || l.wave === currentWave);
        for (const target of on) target.marks.push(mark);
        break;
      }
      case "operator":
        operators.push({ at, action: entry.action, by: entry.by, detail: entry.detail });
        break;
      case "warning":
        warnings.push({ at, function: entry.function ?? null, message: entry.message });
        break;
    }
  }
  for (const lane of lanes) settleByOperator(lane, operators, end);
  const byWave = new Map<number | null, Lane[]>();
  for (const lane of lanes) byWave.set(lane.wave, [...(byWave.get(lane.wave) ?? []), lane]);
  const waves = [...byWave.entries()]
    .sort(([a], [b]) => (a ?? 0) - (b ?? 0))
    .map(([wave, members]) => ({
      wave,
      startedAt: wave === null ? null : (waveStarts.get(wave) ?? null),
      lanes: members,
    }));
  return { record, start, end, waves, marks, operators, warnings };
}

/**
 * Where the record says a lane ended (its target's state) when no shift of this run put it there: an
 * operator moved it (`promote` or `rollback` of the release), at the time of their action.
 */
function settleByOperator(lane: Lane, operators: Operator[], end: number): void {
  const final = lane.state === "promoted" ? 100 : lane.state === "rolled_back" ? 0 : undefined;
  const last = lane.weights.at(-1) as WeightPoint;
  if (final === undefined || last.weight === final) return;
  const action = final === 100 ? "promote" : "rollback";
  const by = operators.find((op) => op.action === action && op.at >= last.at);
  const at = by?.at ?? end;
  lane.weights.push({ at, weight: final });
  lane.events.push({
    at,
    kind: final === 100 ? "promoted" : "rollback",
    label:
      final === 100
        ? `v${lane.next} promoted by ${by ? by.by : "an operator"}`
        : `rolled back to v${lane.stable} by ${by ? by.by : "an operator"}`,
    detail: by?.detail ?? "",
  });
}

/** The weight on the new version at `at` (each point holds until the next). */
export function weightAt(points: readonly WeightPoint[], at: number): number {
  let weight = 0;
  for (const point of points) if (point.at <= at) weight = point.weight;
  return weight;
}
