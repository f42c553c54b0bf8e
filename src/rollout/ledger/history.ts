/**
 * `lambda-rollout history`: what was deployed, when, by whom, and why it rolled back, long after the CI
 * log is gone. The list comes from the aliases' heads (their recent roll-out ids), the details from the
 * records; nothing here lists the bucket.
 */
import { InputError } from "../../errors.js";
import { formatDuration } from "../../plan/duration.js";
import type { CallOptions } from "../../ports.js";
import { type AliasKey, type LedgerAccess, ROLLOUT_ID, recordPath } from "./location.js";
import { readHead } from "./lock.js";
import { readRecord } from "./read.js";
import { describeActor, type RolloutRecord, type TimelineEntry } from "./record.js";

/** The newest `limit` roll-outs of these aliases (a release once, however many of its aliases are given). */
export async function historyOf(
  access: LedgerAccess,
  aliases: AliasKey[],
  limit: number,
  options: CallOptions = {},
): Promise<RolloutRecord[]> {
  const heads = await Promise.all(
    aliases.map((alias) => readHead(access.store, access.location, alias, options)),
  );
  const refs = new Map(
    heads.flatMap((held) => (held?.head.recent ?? []).map((entry) => [entry.id, entry.record] as const)),
  );
  const newest = [...refs.keys()].sort().reverse().slice(0, limit);
  const records = await Promise.all(
    newest.map((id) => readRecord(access, refs.get(id) as string, options).catch(() => undefined)),
  );
  return records.flatMap((found) => (found ? [found.record] : []));
}

/**
 * One roll-out's record by id; exit 2 when the ledger has none. Looked for where a roll-out of one of
 * `aliases` or a release keeps it; without aliases, by listing the records for that id.
 */
export async function recordById(
  access: LedgerAccess,
  id: string,
  aliases: AliasKey[],
  options: CallOptions = {},
): Promise<RolloutRecord> {
  if (!ROLLOUT_ID.test(id))
    throw new InputError(`"${id}" is not a roll-out id.`, {
      hint: "Roll-out ids look like r-mhx1k2ab-9f3c: `lambda-rollout history --function NAME` lists them.",
    });
  const candidates = [
    recordPath("release", id, undefined),
    ...aliases.map((alias) => recordPath("rollout", id, alias)),
  ];
  if (aliases.length === 0) {
    const listed = await access.store.list(
      access.location.bucket,
      `${access.location.prefix}records/`,
      options,
    );
    for (const key of listed)
      if (key.endsWith(`/${id}.json`)) candidates.push(key.slice(access.location.prefix.length));
  }
  for (const path of candidates) {
    const found = await readRecord(access, path, options);
    if (found) return found.record;
  }
  throw new InputError(
    `No roll-out ${id} in the ledger at s3://${access.location.bucket}/${access.location.prefix}.`,
    { hint: "Check --config/--env (or --ledger-bucket): the ledger is where that roll-out ran." },
  );
}

const versions = (record: RolloutRecord) =>
  record.targets.length === 1
    ? `v${record.targets[0]?.stableVersion}→${record.targets[0]?.newVersion ? `v${record.targets[0]?.newVersion}` : "?"}`
    : `${record.targets.length} functions`;

const durationOf = (record: RolloutRecord, now: number) => {
  const end = record.endedAt ? Date.parse(record.endedAt) : now;
  return formatDuration(Math.max(0, end - Date.parse(record.startedAt)));
};

/** Outcome as a word, `running` while a record has none. */
export const outcomeOf = (record: RolloutRecord) => record.outcome?.outcome ?? "running";

/** The table `history` prints: newest first, one line per roll-out. */
export function formatHistory(records: RolloutRecord[], now: number): string {
  if (records.length === 0) return "No roll-outs recorded for this target.";
  const rows = records.map((record) => [
    record.startedAt.replace(/\.\d{3}Z$/, "Z"),
    record.id,
    describeActor(record.actor),
    `${record.kind === "release" ? `${record.name} ` : ""}${versions(record)}`,
    record.plan,
    outcomeOf(record),
    durationOf(record, now),
    (record.outcome?.reason ?? "").split("\n")[0] ?? "",
  ]);
  const header = ["WHEN", "ID", "WHO", "FROM→TO", "PLAN", "OUTCOME", "DURATION", "REASON"];
  const widths = header.map((title, column) =>
    column === header.length - 1
      ? 0
      : Math.max(title.length, ...rows.map((row) => (row[column] ?? "").length)),
  );
  const line = (cells: string[]) =>
    cells
      .map((cell, column) => cell.padEnd(widths[column] ?? 0))
      .join("  ")
      .trimEnd();
  return [line(header), ...rows.map(line)].join("\n");
}

export function describeEntry(entry: TimelineEntry): string {
  const who = entry.function ? `[${entry.function}${entry.region ? ` ${entry.region}` : ""}] ` : "";
  switch (entry.type) {
    case "published":
      return `${who}published v${entry.version} (${entry.codeSha256})`;
    case "shift":
      return `${who}step ${entry.step}/${entry.steps}: ${entry.weight}% to v${entry.toVersion}`;
    case "gate":
      return `${who}gate ${entry.gate} ${entry.status} at ${entry.weight}% (${entry.phase}): ${entry.detail}`;
    case "rollback":
      return `${who}rollback to v${entry.toVersion}: ${entry.reason}`;
    case "awaiting_approval":
      return `${who}awaiting approval until ${entry.until}`;
    case "approved":
      return `${who}approved at ${entry.approvedAt}`;
    case "promoted":
      return `${who}promoted v${entry.version}`;
    case "wave":
      return `wave ${entry.wave}/${entry.waves}`;
    case "warning":
      return `${who}warning: ${entry.message}`;
    case "operator":
      return `${who}operator ${entry.action} by ${entry.by}: ${entry.detail}`;
  }
}

/** `history <id>`: one roll-out whole: who, what, the plan and gates, every event, the outcome. */
export function formatRecord(record: RolloutRecord, now: number): string {
  const targets = record.targets.map(
    (t) =>
      `  ${t.function}:${t.alias} (${t.region}, ${t.account})${t.wave ? ` wave ${t.wave}` : ""}: v${t.stableVersion} → ${t.newVersion ? `v${t.newVersion}` : "(not published)"}${t.state ? ` — ${t.state}` : ""}`,
  );
  const outcome = record.outcome
    ? `${record.outcome.outcome} (exit ${record.outcome.exitCode})${record.outcome.reason ? `: ${record.outcome.reason}` : ""}${record.outcome.incomplete ? `\n  (the record may be incomplete: ${record.outcome.incomplete})` : ""}`
    : "running (no outcome recorded yet)";
  return [
    `${record.kind === "release" ? "Release" : "Roll-out"} ${record.id} of ${record.name}`,
    `started ${record.startedAt} by ${describeActor(record.actor)}${record.actor.commit ? ` at ${record.actor.commit}` : ""}; ${record.endedAt ? `ended ${record.endedAt}` : "not ended"} (${durationOf(record, now)})`,
    `engine ${record.engine}${record.executionArn ? ` (${record.executionArn})` : ""}; plan ${record.plan}`,
    `gates: ${record.gates.length > 0 ? record.gates.join(", ") : "none"}`,
    "targets:",
    ...targets,
    "timeline:",
    ...record.timeline.map((entry) => `  ${entry.at.replace(/\.\d{3}Z$/, "Z")}  ${describeEntry(entry)}`),
    `outcome: ${outcome}`,
  ].join("\n");
}
