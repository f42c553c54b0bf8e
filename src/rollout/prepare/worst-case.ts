/** The longest a roll-out (or a release) can run, for the credentials lifetime check (lifetime.ts). */
import { DEFAULT_HOOK_TIMEOUT_MS, inconclusivePolicy, mayExtend } from "../../health/gates.js";
import type { Plan } from "../../plan/plan.js";
import { DEFAULT_APPROVAL_TIMEOUT_MS } from "../engine/approval.js";
import { DEFAULT_RESTORE_TIMEOUT_MS } from "../engine/engine.js";
import type { DeployRequest } from "../request/deploy-request.js";
import type { ReleaseRequest } from "../request/release-request.js";
import { type WorstCase, worstCaseDuration } from "./lifetime.js";
import { DEFAULT_UPDATE_TIMEOUT_MS } from "./publish.js";
import type { Checked } from "./release-prepare.js";

/** Every term of the plan that can keep a roll-out running, for the credentials lifetime check. */
export function worstCaseOf(
  request: DeployRequest,
  plan: Plan,
  /**
   * What validation found: SnapStart, a gate that may extend bakes, and (a capacity-provider function)
   * how long its new version may take to become Active.
   */
  facts: { snapStart?: boolean; extends?: boolean; activationMs?: number | undefined } = {},
): WorstCase {
  const snapStart = facts.snapStart ?? false;
  const hooks = (request.hooks?.preTraffic?.length ?? 0) + (request.hooks?.postTraffic?.length ?? 0);
  return worstCaseDuration({
    plan,
    // Only a gate that can answer "inconclusive" ever extends a bake.
    maxExtensionMs: (facts.extends ?? mayExtend(request)) ? inconclusivePolicy(request).maxExtensionMs : 0,
    hooks,
    hookTimeoutMs: request.hooks?.timeoutMs ?? DEFAULT_HOOK_TIMEOUT_MS,
    // A package waits for its code update; a SnapStart version also waits to become Active.
    updateWaitMs:
      (("zip" in request.source ? 1 : 0) + (snapStart ? 1 : 0)) *
      (request.updateTimeoutMs ?? DEFAULT_UPDATE_TIMEOUT_MS),
    activationWaitMs: facts.activationMs ?? 0,
    restoreTimeoutMs: request.restoreTimeoutMs ?? DEFAULT_RESTORE_TIMEOUT_MS,
    approvalTimeoutMs: request.manualApproval
      ? (request.manualApproval.timeoutMs ?? DEFAULT_APPROVAL_TIMEOUT_MS)
      : 0,
  });
}

/**
 * The longest the release can run: each wave with something to ship takes a whole single-function
 * worst case (bakes, extensions, hooks, the code update), plus its `bake`; the restore margin once.
 */
export function releaseWorstCase(request: ReleaseRequest, moving: Checked[]): WorstCase {
  const waves = request.waves.filter((_, index) => moving.some((item) => item.wave === index));
  const perWave = moving.map((item) =>
    worstCaseOf(
      {
        ...item.spec,
        source: { zip: item.spec.zip, bucket: item.spec.bucket },
        plan: request.plan,
        restoreTimeoutMs: request.restoreTimeoutMs,
        updateTimeoutMs: request.updateTimeoutMs,
        manualApproval: request.manualApproval,
      },
      request.plan,
    ),
  );
  const longest = perWave.reduce((a, b) => (b.totalMs > a.totalMs ? b : a));
  const restore = request.restoreTimeoutMs ?? DEFAULT_RESTORE_TIMEOUT_MS;
  const waveMs = longest.totalMs - restore;
  const bakes = waves.reduce((sum, wave) => sum + wave.bakeMs, 0);
  const parts = [
    { what: `${waves.length} wave(s) of the plan`, ms: waves.length * waveMs },
    { what: "wave bakes", ms: bakes },
    { what: "restore margin", ms: restore },
  ].filter((part) => part.ms > 0);
  return { totalMs: parts.reduce((sum, part) => sum + part.ms, 0), parts };
}
