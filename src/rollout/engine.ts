import {
  AwsError,
  ConflictError,
  ExitCode,
  GateFailedError,
  InterruptedError,
  RolloutError,
} from "../errors.js";
import type { GateContext, GatePhase, GateVerdict, HealthGate } from "../health/gate.js";
import type { Plan } from "../plan/plan.js";
import type { AliasState, Clock, LambdaPort } from "../ports.js";
import { AliasWriter } from "./alias-writer.js";
import type { EventSink, ResultEvent, RolloutEvent } from "./events.js";

export interface InconclusivePolicy {
  /** What an inconclusive verdict means once the extension is used up. */
  outcome: "pass" | "fail";
  /** How long a step may be extended waiting for enough evidence. */
  maxExtensionMs: number;
}

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
}

export interface EnginePorts {
  lambda: LambdaPort;
  clock: Clock;
  emit: EventSink;
  signal?: AbortSignal | undefined;
}

/** Why a roll-out stops early; the engine turns it into a rollback and an exit code. */
class Stop extends Error {
  constructor(readonly error: RolloutError) {
    super(error.message);
  }
}

/**
 * Executes a validated plan: pre-traffic gates, each weighted step with its bake, promotion, final
 * bake. Any failure restores 100% on the stable version. The alias ends either 100% stable or 100% new.
 */
export async function runRollout(request: RolloutRequest, ports: EnginePorts): Promise<ResultEvent> {
  const { alias, newVersion, plan } = request;
  const { clock, signal } = ports;
  const stable = alias.version;
  const writer = new AliasWriter(ports.lambda, alias);
  const emit = (event: RolloutEvent) => ports.emit({ ...event, at: clock.now() });
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

  const checkInterrupted = () => {
    if (signal?.aborted) {
      throw new Stop(
        new InterruptedError(
          `Interrupted (${String(signal.reason ?? "signal")}) at ${weight}% on v${newVersion}.`,
        ),
      );
    }
  };

  const runGates = async (gates: HealthGate[], phase: GatePhase): Promise<GateVerdict[]> => {
    const context: GateContext = {
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
    const verdicts: GateVerdict[] = [];
    for (const gate of gates) {
      const verdict = await gate.check(context);
      emit({ type: "gate", phase, weight, verdict });
      verdicts.push(verdict);
      if (verdict.status === "fail") {
        throw new Stop(
          new GateFailedError(
            `Health gate "${verdict.gate}" failed at ${weight}% (${phase}): ${verdict.detail}`,
            {
              context: {
                functionName: alias.functionName,
                alias: alias.aliasName,
                fromVersion: stable,
                toVersion: newVersion,
              },
            },
          ),
        );
      }
    }
    checkInterrupted();
    return verdicts;
  };

  /** Bakes for `bakeMs`, polling every interval, then checks once more before moving on. */
  const bake = async (bakeMs: number, step: number, phase: GatePhase, finalPhase: GatePhase) => {
    const deadline = stepStartedAt + bakeMs;
    let extendedUntil = deadline;
    for (;;) {
      const now = clock.now();
      const end = Math.max(deadline, extendedUntil);
      if (now >= end) {
        const verdicts = await runGates(request.gates, finalPhase);
        const pending = verdicts.filter((v) => v.status === "inconclusive");
        if (pending.length === 0) return;
        const limit = deadline + request.inconclusive.maxExtensionMs;
        if (clock.now() < limit) {
          extendedUntil = Math.min(limit, clock.now() + request.intervalMs);
          emit({
            type: "info",
            message: `Not enough evidence yet (${pending.map((v) => v.detail).join("; ")}); extending the bake.`,
          });
          continue;
        }
        if (request.inconclusive.outcome === "pass") {
          emit({
            type: "warning",
            message: `Still inconclusive after the extension; passing as configured.`,
          });
          return;
        }
        throw new Stop(
          new GateFailedError(
            `Health gate "${pending[0]?.gate}" stayed inconclusive at ${weight}%: ${pending[0]?.detail}`,
          ),
        );
      }
      emit({ type: "bake", weight, step, remainingMs: end - now, totalMs: bakeMs });
      await clock.sleep(Math.min(request.intervalMs, end - now), signal);
      checkInterrupted();
      if (clock.now() < end) await runGates(request.gates, phase);
    }
  };

  const rollBack = async (cause: RolloutError): Promise<ResultEvent> => {
    const moved = writer.state.version !== stable || writer.state.additional !== undefined;
    if (moved) emit({ type: "rollback", reason: cause.message, routing: { version: stable } });
    await writer.restore(stable, cause.message);
    const rolledBack = cause instanceof GateFailedError || cause instanceof InterruptedError;
    return result(rolledBack ? "rolled_back" : "failed", cause.exitCode, cause);
  };

  try {
    checkInterrupted();
    await runGates(request.preTraffic, "pre-traffic");
    const total = plan.steps.length;
    for (const [index, step] of plan.steps.entries()) {
      weight = step.weight;
      await writer.write({ version: stable, additional: { version: newVersion, weight } });
      stepStartedAt = clock.now();
      emit({
        type: "shift",
        fromVersion: stable,
        toVersion: newVersion,
        weight,
        step: index + 1,
        steps: total + 1,
      });
      await bake(step.bakeMs, index + 1, "bake", index + 1 < total ? "before-shift" : "before-promote");
    }
    weight = 100;
    await writer.write({ version: newVersion });
    stepStartedAt = clock.now();
    emit({
      type: "shift",
      fromVersion: stable,
      toVersion: newVersion,
      weight: 100,
      step: total + 1,
      steps: total + 1,
    });
    await runGates(request.postTraffic ?? [], "post-traffic");
    if (plan.finalBakeMs > 0) await bake(plan.finalBakeMs, total + 1, "final-bake", "final-bake");
    emit({ type: "promoted", version: newVersion });
    return result("promoted", ExitCode.ok);
  } catch (caught) {
    const error = caught instanceof Stop ? caught.error : toRolloutError(caught);
    // Someone else owns the alias now: leave it exactly as they left it.
    if (error instanceof ConflictError) return result("failed", error.exitCode, error);
    try {
      return await rollBack(error);
    } catch (rollbackError) {
      return result("failed", ExitCode.rollbackFailed, toRolloutError(rollbackError));
    }
  }
}

function toRolloutError(error: unknown): RolloutError {
  if (error instanceof RolloutError) return error;
  return new AwsError(error instanceof Error ? error.message : String(error), { cause: error });
}
