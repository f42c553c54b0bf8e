/**
 * Manual approval inside the loop (loop.ts): after the last step's bake, every member's description
 * says "awaiting approval until T" (routing unchanged); then the aliases and the gates are polled every
 * interval until every member's description says approved (`approve`, approval.ts), a gate fails, an
 * operator ends the run, or the timeout does (ApprovalTimeoutError: the caller restores).
 */
import type { ErrorContext } from "../../errors.js";
import type { GatePhase, GateVerdict } from "../../health/gate.js";
import type { Clock } from "../../ports.js";
import type { RolloutEvent } from "../events.js";
import { descriptionTime, stepDescription } from "../progress.js";
import { approvalTimeoutError, isApproved } from "./approval.js";
import type { WaveMember } from "./member.js";

export interface ApprovalWait {
  timeoutMs: number;
  /** The commands the `awaiting_approval` event and the timeout's hint name. */
  approveCommand: string;
  rollbackCommand: string;
}

export interface ApprovalMoment {
  members: WaveMember[];
  weight: number;
  step: number;
  steps: number;
  /** When the last step started (its description keeps saying so). */
  since: number;
  /** "10%", or "10% on v8" for one function: where the timeout says it stopped. */
  at: string;
  context: ErrorContext | undefined;
  intervalMs: number;
  clock: Clock;
  signal: AbortSignal | undefined;
  /** Writes every member's routing unchanged with the description given, then calls `then` per member. */
  write: (descriptionOf: (member: WaveMember) => string, then: (member: WaveMember) => void) => Promise<void>;
  /** Reads the aliases (the writers then hold what they say); throws to end the run. */
  poll: () => Promise<void>;
  gates: (phase: GatePhase) => Promise<GateVerdict[]>;
  emit: (event: RolloutEvent, member?: WaveMember) => void;
}

export async function awaitApproval(approval: ApprovalWait, moment: ApprovalMoment): Promise<void> {
  const { clock, members, weight } = moment;
  const until = clock.now() + approval.timeoutMs;
  await moment.write(
    (member) =>
      stepDescription(
        {
          step: moment.step,
          steps: moment.steps,
          weight,
          toVersion: member.newVersion,
          fromVersion: member.stable,
          approval: { state: "awaiting", until: descriptionTime(until) },
        },
        moment.since,
        member.tag,
      ),
    (member) =>
      moment.emit(
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
      throw approvalTimeoutError(approval.timeoutMs, moment.at, approval.approveCommand, moment.context);
    }
    await clock.sleep(Math.min(moment.intervalMs, until - now), moment.signal);
    await moment.poll();
    if (members.every((member) => isApproved(member.writer.state))) {
      const approvedAt = new Date(clock.now()).toISOString();
      for (const member of members)
        moment.emit({ type: "approved", version: member.newVersion, approvedAt }, member);
      // The last gates' word comes after the approval, right before traffic moves.
      await moment.gates("before-promote");
      return;
    }
    if (clock.now() < until) await moment.gates("awaiting-approval");
  }
}
