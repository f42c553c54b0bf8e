/**
 * Manual approval before 100%. A deploy with `--manual-approval` stops after its last step's bake,
 * writes "awaiting approval until T" into the alias description (routing unchanged) and keeps polling
 * its gates. `approve` turns that into "approved at T" with one UpdateAlias guarded by the RevisionId,
 * routing unchanged; the deploy reads it at its next poll and promotes. The state lives in AWS, so the
 * deploy, `status` and `approve` may run on three different machines.
 */
import {
  ApprovalTimeoutError,
  ConflictError,
  type ErrorContext,
  ExitCode,
  InputError,
  RolloutError,
} from "../../errors.js";
import { formatDuration } from "../../plan/duration.js";
import type { Plan } from "../../plan/plan.js";
import type { AliasState, LambdaPort } from "../../ports.js";
import { type CommandVia, suggestedCommand } from "../commands.js";
import { failedResult, type ResultEvent } from "../events.js";
import { intentOf, recordAction } from "../ledger/intent.js";
import type { LedgerAccess } from "../ledger/location.js";
import {
  descriptionTime,
  parseReleaseMark,
  parseStep,
  type StepProgress,
  stepDescription,
} from "../progress.js";
import { describeRouting } from "./alias-writer.js";

export const DEFAULT_APPROVAL_TIMEOUT_MS = 60 * 60_000;

/** The exact `approve` (or `rollback`) command line for a roll-out waiting on this alias. */
export function operatorCommand(
  verb: "approve" | "rollback",
  functionName: string,
  aliasName: string,
  via: CommandVia = {},
): string {
  return suggestedCommand(verb, functionName, aliasName, via);
}

/** No approval in time: the deploy rolls back, locally or server-side, with these words. */
export function approvalTimeoutError(
  timeoutMs: number,
  /** Where the roll-out waited: `10% on v7`, or a release wave's own words. */
  at: string,
  approveCommand: string,
  context?: ErrorContext,
): ApprovalTimeoutError {
  return new ApprovalTimeoutError(
    `No approval within ${formatDuration(timeoutMs)} (--approval-timeout) at ${at}: rolled back.`,
    { context, hint: `Next time, approve within the timeout with: ${approveCommand}` },
  );
}

/** Manual approval pauses before the shift to 100%, with traffic on both versions: it needs a step. */
export function assertApprovable(plan: Plan): void {
  if (plan.steps.length > 0) return;
  throw new InputError(
    `Manual approval needs at least one traffic step before 100%, and the plan "${plan.strategy}" has none.`,
    {
      hint: 'Use a canary or linear strategy, or --steps such as "10%:5m", so the new version takes some traffic while it waits for approval.',
    },
  );
}

/**
 * The step and approval state the description gives, believed only when it describes the split in
 * place (someone may have moved the alias by hand since).
 */
export function progressOf(alias: AliasState): StepProgress | undefined {
  const step = parseStep(alias.description);
  if (!step || !alias.additional) return undefined;
  if (step.toVersion !== alias.additional.version || step.fromVersion !== alias.version) return undefined;
  return step;
}

/** True when the description says this split's roll-out was approved. */
export function isApproved(alias: AliasState): boolean {
  return progressOf(alias)?.approval?.state === "approved";
}

/**
 * Records the approval of the roll-out waiting on the alias. Every outcome is a result: `approved`
 * (exit 0); `noop` when it was approved already (exit 0, so approving twice is harmless); exit 3 when
 * nothing is awaiting approval (no roll-out, one still baking an earlier step, or one whose wait
 * ended): nothing is changed then.
 */
export async function approve(
  lambda: LambdaPort,
  functionName: string,
  aliasName: string,
  now: number = Date.now(),
  /** How the user named the target: the commands the result suggests name it the same way. */
  via: CommandVia = {},
  ledger?: LedgerAccess,
): Promise<ResultEvent> {
  const base = { type: "result" as const, function: functionName, alias: aliasName };
  let alias: AliasState | undefined;
  try {
    alias = await lambda.getAlias(functionName, aliasName);
    const progress = progressOf(alias);
    const versions = { fromVersion: alias.version, toVersion: alias.additional?.version ?? alias.version };
    const approval = progress?.approval;
    if (!progress || !approval) throw notAwaiting(alias, progress, via);
    if (approval.state === "approved") {
      return {
        ...base,
        ...versions,
        outcome: "noop",
        reason: `Already approved at ${approval.at}: the deploy waiting at ${progress.weight}% promotes v${progress.toVersion} at its next poll.`,
        hint: null,
        exitCode: ExitCode.ok,
      };
    }
    if (Date.parse(approval.until) <= now) throw waitEnded(alias, approval.until, via);
    const at = descriptionTime(now);
    // A release's mark stays: its status, rollback and promote read the alias by it.
    const description = stepDescription(
      { ...progress, approval: { state: "approved", at } },
      Date.parse(progress.since),
      parseReleaseMark(alias.description, alias)?.tag,
    );
    // Routing unchanged; the RevisionId makes sure the deploy did not move on (or roll back) meanwhile.
    const routing = { version: alias.version, additional: alias.additional };
    await lambda.updateAlias(functionName, aliasName, routing, alias.revisionId, { description });
    // The grant goes into the roll-out's record too (who approved, when); the deploy reads the alias.
    const approved = alias;
    if (ledger)
      await intentOf(ledger, approved, now)
        .then((intent) =>
          recordAction(intent, {
            name: "approve",
            detail: `approved v${progress.toVersion} at ${progress.weight}%`,
            now,
          }),
        )
        .catch(() => {});
    return {
      ...base,
      ...versions,
      outcome: "approved",
      reason: `Approved at ${at}: the deploy waiting at ${progress.weight}% promotes v${progress.toVersion} at its next poll. Follow it with \`${suggestedCommand("status", functionName, aliasName, via)}\`.`,
      hint: null,
      exitCode: ExitCode.ok,
    };
  } catch (error) {
    if (!(error instanceof RolloutError)) throw error;
    return failedResult(
      { ...base, fromVersion: alias?.version, toVersion: alias?.additional?.version },
      error,
    );
  }
}

function notAwaiting(alias: AliasState, progress: StepProgress | undefined, via: CommandVia): ConflictError {
  const { functionName, aliasName } = alias;
  const where = !alias.additional
    ? `it serves ${describeRouting(alias)}, no roll-out in progress`
    : progress
      ? `its roll-out is at step ${progress.step} of ${progress.steps} (${progress.weight}%), still baking`
      : `it is split (${describeRouting(alias)}) but no lambda-rollout deploy recorded a wait for approval`;
  return new ConflictError(
    `Nothing to approve: ${functionName}:${aliasName} is not awaiting approval (${where}). Nothing was changed.`,
    {
      context: { functionName, alias: aliasName },
      hint: `Only a deploy with --manual-approval waits for approval, after its last step's bake. \`${suggestedCommand("status", functionName, aliasName, via)}\` shows where it is.`,
    },
  );
}

function waitEnded(alias: AliasState, until: string, via: CommandVia): ConflictError {
  const { functionName, aliasName } = alias;
  return new ConflictError(
    `Nothing to approve: the wait for approval on ${functionName}:${aliasName} ended at ${until}; the deploy that waited has rolled back or is gone, and the alias is still split (${describeRouting(alias)}). Nothing was changed.`,
    {
      context: { functionName, alias: aliasName },
      hint: `Finish the split with \`${suggestedCommand("promote", functionName, aliasName, via)}\` or undo it with \`${suggestedCommand("rollback", functionName, aliasName, via)}\`.`,
    },
  );
}
