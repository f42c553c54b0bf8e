/**
 * Where a release stands, from AWS state alone (or its ledger record): each alias description says
 * which release moved it, in which wave of how many, and what it served before (progress.ts); each
 * version a release published says the same in its own description (publish.ts). `status` of a release
 * is this read; release-manage.ts acts on it.
 */
import type { AliasState, LambdaPort } from "../../ports.js";
import { describeRouting } from "../engine/alias-writer.js";
import type { LedgerAccess } from "../ledger/location.js";
import { aliasKeyOf } from "../ledger/location.js";
import { type HeldHead, readHead } from "../ledger/lock.js";
import { readRecord } from "../ledger/read.js";
import type { RolloutRecord } from "../ledger/record.js";
import { releaseOfVersion } from "../prepare/publish.js";
import { parseReleaseMark, type ReleaseMark } from "../progress.js";

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

export async function readAll(
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

export function stateOf(read: Read, newest: string | undefined): MemberState {
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
