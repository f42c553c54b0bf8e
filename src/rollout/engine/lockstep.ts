/**
 * One wave of a release: every function of the wave shifts in lockstep (the same weight at the same
 * step, one UpdateAlias per function per step, written in parallel), and the wave's gates are the union
 * of its functions' gates. It only moves forward: on any failure it throws, and the release
 * (release.ts), which owns every function's AliasWriter, restores all of them, earlier waves included.
 */
import { ApprovalTimeoutError, GateFailedError, InterruptedError } from "../../errors.js";
import type {
  GateContext,
  GatePhase,
  GateVerdict,
  HealthGate,
  InconclusivePolicy,
} from "../../health/gate.js";
import type { GateSet } from "../../health/gates.js";
import { formatDuration } from "../../plan/duration.js";
import type { Plan } from "../../plan/plan.js";
import type { AliasRouting, Clock } from "../../ports.js";
import type { RolloutEvent } from "../events.js";
import {
  descriptionTime,
  liveDescription,
  type ReleaseTag,
  stepDescription,
  type VersionRecord,
} from "../progress.js";
import { ForeignChangeError } from "./alias-writer.js";
import { isApproved } from "./approval.js";
import { afterDecision } from "./engine.js";
import type { WatchedMember, WatchMoment } from "./release-watch.js";

/** One function of the wave, published and validated, with its own writer and gates. */
export interface WaveMember extends Omit<WatchedMember, "lambda"> {
  gates: GateSet;
  tag: ReleaseTag;
  next: VersionRecord | undefined;
}

export interface WaveRequest {
  members: WaveMember[];
  plan: Plan;
  /** Bake after the wave is at 100% (the plan's final bake plus the wave's `bake`), gates watching. */
  holdMs: number;
  intervalMs: number;
  inconclusive: InconclusivePolicy;
  /**
   * Wait for `lambda-rollout approve` of every function of the wave after the last step's bake, before
   * the shift to 100%, polling the gates meanwhile; no approval within `timeoutMs` ends the wave
   * (ApprovalTimeoutError: the release restores everything). The commands go into the event.
   */
  approval?: { timeoutMs: number; approveCommand: string; rollbackCommand: string } | undefined;
}

export interface WavePorts {
  clock: Clock;
  /** Emits an event as said by one member (function, region added), or by the wave as a whole. */
  emit: (event: RolloutEvent, member?: WaveMember) => void;
  signal?: AbortSignal | undefined;
  /**
   * Reads the aliases on every bake poll, so an operator's `promote` or `rollback` of the release is
   * seen within one poll, after a write refused by its RevisionId, to say whose change it was, and
   * the earlier waves' before the wave's first write (release-watch.ts); it throws to end the wave.
   */
  watch?: ((moment: WatchMoment, weight: number) => Promise<void>) | undefined;
}

/** Throws the first rejection in list order after every promise settled (no write is left in flight). */
export async function allSettledOrThrow<T>(promises: Promise<T>[]): Promise<T[]> {
  const settled = await Promise.allSettled(promises);
  const failed = settled.find((outcome) => outcome.status === "rejected");
  if (failed) throw failed.reason;
  return settled.map((outcome) => (outcome as PromiseFulfilledResult<T>).value);
}

/** Runs the wave to 100% and through its hold. Throws GateFailedError, InterruptedError or AWS errors. */
export async function runWave(request: WaveRequest, ports: WavePorts): Promise<void> {
  const { members, plan } = request;
  const { clock, signal } = ports;
  let weight = 0;
  /** The weight the aliases are at (`weight` already says the next one while a shift is on its way). */
  let written = 0;
  let stepStartedAt = clock.now();
  const checkInterrupted = () => {
    if (signal?.aborted) {
      throw new InterruptedError(`Interrupted (${String(signal.reason ?? "signal")}) at ${weight}%.`);
    }
  };

  /** Every member's gates of one kind, members in parallel; the first failure (list order) wins. */
  const runGates = async (pick: (set: GateSet) => HealthGate[], phase: GatePhase): Promise<GateVerdict[]> => {
    const perMember = await allSettledOrThrow(
      members.map(async (member) => {
        const verdicts: GateVerdict[] = [];
        for (const gate of pick(member.gates)) {
          checkInterrupted();
          const context: GateContext = {
            functionName: member.functionName,
            aliasName: member.aliasName,
            stableVersion: member.stable,
            newVersion: member.newVersion,
            weight,
            phase,
            stepStartedAt,
            now: clock.now(),
            signal,
          };
          const verdict = await gate.check(context);
          checkInterrupted();
          ports.emit({ type: "gate", phase, weight, verdict }, member);
          verdicts.push(verdict);
          if (verdict.status === "fail") {
            throw new GateFailedError(
              `Health gate "${verdict.gate}" of ${member.functionName}${member.region ? ` (${member.region})` : ""} failed at ${weight}% (${phase}): ${verdict.detail}`,
              { context: { functionName: member.functionName, alias: member.aliasName } },
            );
          }
        }
        return verdicts;
      }),
    );
    return perMember.flat();
  };

  const bake = async (bakeMs: number, step: number, phase: GatePhase, decision: GatePhase) => {
    const deadline = stepStartedAt + bakeMs;
    let end = deadline;
    for (;;) {
      const now = clock.now();
      if (now >= end) {
        const verdicts = await runGates((set) => set.gates, decision);
        const next = afterDecision(verdicts, clock.now(), deadline, request);
        if (next.kind === "advance" || next.kind === "pass-inconclusive") return;
        if (next.kind === "fail") {
          throw new GateFailedError(
            `Health gate "${next.verdict.gate}" stayed inconclusive at ${weight}%: ${next.verdict.detail}`,
          );
        }
        end = next.until;
        continue;
      }
      ports.emit({ type: "bake", weight, step, remainingMs: end - now, totalMs: bakeMs });
      await clock.sleep(Math.min(request.intervalMs, end - now), signal);
      checkInterrupted();
      await ports.watch?.("poll", written);
      if (clock.now() < end) await runGates((set) => set.gates, phase);
    }
  };

  /**
   * One UpdateAlias per member, all in parallel, with no read first: each carries the RevisionId its
   * member last saw, and Lambda refuses it if anyone changed that alias since. Only then is the release
   * read, to tell an operator's rollback or promote of the release from a conflict.
   */
  const writeAll = async (
    routingOf: (member: WaveMember) => AliasRouting,
    descriptionOf: (member: WaveMember, now: number) => string,
    then: (member: WaveMember) => void,
  ) => {
    checkInterrupted();
    const now = clock.now();
    const writes = allSettledOrThrow(
      members.map(async (member) => {
        await member.writer.write(routingOf(member), {
          signal,
          description: descriptionOf(member, now),
          note: (message) => ports.emit({ type: "info", message }, member),
        });
        then(member);
      }),
    );
    try {
      await writes;
    } catch (error) {
      if (error instanceof ForeignChangeError && ports.watch) await ports.watch("write", written);
      throw error;
    }
  };

  /** Every member at the same weight (a step), or on its new version (the last). */
  const shift = async (routingOf: (member: WaveMember) => AliasRouting, step: number, steps: number) => {
    await writeAll(
      routingOf,
      (member, now) =>
        step < steps
          ? stepDescription(
              { step, steps, weight, toVersion: member.newVersion, fromVersion: member.stable },
              now,
              member.tag,
            )
          : liveDescription(member.next, member.newVersion, now, member.stable, member.tag),
      (member) =>
        ports.emit(
          { type: "shift", fromVersion: member.stable, toVersion: member.newVersion, weight, step, steps },
          member,
        ),
    );
    written = weight;
    stepStartedAt = clock.now();
  };

  const split = (member: WaveMember): AliasRouting => ({
    version: member.stable,
    additional: { version: member.newVersion, weight },
  });

  /**
   * Manual approval of the wave: every member's description says "awaiting approval until T" (routing
   * unchanged), then the aliases (through the watch) and the gates are polled every interval until
   * every member's description says approved (`approve`), a gate fails, an operator ends the release,
   * or the timeout ends it (approval.ts has the single-alias side).
   */
  const awaitApproval = async (
    approval: NonNullable<WaveRequest["approval"]>,
    step: number,
    steps: number,
  ): Promise<void> => {
    const until = clock.now() + approval.timeoutMs;
    const since = stepStartedAt;
    const progress = (member: WaveMember) => ({
      step,
      steps,
      weight,
      toVersion: member.newVersion,
      fromVersion: member.stable,
    });
    await writeAll(
      split,
      (member) =>
        stepDescription(
          { ...progress(member), approval: { state: "awaiting", until: descriptionTime(until) } },
          since,
          member.tag,
        ),
      (member) =>
        ports.emit(
          {
            type: "awaiting_approval",
            function: member.functionName,
            alias: member.aliasName,
            fromVersion: member.stable,
            toVersion: member.newVersion,
            weight,
            until: new Date(until).toISOString(),
            timeoutMs: approval.timeoutMs,
            approveCommand: approval.approveCommand,
            rollbackCommand: approval.rollbackCommand,
          },
          member,
        ),
    );
    for (;;) {
      const now = clock.now();
      if (now >= until) {
        throw new ApprovalTimeoutError(
          `No approval within ${formatDuration(approval.timeoutMs)} (--approval-timeout) at ${weight}%: rolled back.`,
          { hint: `Next time, approve within the timeout with: ${approval.approveCommand}` },
        );
      }
      await clock.sleep(Math.min(request.intervalMs, until - now), signal);
      checkInterrupted();
      await ports.watch?.("poll", written);
      if (members.every((member) => isApproved(member.writer.state))) {
        const approvedAt = new Date(clock.now()).toISOString();
        for (const member of members)
          ports.emit({ type: "approved", version: member.newVersion, approvedAt }, member);
        // The last gates' word comes after the approval, right before traffic moves.
        await runGates((set) => set.gates, "before-promote");
        return;
      }
      if (clock.now() < until) await runGates((set) => set.gates, "awaiting-approval");
    }
  };

  checkInterrupted();
  // An operator's rollback of the release since the earlier waves shipped moved none of this wave's aliases.
  await ports.watch?.("wave", 0);
  await runGates((set) => set.preTraffic, "pre-traffic");
  const total = plan.steps.length;
  for (const [index, step] of plan.steps.entries()) {
    weight = step.weight;
    await shift(split, index + 1, total + 1);
    await bake(step.bakeMs, index + 1, "bake", index + 1 < total ? "before-shift" : "before-promote");
  }
  if (request.approval && total > 0) await awaitApproval(request.approval, total, total + 1);
  weight = 100;
  await shift((member) => ({ version: member.newVersion }), total + 1, total + 1);
  await runGates((set) => set.postTraffic, "post-traffic");
  stepStartedAt = clock.now();
  if (request.holdMs > 0) await bake(request.holdMs, total + 1, "final-bake", "final-check");
  for (const member of members) ports.emit({ type: "promoted", version: member.newVersion }, member);
}
