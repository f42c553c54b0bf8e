/**
 * The job summary of a release: the outcome, one table per function (its steps and gates), and the
 * traffic chart per wave (every function of a wave shifts in lockstep, so one chart says it all).
 */
import type { StampedEvent } from "../rollout/events.js";
import type { ReleaseFunctionResult } from "../rollout/release.js";
import { buildTimeline } from "./timeline.js";

export interface ReleaseSummaryParts {
  cell: (text: string) => string;
  stepTable: (timeline: ReturnType<typeof buildTimeline>) => string[];
  weightChart: (timeline: ReturnType<typeof buildTimeline>) => string[];
}

const STATE_MARK: Record<ReleaseFunctionResult["state"], string> = {
  promoted: "✅ promoted",
  rolled_back: "↩️ rolled back",
  unchanged: "⏭️ unchanged",
  not_started: "· not started",
  failed: "❌ failed",
};

/** True when the events are a release's (they carry wave events). */
export function isRelease(events: readonly StampedEvent[]): boolean {
  return events.some((event) => event.type === "wave" || (event.type === "result" && "release" in event));
}

const keyOf = (fn: string, region: string | null | undefined) => `${fn}\u0000${region ?? ""}`;

/** The release-specific sections, after the header and facts the single-function summary has too. */
export function releaseSections(events: readonly StampedEvent[], parts: ReleaseSummaryParts): string[] {
  const { cell } = parts;
  const result = events.findLast((event) => event.type === "result");
  const functions: ReleaseFunctionResult[] =
    result && "release" in result
      ? (result as { release: { functions: ReleaseFunctionResult[] } }).release.functions
      : [];
  const lines: string[] = [];
  if (functions.length > 0) {
    lines.push(
      "",
      "### Functions",
      "",
      "| Function | Region | Wave | Versions | Result |",
      "|---|---|---:|---|---|",
    );
    for (const fn of functions) {
      const versions = fn.toVersion
        ? `v${fn.fromVersion ?? "?"} → v${fn.toVersion}`
        : `v${fn.fromVersion ?? "?"}`;
      lines.push(
        `| ${cell(fn.function)} | ${cell(fn.region ?? "default")} | ${fn.wave ?? "—"} | ${versions} | ${STATE_MARK[fn.state]} |`,
      );
    }
  }
  // One step table per function that moved.
  const byFunction = new Map<string, StampedEvent[]>();
  for (const event of events) {
    if (event.function === undefined || event.type === "plan" || event.type === "result") continue;
    const key = keyOf(event.function, event.region);
    byFunction.set(key, [...(byFunction.get(key) ?? []), event]);
  }
  for (const [key, own] of byFunction) {
    const table = parts.stepTable(buildTimeline(own));
    if (table.length === 0) continue;
    const [fn, region] = key.split("\u0000");
    lines.push("", `#### ${cell(fn ?? "")}${region ? ` (${cell(region)})` : ""}`, "", ...table);
  }
  // The traffic chart per wave: from the first function of each wave, which all shift in lockstep.
  for (const wave of events.filter((event) => event.type === "wave")) {
    if (wave.type !== "wave") continue;
    const first = [...byFunction.entries()].find(([key]) => {
      const [fn, region] = key.split("\u0000");
      return wave.functions.includes(fn ?? "") && (wave.regions.includes(region ?? "") || region === "");
    });
    if (!first) continue;
    const chart = parts.weightChart(buildTimeline(first[1]));
    if (chart.length === 0) continue;
    lines.push(
      "",
      `### Traffic over time — wave ${wave.wave}/${wave.waves} (${cell(wave.regions.join(", "))})`,
      "",
      ...chart,
    );
  }
  return lines;
}
