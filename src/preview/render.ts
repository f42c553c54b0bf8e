/**
 * A preview as text (a terminal), as GitHub-flavoured Markdown (a pull-request comment, a job summary)
 * or as JSON. Pure: the preview in, text out. The Markdown stays under GitHub's comment limit: each
 * function's details are cut to an equal share, with a note, when the whole would not fit.
 */
import { describeGrant, type PolicyDiff } from "../iam/diff.js";
import type { PolicyDocument } from "../iam/policy.js";
import { codeSpan, markdownText } from "../markdown.js";
import { formatDuration } from "../plan/duration.js";
import { describeWorstCase } from "../rollout/prepare/lifetime.js";
import type { FunctionPreview, PlanRow, Preview, SettingPreview } from "./inspect.js";

/** GitHub refuses a comment body longer than this (characters). */
export const GITHUB_COMMENT_LIMIT = 65_536;

/** A preview with what only the command knows: the IAM policy compared, when `--policy` was given. */
export interface PreviewReport extends Preview {
  policy: { file: string; generated: PolicyDocument; diff: PolicyDiff } | null;
}

const CHANGE_MARK: Record<FunctionPreview["change"], string> = {
  noop: "⏭️ noop",
  code: "📦 code",
  configuration: "⚙️ configuration",
  "code and configuration": "📦⚙️ code and configuration",
  pin: "📌 pin $LATEST",
};

export function formatBytes(bytes: number | undefined): string {
  if (bytes === undefined) return "?";
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KiB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
}

const offset = (ms: number) => (ms === 0 ? "+0" : `+${formatDuration(ms)}`);
const where = (fn: FunctionPreview) => (fn.region ? ` (${fn.region})` : "");
const shortSha = (sha: string | undefined) => (sha ? `${sha.slice(0, 12)}…` : "?");

/** `MemorySize 128 → 512`, `Environment: added FOO`, `Layers (none) → […]`. */
export function describeSetting(setting: SettingPreview, quote: (text: string) => string = unquoted): string {
  if (setting.from === undefined && setting.name === "Environment")
    return `${setting.name}: ${quote(setting.to ?? "changed")}`;
  return `${setting.name} ${quote(setting.from ?? "(none)")} → ${quote(setting.to ?? "(none)")}`;
}

function describeCode(fn: FunctionPreview): string {
  const { from, to, changed } = fn.code;
  return changed
    ? `CodeSha256 ${shortSha(from.codeSha256)} → ${shortSha(to.codeSha256)}, ${formatBytes(from.bytes)} → ${formatBytes(to.bytes)}`
    : `unchanged (CodeSha256 ${shortSha(to.codeSha256)}, ${formatBytes(to.bytes)})`;
}

function describeLedger(fn: FunctionPreview): string {
  if (!fn.ledger) return "no ledger configured: no lock or history to read";
  const { lock, running } = fn.ledger;
  const parts = [
    lock
      ? `locked by ${lock.id} (${lock.by}, since ${lock.since}, lease ${lock.expired ? "ran out" : "until"} ${lock.leaseUntil})`
      : "not locked",
    running ? `roll-out ${running.id} in progress since ${running.startedAt}` : "no roll-out in progress",
  ];
  return parts.join("; ");
}

/** Alarms in ALARM now, and what a deploy would make of them. */
function describeFiring(fn: FunctionPreview): string | undefined {
  const { alarms, ignored } = fn.firing;
  if (alarms.length === 0) return undefined;
  return `in ALARM now: ${alarms.join(", ")}; ${ignored ? "ignored until they leave ALARM (alarmsAlreadyFiring: ignore)" : "a deploy's first gate would fail on it and roll back"}`;
}

function planLine(row: PlanRow): string {
  switch (row.what) {
    case "step":
      return `${row.weight}% on the new version for ${formatDuration(row.bakeMs)}`;
    case "promote":
      return "100% (promote)";
    case "final bake":
      return `final bake at 100% for ${formatDuration(row.bakeMs)}`;
    case "wave bake":
      return `wave bake for ${formatDuration(row.bakeMs)}`;
  }
}

function credentialsLine(preview: Preview): string | undefined {
  const { credentials, worstCase } = preview;
  if (!worstCase) return undefined;
  const session = credentials?.suggestedSessionSeconds;
  const hint = session
    ? `; a deploy job's role session needs \`role-duration-seconds: ${session}\` or more`
    : "";
  if (!credentials) return `Credentials: not checked${hint}.`;
  const until = credentials.expiration ? ` valid until ${credentials.expiration}` : "";
  const verdict = {
    fits: "they outlive the worst case",
    renews: "they expire sooner, and their provider renews them",
    too_short: "they expire sooner and nothing renews them: a deploy with them would be refused (exit 2)",
    unknown: "nothing says when they expire",
  }[credentials.verdict];
  return `Credentials: these (${credentials.source})${until}: ${verdict}${hint}.`;
}

function headline(preview: Preview): string {
  const moving = preview.functions.filter((fn) => fn.change !== "noop").length;
  const blocked = preview.functions.filter((fn) => fn.blocked).length;
  const count =
    preview.kind === "release"
      ? `${preview.functions.length} functions, ${moving} to change`
      : moving > 0
        ? "changes"
        : "nothing to change";
  return `${count}${blocked > 0 ? `, ${blocked} blocked` : ""}`;
}

function policyText(report: PreviewReport): string[] {
  if (!report.policy) return [];
  const { diff, file } = report.policy;
  if (diff.added.length === 0 && diff.removed.length === 0)
    return [`IAM policy: ${file} grants exactly what iam-policy generates now (${diff.unchanged} grants).`];
  return [
    `IAM policy: the CI policy must change: ${diff.added.length} grant(s) to add, ${diff.removed.length} no longer needed (against ${file}):`,
    ...diff.added.map((grant) => `  + ${describeGrant(grant)}`),
    ...diff.removed.map((grant) => `  - ${describeGrant(grant)}`),
  ];
}

/** For a terminal. */
export function previewText(report: PreviewReport): string {
  const lines = [
    `Preview of ${report.kind === "release" ? "release" : "deploy"} ${report.name}${report.environment ? ` (environment ${report.environment.name}: ${report.environment.reason})` : ""}: ${headline(report)}. Nothing was changed.`,
  ];
  for (const fn of report.functions) {
    lines.push(
      "",
      `${fn.function}:${fn.alias}${where(fn)}${report.kind === "release" ? ` wave ${fn.wave}` : ""}: ${fn.change}; now ${fn.routing}`,
    );
    if (fn.blocked) lines.push(`  BLOCKED (deploy would exit ${fn.blocked.exitCode}): ${fn.blocked.reason}`);
    lines.push(`  code: ${describeCode(fn)}`);
    for (const setting of fn.settings) lines.push(`  ${describeSetting(setting)}`);
    const firing = describeFiring(fn);
    if (firing) lines.push(`  alarms ${firing}`);
    lines.push(`  ledger: ${describeLedger(fn)}`);
    if (fn.gates.length > 0) lines.push(`  gates: ${fn.gates.join(", ")}`);
  }
  lines.push("", `Plan: ${report.plan.description}`);
  for (const row of report.plan.rows)
    lines.push(
      `  ${offset(row.atMs).padStart(7)}  ${report.kind === "release" ? `wave ${row.wave}  ` : ""}${planLine(row)}`,
    );
  if (report.worstCase) lines.push(`Worst case: ${describeWorstCase(report.worstCase)}.`);
  const credentials = credentialsLine(report);
  if (credentials) lines.push(credentials.replaceAll("`", ""));
  for (const warning of report.warnings) lines.push(`warning: ${warning}`);
  const policy = policyText(report);
  if (policy.length > 0) lines.push("", ...policy);
  return `${lines.join("\n")}\n`;
}

/** A JSON string's text without its quotes; any other canonical value as it is. */
function unquoted(text: string): string {
  if (!text.startsWith('"')) return text;
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === "string" ? value : text;
  } catch {
    return text;
  }
}

/** A setting's value as Markdown: a plain word or number as text, anything else as a code span. */
const valueText = (inTable: boolean, max: number) => (text: string) => {
  const shown = unquoted(text);
  return /^[\w.-]{1,40}$/.test(shown) ? markdownText(shown) : codeSpan(shown, { max, inTable });
};

function summaryCell(fn: FunctionPreview): string {
  const details = [
    ...fn.settings.slice(0, 3).map((setting) => describeSetting(setting, valueText(true, 40))),
    ...(fn.settings.length > 3 ? [`+${fn.settings.length - 3} more`] : []),
    ...(fn.code.changed
      ? [`code ${formatBytes(fn.code.from.bytes)} → ${formatBytes(fn.code.to.bytes)}`]
      : []),
    ...(fn.blocked ? [`⛔ ${markdownText(fn.blocked.reason)}`] : []),
    ...(fn.firing.alarms.length > 0 && !fn.firing.ignored
      ? [`⚠️ in ALARM: ${markdownText(fn.firing.alarms.join(", "))}`]
      : []),
  ];
  return details.join("<br>") || "—";
}

function functionSection(report: PreviewReport, fn: FunctionPreview): string[] {
  const title = `<b>${fn.function}</b>${where(fn)}: ${CHANGE_MARK[fn.change]}`;
  return [
    `<details><summary>${title}</summary>`,
    "",
    `- **Alias:** ${fn.alias}, now ${markdownText(fn.routing)}${fn.account ? ` (account ${fn.account})` : ""}${report.kind === "release" ? `; wave ${fn.wave}` : ""}`,
    ...(fn.blocked
      ? [
          `- ⛔ **A deploy would stop here (exit ${fn.blocked.exitCode}):** ${markdownText(fn.blocked.reason)}`,
        ]
      : []),
    `- **Code:** ${markdownText(describeCode(fn))}`,
    ...fn.settings.map((setting) => `- **Setting:** ${describeSetting(setting, valueText(false, 200))}`),
    ...(describeFiring(fn) ? [`- ⚠️ **Alarms** ${markdownText(describeFiring(fn) ?? "")}`] : []),
    `- **Ledger:** ${markdownText(describeLedger(fn))}`,
    `- **Gates:** ${fn.gates.length > 0 ? fn.gates.map(markdownText).join(", ") : "none"}`,
    "",
    "</details>",
  ];
}

function planSection(report: PreviewReport): string[] {
  const release = report.kind === "release";
  const lines = [
    `#### Plan: ${markdownText(report.plan.description)}`,
    "",
    release ? "| At | Wave | Traffic |" : "| At | Traffic |",
    release ? "|---:|---:|---|" : "|---:|---|",
    ...report.plan.rows.map((row) =>
      release
        ? `| ${offset(row.atMs)} | ${row.wave} | ${planLine(row)} |`
        : `| ${offset(row.atMs)} | ${planLine(row)} |`,
    ),
  ];
  if (release) {
    const waves = report.waves
      .filter((wave) => wave.functions.length > 0)
      .map(
        (wave) =>
          `wave ${wave.wave}${wave.regions ? ` (${wave.regions.join(", ")})` : ""}: ${wave.functions.join(", ")}`,
      );
    if (waves.length > 0) lines.push("", `**Waves:** ${markdownText(waves.join("; "))}`);
  }
  if (report.worstCase)
    lines.push("", `**Worst case:** ${markdownText(describeWorstCase(report.worstCase))}.`);
  const credentials = credentialsLine(report);
  if (credentials) lines.push("", credentials.replace(/^Credentials:/, "**Credentials:**"));
  for (const warning of report.warnings) lines.push("", `⚠️ ${markdownText(warning)}`);
  return lines;
}

/** The policy's grants as a diff block; at most `maxLines` grants, then a note. */
function policySection(report: PreviewReport, maxLines = 200): string[] {
  if (!report.policy) return [];
  const { diff, file } = report.policy;
  const heading = "#### IAM policy";
  if (diff.added.length === 0 && diff.removed.length === 0)
    return [
      heading,
      "",
      `✅ ${codeSpan(file)} grants exactly what \`lambda-rollout iam-policy\` generates now (${diff.unchanged} grants).`,
    ];
  const grants = [
    ...diff.added.map((grant) => `+ ${describeGrant(grant)}`),
    ...diff.removed.map((grant) => `- ${describeGrant(grant)}`),
  ].map((line) => line.replaceAll("`", "'"));
  const shown = grants.slice(0, maxLines);
  return [
    heading,
    "",
    `⚠️ **The CI policy must change:** ${diff.added.length} grant(s) to add, ${diff.removed.length} no longer needed, against ${codeSpan(file)} (\`lambda-rollout iam-policy\` prints the new one).`,
    "",
    "```diff",
    ...shown,
    "```",
    ...(grants.length > shown.length ? ["", `_…and ${grants.length - shown.length} more grant(s)._`] : []),
  ];
}

/** Cuts a function's section to `budget` characters at a line boundary, closing its `<details>`. */
function fitSection(lines: string[], budget: number): string[] {
  const size = (list: string[]) => list.reduce((sum, line) => sum + line.length + 1, 0);
  if (size(lines) <= budget) return lines;
  const kept: string[] = [];
  const closing = [
    "",
    "_…cut to fit GitHub's comment limit; `lambda-rollout preview --format text` shows all._",
    "",
    "</details>",
  ];
  let used = size(closing);
  for (const line of lines.slice(0, -2)) {
    const cost = line.length + 1;
    if (used + cost > budget) break;
    kept.push(line);
    used += cost;
  }
  // Even the summary line did not fit: keep it, cut short.
  if (kept.length === 0) kept.push((lines[0] ?? "").slice(0, Math.max(0, budget - used - 1)));
  return [...kept, ...closing];
}

/**
 * GitHub-flavoured Markdown for a pull-request comment and the job summary, at most `limit` characters
 * (GitHub's comment limit by default). `heading` goes first (the sticky comment's hidden marker).
 */
export function previewMarkdown(
  report: PreviewReport,
  options: { limit?: number; heading?: string; readAt?: string } = {},
): string {
  const limit = options.limit ?? GITHUB_COMMENT_LIMIT;
  const release = report.kind === "release";
  const head = [
    ...(options.heading ? [options.heading] : []),
    `### lambda-rollout preview: ${markdownText(report.environment?.name ?? report.name)} (${headline(report)})`,
    "",
    `Read from AWS${options.readAt ? ` at ${options.readAt}` : ""}; nothing was changed.${report.environment ? ` Environment **${markdownText(report.environment.name)}** (${markdownText(report.environment.reason)}).` : ""}`,
    "",
    release
      ? "| Function | Region | Wave | Live | Change | What changes |"
      : "| Function | Region | Live | Change | What changes |",
    release ? "|---|---|---:|---|---|---|" : "|---|---|---|---|---|",
    ...report.functions.map((fn) =>
      [
        "",
        fn.change === "noop" ? fn.function : `**${fn.function}**`,
        fn.region ?? "—",
        ...(release ? [String(fn.wave)] : []),
        markdownText(fn.routing),
        CHANGE_MARK[fn.change],
        summaryCell(fn),
        "",
      ]
        .join(" | ")
        .trim(),
    ),
    "",
  ];
  const tail = [
    "",
    ...planSection(report),
    ...(report.policy ? ["", ...policySection(report)] : []),
    "",
    "<sub>`lambda-rollout preview` · the same validation as `deploy`, read-only</sub>",
  ];
  const sections = report.functions.map((fn) => functionSection(report, fn));
  const join = (parts: string[]) => `${parts.join("\n")}\n`;
  const whole = join([...head, ...sections.flat(), ...tail]);
  if (whole.length <= limit) return whole;
  // Every function gets an equal share of what the summary and the plan leave.
  const fixed = join([...head, ...tail]).length;
  const budget = Math.floor((limit - fixed - 200) / Math.max(1, sections.length));
  const fitted = join([...head, ...sections.flatMap((lines) => fitSection(lines, budget)), ...tail]);
  if (fitted.length <= limit) return fitted;
  // Too many functions for even their summary rows: cut at a line, say so.
  const note =
    "\n\n_…cut to fit GitHub's comment limit; `lambda-rollout preview --format text` shows all._\n";
  const cut = fitted.slice(0, limit - note.length);
  return `${cut.slice(0, cut.lastIndexOf("\n"))}${note}`;
}

/** The comment when the preview itself was refused: what a deploy would say, and its exit code. */
export function previewFailureMarkdown(
  name: string,
  failure: { message: string; hint?: string | undefined; exitCode: number },
  options: { heading?: string; readAt?: string } = {},
): string {
  const lines = [
    ...(options.heading ? [options.heading] : []),
    `### lambda-rollout preview: ${markdownText(name)} (refused)`,
    "",
    `❌ **A deploy would stop here (exit ${failure.exitCode}):** ${markdownText(failure.message)}`,
    ...(failure.hint ? ["", `**What to do:** ${markdownText(failure.hint)}`] : []),
    "",
    `<sub>\`lambda-rollout preview\`${options.readAt ? ` at ${options.readAt}` : ""} · nothing was changed</sub>`,
  ];
  return `${lines.join("\n")}\n`.slice(0, GITHUB_COMMENT_LIMIT);
}
