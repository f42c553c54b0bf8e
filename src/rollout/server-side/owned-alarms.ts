/**
 * The alarms a server-side roll-out owns (its metric gate as a CloudWatch alarm, health/metric-alarm.ts):
 * created just before StartExecution (never left behind when the start fails), watched by the state
 * machine like any named alarm, deleted by the follower when the execution ends. A detached run or a
 * killed follower leaves them; the next command for the alias (deploy --engine stepfunctions, status,
 * rollback, promote, prune) sweeps those whose execution has ended, and never one whose execution
 * still runs.
 */
import { InputError } from "../../errors.js";
import { metricAlarmOf, ownedAlarmPrefix, ownerOf } from "../../health/metric-alarm.js";
import type { MetricGateOptions } from "../../health/metrics-options.js";
import type { CallOptions, MetricMathAlarm, OwnedAlarmsPort, StepFunctionsPort } from "../../ports.js";

/**
 * An alarm whose execution does not exist (the CLI died between PutMetricAlarm and StartExecution, or
 * Step Functions forgot the execution) is swept only once it is this old, so a roll-out that is about
 * to start is never robbed of its gate.
 */
export const ORPHAN_GRACE_MS = 15 * 60_000;

/** The alarms a roll-out creates: one for its metric gate, when it has one. */
export function ownedAlarmsFor(
  metrics: MetricGateOptions | undefined,
  target: { functionName: string; aliasName: string; stableVersion: string; newVersion: string },
  executionArn: string,
): MetricMathAlarm[] {
  if (!metrics) return [];
  const owner = {
    functionName: target.functionName,
    aliasName: target.aliasName,
    version: target.newVersion,
    executionArn,
  };
  return [metricAlarmOf(metrics, owner, target.stableVersion)];
}

/**
 * Creates every alarm, or none: when one fails, those already written are deleted (best effort) and the
 * error is thrown. PutMetricAlarm replaces an alarm of the same name, so a retry is safe.
 */
export async function createOwnedAlarms(
  port: OwnedAlarmsPort,
  alarms: MetricMathAlarm[],
  options?: CallOptions,
): Promise<string[]> {
  const created: string[] = [];
  try {
    for (const alarm of alarms) {
      created.push(alarm.name);
      await port.putMetricMathAlarm(alarm, options);
    }
  } catch (error) {
    await port.deleteAlarms(created).catch(() => {});
    throw error;
  }
  return created;
}

/** Deletes a roll-out's alarms once it has ended; a failure is a warning naming what is left. */
export async function deleteOwnedAlarms(
  port: OwnedAlarmsPort,
  names: string[],
  warn: (message: string) => void,
): Promise<void> {
  if (names.length === 0) return;
  try {
    await port.deleteAlarms(names);
  } catch (error) {
    warn(
      `The roll-out's own alarm(s) ${names.join(", ")} could not be deleted (${error instanceof Error ? error.message : String(error)}); the next lambda-rollout status, deploy, rollback, promote or prune of this alias deletes them.`,
    );
  }
}

/**
 * Deletes the alias's (or, without an alias, the function's) owned alarms whose roll-out has ended: its
 * execution is not RUNNING, or it does not exist and the alarm is older than {@link ORPHAN_GRACE_MS}.
 * Alarms that are not ours (no owner in the description, another function) are never touched. Returns
 * the names deleted; failures to read are warnings, never the command's failure.
 */
export async function sweepOwnedAlarms(
  port: OwnedAlarmsPort,
  stepFunctions: StepFunctionsPort,
  target: { functionName: string; aliasName?: string | undefined },
  options: {
    now: number;
    warn: (message: string) => void;
    keep?: string[] | undefined;
    signal?: AbortSignal | undefined;
  },
): Promise<string[]> {
  const call = { signal: options.signal };
  let listed: Awaited<ReturnType<OwnedAlarmsPort["listAlarms"]>>;
  try {
    listed = await port.listAlarms(ownedAlarmPrefix(target.functionName, target.aliasName), call);
  } catch (error) {
    options.warn(
      `Could not look for alarms left by ended server-side roll-outs (${error instanceof Error ? error.message : String(error)}).`,
    );
    return [];
  }
  const ended: string[] = [];
  for (const alarm of listed) {
    const owner = ownerOf(alarm.description);
    if (!owner || owner.functionName !== target.functionName) continue;
    if (target.aliasName !== undefined && owner.aliasName !== target.aliasName) continue;
    if (options.keep?.includes(alarm.name)) continue;
    const status = await stepFunctions.describeExecution(owner.executionArn, call).then(
      (execution) => execution.status,
      (error: unknown) => (error instanceof InputError ? "MISSING" : undefined),
    );
    if (status === undefined || status === "RUNNING") continue;
    if (status === "MISSING") {
      const age = alarm.updatedAt ? options.now - alarm.updatedAt.getTime() : 0;
      if (age < ORPHAN_GRACE_MS) continue;
    }
    ended.push(alarm.name);
  }
  if (ended.length === 0) return [];
  try {
    await port.deleteAlarms(ended, call);
  } catch (error) {
    options.warn(
      `Could not delete the alarm(s) ${ended.join(", ")} of ended server-side roll-outs (${error instanceof Error ? error.message : String(error)}).`,
    );
    return [];
  }
  return ended;
}
