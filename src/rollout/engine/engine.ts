import {
  AwsError,
  ExitCode,
  foundAfterChanges,
  GateFailedError,
  InterruptedError,
  RolloutError,
} from "../../errors.js";
import type { HealthGate, InconclusivePolicy } from "../../health/gate.js";
import type { Plan } from "../../plan/plan.js";
import type { AliasState, Clock, LambdaPort } from "../../ports.js";
import type { CommandVia } from "../commands.js";
import { type EventSink, guardSink, type ResultEvent, type RolloutEvent } from "../events.js";
import { liveDescription, parseReplaced, type VersionRecord } from "../progress.js";
import { AliasWriter, ForeignChangeError } from "./alias-writer.js";
import { operatorCommand } from "./approval.js";
import { runWave, type WaveMember, type WaveRequest } from "./loop.js";
import type { WatchMoment } from "./member.js";
import { operatorOutcome, operatorResolution } from "./operator.js";

export const DEFAULT_RESTORE_TIMEOUT_MS = 2 * 60_000;

export interface RolloutRequest {
  /** The alias as read at the start: serving 100% `stable`, not split. */
  alias: AliasState;
  newVersion: string;
  plan: Plan;
  /** Run once against the new version before any traffic moves. */
  preTraffic: HealthGate[];
  /** Polled during each bake and right before each weight increase and promotion. */
  gates: HealthGate[];
  /** Run once right after the shift to 100% (hook commands); a failure rolls back. */
  postTraffic?: HealthGate[] | undefined;
  intervalMs: number;
  inconclusive: InconclusivePolicy;
  /** How long restoring the alias keeps trying through throttling and outages; default 2 minutes. */
  restoreTimeoutMs?: number | undefined;
  /**
   * Wait for `lambda-rollout approve` after the last step's bake, before the shift to 100%, polling the
   * gates meanwhile; no approval within `timeoutMs` rolls back.
   */
  approval?: { timeoutMs: number } | undefined;
  /** How the user named the target: the commands the run suggests name it the same way. */
  via?: CommandVia | undefined;
  /** What the stable and the new version are made of, recorded in the alias description when live. */
  records?: { stable?: VersionRecord | undefined; next?: VersionRecord | undefined } | undefined;
}

export interface EnginePorts {
  lambda: LambdaPort;
  clock: Clock;
  emit: EventSink;
  signal?: AbortSignal | undefined;
}

/**
 * Executes a validated plan: pre-traffic gates, each weighted step with its bake, promotion, final
 * bake. Any failure restores 100% on the stable version. The alias ends either 100% stable or 100% new;
 * the only exceptions are someone else's change (exit 3, left as they set it) and a restore that AWS
 * refused for the whole restore timeout (exit 5, with the command to run).
 */
export async function runRollout(request: RolloutRequest, ports: EnginePorts): Promise<ResultEvent> {
  const { alias, newVersion, plan } = request;
  const { clock, signal } = ports;
  const stable = alias.version;
  const writer = new AliasWriter(ports.lambda, alias, request.via);
  const sink = guardSink(ports.emit);
  const emit = (event: RolloutEvent) => sink({ ...event, at: clock.now() });
  const context = { functionName: alias.functionName, alias: alias.aliasName };
  const result = (outcome: ResultEvent["outcome"], exitCode: number, error?: RolloutError): ResultEvent => ({
    type: "result",
    outcome,
    function: alias.functionName,
    alias: alias.aliasName,
    fromVersion: stable,
    toVersion: newVersion,
    reason: error?.message ?? null,
    hint: error?.hint ?? null,
    exitCode,
  });
  /**
   * The read of a bake poll, so an operator's promote or rollback is seen within one poll. Writes are
   * not preceded by a read: each carries the RevisionId last seen, and Lambda refuses it if the alias
   * changed since (AliasWriter.write then reads once to say whose change it was). A poll's read that
   * fails after the adapter's retries (throttling, an outage) is skipped, not fatal, since nothing is
   * written on it; the next poll tries again. Someone else's routing throws ForeignChangeError, which
   * `foreign` below turns into the operator's decision or a conflict.
   */
  const watch = async (moment: WatchMoment): Promise<void> => {
    if (moment !== "poll") return;
    try {
      writer.observe(await ports.lambda.getAlias(alias.functionName, alias.aliasName, { signal }));
    } catch (error) {
      if (!(error instanceof AwsError) || !error.retryable || signal?.aborted) throw error;
      emit({
        type: "warning",
        message: `Could not read the alias during the bake (${error.message}); reading it again at the next poll.`,
      });
    }
  };
  let promotedByUs = false;
  /** Someone else's change: an operator's promote or rollback ends the run their way; else exit 3. */
  const foreign = (change: ForeignChangeError, rollingBackAfter?: string): ResultEvent => {
    const resolution = operatorResolution(change.found, stable, newVersion);
    if (!resolution) return result("failed", change.exitCode, change);
    const skipped = promotedByUs
      ? []
      : [
          ...((request.postTraffic ?? []).length > 0 ? ["post-traffic hooks"] : []),
          ...(plan.finalBakeMs > 0 ? ["final bake"] : []),
        ];
    const decided = operatorOutcome(resolution, {
      functionName: alias.functionName,
      aliasName: alias.aliasName,
      stable,
      newVersion,
      had: writer.state,
      skipped,
      rollingBackAfter,
    });
    return { ...result(decided.outcome, decided.exitCode), reason: decided.reason };
  };
  /** The wave of one this deploy is (loop.ts). */
  const member: WaveMember = {
    functionName: alias.functionName,
    aliasName: alias.aliasName,
    region: undefined,
    stable,
    newVersion,
    writer,
    gates: { preTraffic: request.preTraffic, gates: request.gates, postTraffic: request.postTraffic ?? [] },
    tag: undefined,
    next: request.records?.next,
  };
  const wave: WaveRequest = {
    members: [member],
    plan,
    holdMs: plan.finalBakeMs,
    intervalMs: request.intervalMs,
    inconclusive: request.inconclusive,
    solo: true,
    approval: request.approval && {
      timeoutMs: request.approval.timeoutMs,
      approveCommand: operatorCommand("approve", alias.functionName, alias.aliasName, request.via),
      rollbackCommand: operatorCommand("rollback", alias.functionName, alias.aliasName, request.via),
    },
  };
  /** The weight the run heads for: what an interruption says it was at. */
  let weight = 0;
  const interrupted = () =>
    new InterruptedError(
      `Interrupted (${String(signal?.reason ?? "signal")}) at ${weight}% on v${newVersion}.`,
      {
        context,
      },
    );

  const rollBack = async (cause: RolloutError): Promise<ResultEvent> => {
    // Nothing written yet: the alias is as validation read it, with nothing to restore.
    const moved = !writer.isUntouched();
    if (moved) {
      emit({ type: "rollback", reason: cause.message, routing: { version: stable } });
      await writer.restore(stable, cause.message, {
        clock,
        // Back to how it was: the stable version still replaced what it replaced before this run.
        description: liveDescription(
          request.records?.stable,
          stable,
          clock.now(),
          parseReplaced(alias.description, stable),
        ),
        timeoutMs: request.restoreTimeoutMs ?? DEFAULT_RESTORE_TIMEOUT_MS,
        note: (message) => emit({ type: "warning", message }),
      });
    }
    if (cause.exitCode === ExitCode.rolledBack) {
      return result("rolled_back", ExitCode.rolledBack, cause);
    }
    // Whatever went wrong, it happened after this run started changing things: not "nothing changed".
    const where = `during the roll-out${moved ? `; the alias was restored to v${stable}` : ""}`;
    return result("failed", ExitCode.awsError, foundAfterChanges(cause, where));
  };

  try {
    await runWave(wave, {
      clock,
      signal,
      watch,
      heading: (next) => {
        weight = next;
      },
      emit: (event) => {
        if (event.type === "shift" && event.weight === 100) promotedByUs = true;
        emit(event);
      },
    });
    return result("promoted", ExitCode.ok);
  } catch (caught) {
    const error =
      signal?.aborted && !(caught instanceof GateFailedError) ? interrupted() : toRolloutError(caught);
    // Someone else owns the alias now: leave it exactly as they left it.
    if (caught instanceof ForeignChangeError) return foreign(caught);
    try {
      return await rollBack(error);
    } catch (rollbackError) {
      if (rollbackError instanceof ForeignChangeError) return foreign(rollbackError, error.message);
      const failure = toRolloutError(rollbackError);
      return result("failed", failure.exitCode, failure);
    }
  }
}

function toRolloutError(error: unknown): RolloutError {
  if (error instanceof RolloutError) return error;
  return new AwsError(error instanceof Error ? error.message : String(error), { cause: error });
}
