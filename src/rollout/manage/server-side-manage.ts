/**
 * `rollback` and `promote` of a server-side roll-out: the execution that owns the alias is stopped
 * first (a StopExecution runs no Catch, so nothing inside the machine restores anything), then the
 * alias is set whole, here, on the version asked for.
 */
import { ExitCode, InputError } from "../../errors.js";
import type { LambdaPort, StepFunctionsPort } from "../../ports.js";
import { failedResult, type ResultEvent } from "../events.js";
import { intentOf, recordAction } from "../ledger/intent.js";
import type { LedgerAccess } from "../ledger/location.js";
import { executionOf, liveDescription } from "../progress.js";

export const STOPPED_ERROR = "lambda-rollout.Stopped";

interface PlanVersions {
  stableVersion?: unknown;
  newVersion?: unknown;
}

/**
 * When a running execution wrote the alias description: stops it, then puts 100% on the stable
 * (`rollback`) or the new (`promote`) version of its plan. Undefined when no execution is running,
 * so the caller resolves the alias as for a local roll-out.
 */
export async function stopExecutionFirst(
  lambda: LambdaPort,
  stepFunctions: StepFunctionsPort,
  functionName: string,
  aliasName: string,
  resolution: "rollback" | "promote",
  now: () => number = Date.now,
  ledger?: LedgerAccess,
): Promise<ResultEvent | undefined> {
  const base = { type: "result" as const, function: functionName, alias: aliasName };
  try {
    const alias = await lambda.getAlias(functionName, aliasName);
    // The ledger's record names the execution; the description is the fallback for older roll-outs.
    const intent = ledger ? await intentOf(ledger, alias, now()) : undefined;
    const arn = intent?.open?.executionArn ?? executionOf(alias.description);
    if (!arn) return undefined;
    const execution = await stepFunctions.describeExecution(arn).catch((error: unknown) => {
      // Step Functions forgets closed executions after 90 days, and a state machine can be recreated:
      // an execution that no longer exists runs nothing, so the alias is settled as a local one.
      if (error instanceof InputError) return undefined;
      throw error;
    });
    if (execution?.status !== "RUNNING") return undefined;
    await stepFunctions.stopExecution(arn, STOPPED_ERROR, `lambda-rollout ${resolution}`);
    const plan = JSON.parse(execution.input ?? "{}") as PlanVersions;
    const stable = String(plan.stableVersion ?? alias.version);
    const next = String(plan.newVersion ?? alias.additional?.version ?? alias.version);
    const target = resolution === "rollback" ? stable : next;
    // Read after the stop: the last thing the execution wrote is what this write must follow.
    const current = await lambda.getAlias(functionName, aliasName);
    await lambda.updateAlias(functionName, aliasName, { version: target }, current.revisionId, {
      description: liveDescription(undefined, target, now(), resolution === "promote" ? stable : undefined),
    });
    if (intent) {
      const outcome = resolution === "rollback" ? "rolled_back" : "promoted";
      await recordAction(intent, {
        name: resolution,
        detail: `stopped execution ${arn}; 100% on v${target}`,
        now: now(),
        outcome: {
          outcome,
          exitCode: outcome === "promoted" ? 0 : 1,
          reason: `${resolution === "rollback" ? "Rolled back" : "Promoted"} by an operator (execution stopped).`,
          hint: null,
        },
      }).catch(() => {});
    }
    return {
      ...base,
      outcome: resolution === "rollback" ? "rolled_back" : "promoted",
      fromVersion: stable,
      toVersion: next,
      reason: `Stopped execution ${arn}; 100% on v${target}, routing removed.`,
      hint: null,
      exitCode: ExitCode.ok,
      executionArn: arn,
    };
  } catch (error) {
    return failedResult(base, error);
  }
}

/**
 * `rollback`/`promote --config --env` of a server-side release: the execution that runs it (named in
 * any member's alias description) is stopped first, so it writes nothing more; the release is then
 * settled from the aliases like a local one (release-manage.ts). Returns the executions stopped.
 */
export async function stopReleaseExecutions(
  members: {
    functionName: string;
    aliasName: string;
    lambda: LambdaPort;
    stepFunctions: StepFunctionsPort;
  }[],
  resolution: "rollback" | "promote",
): Promise<string[]> {
  const running = new Map<string, StepFunctionsPort>();
  for (const member of members) {
    const alias = await member.lambda.getAlias(member.functionName, member.aliasName);
    const arn = executionOf(alias.description);
    if (arn && !running.has(arn)) running.set(arn, member.stepFunctions);
  }
  const stopped: string[] = [];
  for (const [arn, stepFunctions] of running) {
    const execution = await stepFunctions.describeExecution(arn).catch((error: unknown) => {
      if (error instanceof InputError) return undefined;
      throw error;
    });
    if (execution?.status !== "RUNNING") continue;
    await stepFunctions.stopExecution(arn, STOPPED_ERROR, `lambda-rollout ${resolution}`);
    stopped.push(arn);
  }
  return stopped;
}

/**
 * `status --config --env` of a server-side release: the execution named in its aliases' descriptions
 * (the newest one when several are), as `status` of one function reports it; null when none is named.
 */
export async function releaseExecution(
  members: {
    functionName: string;
    aliasName: string;
    lambda: LambdaPort;
    stepFunctions: StepFunctionsPort;
  }[],
): Promise<{ arn: string; status: string; error: string | null; cause: string | null } | null> {
  let found: { arn: string; stepFunctions: StepFunctionsPort } | undefined;
  for (const member of members) {
    const alias = await member.lambda.getAlias(member.functionName, member.aliasName);
    const arn = executionOf(alias.description);
    // Execution names start with their start time in base 36 (input.ts): the greatest is the newest.
    if (arn && (!found || arn > found.arn)) found = { arn, stepFunctions: member.stepFunctions };
  }
  if (!found) return null;
  const described = await found.stepFunctions.describeExecution(found.arn).catch(() => undefined);
  return {
    arn: found.arn,
    status: described?.status ?? "UNKNOWN",
    error: described?.error ?? null,
    cause: described?.cause ?? null,
  };
}
