/**
 * The roll-out report: one self-contained HTML file. No script, no network (a Content-Security-Policy
 * says so to the browser), CSS and SVG inline. A timeline of the traffic on each function's new version,
 * the gate verdicts as marks on it (their values in a tooltip and in the table below), what CloudWatch
 * says of each version, operator actions and the outcome with its reason. A release draws one lane per
 * function, grouped by wave. Pure: the model in, the page out.
 */

import { clockText } from "../plan/duration.js";
import { describeEntry } from "../rollout/ledger/history.js";
import { describeActor } from "../rollout/ledger/record.js";
import type { LaneHealth } from "./health.js";
import type { Lane, Mark, MarkStatus, ReportModel } from "./model.js";
import { COLORS } from "./palette.js";

const html = (text: string) =>
  text.replace(
    /[&<>"']/g,
    (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c] ?? c,
  );

/** `m:ss` or `h:mm:ss` after the start. */
export const offset = clockText;

function duration(ms: number): string {
  const seconds = Math.round(ms / 1000);
  if (seconds < 60) return `${seconds} s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return seconds % 60 === 0 ? `${minutes} min` : `${minutes} min ${seconds % 60} s`;
  return `${Math.floor(minutes / 60)} h ${minutes % 60} min`;
}

const utc = (ms: number) =>
  new Date(ms)
    .toISOString()
    .replace("T", " ")
    .replace(/\.\d{3}Z$/, " UTC");

const OUTCOME: Record<string, { label: string; tone: Tone }> = {
  promoted: { label: "Promoted", tone: "pass" },
  noop: { label: "Nothing to deploy", tone: "neutral" },
  rolled_back: { label: "Rolled back", tone: "fail" },
  failed: { label: "Failed", tone: "fail" },
  stopped: { label: "Stopped", tone: "inconclusive" },
  running: { label: "Running", tone: "next" },
};

type Tone = MarkStatus | "neutral" | "next" | "operator";

const STATUS_WORD: Record<MarkStatus, string> = { pass: "ok", fail: "fail", inconclusive: "inconclusive" };
const STATUS_GLYPH: Record<MarkStatus, string> = { pass: "✓", fail: "✕", inconclusive: "?" };

const pill = (tone: Tone, text: string) => `<span class="pill ${tone}">${html(text)}</span>`;

// ---------------------------------------------------------------------------------------------------
// The timeline (SVG)
// ---------------------------------------------------------------------------------------------------

const WIDTH = 1000;
const PLOT_LEFT = 232;
const PLOT_RIGHT = 968;
const AXIS_HEIGHT = 34;
const WAVE_HEADER = 30;
const LANE_HEIGHT = 136;
const MARKS_Y = 20;
const BAND_TOP = 44;
const BAND_HEIGHT = 64;

/** A tick step that gives at most ~8 ticks over `span` ms. */
function tickStep(span: number): number {
  const steps = [1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 10800, 21600, 43200].map(
    (s) => s * 1000,
  );
  return steps.find((step) => span / step <= 8) ?? 86_400_000;
}

interface Scale {
  x: (at: number) => number;
  start: number;
  end: number;
}

function scaleOf(model: ReportModel): Scale {
  const { start } = model;
  // A little room after the end, so what the last moment left (a rollback's 0%) is seen.
  const end = model.end + Math.max(1000, (model.end - start) * 0.04);
  const span = Math.max(1, end - start);
  return {
    start,
    end,
    x: (at) => PLOT_LEFT + ((Math.min(Math.max(at, start), end) - start) / span) * (PLOT_RIGHT - PLOT_LEFT),
  };
}

const fmt = (n: number) => (Math.round(n * 10) / 10).toString();

function axis(scale: Scale, height: number): string {
  const step = tickStep(scale.end - scale.start);
  const parts: string[] = [];
  for (let t = 0; scale.start + t <= scale.end; t += step) {
    const x = fmt(scale.x(scale.start + t));
    parts.push(
      `<line class="grid" x1="${x}" y1="${AXIS_HEIGHT - 6}" x2="${x}" y2="${height}"/>`,
      `<text class="tick" x="${x}" y="${AXIS_HEIGHT - 12}" text-anchor="middle">+${offset(t)}</text>`,
    );
  }
  return parts.join("");
}

/** The traffic on the new version as a filled step area, over the stable version's share. */
function trafficArea(lane: Lane, scale: Scale, top: number): string {
  const bottom = top + BAND_HEIGHT;
  const y = (weight: number) => fmt(bottom - (weight / 100) * BAND_HEIGHT);
  const points: string[] = [`${fmt(scale.x(scale.start))},${bottom}`];
  let last = 0;
  for (const point of lane.weights) {
    const x = fmt(scale.x(point.at));
    points.push(`${x},${y(last)}`, `${x},${y(point.weight)}`);
    last = point.weight;
  }
  points.push(`${fmt(scale.x(scale.end))},${y(last)}`, `${fmt(scale.x(scale.end))},${bottom}`);
  const labels: string[] = [];
  // Each step's weight, where there is room for it.
  const steps = lane.weights.filter((point, i) => i > 0 && point.weight > 0);
  steps.forEach((point, i) => {
    const x = scale.x(point.at);
    const next = steps[i + 1] ? scale.x((steps[i + 1] as { at: number }).at) : scale.x(scale.end);
    if (next - x < 34) return;
    const ty = Math.max(top + 11, bottom - (point.weight / 100) * BAND_HEIGHT - 4);
    const inside = point.weight >= 30;
    labels.push(
      `<text class="weight${inside ? " on-area" : ""}" x="${fmt(x + 4)}" y="${fmt(inside ? ty + 15 : ty)}">${fmt(point.weight)}%</text>`,
    );
  });
  return [
    `<rect class="stable-area" x="${PLOT_LEFT}" y="${top}" width="${PLOT_RIGHT - PLOT_LEFT}" height="${BAND_HEIGHT}" rx="3"/>`,
    `<polygon class="next-area" data-traffic="${html(lane.next ?? "")}" points="${points.join(" ")}"/>`,
    `<line class="axis" x1="${PLOT_LEFT}" y1="${bottom}" x2="${PLOT_RIGHT}" y2="${bottom}"/>`,
    ...labels,
  ].join("");
}

/** Marks closer than this (px) are drawn as one, with the worst status and a count. */
const MARK_GAP = 20;

function markShape(status: MarkStatus, x: number, y: number): string {
  const cx = fmt(x);
  const cy = fmt(y);
  if (status === "fail")
    return `<rect class="mark-shape fail" x="${fmt(x - 8)}" y="${fmt(y - 8)}" width="16" height="16" rx="2"/>`;
  if (status === "inconclusive")
    return `<polygon class="mark-shape inconclusive" points="${cx},${fmt(y - 10)} ${fmt(x + 10)},${cy} ${cx},${fmt(y + 10)} ${fmt(x - 10)},${cy}"/>`;
  return `<circle class="mark-shape pass" cx="${cx}" cy="${cy}" r="8.5"/>`;
}

const short = (text: string, max: number) => (text.length > max ? `${text.slice(0, max - 1)}…` : text);

function describeMark(mark: Mark, start: number): string {
  return `#${mark.n} +${offset(mark.at - start)} ${mark.gate}: ${STATUS_WORD[mark.status]} at ${fmt(mark.weight)}% (${mark.phase}) — ${mark.detail}`;
}

function marks(lane: Lane, scale: Scale, top: number): string {
  const groups: Mark[][] = [];
  for (const mark of lane.marks) {
    const last = groups.at(-1);
    const first = last?.[0];
    if (last && first && scale.x(mark.at) - scale.x(first.at) < MARK_GAP) last.push(mark);
    else groups.push([mark]);
  }
  const worst = (group: Mark[]): MarkStatus =>
    group.some((m) => m.status === "fail")
      ? "fail"
      : group.some((m) => m.status === "inconclusive")
        ? "inconclusive"
        : "pass";
  return groups
    .map((group) => {
      const status = worst(group);
      const x = scale.x((group[0] as Mark).at);
      const y = top + MARKS_Y;
      const title = group.map((mark) => describeMark(mark, scale.start)).join("\n");
      const count =
        group.length > 1
          ? `<text class="count" x="${fmt(x + 11)}" y="${fmt(y - 6)}">×${group.length}</text>`
          : "";
      const stem = `<line class="stem ${status}" x1="${fmt(x)}" y1="${fmt(y + 9)}" x2="${fmt(x)}" y2="${top + BAND_TOP + BAND_HEIGHT}"/>`;
      return `<g class="mark" data-mark="${status}" data-marks="${group.length}"><title>${html(title)}</title>${stem}${markShape(status, x, y)}<text class="glyph" x="${fmt(x)}" y="${fmt(y + 4)}" text-anchor="middle">${STATUS_GLYPH[status]}</text>${count}</g>`;
    })
    .join("");
}

function events(lane: Lane, scale: Scale, top: number): string {
  const bottom = top + BAND_TOP + BAND_HEIGHT;
  return lane.events
    .filter((event) => event.kind !== "published")
    .map((event) => {
      const x = scale.x(event.at);
      const right = x > PLOT_RIGHT - 300;
      const anchor = right ? "end" : "start";
      const tx = fmt(right ? x - 5 : x + 5);
      const title = `<title>${html(`+${offset(event.at - scale.start)} ${event.label}${event.detail ? `: ${event.detail}` : ""}`)}</title>`;
      switch (event.kind) {
        case "rollback": {
          // What made it roll back, said where it happened: the failed verdict at that moment, if any.
          const failed = lane.marks.find(
            (mark) => mark.status === "fail" && Math.abs(mark.at - event.at) < 1000,
          );
          const why = failed ? ` · ${failed.gate}: ${failed.detail}` : "";
          const label = short(
            `${event.label}${why}`,
            right ? 84 : Math.max(24, Math.floor((PLOT_RIGHT - x) / 6.6)),
          );
          return `<g class="event" data-event="rollback">${title}<line class="rollback-line" x1="${fmt(x)}" y1="${top + BAND_TOP - 6}" x2="${fmt(x)}" y2="${bottom + 4}"/><text class="event-label fail-text" x="${tx}" y="${bottom + 16}" text-anchor="${anchor}">↩ ${html(label)}</text></g>`;
        }
        case "promoted":
          return `<g class="event" data-event="promoted">${title}<text class="event-label pass-text" x="${tx}" y="${bottom + 16}" text-anchor="${anchor}">✓ ${html(event.label)}</text></g>`;
        case "awaiting_approval":
          return `<g class="event" data-event="awaiting_approval">${title}<text class="event-label" x="${tx}" y="${bottom + 16}" text-anchor="${anchor}">‖ ${html(event.label)}</text></g>`;
        case "approved":
          return `<g class="event" data-event="approved">${title}<text class="event-label pass-text" x="${tx}" y="${bottom + 16}" text-anchor="${anchor}">✓ ${html(event.label)}</text></g>`;
        default:
          return "";
      }
    })
    .join("");
}

const STATE_WORD: Record<string, string> = {
  promoted: "✓ Promoted",
  rolled_back: "↩ Rolled back",
  unchanged: "Unchanged",
  not_started: "Not started",
  failed: "✕ Failed",
  running: "Running",
};

function laneLabel(lane: Lane, model: ReportModel, top: number): string {
  const release = model.record.targets.length > 1;
  const state = lane.state ?? "running";
  const tone =
    state === "promoted"
      ? "pass-text"
      : state === "rolled_back" || state === "failed"
        ? "fail-text"
        : "muted";
  const versions = `v${lane.stable} → ${lane.next ? `v${lane.next}` : "not published"}`;
  return [
    `<text class="lane-name" x="16" y="${top + BAND_TOP + 8}">${html(lane.function)}${release ? "" : `:${html(lane.alias)}`}</text>`,
    `<text class="lane-meta" x="16" y="${top + BAND_TOP + 25}">${html(lane.region)} · ${html(versions)}</text>`,
    `<text class="lane-state ${tone}" x="16" y="${top + BAND_TOP + 42}">${html(STATE_WORD[state] ?? state)}</text>`,
  ].join("");
}

function lane(lane: Lane, model: ReportModel, scale: Scale, top: number): string {
  return `<g class="lane" data-lane="${html(`${lane.function}@${lane.region}`)}">${laneLabel(lane, model, top)}${trafficArea(lane, scale, top + BAND_TOP)}${marks(lane, scale, top)}${events(lane, scale, top)}</g>`;
}

function operatorLines(model: ReportModel, scale: Scale, height: number): string {
  return model.operators
    .map((op) => {
      const x = fmt(scale.x(op.at));
      const right = scale.x(op.at) > PLOT_RIGHT - 200;
      return `<g class="operator" data-event="operator"><title>${html(`+${offset(op.at - scale.start)} ${op.action} by ${op.by}: ${op.detail}`)}</title><line class="operator-line" x1="${x}" y1="${AXIS_HEIGHT - 4}" x2="${x}" y2="${height - 6}"/><text class="event-label operator-text" x="${right ? fmt(scale.x(op.at) - 5) : fmt(scale.x(op.at) + 5)}" y="${AXIS_HEIGHT + 8}" text-anchor="${right ? "end" : "start"}">${html(op.action)} by ${html(op.by)}</text></g>`;
    })
    .join("");
}

export function timelineSvg(model: ReportModel): string {
  const scale = scaleOf(model);
  const release = model.record.kind === "release";
  const parts: string[] = [];
  let y = AXIS_HEIGHT + (model.operators.length > 0 ? 16 : 0);
  for (const group of model.waves) {
    const groupTop = y;
    if (release) {
      const regions = [...new Set(group.lanes.map((l) => l.region))].join(", ");
      const title = group.wave === null ? "Not shipped" : `Wave ${group.wave}`;
      const height = WAVE_HEADER + group.lanes.length * LANE_HEIGHT;
      parts.push(
        `<g class="wave" data-wave="${group.wave ?? ""}"><rect class="wave-band" x="4" y="${groupTop}" width="${WIDTH - 8}" height="${height - 6}" rx="6"/>`,
        `<text class="wave-title" x="16" y="${groupTop + 20}">${title}<tspan class="wave-meta" dx="8">${html(regions)}</tspan></text>`,
      );
      if (group.startedAt !== null) {
        const x = fmt(scale.x(group.startedAt));
        parts.push(
          `<line class="wave-start" x1="${x}" y1="${groupTop + 6}" x2="${x}" y2="${groupTop + height - 12}"/>`,
        );
      }
      y += WAVE_HEADER;
    }
    for (const member of group.lanes) {
      parts.push(lane(member, model, scale, y));
      y += LANE_HEIGHT;
    }
    if (release) parts.push("</g>");
  }
  const height = y + 8;
  const title = `Traffic on the new version over time, ${model.record.targets.length} function(s), with gate verdicts`;
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" class="timeline" viewBox="0 0 ${WIDTH} ${height}" width="${WIDTH}" height="${height}" role="img" aria-labelledby="timeline-title">`,
    `<title id="timeline-title">${html(title)}</title>`,
    axis(scale, height - 8),
    ...parts,
    operatorLines(model, scale, height),
    "</svg>",
  ].join("\n");
}

// ---------------------------------------------------------------------------------------------------
// The page
// ---------------------------------------------------------------------------------------------------

function css(): string {
  const c = COLORS;
  return `
:root { color-scheme: light; }
* { box-sizing: border-box; }
body { margin: 0; background: ${c.page}; color: ${c.text}; font: 14px/1.5 -apple-system, BlinkMacSystemFont, "Segoe UI", "Noto Sans", Helvetica, Arial, sans-serif; }
main { max-width: 1040px; margin: 0 auto; padding: 24px 20px 40px; }
h1 { font-size: 22px; margin: 0; font-weight: 600; }
h2 { font-size: 16px; margin: 0 0 12px; font-weight: 600; }
.card { background: ${c.card}; border: 1px solid ${c.border}; border-radius: 10px; padding: 18px 20px; margin: 0 0 16px; }
.muted, .muted a { color: ${c.muted}; }
a { color: ${c.next}; }
.head { display: flex; align-items: center; gap: 12px; flex-wrap: wrap; }
.reason { margin: 12px 0 0; padding: 10px 12px; border-radius: 8px; background: ${c.page}; border-left: 4px solid ${c.muted}; }
.reason.fail { border-left-color: ${c.fail}; }
.reason.pass { border-left-color: ${c.pass}; }
dl.facts { display: grid; grid-template-columns: max-content 1fr; gap: 4px 16px; margin: 14px 0 0; }
dl.facts dt { color: ${c.muted}; }
dl.facts dd { margin: 0; overflow-wrap: anywhere; }
.pill { display: inline-block; padding: 1px 10px; border-radius: 999px; font-size: 12px; font-weight: 600; color: ${c.white}; white-space: nowrap; }
.pill.pass { background: ${c.pass}; } .pill.fail { background: ${c.fail}; } .pill.inconclusive { background: ${c.inconclusive}; }
.pill.neutral { background: ${c.muted}; } .pill.next { background: ${c.next}; } .pill.operator { background: ${c.operator}; }
.head .pill { font-size: 14px; padding: 3px 14px; }
.chart { overflow-x: auto; }
svg.timeline { display: block; width: 100%; height: auto; min-width: 760px; font-family: inherit; }
svg .grid { stroke: ${c.grid}; stroke-width: 1; }
svg .axis { stroke: ${c.border}; stroke-width: 1; }
svg .tick { fill: ${c.muted}; font-size: 11px; }
svg .stable-area { fill: ${c.stableArea}; }
svg .next-area { fill: ${c.nextArea}; stroke: ${c.next}; stroke-width: 1.5; stroke-linejoin: round; }
svg .weight { fill: ${c.text}; font-size: 11px; font-weight: 600; }
svg .weight.on-area { fill: ${c.text}; }
svg .lane-name { fill: ${c.text}; font-size: 14px; font-weight: 600; }
svg .lane-meta { fill: ${c.muted}; font-size: 12px; }
svg .lane-state { font-size: 12px; font-weight: 600; }
svg .muted { fill: ${c.muted}; }
svg .pass-text { fill: ${c.pass}; } svg .fail-text { fill: ${c.fail}; } svg .operator-text { fill: ${c.operator}; }
svg .mark-shape { stroke: ${c.white}; stroke-width: 1.5; }
svg .mark-shape.pass { fill: ${c.pass}; } svg .mark-shape.fail { fill: ${c.fail}; } svg .mark-shape.inconclusive { fill: ${c.inconclusive}; }
svg .glyph { fill: ${c.white}; font-size: 11px; font-weight: 700; pointer-events: none; }
svg .count { fill: ${c.muted}; font-size: 10px; font-weight: 600; }
svg .event-label { fill: ${c.text}; font-size: 11.5px; font-weight: 600; }
svg .event-label.pass-text, svg .lane-state.pass-text { fill: ${c.pass}; }
svg .event-label.fail-text, svg .lane-state.fail-text { fill: ${c.fail}; }
svg .event-label.operator-text { fill: ${c.operator}; }
svg .stem { stroke-width: 1; stroke-dasharray: 1 2; }
svg .stem.pass { stroke: ${c.pass}; } svg .stem.fail { stroke: ${c.fail}; } svg .stem.inconclusive { stroke: ${c.inconclusive}; }
svg .rollback-line { stroke: ${c.fail}; stroke-width: 2; stroke-dasharray: 4 3; }
svg .operator-line { stroke: ${c.operator}; stroke-width: 1.5; stroke-dasharray: 2 3; }
svg .wave-band { fill: ${c.waveBand}; stroke: ${c.border}; }
svg .wave-title { fill: ${c.text}; font-size: 13px; font-weight: 600; }
svg .wave-meta { fill: ${c.muted}; font-weight: 400; }
svg .wave-start { stroke: ${c.muted}; stroke-width: 1; stroke-dasharray: 1 3; }
.legend { display: flex; flex-wrap: wrap; gap: 6px 18px; margin: 10px 0 0; color: ${c.muted}; font-size: 12px; }
.legend span { display: inline-flex; align-items: center; gap: 6px; }
.swatch { width: 14px; height: 10px; border-radius: 2px; display: inline-block; }
.swatch.next { background: ${c.nextArea}; border: 1px solid ${c.next}; } .swatch.stable { background: ${c.stableArea}; border: 1px solid ${c.border}; }
.sym { font-weight: 700; } .sym.pass { color: ${c.pass}; } .sym.fail { color: ${c.fail}; } .sym.inconclusive { color: ${c.inconclusive}; } .sym.operator { color: ${c.operator}; }
table { border-collapse: collapse; width: 100%; font-size: 13px; }
th { text-align: left; color: ${c.muted}; font-weight: 600; border-bottom: 1px solid ${c.border}; padding: 6px 8px; }
td { border-bottom: 1px solid ${c.grid}; padding: 6px 8px; vertical-align: top; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
td.detail { overflow-wrap: anywhere; }
tr.fail td { background: #fff5f5; }
.health-fn { margin: 14px 0 6px; font-weight: 600; }
.notes { color: ${c.muted}; font-size: 12px; margin: 6px 0 0; }
details summary { cursor: pointer; font-weight: 600; }
pre { white-space: pre-wrap; overflow-wrap: anywhere; font: 12px/1.5 ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; margin: 10px 0 0; }
footer { color: ${c.muted}; font-size: 12px; text-align: center; }
`;
}

function header(model: ReportModel): string {
  const { record } = model;
  const outcome = OUTCOME[record.outcome?.outcome ?? "running"] ?? {
    label: record.outcome?.outcome ?? "?",
    tone: "neutral" as Tone,
  };
  const target = record.targets[0];
  const what =
    record.kind === "release"
      ? `Release of ${record.name} · ${record.targets.length} functions`
      : `${record.name}:${target?.alias ?? "?"} · v${target?.stableVersion ?? "?"} → ${target?.newVersion ? `v${target.newVersion}` : "not published"}`;
  const actor = record.actor.runUrl
    ? `${html(record.actor.name)} · <a href="${html(record.actor.runUrl)}">workflow run</a>`
    : html(describeActor(record.actor));
  const facts: [string, string][] = [
    ["Started", `${html(utc(model.start))} by ${actor}`],
    [
      "Duration",
      record.endedAt
        ? `${html(duration(model.end - model.start))} (ended ${html(utc(model.end))})`
        : "not ended",
    ],
    ["Plan", html(record.plan)],
    ["Gates", record.gates.length > 0 ? record.gates.map(html).join(" · ") : "none"],
    ["Engine", `${html(record.engine)}${record.executionArn ? ` · ${html(record.executionArn)}` : ""}`],
    ...(record.actor.commit
      ? [["Commit", `<code>${html(record.actor.commit)}</code>`] as [string, string]]
      : []),
  ];
  const reason = record.outcome?.reason;
  const tone = outcome.tone === "fail" ? " fail" : outcome.tone === "pass" ? " pass" : "";
  return `<section class="card" id="summary">
<div class="head"><h1>${html(what)}</h1>${pill(outcome.tone, outcome.label)}</div>
<div class="muted">${record.kind === "release" ? "Release" : "Roll-out"} <b>${html(record.id)}</b>${target && record.kind !== "release" ? ` · ${html(target.region)} · account ${html(target.account)}` : ""}${record.kind === "release" ? ` · ${html([...new Set(record.targets.map((t) => t.region))].join(", "))}` : ""}</div>
${reason ? `<p class="reason${tone}"><b>${record.outcome?.outcome === "promoted" ? "Outcome" : "Why"}:</b> ${html(reason)}${record.outcome?.hint ? `<br><span class="muted">${html(record.outcome.hint)}</span>` : ""}</p>` : ""}
${record.outcome?.incomplete ? `<p class="reason"><b>This record may be incomplete:</b> ${html(record.outcome.incomplete)}</p>` : ""}
<dl class="facts">${facts.map(([dt, dd]) => `<dt>${dt}</dt><dd>${dd}</dd>`).join("")}</dl>
</section>`;
}

function legend(): string {
  return `<div class="legend">
<span><i class="swatch next"></i>traffic on the new version</span>
<span><i class="swatch stable"></i>traffic on the stable version</span>
<span><b class="sym pass">●✓</b> gate ok</span>
<span><b class="sym fail">■✕</b> gate failed</span>
<span><b class="sym inconclusive">◆?</b> inconclusive</span>
<span><b class="sym fail">↩</b> rollback</span>
<span><b class="sym operator">┆</b> operator action</span>
<span>hover a mark for its values</span>
</div>`;
}

function verdicts(model: ReportModel): string {
  if (model.marks.length === 0) return "";
  const release = model.record.targets.length > 1;
  const rows = model.marks.map(
    (mark) =>
      `<tr class="${mark.status}" data-verdict="${mark.status}"><td class="num">${mark.n}</td><td class="num">+${offset(mark.at - model.start)}</td>${release ? `<td>${html(mark.function ?? "wave")}</td>` : ""}<td>${html(mark.gate)}</td><td>${html(mark.phase)}</td><td class="num">${fmt(mark.weight)}%</td><td>${pill(mark.status, STATUS_WORD[mark.status])}</td><td class="detail">${html(mark.detail)}</td></tr>`,
  );
  return `<section class="card" id="verdicts"><h2>Gate verdicts</h2>
<p class="muted">Every verdict that moved or stopped the roll-out, and every check during a bake that did not pass.</p>
<table><thead><tr><th class="num">#</th><th class="num">At</th>${release ? "<th>Function</th>" : ""}<th>Gate</th><th>Phase</th><th class="num">Weight</th><th>Verdict</th><th>Values</th></tr></thead>
<tbody>${rows.join("\n")}</tbody></table></section>`;
}

const number = (value: number | undefined) =>
  value === undefined ? "—" : Math.round(value).toLocaleString("en-US");

function health(model: ReportModel, found: Map<string, LaneHealth> | undefined): string {
  const lanes = model.waves.flatMap((wave) => wave.lanes);
  if (!found) return "";
  const blocks = lanes.map((lane) => {
    const data = found.get(lane.key);
    if (!data)
      return `<div class="health-fn">${html(lane.function)} <span class="muted">(${html(lane.region)})</span></div><p class="notes">No metrics read for this region.</p>`;
    const rows = data.versions.map(
      (v) =>
        `<tr data-health="${v.role}"><td>v${html(v.version)} <span class="muted">${v.role}</span></td><td class="num">${number(v.invocations)}</td><td class="num">${number(v.errors)}</td><td class="num">${v.errorRate === undefined ? "—" : `${v.errorRate.toFixed(2)}%`}</td><td class="num">${v.p99Ms === undefined ? "—" : `${number(v.p99Ms)} ms`}</td></tr>`,
    );
    return `<div class="health-fn">${html(lane.function)} <span class="muted">(${html(lane.region)})</span></div>
<table><thead><tr><th>Version</th><th class="num">Requests</th><th class="num">Errors</th><th class="num">Error rate</th><th class="num">p99 duration</th></tr></thead><tbody>${rows.join("")}</tbody></table>
${data.notes.length > 0 ? `<p class="notes">${data.notes.map(html).join("<br>")}</p>` : ""}`;
  });
  return `<section class="card" id="health"><h2>Health from CloudWatch</h2>
<p class="muted">Per version, through the alias, over the roll-out's window (whole minutes, ${html(utc(Math.floor(model.start / 60_000) * 60_000))} on). p99 is the worst minute's.</p>
${blocks.join("\n")}</section>`;
}

function operatorsSection(model: ReportModel): string {
  if (model.operators.length === 0 && model.warnings.length === 0) return "";
  const ops = model.operators.map(
    (op) =>
      `<li>${pill("operator", op.action)} <b>+${offset(op.at - model.start)}</b> by ${html(op.by)}: ${html(op.detail)}</li>`,
  );
  const warnings = model.warnings.map(
    (w) =>
      `<li>${pill("inconclusive", "warning")} <b>+${offset(w.at - model.start)}</b>${w.function ? ` ${html(w.function)}:` : ""} ${html(w.message)}</li>`,
  );
  return `<section class="card" id="operators"><h2>Operator actions and warnings</h2><ul>${[...ops, ...warnings].join("")}</ul></section>`;
}

function everyEvent(model: ReportModel): string {
  const lines = model.record.timeline.map(
    (entry) => `+${offset(Date.parse(entry.at) - model.start)}  ${describeEntry(entry)}`,
  );
  return `<section class="card" id="events"><details><summary>Every event (${lines.length})</summary><pre>${html(lines.join("\n"))}</pre></details></section>`;
}

export interface ReportOptions {
  /** What CloudWatch said per lane (health.ts); omitted: no health section. */
  health?: Map<string, LaneHealth> | undefined;
  /** Where the record was read, for the footer. */
  source?: string | undefined;
  generatedAt: number;
}

export function reportHtml(model: ReportModel, options: ReportOptions): string {
  const { record } = model;
  const title = `${record.kind === "release" ? "Release" : "Roll-out"} ${record.id} of ${record.name} — ${record.outcome?.outcome ?? "running"}`;
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">
<meta name="generator" content="lambda-rollout">
<title>${html(title)}</title>
<style>${css()}</style>
</head>
<body>
<main>
${header(model)}
<section class="card" id="timeline"><h2>Traffic and gates</h2>
<div class="chart">${timelineSvg(model)}</div>
${legend()}
</section>
${verdicts(model)}
${health(model, options.health)}
${operatorsSection(model)}
${everyEvent(model)}
<footer>lambda-rollout report · generated ${html(utc(options.generatedAt))}${options.source ? ` from ${html(options.source)}` : ""}</footer>
</main>
</body>
</html>
`;
}
