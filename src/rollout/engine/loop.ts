/**
 * The one roll-out loop. A wave of members (a one-function deploy is a wave of one; a release runs
 * one wave per group of regions) moves in lockstep: the same weight at the same step, one UpdateAlias
 * per member per step, written in parallel; pre-traffic gates, weighted steps with their bakes and
 * decisions, manual approval, the shift to 100%, post-traffic gates and the final bake. The wave's
 * gates are the union of its members'. The loop only moves forward: on any failure it throws, and its
 * caller, which owns every member's AliasWriter, restores (engine.ts for one function, release.ts for
 * every function of a release, earlier waves included).
 */
import { GateFailedError, InterruptedError } from "../../errors.js";
import type {
  GateContext,
  GatePhase,
  GateVerdict,
  HealthGate,
  InconclusivePolicy,
} from "../../health/gate.js";
import type { GateSet } from "../../health/gates.js";
import type { Plan } from "../../plan/plan.js";
import type { AliasRouting, Clock } from "../../ports.js";
import type { RolloutEvent } from "../events.js";
import { liveDescription, stepDescription } from "../progress.js";
import { allSettledOrThrow } from "../settle.js";
import { ForeignChangeError } from "./alias-writer.js";
import { type ApprovalWait, awaitApproval } from "./approval-wait.js";
import { afterDecision } from "./decision.js";
import type { WatchMoment, WaveMember } from "./member.js";

export type { WaveMember };

export interface WaveRequest {
  members: WaveMember[];
  plan: Plan;
  /** Bake after the wave is at 100% (the plan's final bake plus the wave's `bake`), gates watching. */
  holdMs: number;
  intervalMs: number;
  inconclusive: InconclusivePolicy;
  /** Wait for `lambda-rollout approve` after the last step's bake (approval-wait.ts). */
  approval?: ApprovalWait | undefined;
  /**
   * A one-function deploy: its messages name no function (the CLI's documented output) and say which
   * version they are about; a release's name the function and its region.
   */
  solo?: boolean | undefined;
}

export interface WavePorts {
  clock: Clock;
  /** Emits an event as said by one member (function, region added), or by the wave as a whole. */
  emit: (event: RolloutEvent, member?: WaveMember) => void;
  signal?: AbortSignal | undefined;
  /**
   * Reads the aliases on every bake poll, so an operator's `promote` or `rollback` is seen within one
   * poll; after a write refused by its RevisionId, to say whose change it was; and, in a release, the
   * earlier waves' before the wave's first write (release-watch.ts, operator.ts); it throws to end
   * the wave.
   */
  watch?: ((moment: WatchMoment, weight: number) => Promise<void>) | undefined;
  /** Told each weight the wave heads for, before its write (what an interruption says it was at). */
  heading?: ((weight: number) => void) | undefined;
}

export { allSettledOrThrow };

/** Runs the wave to 100% and through its hold. Throws GateFailedError, InterruptedError or AWS errors. */
export async function runWave(request: WaveRequest, ports: WavePorts): Promise<void> {
  const { members, plan, solo } = request;
  const { clock, signal } = ports;
  const only = solo ? members[0] : undefined;
  const context = only ? { functionName: only.functionName, alias: only.aliasName } : undefined;
  let weight = 0;
  /** The weight the aliases are at (`weight` already says the next one while a shift is on its way). */
  let written = 0;
  let stepStartedAt = clock.now();
  const at = () => `${weight}%${only ? ` on v${only.newVersion}` : ""}`;
  const checkInterrupted = () => {
    if (signal?.aborted) {
      throw new InterruptedError(`Interrupted (${String(signal.reason ?? "signal")}) at ${at()}.`, {
        context,
      });
    }
  };
  const note = (message: string) => ports.emit({ type: "info", message });

  /** Every member's gates of one kind, members in parallel; the first failure (list order) wins. */
  const runGates = async (pick: (set: GateSet) => HealthGate[], phase: GatePhase): Promise<GateVerdict[]> => {
    const perMember = await allSettledOrThrow(
      members.map(async (member) => {
        const verdicts: GateVerdict[] = [];
        for (const gate of pick(member.gates)) {
          checkInterrupted();
          const gateContext: GateContext = {
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
          const verdict = await gate.check(gateContext);
          // A check cut short by the signal says nothing about health: the interruption is the story.
          checkInterrupted();
          ports.emit({ type: "gate", phase, weight, verdict }, member);
          verdicts.push(verdict);
          if (verdict.status === "fail") {
            const of = solo ? "" : ` of ${member.functionName}${member.region ? ` (${member.region})` : ""}`;
            throw new GateFailedError(
              `Health gate "${verdict.gate}"${of} failed at ${weight}% (${phase}): ${verdict.detail}`,
              {
                context: {
                  functionName: member.functionName,
                  alias: member.aliasName,
                  fromVersion: member.stable,
                  toVersion: member.newVersion,
                },
              },
            );
          }
        }
        return verdicts;
      }),
    );
    return perMember.flat();
  };
  const polled = (phase: GatePhase) => runGates((set) => set.gates, phase);

  /** Bakes for `bakeMs`, polling every interval, then decides once more at `decision` before moving on. */
  const bake = async (bakeMs: number, step: number, phase: GatePhase, decision: GatePhase) => {
    const deadline = stepStartedAt + bakeMs;
    let end = deadline;
    for (;;) {
      const now = clock.now();
      if (now >= end) {
        const verdicts = await polled(decision);
        const next = afterDecision(verdicts, clock.now(), deadline, request);
        if (next.kind === "advance") return;
        if (next.kind === "pass-inconclusive") {
          ports.emit({
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
      ports.emit({ type: "bake", weight, step, remainingMs: end - now, totalMs: bakeMs });
      await clock.sleep(Math.min(request.intervalMs, end - now), signal);
      checkInterrupted();
      await ports.watch?.("poll", written);
      if (clock.now() < end) await polled(phase);
    }
  };

  /**
   * One UpdateAlias per member, all in parallel, with no read first: each carries the RevisionId its
   * member last saw, and Lambda refuses it if anyone changed that alias since. Only then are the
   * aliases read, to tell an operator's rollback or promote from a conflict.
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

  checkInterrupted();
  // An operator's rollback of the release since the earlier waves shipped moved none of this wave's aliases.
  await ports.watch?.("wave", 0);
  await runGates((set) => set.preTraffic, "pre-traffic");
  const total = plan.steps.length;
  for (const [index, step] of plan.steps.entries()) {
    weight = step.weight;
    ports.heading?.(weight);
    await shift(split, index + 1, total + 1);
    await bake(step.bakeMs, index + 1, "bake", index + 1 < total ? "before-shift" : "before-promote");
  }
  if (request.approval && total > 0) {
    await awaitApproval(request.approval, {
      members,
      weight,
      step: total,
      steps: total + 1,
      since: stepStartedAt,
      at: at(),
      context,
      intervalMs: request.intervalMs,
      clock,
      signal,
      write: (descriptionOf, then) => writeAll(split, descriptionOf, then),
      poll: async () => {
        checkInterrupted();
        await ports.watch?.("poll", written);
      },
      gates: polled,
      emit: ports.emit,
    });
  }
  weight = 100;
  ports.heading?.(weight);
  await shift((member) => ({ version: member.newVersion }), total + 1, total + 1);
  await runGates((set) => set.postTraffic, "post-traffic");
  // The final bake is time spent at 100% with the gates watching, not time the hooks took.
  stepStartedAt = clock.now();
  if (request.holdMs > 0) await bake(request.holdMs, total + 1, "final-bake", "final-check");
  for (const member of members) ports.emit({ type: "promoted", version: member.newVersion }, member);
}
