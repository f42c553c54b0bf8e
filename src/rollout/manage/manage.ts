import { ExitCode } from "../../errors.js";
import type { AliasState, LambdaPort, StepFunctionsPort } from "../../ports.js";
import { type CommandVia, suggestedCommand } from "../commands.js";
import { describeRouting } from "../engine/alias-writer.js";
import { operatorCommand, progressOf } from "../engine/approval.js";
import { failedResult, type ResultEvent } from "../events.js";
import {
  type AliasIntent,
  executionOutcome,
  intentOf,
  type LedgerStatus,
  ledgerStatus,
  recordAction,
} from "../ledger/intent.js";
import type { LedgerAccess } from "../ledger/location.js";
import { previousVersionOf } from "../prepare/publish.js";
import { executionOf, liveDescription, type StepProgress } from "../progress.js";
import { serverSideApprovalStatus } from "../server-side/approval.js";

export interface AliasStatus {
  type: "status";
  function: string;
  alias: string;
  /** The primary version: during a roll-out, the stable one. */
  version: string;
  weights: Record<string, number>;
  inProgress: boolean;
  fromVersion: string | null;
  toVersion: string | null;
  /** Percent of traffic on `toVersion` while a roll-out is in progress. */
  weight: number | null;
  /** Description of the target version, as lambda-rollout wrote it when publishing. */
  toVersionDescription: string | null;
  /** The step a roll-out is at, as the deploy wrote it into the alias description with the routing. */
  progress: StepProgress | null;
  /**
   * A deploy with --manual-approval waiting before 100% (`awaiting`, with the exact commands), or
   * approved and about to promote at its next poll.
   */
  approval:
    | { state: "awaiting"; until: string; approveCommand: string; rollbackCommand: string }
    | { state: "approved"; at: string }
    | null;
  /** The Step Functions execution that last wrote the alias (a server-side roll-out), running or not. */
  execution: { arn: string; status: string; error: string | null; cause: string | null } | null;
  /** What the ledger says: the lock, the roll-out holding it, the last promotion; null without a ledger. */
  ledger: LedgerStatus | null;
  summary: string;
}

/** Reads what a roll-out left in AWS; works from any machine, no local state. */
export async function status(
  lambda: LambdaPort,
  functionName: string,
  aliasName: string,
  /**
   * How the user named the target (or just the region, when it was given explicitly): the commands
   * `status` prints name it the same way.
   */
  named?: string | CommandVia,
  stepFunctions?: StepFunctionsPort,
  ledger?: LedgerAccess,
  now: number = Date.now(),
): Promise<AliasStatus> {
  const via: CommandVia = typeof named === "string" ? { region: named } : (named ?? {});
  const command = (verb: string) => `\`${suggestedCommand(verb, functionName, aliasName, via)}\``;
  const alias = await lambda.getAlias(functionName, aliasName);
  let intent = ledger ? await intentOf(ledger, alias, now) : undefined;
  const executionArn = intent?.open?.executionArn ?? executionOf(alias.description);
  const described =
    executionArn && stepFunctions
      ? // Unreadable (no permission, another region): reported as UNKNOWN rather than failing the status.
        await stepFunctions.describeExecution(executionArn).catch(() => undefined)
      : undefined;
  const execution = executionArn
    ? {
        arn: executionArn,
        status: described?.status ?? "UNKNOWN",
        error: described?.error ?? null,
        cause: described?.cause ?? null,
      }
    : null;
  const running = execution?.status === "RUNNING";
  // A detached execution that ended: its record gets the outcome its follower never wrote.
  const ended = intent?.open?.executionArn ? executionOutcome(described, now) : undefined;
  if (intent && ended) {
    await recordAction(intent, { name: "status", detail: `read the ended execution`, now, outcome: ended });
    intent = await intentOf(intent.access, alias, now);
  }
  const open = intent?.open;
  const weights: Record<string, number> = {};
  if (alias.additional) {
    weights[alias.version] = Number((100 - alias.additional.weight).toFixed(4));
    weights[alias.additional.version] = alias.additional.weight;
  } else {
    weights[alias.version] = 100;
  }
  const target = alias.additional
    ? await lambda.getFunction(functionName, alias.additional.version).catch(() => undefined)
    : undefined;
  // The description is only believed when it describes the routing actually in place.
  const progress = progressOf(alias) ?? null;
  const at = progress
    ? ` (step ${progress.step} of ${progress.steps}, at this weight since ${progress.since})`
    : "";
  const approval =
    approvalOf(progress, functionName, aliasName, via) ??
    (running && alias.additional && intent && executionArn
      ? await serverSideApprovalStatus(intent, executionArn, functionName, aliasName, via)
      : null);
  const by = execution ? ` Step Functions execution ${execution.arn}: ${execution.status}.` : "";
  const next =
    approval?.state === "awaiting"
      ? ` It is awaiting manual approval until ${approval.until}. Approve it with \`${approval.approveCommand}\`, or stop it with \`${approval.rollbackCommand}\`.`
      : approval?.state === "approved"
        ? ` It was approved at ${approval.at}; the deploy promotes it at its next poll.`
        : ` Run ${command("promote")} to finish it or ${command("rollback")} to undo it.`;
  const held = intent?.head?.head.holder;
  const lock = held
    ? ` Locked by roll-out ${held.id} (${intent ? ledgerStatus(intent).lock?.by : ""}) since ${held.since}${intent?.expired ? `; its lease ran out at ${held.leaseUntil}` : ""}.`
    : "";
  const summary = running
    ? `${functionName}:${aliasName} is being rolled out server-side: ${describeRouting(alias)}${at}.${by}${lock}${approval?.state === "awaiting" ? next : ` ${command("rollback")} stops it and restores the stable version.`}`
    : alias.additional
      ? `${functionName}:${aliasName} is mid-roll-out: ${describeRouting(alias)}${at}.${by}${lock}${next}`
      : open && !intent?.expired
        ? `${functionName}:${aliasName} serves ${describeRouting(alias)}; roll-out ${open.id} is still running (before traffic moves, or baking at 100%).${lock} \`lambda-rollout rollback\` returns it to v${intent?.target?.stableVersion ?? "?"}.`
        : `${functionName}:${aliasName} serves ${describeRouting(alias)}; no roll-out in progress.${by}${lock}`;
  return {
    type: "status",
    function: functionName,
    alias: aliasName,
    version: alias.version,
    weights,
    inProgress: alias.additional !== undefined || running || (open !== undefined && !intent?.expired),
    fromVersion: alias.additional ? alias.version : null,
    toVersion: alias.additional?.version ?? null,
    weight: alias.additional?.weight ?? null,
    toVersionDescription: target?.description ?? null,
    progress,
    approval,
    execution,
    ledger: intent ? ledgerStatus(intent) : null,
    summary,
  };
}

function approvalOf(
  progress: StepProgress | null,
  functionName: string,
  aliasName: string,
  via: CommandVia,
): AliasStatus["approval"] {
  const approval = progress?.approval;
  if (!approval) return null;
  if (approval.state === "approved") return approval;
  return {
    ...approval,
    approveCommand: operatorCommand("approve", functionName, aliasName, via),
    rollbackCommand: operatorCommand("rollback", functionName, aliasName, via),
  };
}

/** How a split alias is settled. */
type SplitResolution = "rollback" | "promote";

/**
 * Resolves a split alias: `rollback` puts 100% on the primary (stable) version, `promote` on the
 * additional (new) one. Routing is removed entirely. An alias that is not split is left alone (noop).
 */
export async function resolveSplit(
  lambda: LambdaPort,
  functionName: string,
  aliasName: string,
  resolution: SplitResolution,
  now: number = Date.now(),
  /** How the user named the target: the command the result suggests names it the same way. */
  via: CommandVia = {},
  ledger?: LedgerAccess,
): Promise<ResultEvent> {
  const base = { type: "result" as const, function: functionName, alias: aliasName };
  let alias: AliasState;
  let intent: AliasIntent | undefined;
  try {
    alias = await lambda.getAlias(functionName, aliasName);
    intent = ledger ? await intentOf(ledger, alias, now) : undefined;
  } catch (error) {
    return failedResult(base, error);
  }
  if (!alias.additional) {
    const settled = await settleWhole(lambda, alias, resolution, intent, now);
    if (settled) return settled;
    return {
      ...base,
      outcome: "noop",
      fromVersion: alias.version,
      toVersion: alias.version,
      reason: `${functionName}:${aliasName} is not mid-roll-out (${describeRouting(alias)}); nothing to ${resolution === "rollback" ? "roll back" : "promote"}.`,
      hint:
        resolution === "rollback"
          ? await revertHint(lambda, functionName, aliasName, alias.version, via, intent)
          : null,
      exitCode: ExitCode.ok,
    };
  }
  const stable = alias.version;
  const candidate = alias.additional.version;
  const target = resolution === "rollback" ? stable : candidate;
  try {
    // The description says what is live now, so no step or approval is read from it afterwards.
    await lambda.updateAlias(functionName, aliasName, { version: target }, alias.revisionId, {
      description: liveDescription(undefined, target, now, resolution === "promote" ? stable : undefined),
    });
  } catch (error) {
    return failedResult({ ...base, fromVersion: stable, toVersion: candidate }, error);
  }
  if (intent) {
    const outcome = resolution === "rollback" ? "rolled_back" : "promoted";
    await recordAction(intent, {
      name: resolution,
      detail: `100% on v${target} (was ${describeRouting(alias)})`,
      now,
      outcome: {
        outcome,
        exitCode: outcome === "rolled_back" ? 1 : 0,
        reason: `${outcome === "rolled_back" ? "Rolled back" : "Promoted"} by an operator.`,
        hint: null,
      },
    }).catch(() => {});
  }
  return {
    ...base,
    outcome: resolution === "rollback" ? "rolled_back" : "promoted",
    fromVersion: stable,
    toVersion: candidate,
    reason:
      resolution === "rollback"
        ? `Rolled back: 100% on v${stable}, routing to v${candidate} removed.`
        : `Promoted: 100% on v${candidate}, routing removed.`,
    hint: null,
    exitCode: ExitCode.ok,
  };
}

/** After a finished roll-out, says how to return to the version it replaced (a gated deploy of it). */
async function revertHint(
  lambda: LambdaPort,
  functionName: string,
  aliasName: string,
  version: string,
  via: CommandVia,
  intent: AliasIntent | undefined,
): Promise<string | null> {
  if (version === "$LATEST") return null;
  // The ledger knows what the live version replaced, whichever way it was deployed (--version too).
  const promoted = intent?.lastPromotion;
  const current =
    promoted?.to === version
      ? undefined
      : await lambda.getFunction(functionName, version).catch(() => undefined);
  const previous = promoted?.to === version ? promoted.from : previousVersionOf(current?.description);
  if (previous === undefined || previous === "$LATEST") return null;
  return `v${version} replaced v${previous}. To go back to it, with the same gates: ${suggestedCommand("deploy", functionName, aliasName, via)} --version ${previous}`;
}

/**
 * A roll-out the ledger says is still open on an alias that is not split: at 100% on its new version
 * (post-traffic hooks, final bake) `rollback` returns it to its stable version, and a running deploy
 * ends "rolled back by an operator" at its next poll. A holder whose lease ran out is closed with what
 * the routing shows. Undefined: nothing for the ledger to settle here.
 */
async function settleWhole(
  lambda: LambdaPort,
  alias: AliasState,
  resolution: SplitResolution,
  intent: AliasIntent | undefined,
  now: number,
): Promise<ResultEvent | undefined> {
  const target = intent?.target;
  if (!intent?.open || !target) return undefined;
  const base = { type: "result" as const, function: alias.functionName, alias: alias.aliasName };
  const { stableVersion, newVersion } = target;
  if (resolution === "rollback" && newVersion === alias.version && stableVersion !== alias.version) {
    try {
      await lambda.updateAlias(
        alias.functionName,
        alias.aliasName,
        { version: stableVersion },
        alias.revisionId,
        {
          description: liveDescription(undefined, stableVersion, now),
        },
      );
    } catch (error) {
      return failedResult({ ...base, fromVersion: stableVersion, toVersion: newVersion }, error);
    }
    const reason = `Rolled back: roll-out ${intent.open.id} had v${newVersion} at 100% (before its final bake ended); 100% on v${stableVersion} again.`;
    await recordAction(intent, {
      name: "rollback",
      detail: `100% on v${stableVersion} (was 100% v${newVersion})`,
      now,
      outcome: { outcome: "rolled_back", exitCode: 1, reason: "Rolled back by an operator.", hint: null },
    }).catch(() => {});
    return {
      ...base,
      outcome: "rolled_back",
      fromVersion: stableVersion,
      toVersion: newVersion,
      reason,
      hint: null,
      exitCode: ExitCode.ok,
    };
  }
  if (!intent.expired) return undefined;
  // Its runner is gone and the alias is whole: the record gets what the routing shows, the lock is freed.
  const outcome =
    alias.version === newVersion ? "promoted" : alias.version === stableVersion ? "rolled_back" : "failed";
  await recordAction(intent, {
    name: resolution,
    detail: `closed the roll-out its runner left (alias ${describeRouting(alias)})`,
    now,
    outcome: {
      outcome,
      exitCode: outcome === "promoted" ? 0 : outcome === "rolled_back" ? 1 : 3,
      reason: `Its runner stopped; closed by an operator's ${resolution} with the alias on ${describeRouting(alias)}.`,
      hint: null,
    },
  }).catch(() => {});
  return undefined;
}
