/**
 * One wave of a release: its packages published in parallel (each recorded in the ledger as it lands),
 * then the one loop (engine/loop.ts) over its functions with their gates, watched for an operator's
 * rollback or promote of the release (engine/release-watch.ts). Throws what ends the wave. And the
 * waves in order (shipWaves), carrying on past an operator's promote of an earlier one.
 */

import { InterruptedError } from "../../errors.js";
import { buildGates, inconclusivePolicy } from "../../health/gates.js";
import type { Clock } from "../../ports.js";
import type { AliasWriter } from "../engine/alias-writer.js";
import { DEFAULT_APPROVAL_TIMEOUT_MS } from "../engine/approval.js";
import { runWave, type WaveMember } from "../engine/loop.js";
import type { WatchedMember } from "../engine/member.js";
import { OperatorDecision, watchRelease } from "../engine/release-watch.js";
import type { RolloutEvent } from "../events.js";
import type { LedgerSession } from "../ledger/session.js";
import { type Checked, publish } from "../prepare/release-prepare.js";
import type { ReleaseRequest } from "../request/release-request.js";
import { allSettledOrThrow } from "../settle.js";

export const DEFAULT_RELEASE_INTERVAL_MS = 10_000;

/** Which wave: its functions, the functions earlier waves moved, its place and bake. */
export interface WaveAt {
  members: Checked[];
  earlier: Checked[];
  bakeMs: number;
  /** Its place among the waves with something to ship (1-based), and their count. */
  wave: number;
  waves: number;
  releaseId: string;
}

export interface WaveContext {
  clock: Clock;
  signal: AbortSignal | undefined;
  cwd: string | undefined;
  env: NodeJS.ProcessEnv | undefined;
  session: LedgerSession | undefined;
  emitFor: (event: RolloutEvent, spec?: { functionName: string; region: string | undefined }) => void;
}

/** A wave's packages, published in parallel; the ledger's record learns each version as it lands. */
export async function publishWave(
  members: Checked[],
  tagOf: { id: string; wave: number; waves: number },
  request: ReleaseRequest,
  context: WaveContext,
): Promise<void> {
  const { clock, signal, session, emitFor } = context;
  await allSettledOrThrow(
    members.map(async (item) => {
      await publish(item, tagOf, request, { clock, signal, emitFor });
      session?.update((record) => {
        const target = record.targets.find((t) => t.aliasArn === item.alias.aliasArn);
        if (!target) return;
        target.stableVersion = item.alias.version;
        target.newVersion = item.newVersion ?? null;
        target.codeSha256 = item.next?.codeSha256 ?? null;
        target.config = item.next?.config ?? null;
        target.wave = tagOf.wave;
      });
    }),
  );
  if (signal?.aborted) throw new InterruptedError(`Interrupted (${String(signal.reason ?? "signal")}).`);
}

export async function shipWave(at: WaveAt, request: ReleaseRequest, context: WaveContext): Promise<void> {
  const { members, releaseId } = at;
  const waveCount = at.waves;
  const { clock, signal, emitFor } = context;
  const tagOf = { id: releaseId, wave: at.wave, waves: waveCount };
  await publishWave(members, tagOf, request, context);
  const waveMembers: WaveMember[] = members.map((item) => {
    const built = buildGates(item.spec, {
      lambda: item.ports.lambda,
      alarms: item.ports.alarms,
      metrics: item.ports.metrics,
      clock,
      cwd: context.cwd,
      env: context.env,
      firingAtStart: item.firingAtStart,
    });
    return {
      ...watchedOf(item),
      gates: built,
      tag: { ...tagOf, fromVersion: item.alias.version },
      next: item.next,
    };
  });
  const strictest = members.find((item) => item.spec.metrics) ?? members[0];
  const watch = watchRelease({
    releaseId,
    wave: at.wave,
    waves: waveCount,
    current: members.map(watchedOf),
    earlier: at.earlier.map(watchedOf),
    clock,
    signal,
    warn: (message) => emitFor({ type: "warning", message }),
  });
  await runWave(
    {
      members: waveMembers,
      plan: request.plan,
      holdMs: request.plan.finalBakeMs + at.bakeMs,
      intervalMs: request.intervalMs ?? DEFAULT_RELEASE_INTERVAL_MS,
      inconclusive: inconclusivePolicy(strictest?.spec ?? {}),
      approval: request.manualApproval && {
        timeoutMs: request.manualApproval.timeoutMs ?? DEFAULT_APPROVAL_TIMEOUT_MS,
        approveCommand: `lambda-rollout approve --config FILE --env ${request.name}`,
        rollbackCommand: `lambda-rollout rollback --config FILE --env ${request.name}`,
      },
    },
    {
      clock,
      signal,
      watch,
      emit: (event, member) =>
        emitFor(event, member ? { functionName: member.functionName, region: member.region } : undefined),
    },
  );
}

/**
 * The waves in order, each once the one before is live. An operator's promote of a wave does not stop
 * the release: `promote` cannot ship waves whose packages are not published yet, so this run carries on
 * with them under the plan (an operator who wants them stopped rolls back). Returns the waves an
 * operator promoted; throws what ends the release.
 */
export async function shipWaves(
  active: { wave: ReleaseRequest["waves"][number]; members: Checked[] }[],
  releaseId: string,
  request: ReleaseRequest,
  context: WaveContext,
): Promise<number[]> {
  const { emitFor } = context;
  const waveCount = active.length;
  /** Functions the earlier waves moved, and the waves an operator promoted while this run went on. */
  const shipped: Checked[] = [];
  const promotedByOperator: number[] = [];
  for (const [waveIndex, { wave, members }] of active.entries()) {
    emitFor({
      type: "wave",
      wave: waveIndex + 1,
      waves: waveCount,
      regions: [...new Set(members.map((item) => item.spec.region ?? "default"))],
      functions: members.map((item) => item.spec.functionName),
    });
    const earlier = [...shipped];
    shipped.push(...members);
    try {
      await shipWave(
        { members, earlier, bakeMs: wave.bakeMs, wave: waveIndex + 1, waves: waveCount, releaseId },
        request,
        context,
      );
    } catch (caught) {
      const last = waveIndex + 1 === waveCount;
      if (!(caught instanceof OperatorDecision) || caught.resolution !== "promoted" || last) throw caught;
      emitFor({
        type: "warning",
        message: `${caught.reason} Carrying on with wave ${waveIndex + 2}/${waveCount}.`,
      });
      promotedByOperator.push(waveIndex + 1);
      continue;
    }
    emitFor({ type: "info", message: `Wave ${waveIndex + 1}/${waveCount} promoted.` });
  }
  // A wave's bakes read only its own aliases: before the release is called promoted, the earlier
  // waves' are read once more, so someone else's change made meanwhile ends the release as a conflict
  // (exit 3, their routing kept, the rest restored) instead of being reported as promoted.
  const last = active.at(-1)?.members ?? [];
  const earlier = shipped.filter((item) => !last.includes(item));
  if (earlier.length > 0) {
    const watch = watchRelease({
      releaseId,
      wave: waveCount,
      waves: waveCount,
      current: [],
      earlier: earlier.map(watchedOf),
      clock: context.clock,
      signal: context.signal,
      warn: (message) => emitFor({ type: "warning", message }),
    });
    await watch("wave", 100);
  }
  return promotedByOperator;
}

export function watchedOf(item: Checked): WatchedMember {
  return {
    functionName: item.spec.functionName,
    aliasName: item.spec.aliasName,
    region: item.spec.region,
    stable: item.alias.version,
    newVersion: item.newVersion as string,
    writer: item.writer as AliasWriter,
    lambda: item.ports.lambda,
  };
}
