/**
 * The ledger's documents, as data, and the pure functions that build them. Two kinds of object live
 * under the ledger prefix (location.ts):
 *
 * - a **record** per roll-out and per release (location.ts recordPath): who started it, what it moves, the
 *   plan and gates, a timeline of shifts, gate verdicts, approvals and operator actions, the outcome;
 * - a **head** per function and alias (`aliases/<account>/<region>/<function>/<alias>.json`): the lock
 *   (which roll-out holds the alias, until when its lease runs) and the ids of its recent roll-outs, so
 *   `history` and `prune` find an alias's records without listing the bucket.
 *
 * Both are JSON, written with conditional requests (ledger.ts), and carry `schema: 1`.
 */
import type { StampedEvent } from "../events.js";

export const SCHEMA = 1;

/** Who started a roll-out: a GitHub Actions run, or a person at a machine. */
export interface Actor {
  name: string;
  /** `owner/name`, in GitHub Actions. */
  repository?: string | undefined;
  runUrl?: string | undefined;
  commit?: string | undefined;
  /** The machine, outside GitHub Actions. */
  host?: string | undefined;
}

/** Reads the actor from the environment the run was given (never process.env behind the caller). */
export function actorFrom(env: Record<string, string | undefined>, host: string): Actor {
  if (env.GITHUB_ACTIONS === "true" && env.GITHUB_ACTOR) {
    const server = env.GITHUB_SERVER_URL ?? "https://github.com";
    const runUrl =
      env.GITHUB_REPOSITORY && env.GITHUB_RUN_ID
        ? `${server}/${env.GITHUB_REPOSITORY}/actions/runs/${env.GITHUB_RUN_ID}`
        : undefined;
    return { name: env.GITHUB_ACTOR, repository: env.GITHUB_REPOSITORY, runUrl, commit: env.GITHUB_SHA };
  }
  return { name: env.USER ?? env.LOGNAME ?? env.USERNAME ?? "unknown", host };
}

export const describeActor = (actor: Actor): string =>
  actor.runUrl ? `${actor.name} (${actor.runUrl})` : actor.host ? `${actor.name}@${actor.host}` : actor.name;

/** One alias a roll-out moves. */
export interface RecordTarget {
  function: string;
  region: string;
  account: string;
  alias: string;
  aliasArn: string;
  /** The version the alias served 100% when the roll-out started. */
  stableVersion: string;
  /** Known from the start with `--version N`, else once published. */
  newVersion: string | null;
  codeSha256: string | null;
  /** Configuration fingerprint of the new version (progress.ts). */
  config: string | null;
  /** 1-based wave of a release. */
  wave: number | null;
  /** How it ended, set with the outcome. */
  state: "promoted" | "rolled_back" | "unchanged" | "not_started" | "failed" | null;
}

/** One thing that happened, with its time (ISO 8601). */
export type TimelineEntry = {
  at: string;
  function?: string | undefined;
  region?: string | null | undefined;
} & (
  | { type: "published"; version: string; codeSha256: string }
  | { type: "shift"; weight: number; step: number; steps: number; toVersion: string }
  | { type: "gate"; phase: string; weight: number; gate: string; status: string; detail: string }
  | { type: "rollback"; reason: string; toVersion: string }
  | { type: "awaiting_approval"; until: string }
  | { type: "approved"; approvedAt: string }
  | { type: "promoted"; version: string }
  | { type: "wave"; wave: number; waves: number }
  | { type: "warning"; message: string }
  | { type: "operator"; action: string; by: string; detail: string }
);

export interface RecordOutcome {
  outcome: string;
  exitCode: number;
  reason: string | null;
  hint: string | null;
  /** Set when the ledger could not save everything the run did (e.g. an S3 outage mid-roll-out). */
  incomplete?: string | undefined;
}

export interface RolloutRecord {
  schema: number;
  id: string;
  kind: "rollout" | "release";
  /** The function (one) or the environment (release). */
  name: string;
  startedAt: string;
  endedAt: string | null;
  actor: Actor;
  engine: "local" | "stepfunctions";
  executionArn: string | null;
  plan: string;
  gates: string[];
  targets: RecordTarget[];
  timeline: TimelineEntry[];
  /** Null while the roll-out runs (or when its runner died: the head's lease says which). */
  outcome: RecordOutcome | null;
}

/** The lock of one alias: the roll-out holding it and until when (renewed while it runs). */
export interface Holder {
  id: string;
  /** Its record's path under the ledger prefix (location.ts recordPath). */
  record: string;
  actor: Actor;
  since: string;
  leaseUntil: string;
}

export interface AliasHead {
  schema: number;
  function: string;
  region: string;
  account: string;
  alias: string;
  holder: Holder | null;
  /** Recent roll-outs of the alias, oldest first (at most {@link RECENT_LIMIT}). */
  recent: { id: string; startedAt: string; record: string }[];
}

export const RECENT_LIMIT = 200;

export const iso = (ms: number) => new Date(ms).toISOString();

/**
 * The part of an event the record keeps, or undefined. Gate verdicts polled during a bake are kept only
 * when they do not pass: the decisions (before each shift, before promotion, pre- and post-traffic)
 * are always kept, so the record shows every verdict that moved or stopped the roll-out, with values.
 */
export function entryOf(event: StampedEvent): TimelineEntry | undefined {
  const who = event.function !== undefined ? { function: event.function, region: event.region ?? null } : {};
  const at = iso(event.at);
  switch (event.type) {
    case "published":
      return { at, ...who, type: "published", version: event.version, codeSha256: event.codeSha256 };
    case "shift":
      return {
        at,
        ...who,
        type: "shift",
        weight: event.weight,
        step: event.step,
        steps: event.steps,
        toVersion: event.toVersion,
      };
    case "gate": {
      const polled =
        event.phase === "bake" || event.phase === "final-bake" || event.phase === "awaiting-approval";
      if (polled && event.verdict.status === "pass") return undefined;
      const { gate, status, detail } = event.verdict;
      return { at, ...who, type: "gate", phase: event.phase, weight: event.weight, gate, status, detail };
    }
    case "rollback":
      return { at, ...who, type: "rollback", reason: event.reason, toVersion: event.routing.version };
    case "awaiting_approval":
      return { at, ...who, type: "awaiting_approval", until: event.until };
    case "approved":
      return { at, ...who, type: "approved", approvedAt: event.approvedAt };
    case "promoted":
      return { at, ...who, type: "promoted", version: event.version };
    case "wave":
      return { at, type: "wave", wave: event.wave, waves: event.waves };
    case "warning":
      return { at, ...who, type: "warning", message: event.message };
    default:
      return undefined;
  }
}

/** Entries that change what a reader must know at once: written right away, not at the next heartbeat. */
export const isMilestone = (entry: TimelineEntry): boolean =>
  entry.type !== "gate" || entry.status === "fail";

/**
 * `ours` with what another writer added meanwhile (an operator's action appended by `rollback`, or an
 * outcome written for a finished execution): entries of theirs that ours lacks are kept, in time order.
 */
export function mergeRecords(ours: RolloutRecord, theirs: RolloutRecord): RolloutRecord {
  const known = new Set(ours.timeline.map((entry) => JSON.stringify(entry)));
  const added = theirs.timeline.filter((entry) => !known.has(JSON.stringify(entry)));
  const timeline = [...ours.timeline, ...added].sort((a, b) => (a.at < b.at ? -1 : a.at > b.at ? 1 : 0));
  return {
    ...ours,
    timeline,
    outcome: ours.outcome ?? theirs.outcome,
    endedAt: ours.endedAt ?? theirs.endedAt,
  };
}

/** Parses a ledger document; undefined for text that is not one (a foreign object at the key). */
/** A record as stored: indented JSON, one trailing newline. */
export const serializeRecord = (record: RolloutRecord) => `${JSON.stringify(record, null, 2)}\n`;

export function parseDocument<T extends RolloutRecord | AliasHead>(text: string): T | undefined {
  try {
    const value = JSON.parse(text) as { schema?: unknown };
    return value && typeof value === "object" && value.schema === SCHEMA ? (value as T) : undefined;
  } catch {
    return undefined;
  }
}

/** Versions an unfinished record still needs (both sides of every target). */
export function versionsNamed(record: RolloutRecord, target: { function: string; alias: string }): string[] {
  return record.targets
    .filter((t) => t.function === target.function)
    .flatMap((t) => [t.stableVersion, ...(t.newVersion ? [t.newVersion] : [])]);
}

/** The gates a roll-out was configured with, one line each, for the record. */
export function gateSummary(specs: {
  alarms?: string[] | undefined;
  smoke?: unknown[] | undefined;
  hooks?: { preTraffic?: string[] | undefined; postTraffic?: string[] | undefined } | undefined;
  metrics?: object | undefined;
}): string[] {
  return [
    ...(specs.alarms ?? []).map((name) => `alarm ${name}`),
    ...((specs.smoke?.length ?? 0) > 0 ? [`smoke (${specs.smoke?.length} invocation(s))`] : []),
    ...(specs.metrics ? ["metric analysis"] : []),
    ...(specs.hooks?.preTraffic ?? []).map((command) => `pre-traffic hook: ${command}`),
    ...(specs.hooks?.postTraffic ?? []).map((command) => `post-traffic hook: ${command}`),
  ];
}
