import { ExitCode } from "../errors.js";
import type { AliasState, LambdaPort, StepFunctionsPort } from "../ports.js";
import { describeRouting } from "./alias-writer.js";
import { operatorCommand, progressOf } from "./approval.js";
import { type CommandVia, suggestedCommand } from "./commands.js";
import { failedResult, type ResultEvent } from "./events.js";
import { executionOf, liveDescription, type StepProgress } from "./progress.js";
import { previousVersionOf } from "./publish.js";

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
): Promise<AliasStatus> {
  const via: CommandVia = typeof named === "string" ? { region: named } : (named ?? {});
  const command = (verb: string) => `\`${suggestedCommand(verb, functionName, aliasName, via)}\``;
  const alias = await lambda.getAlias(functionName, aliasName);
  const executionArn = executionOf(alias.description);
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
  const approval = approvalOf(progress, functionName, aliasName, via);
  const by = execution ? ` Step Functions execution ${execution.arn}: ${execution.status}.` : "";
  const next =
    approval?.state === "awaiting"
      ? ` It is awaiting manual approval until ${approval.until}. Approve it with \`${approval.approveCommand}\`, or stop it with \`${approval.rollbackCommand}\`.`
      : approval?.state === "approved"
        ? ` It was approved at ${approval.at}; the deploy promotes it at its next poll.`
        : ` Run ${command("promote")} to finish it or ${command("rollback")} to undo it.`;
  const summary = running
    ? `${functionName}:${aliasName} is being rolled out server-side: ${describeRouting(alias)}${at}.${by} ${command("rollback")} stops it and restores the stable version.`
    : alias.additional
      ? `${functionName}:${aliasName} is mid-roll-out: ${describeRouting(alias)}${at}.${by}${next}`
      : `${functionName}:${aliasName} serves ${describeRouting(alias)}; no roll-out in progress.${by}`;
  return {
    type: "status",
    function: functionName,
    alias: aliasName,
    version: alias.version,
    weights,
    inProgress: alias.additional !== undefined || running,
    fromVersion: alias.additional ? alias.version : null,
    toVersion: alias.additional?.version ?? null,
    weight: alias.additional?.weight ?? null,
    toVersionDescription: target?.description ?? null,
    progress,
    approval,
    execution,
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
): Promise<ResultEvent> {
  const base = { type: "result" as const, function: functionName, alias: aliasName };
  let alias: AliasState;
  try {
    alias = await lambda.getAlias(functionName, aliasName);
  } catch (error) {
    return failedResult(base, error);
  }
  if (!alias.additional) {
    return {
      ...base,
      outcome: "noop",
      fromVersion: alias.version,
      toVersion: alias.version,
      reason: `${functionName}:${aliasName} is not mid-roll-out (${describeRouting(alias)}); nothing to ${resolution === "rollback" ? "roll back" : "promote"}.`,
      hint:
        resolution === "rollback"
          ? await revertHint(lambda, functionName, aliasName, alias.version, via)
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
): Promise<string | null> {
  if (version === "$LATEST") return null;
  const current = await lambda.getFunction(functionName, version).catch(() => undefined);
  const previous = previousVersionOf(current?.description);
  if (previous === undefined || previous === "$LATEST") return null;
  return `v${version} replaced v${previous}. To go back to it, with the same gates: ${suggestedCommand("deploy", functionName, aliasName, via)} --version ${previous}`;
}
