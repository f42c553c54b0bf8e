/**
 * `approve --config F --env E` of a release: every function of the wave waiting for approval (see
 * engine/lockstep.ts) is approved, each with approve()'s one UpdateAlias guarded by its RevisionId,
 * routing and release mark unchanged. The release reads the approvals at its next poll and ships the
 * wave once every function of it is approved.
 */
import { ConflictError, ExitCode } from "../../errors.js";
import type { LambdaPort } from "../../ports.js";
import { approve, progressOf } from "../engine/approval.js";
import { failedResult, type ResultEvent } from "../events.js";
import type { LedgerAccess } from "../ledger/location.js";
import { releaseResultBase } from "./release-manage.js";
import type { ReleaseMember } from "./release-status.js";

export async function approveRelease(
  name: string,
  members: ReleaseMember[],
  lambdaFor: (region: string | undefined) => LambdaPort,
  now: number = Date.now(),
  /** The flags that named the release (`--config F --env E`), for the commands the result suggests. */
  targetFlags = "--config … --env …",
  ledger?: LedgerAccess,
): Promise<ResultEvent> {
  const base = { ...releaseResultBase(name, members), fromVersion: null, toVersion: null };
  const read = await Promise.all(
    members.map(async (member) => ({
      member,
      alias: await lambdaFor(member.region).getAlias(member.functionName, member.aliasName),
    })),
  );
  const waiting = read.filter(({ alias }) => progressOf(alias)?.approval !== undefined);
  if (waiting.length === 0) {
    return failedResult(
      base,
      new ConflictError(
        `Nothing to approve: no function of ${name} is awaiting approval. Nothing was changed.`,
        {
          hint: `Only a release with manualApproval waits for approval, each wave after its last step's bake. \`lambda-rollout status ${targetFlags}\` shows where it is.`,
        },
      ),
    );
  }
  const results = await Promise.all(
    waiting.map(({ member }) =>
      approve(
        lambdaFor(member.region),
        member.functionName,
        member.aliasName,
        now,
        { region: member.region },
        ledger,
      ),
    ),
  );
  const failed = results.find((result) => result.exitCode !== ExitCode.ok);
  if (failed) return { ...failed, function: base.function, alias: base.alias };
  const names = waiting.map(
    ({ member }) => `${member.functionName}${member.region ? ` [${member.region}]` : ""}`,
  );
  const fresh = results.filter((result) => result.outcome === "approved").length;
  return {
    ...base,
    outcome: fresh > 0 ? "approved" : "noop",
    reason: `${fresh > 0 ? "Approved" : "Already approved"}: ${names.join(", ")}; the release ships the wave at its next poll. Follow it with \`lambda-rollout status ${targetFlags}\`.`,
    hint: null,
    exitCode: ExitCode.ok,
  };
}
