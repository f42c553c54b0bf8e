/**
 * The GitHub job summary: outcome, a table of steps with their gate results, and a Mermaid chart of
 * the traffic weight over time. Pure: events in, Markdown out.
 */
import { clockText } from "../plan/duration.js";
import type { StampedEvent } from "../rollout/events.js";
import { markdownText } from "./escape.js";
import { isRelease, releaseSections } from "./release-summary.js";
import {
  buildTimeline,
  type GateTally,
  type RowStatus,
  type SeriesPoint,
  type Timeline,
  valueAt,
} from "./timeline.js";

export interface SummaryContext {
  /** The environment chosen from the configuration, and why. */
  environment?: { name: string; reason: string } | undefined;
}

const OUTCOME_MARK: Record<string, string> = {
  promoted: "✅ promoted",
  noop: "⏭️ nothing to deploy",
  rolled_back: "↩️ rolled back",
  failed: "❌ failed",
};

const STATUS_MARK: Record<RowStatus, string> = {
  passed: "✅ passed",
  failed: "❌ failed",
  running: "⏳ running",
  "rolled back": "↩️ rolled back",
  restored: "↩️ restored with the release",
};

/**
 * Text safe inside a Markdown table cell or list item. Gate details and reasons carry text from the
 * function (smoke responses, hook output): shown as text, never as HTML, links or images.
 */
export function cell(text: string): string {
  return markdownText(text);
}

/** Where a package is in S3, and whether this run uploaded it. */
export function packageText(artifact: NonNullable<Timeline["artifact"]>): string {
  const { bucket, key, uploaded, reason } = artifact;
  const how = uploaded ? (reason ? `uploaded: ${cell(reason)}` : "uploaded") : "already there, not uploaded";
  // A code span ends at a backtick, so none may come from the prefix.
  return `\`s3://${`${bucket}/${key}`.replaceAll("`", "")}\` (${how})`;
}

/** `m:ss` (or `h:mm:ss`) since the start. */
export const clock = clockText;

function gateCell(gates: readonly GateTally[]): string {
  if (gates.length === 0) return "—";
  return gates
    .map(({ gate, counts, detail }) => {
      const checks = counts.pass + counts.fail + counts.inconclusive;
      if (counts.fail > 0) return `${gate} ❌ ${detail}`;
      if (counts.inconclusive > 0)
        return `${gate} ⚠️ ${counts.inconclusive}/${checks} inconclusive (${detail})`;
      return `${gate} ✅ ${counts.pass}/${checks}`;
    })
    .map(cell)
    .join("<br>");
}

function stepTable(timeline: Timeline): string[] {
  if (timeline.rows.length === 0) return [];
  const lines = ["| Step | Weight | Started | Duration | Gates | Result |", "|---|---:|---:|---:|---|---|"];
  for (const row of timeline.rows) {
    const duration = row.endedAt === undefined ? "…" : clock(row.endedAt - row.startedAt);
    lines.push(
      `| ${cell(row.label)} | ${row.weight}% | +${clock(row.startedAt - timeline.startedAt)} | ${duration} | ${gateCell(row.gates)} | ${STATUS_MARK[row.status]} |`,
    );
  }
  return lines;
}

/** Evenly spaced sample times, so the chart's x axis is true to time (Mermaid spaces categories evenly). */
function sampleTimes(start: number, end: number, count = 30): number[] {
  if (end <= start) return [start];
  const step = (end - start) / (count - 1);
  return Array.from({ length: count }, (_, index) => start + index * step);
}

function axisLabel(offsetMs: number, totalMs: number): string {
  if (totalMs >= 120_000) return clock(offsetMs);
  const stepMs = totalMs / 29;
  const decimals = stepMs >= 1000 ? 0 : stepMs >= 100 ? 1 : 2;
  return `${(offsetMs / 1000).toFixed(decimals)}s`;
}

function series(points: readonly SeriesPoint[], times: readonly number[]): string {
  return `[${times.map((at) => Number(valueAt(points, at).toFixed(2))).join(", ")}]`;
}

/** A Mermaid xychart of the weight on the new version (and its error rate, when known) over time. */
export function weightChart(timeline: Timeline): string[] {
  if (timeline.weight.length < 2) return [];
  const total = timeline.endedAt - timeline.startedAt;
  const times = sampleTimes(timeline.startedAt, timeline.endedAt);
  const labels = times.map((at) => `"${axisLabel(at - timeline.startedAt, total)}"`);
  const version = timeline.newVersion ? `v${timeline.newVersion}` : "the new version";
  const lines = [
    "```mermaid",
    "xychart-beta",
    `  title "Traffic on ${version} (%)${timeline.errorRate.length > 0 ? " and its error rate (%)" : ""}"`,
    `  x-axis "time since start" [${labels.join(", ")}]`,
    '  y-axis "percent" 0 --> 100',
    `  line ${series(timeline.weight, times)}`,
  ];
  if (timeline.errorRate.length > 0) lines.push(`  line ${series(timeline.errorRate, times)}`);
  lines.push("```");
  return lines;
}

export function renderSummary(events: readonly StampedEvent[], context: SummaryContext = {}): string {
  const timeline = buildTimeline(events);
  const result = timeline.result;
  const plan = events.find((event) => event.type === "plan");
  const target = result
    ? `${result.function}:${result.alias}`
    : plan?.type === "plan"
      ? `${plan.function}:${plan.alias}`
      : "deploy";
  const outcome = result ? (OUTCOME_MARK[result.outcome] ?? result.outcome) : "⏳ did not finish";
  const lines = [`## lambda-rollout: ${target} — ${outcome}`, ""];
  const facts: string[] = [];
  if (context.environment)
    facts.push(`**Environment:** ${cell(context.environment.name)} (${cell(context.environment.reason)})`);
  if (result?.fromVersion || result?.toVersion) {
    facts.push(`**Versions:** v${result.fromVersion ?? "?"} → v${result.toVersion ?? "?"}`);
  }
  if (plan?.type === "plan")
    facts.push(`**Strategy:** ${plan.plan.strategy}${plan.dryRun ? " (dry run)" : ""}`);
  const release = isRelease(events);
  // A release's packages, one per function, are in its functions table.
  if (timeline.artifact && !release) facts.push(`**Package:** ${packageText(timeline.artifact)}`);
  if (timeline.approval) {
    const { approveCommand, since, until, approvedAt } = timeline.approval;
    const how = approvedAt ? `approved at ${cell(approvedAt)}` : `waited until ${cell(until)} at most`;
    // A code span ends at a backtick; none can come from a function or alias name.
    facts.push(
      `**Manual approval:** from +${clock(since - timeline.startedAt)}, ${how}; approve with \`${approveCommand.replaceAll("`", "")}\``,
    );
  }
  if (result?.reason)
    facts.push(`**${result.outcome === "promoted" ? "Note" : "Reason"}:** ${cell(result.reason)}`);
  if (result?.hint) facts.push(`**What to do:** ${cell(result.hint)}`);
  lines.push(...facts.map((fact) => `- ${fact}`));

  if (release) {
    lines.push(...releaseSections(events, { cell, packageText, stepTable, weightChart }));
  } else {
    const table = stepTable(timeline);
    if (table.length > 0) lines.push("", "### Steps", "", ...table);
    const chart = weightChart(timeline);
    if (chart.length > 0) lines.push("", "### Traffic over time", "", ...chart);
  }
  const warnings = timeline.messages.filter((message) => message.level === "warning");
  if (warnings.length > 0) lines.push("", "### Warnings", "", ...warnings.map((w) => `- ⚠️ ${cell(w.text)}`));
  const log = timeline.messages.filter((message) => message.level === "info");
  if (log.length > 0) {
    lines.push(
      "",
      "<details><summary>Log</summary>",
      "",
      ...log.map((m) => `- ${cell(m.text)}`),
      "",
      "</details>",
    );
  }
  return `${lines.join("\n")}\n`;
}
