/**
 * `rollback` and `promote` for a release, from AWS state alone: from where the release stands
 * (release-status.ts), any machine can finish or undo it, and the ledger record gets the operator's
 * action.
 */
import { ExitCode } from "../../errors.js";
import type { LambdaPort } from "../../ports.js";
import type { ResultEvent } from "../events.js";
import type { LedgerAccess } from "../ledger/location.js";
import type { HeldHead } from "../ledger/lock.js";
import { recordOperatorAction } from "../ledger/read.js";
import { describeActor, type RolloutRecord } from "../ledger/record.js";
import { liveDescription } from "../progress.js";
import { type MemberStatus, type ReleaseMember, readAll, releaseStatus, stateOf } from "./release-status.js";

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
