/**
 * `status`, `rollback` and `promote` for a release, from AWS state alone. Each alias description says
 * which release moved it, in which wave of how many, and what it served before (progress.ts); each
 * version a release published says the same in its own description (publish.ts). From those, any
 * machine can tell whether the newest release finished, and finish or undo it.
 */
import { ExitCode } from "../../errors.js";
import type { AliasState, LambdaPort } from "../../ports.js";
import { describeRouting } from "../engine/alias-writer.js";
import type { ResultEvent } from "../events.js";
import type { LedgerAccess } from "../ledger/location.js";
import { aliasKeyOf } from "../ledger/location.js";
import { type HeldHead, readHead } from "../ledger/lock.js";
import { readRecord, recordOperatorAction } from "../ledger/read.js";
import { describeActor, type RolloutRecord } from "../ledger/record.js";
import { releaseOfVersion } from "../prepare/publish.js";
import { liveDescription, parseReleaseMark, type ReleaseMark } from "../progress.js";

export interface ReleaseMember {
  functionName: string;
  aliasName: string;
  region: string | undefined;
}

/** Where one function of the environment stands with respect to the newest release. */
export type MemberState =
  /** Mid-shift: split between its pre-release version and the release's. */
  | "shifting"
  /** The release made its new version live. */
  | "promoted"
  /** The release published its version but never moved the alias. */
  | "published"
  /** Not touched by the newest release (unchanged in it, a later wave never started, or no release). */
  | "idle";

export interface MemberStatus {
  function: string;
  region: string | null;
  alias: string;
  routing: string;
  weights: Record<string, number>;
  state: MemberState;
  wave: number | null;
  fromVersion: string | null;
  toVersion: string | null;
}

export interface ReleaseStatus {
  type: "release-status";
  release: string | null;
  /** Waves the release has (with something to ship), and the furthest one it reached. */
  waves: number | null;
  reached: number | null;
  /** True when some function is mid-release: `promote` finishes it, `rollback` undoes it. */
  inProgress: boolean;
  functions: MemberStatus[];
  summary: string;
}

interface Read {
  member: ReleaseMember;
  lambda: LambdaPort;
  alias: AliasState;
  mark: ReleaseMark | undefined;
  /** For a function the release did not mark: the version it published for it, if any. */
  published?: { version: string; wave: number; waves: number } | undefined;
}

const weightsOf = (alias: AliasState): Record<string, number> =>
  alias.additional
    ? {
        [alias.version]: Number((100 - alias.additional.weight).toFixed(4)),
        [alias.additional.version]: alias.additional.weight,
      }
    : { [alias.version]: 100 };

/**
 * The newest release the ledger holds for these aliases: its record is the truth of which functions it
 * moved and from which versions, whatever their descriptions say now (anyone can edit them).
 */
async function ledgerRelease(
  ledger: LedgerAccess,
  reads: Read[],
): Promise<{ record: RolloutRecord; ref: { id: string; record: string }; heads: HeldHead[] } | undefined> {
  const heads = (
    await Promise.all(
      reads.map((read) => readHead(ledger.store, ledger.location, aliasKeyOf(read.alias.aliasArn))),
    )
  ).flatMap((head) => (head ? [head] : []));
  const refs = new Map(
    heads
      .flatMap((held) => [...(held.head.holder ? [held.head.holder] : []), ...held.head.recent])
      .filter((ref) => ref.record.startsWith("releases/"))
      .map((ref) => [ref.id, { id: ref.id, record: ref.record }] as const),
  );
  // Ids sort by start time: the newest release is the one to act on.
  const newest = [...refs.keys()].sort().at(-1);
  const ref = newest === undefined ? undefined : refs.get(newest);
  const found = ref && (await readRecord(ledger, ref.record));
  return ref && found ? { record: found.record, ref, heads } : undefined;
}

/** Where the record's release left one alias, from the routing in place and the record alone. */
function markFromRecord(read: Read, record: RolloutRecord, waves: number): void {
  const target = record.targets.find((t) => t.aliasArn === read.alias.aliasArn);
  read.mark = undefined;
  read.published = undefined;
  if (!target?.newVersion || record.outcome) return;
  const tag = { id: record.id, wave: target.wave ?? 1, waves, fromVersion: target.stableVersion };
  const { alias } = read;
  if (alias.additional?.version === target.newVersion && alias.version === target.stableVersion)
    read.mark = { phase: "shifting", tag, toVersion: target.newVersion };
  else if (!alias.additional && alias.version === target.newVersion)
    read.mark = { phase: "live", tag, toVersion: target.newVersion };
  else if (!alias.additional && alias.version === target.stableVersion)
    read.published = { version: target.newVersion, wave: tag.wave, waves };
}

async function readAll(
  members: ReleaseMember[],
  lambdaFor: (region: string | undefined) => LambdaPort,
  ledger?: LedgerAccess,
) {
  const reads: Read[] = await Promise.all(
    members.map(async (member) => {
      const lambda = lambdaFor(member.region);
      const alias = await lambda.getAlias(member.functionName, member.aliasName);
      return { member, lambda, alias, mark: parseReleaseMark(alias.description, alias) };
    }),
  );
  const fromLedger = ledger ? await ledgerRelease(ledger, reads) : undefined;
  if (fromLedger) {
    const { record } = fromLedger;
    const waves = Math.max(1, ...record.targets.map((t) => t.wave ?? 1));
    const reached = Math.max(1, ...record.targets.filter((t) => t.newVersion).map((t) => t.wave ?? 1));
    for (const read of reads) markFromRecord(read, record, waves);
    return { reads, newest: record.id, waves, reached, ledger: fromLedger };
  }
  // The newest release wins: ids sort by start time.
  const ids = reads.flatMap((read) => (read.mark ? [read.mark.tag.id] : []));
  const newest = ids.sort().at(-1);
  if (newest === undefined) return { reads, newest, waves: null, reached: null, ledger: undefined };
  await Promise.all(
    reads
      .filter((read) => read.mark?.tag.id !== newest)
      .map(async (read) => {
        const versions = await read.lambda.listVersions(read.member.functionName);
        for (const version of versions) {
          const tag = releaseOfVersion(version.description);
          if (tag?.id === newest)
            read.published = { version: version.version, wave: tag.wave, waves: tag.waves };
        }
      }),
  );
  const ofNewest = reads.flatMap((read): { wave: number; waves: number }[] =>
    read.mark?.tag.id === newest ? [read.mark.tag] : read.published ? [read.published] : [],
  );
  const waves = Math.max(...ofNewest.map((tag) => tag.waves));
  const reached = Math.max(...ofNewest.map((tag) => tag.wave));
  return { reads, newest, waves, reached, ledger: undefined };
}

function stateOf(read: Read, newest: string | undefined): MemberState {
  if (newest !== undefined && read.mark?.tag.id === newest)
    return read.mark.phase === "shifting" ? "shifting" : "promoted";
  // Serving the release's version already (its promotion's description was lost or rewritten).
  if (read.published && read.published.version === read.alias.version && !read.alias.additional)
    return "promoted";
  if (read.published) return "published";
  return "idle";
}

export async function releaseStatus(
  members: ReleaseMember[],
  lambdaFor: (region: string | undefined) => LambdaPort,
  /** The flags that named the release (`--config F --env E`), for the commands the summary suggests. */
  targetFlags = "--config … --env …",
  ledger?: LedgerAccess,
): Promise<ReleaseStatus> {
  const { reads, newest, waves, reached, ledger: recorded } = await readAll(members, lambdaFor, ledger);
  const ended = recorded?.record.outcome;
  const functions = reads.map((read): MemberStatus => {
    const state = stateOf(read, newest);
    const ofNewest = state === "shifting" || state === "promoted";
    return {
      function: read.member.functionName,
      region: read.member.region ?? null,
      alias: read.member.aliasName,
      routing: describeRouting(read.alias),
      weights: weightsOf(read.alias),
      state,
      wave: ofNewest ? (read.mark?.tag.wave ?? null) : (read.published?.wave ?? null),
      fromVersion: ofNewest ? (read.mark?.tag.fromVersion ?? null) : null,
      toVersion: ofNewest ? (read.mark?.toVersion ?? null) : (read.published?.version ?? null),
    };
  });
  const inProgress =
    newest !== undefined &&
    !ended &&
    (functions.some((row) => row.state === "shifting" || row.state === "published") ||
      (reached ?? 0) < (waves ?? 0));
  const summary =
    newest === undefined
      ? `No release recorded on these ${functions.length} functions.`
      : ended
        ? `Release ${newest} ended ${ended.outcome}${ended.reason ? `: ${ended.reason}` : "."}`
        : inProgress
          ? `Release ${newest} is unfinished (reached wave ${reached} of ${waves}). Run \`lambda-rollout promote ${targetFlags}\` to finish it or \`lambda-rollout rollback ${targetFlags}\` to undo it.`
          : `Release ${newest} finished: every function it moved serves its new version.`;
  return { type: "release-status", release: newest ?? null, waves, reached, inProgress, functions, summary };
}

export type ReleaseEndResult = ResultEvent & { release: { id: string | null; functions: MemberStatus[] } };

/** What a result line about the whole release names: the release and its aliases. */
export function releaseResultBase(name: string, members: ReleaseMember[]) {
  return {
    type: "result" as const,
    function: `${name} (${members.length} functions)`,
    alias: [...new Set(members.map((m) => m.aliasName))].join(","),
  };
}

/**
 * Ends the newest release on one side. `rollback` puts every function it moved (promoted waves
 * included) back on its pre-release version; `promote` puts every function it published on its new
 * version. A finished release is left alone (noop).
 */
export async function endRelease(
  name: string,
  members: ReleaseMember[],
  lambdaFor: (region: string | undefined) => LambdaPort,
  resolution: "rollback" | "promote",
  now: () => number = Date.now,
  /** The flags that named the release (`--config F --env E`), for the commands the result suggests. */
  targetFlags = "--config … --env …",
  ledger?: LedgerAccess,
): Promise<ReleaseEndResult> {
  const base = releaseResultBase(name, members);
  const before = await releaseStatus(members, lambdaFor, targetFlags, ledger);
  const result = (
    outcome: ResultEvent["outcome"],
    exitCode: number,
    reason: string,
    hint: string | null,
    rows: MemberStatus[],
  ) => ({
    ...base,
    outcome,
    fromVersion: null,
    toVersion: null,
    reason,
    hint,
    exitCode,
    release: { id: before.release, functions: rows },
  });
  if (!before.inProgress) {
    const hint =
      resolution === "rollback" && before.release
        ? "To go back to the previous packages, deploy them again (with the same gates)."
        : null;
    return result(
      "noop",
      ExitCode.ok,
      `${before.summary} Nothing to ${resolution === "rollback" ? "roll back" : "promote"}.`,
      hint,
      before.functions,
    );
  }
  const id = before.release as string;
  const { reads, ledger: recorded } = await readAll(members, lambdaFor, ledger);
  const failures: string[] = [];
  await Promise.all(
    reads.map(async (read) => {
      const state = stateOf(read, id);
      const { functionName, aliasName } = read.member;
      let target: string | undefined;
      let description: string | undefined;
      if (resolution === "rollback" && (state === "shifting" || state === "promoted") && read.mark) {
        target = read.mark.tag.fromVersion;
        description = liveDescription(undefined, target, now());
      }
      if (resolution === "promote" && state === "shifting" && read.mark) {
        target = read.mark.toVersion;
        description = liveDescription(undefined, target, now(), read.mark.tag.fromVersion, read.mark.tag);
      }
      if (resolution === "promote" && state === "published" && read.published) {
        target = read.published.version;
        description = liveDescription(undefined, target, now(), read.alias.version, {
          id,
          wave: read.published.wave,
          waves: read.published.waves,
          fromVersion: read.alias.version,
        });
      }
      if (target === undefined) return;
      try {
        await read.lambda.updateAlias(functionName, aliasName, { version: target }, read.alias.revisionId, {
          description,
        });
      } catch (error) {
        failures.push(
          `${functionName}${read.member.region ? ` (${read.member.region})` : ""}: ${error instanceof Error ? error.message : String(error)}`,
        );
      }
    }),
  );
  // The record gets the operator's action and, unless some function could not be set or waves are
  // still to ship (a running release ships them; a later deploy does), the outcome; every alias's lock
  // is freed with it.
  let unrecorded = "";
  const unfinished = resolution === "promote" && (before.reached ?? 0) < (before.waves ?? 0);
  const ends = failures.length === 0 && !unfinished;
  if (ledger && recorded) {
    const outcome = resolution === "rollback" ? "rolled_back" : "promoted";
    await recordOperatorAction(
      ledger,
      recorded.ref,
      {
        name: resolution,
        actor: ledger.actor,
        detail: `${resolution} of the release${failures.length > 0 ? `; ${failures.length} function(s) could not be set` : ""}`,
        now: now(),
        outcome: ends
          ? {
              outcome,
              exitCode: outcome === "promoted" ? 0 : 1,
              reason: `${outcome === "promoted" ? "Promoted" : "Rolled back"} by an operator.`,
              hint: null,
            }
          : undefined,
      },
      ends ? recorded.heads : [],
    ).catch((error: unknown) => {
      unrecorded = ` The ledger record could not be updated (${error instanceof Error ? error.message : String(error)}).`;
    });
  }
  const after = await releaseStatus(members, lambdaFor, targetFlags, ledger);
  if (failures.length > 0) {
    return result(
      "failed",
      ExitCode.rollbackFailed,
      `Release ${id}: ${failures.length} function(s) could not be set: ${failures.join(" | ")}`,
      `Run \`lambda-rollout ${resolution} ${targetFlags}\` again.`,
      after.functions,
    );
  }
  if (unfinished) {
    const rest = `waves ${(before.reached ?? 0) + 1}..${before.waves}`;
    const shipped = `the functions of waves 1..${before.reached} now serve their new versions`;
    // Its runner still holds the locks (within their lease): it carries on with those waves itself
    // (release.ts, after an operator's promote of an earlier wave). Read before this command wrote.
    const runner = recorded && runnerOf(recorded, now());
    if (runner) {
      return result(
        "promoted",
        ExitCode.ok,
        `Release ${id}: ${shipped}; ${rest} are not published yet, and the running release (started by ${runner}) ships them under its plan.${unrecorded}`,
        `Follow it with \`lambda-rollout status ${targetFlags}\`; \`lambda-rollout rollback ${targetFlags}\` undoes the whole release.`,
        after.functions,
      );
    }
    return result(
      "failed",
      ExitCode.awsError,
      `Release ${id}: ${rest} never started (their packages were not published), so they cannot be promoted; ${shipped}.`,
      recorded
        ? `Its runner is gone (its locks' lease ran out): run \`lambda-rollout deploy ${targetFlags}\` again to ship the remaining waves, or \`rollback\` to undo the release.`
        : `If the release is still running, it ships them itself under its plan (follow it with \`lambda-rollout status ${targetFlags}\`); if its runner is gone, run \`lambda-rollout deploy ${targetFlags}\` again to ship them, or \`rollback\` to undo the release.`,
      after.functions,
    );
  }
  return result(
    resolution === "rollback" ? "rolled_back" : "promoted",
    ExitCode.ok,
    resolution === "rollback"
      ? `Release ${id} rolled back: every function it moved serves its pre-release version again.${unrecorded}`
      : `Release ${id} promoted: every function it published serves its new version.${unrecorded}`,
    null,
    after.functions,
  );
}

/** Who runs the release, when a lock of its aliases is still held by it within its lease. */
function runnerOf(recorded: { record: RolloutRecord; heads: HeldHead[] }, now: number): string | undefined {
  const { record } = recorded;
  if (record.outcome) return undefined;
  const held = recorded.heads.some(
    ({ head }) => head.holder?.id === record.id && Date.parse(head.holder.leaseUntil) > now,
  );
  return held ? describeActor(record.actor) : undefined;
}
