import {
  AwsError,
  ExitCode,
  foundAfterChanges,
  GateFailedError,
  InterruptedError,
  RolloutError,
} from "../../errors.js";
import type {
  GateContext,
  GatePhase,
  GateVerdict,
  HealthGate,
  InconclusivePolicy,
} from "../../health/gate.js";
import type { Plan } from "../../plan/plan.js";
import type { AliasState, Clock, LambdaPort } from "../../ports.js";
import type { CommandVia } from "../commands.js";
import { type EventSink, guardSink, type ResultEvent, type RolloutEvent } from "../events.js";
import {
  descriptionTime,
  liveDescription,
  parseReplaced,
  stepDescription,
  type VersionRecord,
} from "../progress.js";
import { AliasWriter, ForeignChangeError } from "./alias-writer.js";
import { approvalTimeoutError, isApproved, operatorCommand } from "./approval.js";
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
  const note = (message: string) => emit({ type: "info", message });
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
  let weight = 0;
  let stepStartedAt = clock.now();

  const interrupted = () =>
    new InterruptedError(
      `Interrupted (${String(signal?.reason ?? "signal")}) at ${weight}% on v${newVersion}.`,
      {
        context,
      },
    );
  const checkInterrupted = () => {
    if (signal?.aborted) throw interrupted();
  };
  /**
   * The read of a bake poll, so an operator's promote or rollback is seen within one poll. Writes are
   * not preceded by a read: each carries the RevisionId last seen, and Lambda refuses it if the alias
   * changed since (AliasWriter.write then reads once to say whose change it was). A poll's read that
   * fails after the adapter's retries (throttling, an outage) is skipped, not fatal, since nothing is
   * written on it; the next poll tries again.
   */
  const pollAlias = async (): Promise<AliasState | undefined> => {
    try {
      return writer.observe(await ports.lambda.getAlias(alias.functionName, alias.aliasName, { signal }));
    } catch (error) {
      if (!(error instanceof AwsError) || !error.retryable || signal?.aborted) throw error;
      emit({
        type: "warning",
        message: `Could not read the alias during the bake (${error.message}); reading it again at the next poll.`,
      });
      return undefined;
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

  const runGates = async (gates: HealthGate[], phase: GatePhase): Promise<GateVerdict[]> => {
    const verdicts: GateVerdict[] = [];
    for (const gate of gates) {
      checkInterrupted();
      const gateContext: GateContext = {
        functionName: alias.functionName,
        aliasName: alias.aliasName,
        stableVersion: stable,
        newVersion,
        weight,
        phase,
        stepStartedAt,
        now: clock.now(),
        signal,
      };
      const verdict = await gate.check(gateContext);
      // A check cut short by the signal says nothing about health: the interruption is the story.
      checkInterrupted();
      emit({ type: "gate", phase, weight, verdict });
      verdicts.push(verdict);
      if (verdict.status === "fail") {
        throw new GateFailedError(
          `Health gate "${verdict.gate}" failed at ${weight}% (${phase}): ${verdict.detail}`,
          { context: { ...context, fromVersion: stable, toVersion: newVersion } },
        );
      }
    }
    return verdicts;
  };

  /** Bakes for `bakeMs`, polling every interval, then decides once more at `decision` before moving on. */
  const bake = async (bakeMs: number, step: number, phase: GatePhase, decision: GatePhase) => {
    const deadline = stepStartedAt + bakeMs;
    let end = deadline;
    for (;;) {
      const now = clock.now();
      if (now >= end) {
        const verdicts = await runGates(request.gates, decision);
        const next = afterDecision(verdicts, clock.now(), deadline, request);
        if (next.kind === "advance") return;
        if (next.kind === "pass-inconclusive") {
          emit({
            type: "warning",
            message: "Still inconclusive after the extension; passing as configured.",
          });
          return;
        }
        if (next.kind === "fail") {
          throw new GateFailedError(
            `Health gate "${next.verdict.gate}" stayed inconclusive at ${weight}%: ${next.verdict.detail}`,
            { context },
          );
        }
        end = next.until;
        note(
          `Not enough evidence yet (${next.pending.map((v) => v.detail).join("; ")}); extending the bake.`,
        );
        continue;
      }
      emit({ type: "bake", weight, step, remainingMs: end - now, totalMs: bakeMs });
      await clock.sleep(Math.min(request.intervalMs, end - now), signal);
      checkInterrupted();
      await pollAlias();
      if (clock.now() < end) await runGates(request.gates, phase);
    }
  };

  const shift = async (routing: Parameters<AliasWriter["write"]>[0], step: number, steps: number) => {
    checkInterrupted();
    const description =
      step < steps
        ? stepDescription({ step, steps, weight, toVersion: newVersion, fromVersion: stable }, clock.now())
        : liveDescription(request.records?.next, newVersion, clock.now(), stable);
    await writer.write(routing, { signal, note, description });
    stepStartedAt = clock.now();
    emit({ type: "shift", fromVersion: stable, toVersion: newVersion, weight, step, steps });
  };

  /**
   * Manual approval: records the wait in the alias description (routing unchanged), then polls the
   * alias and the gates every interval until the description says approved, the gates fail, an
   * operator resolves the split, or the timeout rolls back.
   */
  const awaitApproval = async (timeoutMs: number, step: number, steps: number) => {
    const until = clock.now() + timeoutMs;
    const progress = { step, steps, weight, toVersion: newVersion, fromVersion: stable };
    const routing = { version: stable, additional: { version: newVersion, weight } };
    checkInterrupted();
    await writer.write(routing, {
      signal,
      note,
      description: stepDescription(
        { ...progress, approval: { state: "awaiting", until: descriptionTime(until) } },
        stepStartedAt,
      ),
    });
    const command = operatorCommand("approve", alias.functionName, alias.aliasName, request.via);
    emit({
      type: "awaiting_approval",
      function: alias.functionName,
      alias: alias.aliasName,
      fromVersion: stable,
      toVersion: newVersion,
      weight,
      until: new Date(until).toISOString(),
      timeoutMs,
      approveCommand: command,
      rollbackCommand: operatorCommand("rollback", alias.functionName, alias.aliasName, request.via),
    });
    for (;;) {
      const now = clock.now();
      if (now >= until) {
        throw approvalTimeoutError(timeoutMs, weight, newVersion, command, context);
      }
      await clock.sleep(Math.min(request.intervalMs, until - now), signal);
      checkInterrupted();
      const live = await pollAlias();
      if (live && isApproved(live)) {
        emit({ type: "approved", version: newVersion, approvedAt: new Date(clock.now()).toISOString() });
        // The last gates' word comes after the approval, right before traffic moves.
        await runGates(request.gates, "before-promote");
        return;
      }
      if (clock.now() < until) await runGates(request.gates, "awaiting-approval");
    }
  };

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
    checkInterrupted();
    await runGates(request.preTraffic, "pre-traffic");
    const total = plan.steps.length;
    for (const [index, step] of plan.steps.entries()) {
      weight = step.weight;
      await shift({ version: stable, additional: { version: newVersion, weight } }, index + 1, total + 1);
      await bake(step.bakeMs, index + 1, "bake", index + 1 < total ? "before-shift" : "before-promote");
    }
    if (request.approval && total > 0) {
      await awaitApproval(request.approval.timeoutMs, total, total + 1);
    }
    weight = 100;
    await shift({ version: newVersion }, total + 1, total + 1);
    promotedByUs = true;
    await runGates(request.postTraffic ?? [], "post-traffic");
    // The final bake is time spent at 100% with the gates watching, not time the hooks took.
    stepStartedAt = clock.now();
    if (plan.finalBakeMs > 0) await bake(plan.finalBakeMs, total + 1, "final-bake", "final-check");
    emit({ type: "promoted", version: newVersion });
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

type Decision =
  | { kind: "advance" }
  | { kind: "extend"; until: number; pending: GateVerdict[] }
  | { kind: "pass-inconclusive" }
  | { kind: "fail"; verdict: GateVerdict };

/**
 * What to do after the check at the end of a bake (failed verdicts have already thrown): move on,
 * extend the bake while evidence is missing and the extension allows, or settle an inconclusive gate
 * by the configured policy.
 */
export function afterDecision(
  verdicts: GateVerdict[],
  now: number,
  bakeDeadline: number,
  policy: Pick<RolloutRequest, "inconclusive" | "intervalMs">,
): Decision {
  const pending = verdicts.filter((v) => v.status === "inconclusive");
  const first = pending[0];
  if (first === undefined) return { kind: "advance" };
  const limit = bakeDeadline + policy.inconclusive.maxExtensionMs;
  if (now < limit) return { kind: "extend", until: Math.min(limit, now + policy.intervalMs), pending };
  return policy.inconclusive.outcome === "pass"
    ? { kind: "pass-inconclusive" }
    : { kind: "fail", verdict: first };
}

function toRolloutError(error: unknown): RolloutError {
  if (error instanceof RolloutError) return error;
  return new AwsError(error instanceof Error ? error.message : String(error), { cause: error });
}
