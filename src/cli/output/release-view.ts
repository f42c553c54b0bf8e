import type { StampedEvent } from "../../rollout/events.js";

/** One function of a release in the live view. */
interface Row {
  wave: number | undefined;
  weight: number;
  gate: string;
}

/**
 * The live view's rows for a release: one per function (and region), with its wave, its weight and its
 * last gate result. Fed every event; events about no particular function only set the current wave.
 */
export class ReleaseRows {
  private readonly rows = new Map<string, Row>();
  private wave: number | undefined;

  /** True once any event named a function: the view shows rows instead of one status line. */
  get active(): boolean {
    return this.rows.size > 0;
  }

  update(event: StampedEvent): void {
    if (event.type === "wave") {
      this.wave = event.wave;
      return;
    }
    if (event.type === "result" || event.type === "plan" || event.function === undefined) return;
    const key = `${event.function}${event.region ? ` [${event.region}]` : ""}`;
    const row = this.rows.get(key) ?? { wave: this.wave, weight: 0, gate: "—" };
    row.wave ??= this.wave;
    if (event.type === "shift") row.weight = event.weight;
    if (event.type === "rollback") row.weight = 0;
    if (event.type === "gate") {
      const mark = event.verdict.status === "pass" ? "ok" : event.verdict.status;
      row.gate = `${event.verdict.gate} ${mark}`;
    }
    this.rows.set(key, row);
  }

  /** Aligned lines: function, wave, weight, last gate. */
  lines(): string[] {
    const width = Math.max(...[...this.rows.keys()].map((key) => key.length));
    return [...this.rows].map(
      ([key, row]) =>
        `${key.padEnd(width)}  wave ${row.wave ?? "?"}  ${String(row.weight).padStart(3)}%  ${row.gate}`,
    );
  }
}

/** The prefix of a plain line about one function of a release: `[fn eu-west-1] `. */
export function functionPrefix(event: StampedEvent): string {
  // These name their function themselves; the prefix marks which function of a release an event is about.
  if (event.type === "result" || event.type === "plan" || event.type === "awaiting_approval") return "";
  if (event.function === undefined) return "";
  return `[${event.function}${event.region ? ` ${event.region}` : ""}] `;
}
