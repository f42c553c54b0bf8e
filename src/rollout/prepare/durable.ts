/**
 * Durable functions (`DurableConfig`): a durable execution stays on the version that started it and may
 * run for up to a year (https://docs.aws.amazon.com/lambda/latest/dg/durable-invoking.html). Moving the
 * alias moves new invocations only, so:
 * - `prune` never deletes a version on which durable executions still run (nor one it could not check);
 * - after a rollback, the result says how many still run on the rolled-back version, and how to list
 *   them: the rollback cannot move them. Best effort: a failure to list is a warning, never an outcome.
 * Smoke invocations name the version (qualifier = version number), which durable functions require of
 * every invocation anyway; `durable.test.ts` pins it.
 */
import { ExitCode } from "../../errors.js";
import type { CallOptions, FunctionState, LambdaPort } from "../../ports.js";
import type { ResultEvent, RolloutEvent } from "../events.js";

/** Why prune keeps a version durable executions still run on. */
export const DURABLE_RUNNING =
  "durable executions still run on it (each stays on the version that started it)";

/**
 * Which of `candidates` (versions prune would delete) must stay because durable executions still run on
 * them, each with the reason. Only a durable function is asked (its versions carry DurableConfig in the
 * version list); a version whose check fails stays too.
 */
export async function durableVersionsToKeep(
  lambda: LambdaPort,
  functionName: string,
  versions: FunctionState[],
  candidates: string[],
  options: CallOptions = {},
): Promise<Map<string, string>> {
  const keep = new Map<string, string>();
  if (!versions.some((version) => version.durable)) return keep;
  for (const version of candidates) {
    try {
      const running = await lambda.runningDurableExecutions(functionName, version, { ...options, limit: 1 });
      if (running.count > 0) keep.set(version, DURABLE_RUNNING);
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      keep.set(version, `could not check it for running durable executions (${message}), so it stays`);
    }
  }
  return keep;
}

/** What a result says about the durable executions left on the version it rolled back from. */
export interface DurableExecutionsLeft {
  version: string;
  /** How many still run (at least this many when `more`). */
  running: number;
  more: boolean;
  /** Lists them (AWS CLI). */
  listCommand: string;
}

export function listDurableCommand(functionName: string, version: string, region?: string): string {
  return `aws lambda list-durable-executions-by-function --function-name ${functionName} --qualifier ${version} --statuses RUNNING${region ? ` --region ${region}` : ""}`;
}

/** A failure after the run started changing things: exit 4 (alias restored), or 5 (restore failed). */
const FAILED_AFTER_CHANGES: readonly number[] = [ExitCode.awsError, ExitCode.rollbackFailed];

/** The version a rollback (a deploy's, exit 1, or the `rollback` command's, exit 0) or failure left. */
const rolledBackFrom = (result: ResultEvent): string | undefined =>
  (result.outcome === "rolled_back" ||
    (result.outcome === "failed" && FAILED_AFTER_CHANGES.includes(result.exitCode))) &&
  result.toVersion !== null &&
  result.toVersion !== result.fromVersion &&
  /^\d+$/.test(result.toVersion)
    ? result.toVersion
    : undefined;

/**
 * After a run that ended off the new version (rolled back, or failed after publishing it): when that
 * version is durable and executions still run on it, the result carries their count and the command to
 * list them (in `durableExecutions` and its hint). `durable` is what the caller knows of the version;
 * unknown, it is read. Nothing here changes the outcome or the exit code.
 */
export async function reportDurableExecutionsLeft(
  lambda: LambdaPort,
  result: ResultEvent,
  options: {
    durable?: boolean | undefined;
    region?: string | undefined;
    emit?: ((event: RolloutEvent) => void) | undefined;
    signal?: AbortSignal | undefined;
  } = {},
): Promise<ResultEvent> {
  const version = rolledBackFrom(result);
  if (version === undefined || options.durable === false) return result;
  const functionName = result.function;
  try {
    const durable =
      options.durable ??
      (await lambda.getFunction(functionName, version, { signal: options.signal })).durable;
    if (!durable) return result;
    const { count, more } = await lambda.runningDurableExecutions(functionName, version, {
      signal: options.signal,
    });
    if (count === 0) return result;
    const left: DurableExecutionsLeft = {
      version,
      running: count,
      more,
      listCommand: listDurableCommand(functionName, version, options.region),
    };
    const note = `${more ? "At least " : ""}${count} durable execution${count === 1 && !more ? "" : "s"} still run${count === 1 && !more ? "s" : ""} on v${version}: each stays on the version that started it, and the rollback cannot move ${count === 1 && !more ? "it" : "them"}. List them: ${left.listCommand}`;
    return { ...result, durableExecutions: left, hint: result.hint ? `${result.hint}\n${note}` : note };
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    options.emit?.({
      type: "warning",
      message: `Could not check v${version} for durable executions still running on it (the outcome is not affected): ${message}`,
    });
    return result;
  }
}
