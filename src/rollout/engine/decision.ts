/** The decision at the end of a bake: move on, extend it while evidence is missing, or settle. */
import type { GateVerdict, InconclusivePolicy } from "../../health/gate.js";

export type Decision =
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
  policy: { inconclusive: InconclusivePolicy; intervalMs: number },
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
