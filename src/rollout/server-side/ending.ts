/**
 * A followed execution's ending as the roll-out's result, worded as the local engine words it: the
 * definition's failure names (src/stepfunctions/definition.ts) as gate failures, approval time-outs,
 * foreign changes, AWS errors and failed restores; any other ending (stopped by someone, timed out)
 * judged by what the alias serves now.
 */
import {
  AwsError,
  ConflictError,
  ExitCode,
  GateFailedError,
  RollbackFailedError,
  type RolloutError,
} from "../../errors.js";
import type { LambdaPort } from "../../ports.js";
import { FAILURE } from "../../stepfunctions/definition.js";
import type { Ending } from "../../stepfunctions/history.js";
import { describeRouting } from "../engine/alias-writer.js";
import { failedResult, type ResultEvent } from "../events.js";

/** What a server-side roll-out's result names: the alias and the versions it moves between. */
export interface ExecutionTarget {
  function: string;
  alias: string;
  fromVersion: string;
  toVersion: string;
}

export const executionResult = (
  target: ExecutionTarget,
  outcome: ResultEvent["outcome"],
  exitCode: number,
  reason: string,
  hint: string | null,
  executionArn?: string,
): ResultEvent => ({ type: "result", outcome, ...target, reason, hint, exitCode, executionArn });

export interface EndingContext {
  arn: string;
  target: ExecutionTarget;
  lambda: LambdaPort;
  /** The commands the result suggests. */
  commands: string;
  rollbackCommand: string;
  /** What the history said of the alarm that failed, if it did. */
  alarmFailure: string | undefined;
  /** The approval's time-out as the local engine words it, when the roll-out waits for one. */
  approvalExpired: (() => RolloutError) | undefined;
}

export async function resultOfEnding(end: Ending, context: EndingContext): Promise<ResultEvent> {
  const { arn, target } = context;
  if (end.kind === "succeeded") {
    return executionResult(
      target,
      "promoted",
      ExitCode.ok,
      `Execution ${arn} promoted v${target.toVersion}.`,
      null,
      arn,
    );
  }
  if (end.kind === "failed") {
    const error = failureOf(end, context);
    if (error) return { ...failedResult(target, error), executionArn: arn };
  }
  return await judgeAlias(
    end.kind === "failed" ? `failed (${end.error}: ${end.cause})` : `ended ${end.status}`,
    context,
  );
}

function failureOf(
  end: Extract<Ending, { kind: "failed" }>,
  { arn, target, commands, rollbackCommand, alarmFailure, approvalExpired }: EndingContext,
): RolloutError | undefined {
  const stable = target.fromVersion;
  const gate =
    end.error === FAILURE.alarm || end.error === FAILURE.alarmMissing
      ? "alarms"
      : end.error === FAILURE.smoke
        ? "smoke"
        : undefined;
  if (gate === "alarms" && alarmFailure)
    return new GateFailedError(`${alarmFailure}, in execution ${arn}; the execution restored v${stable}.`);
  if (gate)
    return new GateFailedError(
      `Health gate "${gate}" failed in execution ${arn}: ${end.cause}; the execution restored v${stable}.`,
    );
  if (end.error === FAILURE.approval && approvalExpired) return approvalExpired();
  if (end.error === FAILURE.foreign) {
    // As the local engine does: the other party's routing is theirs; nothing is restored over it.
    return new ConflictError(
      `Execution ${arn} stopped: ${end.cause}. Nothing was restored over that change.`,
      {
        hint: `Check the alias with \`${commands}\`; if the change was not meant to stay, run \`${rollbackCommand}\`.`,
      },
    );
  }
  if (end.error === FAILURE.task) {
    return new AwsError(`Execution ${arn} failed: ${end.cause}; the alias was restored to v${stable}.`);
  }
  if (end.error === FAILURE.restore) {
    return new RollbackFailedError(`Execution ${arn} could not restore v${stable}: ${end.cause}`, {
      hint: `Run \`${rollbackCommand}\`.`,
    });
  }
  return undefined;
}

/** An execution that ended some other way (stopped by someone, timed out): the alias says how it ended. */
async function judgeAlias(
  how: string,
  { arn, target, lambda, rollbackCommand }: EndingContext,
): Promise<ResultEvent> {
  const now = await lambda.getAlias(target.function, target.alias);
  const serves = describeRouting(now);
  if (!now.additional && now.version === target.toVersion) {
    return executionResult(
      target,
      "promoted",
      ExitCode.ok,
      `Execution ${arn} ${how}; the alias serves ${serves}.`,
      null,
      arn,
    );
  }
  if (!now.additional && now.version === target.fromVersion) {
    return executionResult(
      target,
      "rolled_back",
      ExitCode.rolledBack,
      `Execution ${arn} ${how}; the alias serves ${serves}.`,
      null,
      arn,
    );
  }
  return executionResult(
    target,
    "failed",
    ExitCode.rollbackFailed,
    `Execution ${arn} ${how}; the alias is left at ${serves}.`,
    `Run \`${rollbackCommand}\`.`,
    arn,
  );
}
