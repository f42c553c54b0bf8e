/** `status`: where an alias is, from AWS state alone (and the ledger's record when there is one). */
import type { LambdaPort, StepFunctionsPort } from "../../ports.js";
import { type CommandVia, suggestedCommand } from "../commands.js";
import { describeRouting } from "../engine/alias-writer.js";
import { operatorCommand, progressOf } from "../engine/approval.js";
import {
  executionOutcome,
  intentOf,
  type LedgerStatus,
  ledgerStatus,
  recordAction,
} from "../ledger/intent.js";
import type { LedgerAccess } from "../ledger/location.js";
import { executionOf, type StepProgress } from "../progress.js";
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
