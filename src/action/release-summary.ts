/**
 * The job summary of a release: the outcome, one table per function (its steps and gates), and the
 * traffic chart per wave (every function of a wave shifts in lockstep, so one chart says it all).
 */

import type { ReleaseFunctionResult, ReleaseResultEvent } from "../rollout/deploy/release.js";
import type { ResultEvent, StampedEvent } from "../rollout/events.js";
import { buildTimeline, type Timeline } from "./timeline.js";

export interface ReleaseSummaryParts {
  cell: (text: string) => string;
  packageText: (artifact: NonNullable<Timeline["artifact"]>) => string;
  stepTable: (timeline: Timeline) => string[];
  weightChart: (timeline: Timeline) => string[];
}

const STATE_MARK: Record<ReleaseFunctionResult["state"], string> = {
  promoted: "✅ promoted",
  rolled_back: "↩️ rolled back",
  unchanged: "⏭️ unchanged",
  not_started: "· not started",
  failed: "❌ failed",
};

export function isReleaseResult(result: ResultEvent): result is ReleaseResultEvent {
  return "release" in result;
}

/**
 * The Action's `release` output: one entry per function of the release, JSON for `fromJSON()` in a
 * workflow (`fromJSON(steps.deploy.outputs.release)[0].to`).
 */
export function releaseOutput(result: ReleaseResultEvent): string {
  return JSON.stringify(
    result.release.functions.map((fn) => ({
      function: fn.function,
      region: fn.region,
      alias: fn.alias,
      wave: fn.wave,
      from: fn.fromVersion,
      to: fn.toVersion,
      state: fn.state,
    })),
  );
}

/** True when the events are a release's (they carry wave events). */
export function isRelease(events: readonly StampedEvent[]): boolean {
  return events.some((event) => event.type === "wave" || (event.type === "result" && isReleaseResult(event)));
}

const keyOf = (fn: string, region: string | null | undefined) => `${fn}\u0000${region ?? ""}`;

/** The outcome a function's own timeline ends with: what the release did to that function. */
const OUTCOME_OF_STATE: Record<ReleaseFunctionResult["state"], ResultEvent["outcome"]> = {
  promoted: "promoted",
  rolled_back: "rolled_back",
  unchanged: "noop",
  not_started: "noop",
  failed: "failed",
};

/**
 * A function's own timeline, closed as the release left that function: a promoted function's last row
 * ends with its wave (the later waves are not its steps), any other's when the release ended.
 */
function functionTimeline(
  own: StampedEvent[],
  fn: ReleaseFunctionResult | undefined,
  result: (ResultEvent & { at: number }) | undefined,
  waves: readonly StampedEvent[],
): Timeline {
  if (!fn || !result) return buildTimeline(own);
  const nextWave = waves.find((event) => event.type === "wave" && event.wave === (fn.wave ?? 0) + 1);
  const lastOwn = own.at(-1)?.at ?? result.at;
  const at = fn.state === "promoted" && nextWave ? Math.max(nextWave.at, lastOwn) : result.at;
  return buildTimeline([...own, { ...result, outcome: OUTCOME_OF_STATE[fn.state], at }]);
}

/** The release-specific sections, after the header and facts the single-function summary has too. */
export function releaseSections(events: readonly StampedEvent[], parts: ReleaseSummaryParts): string[] {
  const { cell } = parts;
  const last = events.findLast((event) => event.type === "result");
  const result = last?.type === "result" && isReleaseResult(last) ? last : undefined;
  const functions = result?.release.functions ?? [];
  const waves = events.filter((event) => event.type === "wave");
  // Each function's own events, then its timeline.
  const byFunction = new Map<string, StampedEvent[]>();
  for (const event of events) {
    if (event.function === undefined || event.type === "plan" || event.type === "result") continue;
    const key = keyOf(event.function, event.region);
    byFunction.set(key, [...(byFunction.get(key) ?? []), event]);
  }
  const timelines = new Map<string, Timeline>();
  for (const [key, own] of byFunction) {
    const fn = functions.find((entry) => keyOf(entry.function, entry.region) === key);
    timelines.set(key, functionTimeline(own, fn, result, waves));
  }

  const lines: string[] = [];
  if (functions.length > 0) {
    lines.push(
      "",
      "### Functions",
      "",
      "| Function | Region | Wave | Versions | Package | Result |",
      "|---|---|---:|---|---|---|",
    );
    for (const fn of functions) {
      const versions = fn.toVersion
        ? `v${fn.fromVersion ?? "?"} → v${fn.toVersion}`
        : `v${fn.fromVersion ?? "?"}`;
      const artifact = timelines.get(keyOf(fn.function, fn.region))?.artifact;
      lines.push(
        `| ${cell(fn.function)} | ${cell(fn.region ?? "default")} | ${fn.wave ?? "—"} | ${versions} | ${artifact ? parts.packageText(artifact) : "—"} | ${STATE_MARK[fn.state]} |`,
      );
    }
  }
  // One step table per function that moved.
  for (const [key, timeline] of timelines) {
    const table = parts.stepTable(timeline);
    if (table.length === 0) continue;
    const [fn, region] = key.split("\u0000");
    lines.push("", `#### ${cell(fn ?? "")}${region ? ` (${cell(region)})` : ""}`, "", ...table);
  }
  // The traffic chart per wave: from the first function of each wave, which all shift in lockstep.
  for (const wave of waves) {
    if (wave.type !== "wave") continue;
    const first = [...timelines.entries()].find(([key]) => {
      const [fn, region] = key.split("\u0000");
      return wave.functions.includes(fn ?? "") && (wave.regions.includes(region ?? "") || region === "");
    });
    if (!first) continue;
    const chart = parts.weightChart(first[1]);
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
