/**
 * A release: many functions, possibly in several regions, shipped as one unit. Everything is validated
 * before the first write; then wave by wave, packages publish in parallel and the wave shifts in
 * lockstep (lockstep.ts). Any failure anywhere (a gate of any function in any wave, SIGINT/SIGTERM, an
 * AWS error) restores every function the release moved, earlier promoted waves included: the release
 * ends all-new or all-old. Every alias description carries the release id and the version it replaced,
 * so `rollback` and `promote` can finish the job from AWS state alone (release-manage.ts).
 */
import {
  AwsError,
  ConflictError,
  ExitCode,
  foundAfterChanges,
  GateFailedError,
  InterruptedError,
  RollbackFailedError,
  RolloutError,
} from "../../errors.js";
import { gatelessWarning } from "../../health/gateless.js";
import { buildGates, inconclusivePolicy } from "../../health/gates.js";
import { describePlan } from "../../plan/plan.js";
import type {
  AlarmPort,
  ArtifactStore,
  Clock,
  CredentialsPort,
  LambdaPort,
  MetricsPort,
  StepFunctionsPort,
} from "../../ports.js";
import { systemClock } from "../../ports.js";
import { type AliasWriter, describeRouting } from "../engine/alias-writer.js";
import { DEFAULT_RESTORE_TIMEOUT_MS } from "../engine/engine.js";
import { allSettledOrThrow, runWave, type WaveMember } from "../engine/lockstep.js";
import { OperatorDecision, type WatchedMember, watchRelease } from "../engine/release-watch.js";
import { type EventSink, guardSink, type ResultEvent, type RolloutEvent } from "../events.js";
import type { LedgerAccess } from "../ledger/location.js";
import { gateSummary, type RecordTarget } from "../ledger/record.js";
import {
  endSession,
  LedgerSession,
  ledgerLeftBy,
  NO_LEDGER_WARNING,
  recordTarget,
} from "../ledger/session.js";
import { assertCredentialsOutlive, type WorstCase } from "../prepare/lifetime.js";
import { type Checked, messageOf, perRegion, publish, validate } from "../prepare/release-prepare.js";
import { liveDescription, newReleaseId, parseReplaced } from "../progress.js";
import type { ReleaseRequest } from "../request/release-request.js";
import {
  assertReleaseRunsServerSide,
  runReleaseServerSide,
  type ServerSideRelease,
} from "../server-side/release.js";
import { assertStateMachineUsable } from "../server-side/server-side.js";
import { executionReader, worstCaseOf } from "./deploy.js";

export const DEFAULT_RELEASE_INTERVAL_MS = 10_000;

/** The adapters of one region. */
export interface RegionPorts {
  lambda: LambdaPort;
  artifacts: ArtifactStore;
  alarms: AlarmPort;
  metrics?: MetricsPort | undefined;
  /** When present, the credentials must outlive the release's worst case (or renew) before any write. */
  credentials?: CredentialsPort | undefined;
  /** For --engine stepfunctions: the region's Step Functions. */
  stepFunctions?: StepFunctionsPort | undefined;
}

export interface ReleasePorts {
  /** The adapters for a function's region (undefined: the SDK's default region). Called once per region. */
  portsFor: (region: string | undefined) => RegionPorts;
  clock?: Clock | undefined;
  emit?: EventSink | undefined;
  signal?: AbortSignal | undefined;
  cwd?: string | undefined;
  env?: NodeJS.ProcessEnv | undefined;
  /** Fixed release id (tests); default: a new one from the clock. */
  releaseId?: string | undefined;
  /** The ledger: the release's record and a lock on every alias it moves (see deploy.ts). */
  ledger?: LedgerAccess | undefined;
}

/** What one function of the release ended as, in the result line. */
export interface ReleaseFunctionResult {
  function: string;
  region: string | null;
  alias: string;
  /** Its wave among the waves with something to ship; null when its wave had nothing to ship. */
  wave: number | null;
  fromVersion: string | null;
  toVersion: string | null;
  /** promoted: serves the new version; rolled_back: restored; unchanged: its package was live already. */
  state: "promoted" | "rolled_back" | "unchanged" | "not_started" | "failed";
}

export type ReleaseResultEvent = ResultEvent & {
  release: { id: string; name: string; functions: ReleaseFunctionResult[] };
};

export async function release(request: ReleaseRequest, ports: ReleasePorts): Promise<ReleaseResultEvent> {
  const clock = ports.clock ?? systemClock;
  const { signal } = ports;
  const output = guardSink(ports.emit ?? (() => {}));
  /** Set once the ledger has the release: from then on every event is also kept in its record. */
  let session: LedgerSession | undefined;
  const sink: EventSink = (event) => {
    session?.note(event);
    output(event);
  };
  const releaseId = ports.releaseId ?? newReleaseId(clock.now());
  const label = `${request.name} (${request.functions.length} functions)`;
  const aliasNames = [...new Set(request.functions.map((spec) => spec.aliasName))].join(",");
  const emitFor = (event: RolloutEvent, spec?: { functionName: string; region: string | undefined }) =>
    sink({
      ...event,
      at: clock.now(),
      ...(spec ? { function: spec.functionName, region: spec.region ?? null } : {}),
    } as Parameters<EventSink>[0]);
  const portsOf = perRegion(ports.portsFor);
  let checked: Checked[] = [];
  let changed = false;
  /** Each configured wave's place among the waves with something to ship (1-based), as descriptions say. */
  const ordinalOf = new Map<number, number>();

  const finish = async (
    outcome: ResultEvent["outcome"],
    exitCode: number,
    error?: RolloutError,
    reason?: string,
    dryRun?: true,
    /** What a failed start left in the ledger (locks it could not free). */
    left?: ResultEvent["ledger"],
    /** A server-side release: what each function ended as, and its execution. */
    serverSide?: ServerSideRelease,
  ): Promise<ReleaseResultEvent> => {
    const functions = checked.map(
      (item): ReleaseFunctionResult => ({
        function: item.spec.functionName,
        region: item.spec.region ?? null,
        alias: item.spec.aliasName,
        wave: ordinalOf.get(item.wave) ?? null,
        fromVersion: item.alias.version,
        toVersion: item.newVersion ?? null,
        state: serverSide?.states.get(item)
          ? (serverSide.states.get(item) as ReleaseFunctionResult["state"])
          : item.unchanged
            ? "unchanged"
            : item.restored
              ? "rolled_back"
              : item.writer === undefined || item.writer.isUntouched()
                ? "not_started"
                : outcome === "promoted"
                  ? "promoted"
                  : "failed",
      }),
    );
    const result: ReleaseResultEvent = {
      type: "result",
      outcome,
      function: label,
      alias: aliasNames,
      fromVersion: null,
      toVersion: null,
      reason: error?.message ?? reason ?? null,
      hint: error?.hint ?? serverSide?.hint ?? null,
      exitCode,
      release: { id: releaseId, name: request.name, functions },
      ...(dryRun ? { dryRun } : {}),
      ...(left ? { ledger: left } : {}),
      ...(serverSide?.executionArn ? { executionArn: serverSide.executionArn } : {}),
    };
    const final = session
      ? ((await endSession(session, result, {
          states: new Map(
            checked.map((item, index) => [item.alias.aliasArn, functions[index]?.state ?? null] as const),
          ),
          timeoutMs: request.restoreTimeoutMs ?? DEFAULT_RESTORE_TIMEOUT_MS,
          // A detached execution keeps the locks for as long as it may run.
          startedLeaseMs: releaseWorstCase(
            request,
            checked.filter((item) => !item.unchanged),
          ).totalMs,
          warn: (message) => emitFor({ type: "warning", message }),
        })) as ReleaseResultEvent)
      : result;
    sink({ ...final, at: clock.now() });
    return final;
  };

  try {
    emitFor({
      type: "plan",
      function: label,
      alias: aliasNames,
      plan: request.plan,
      dryRun: request.dryRun ?? false,
    });
    for (const spec of request.functions) {
      const where = `${spec.functionName}${spec.region ? ` [${spec.region}]` : ""}:${spec.aliasName}`;
      const gateless = gatelessWarning(where, request.plan, spec, [], request.requireGates);
      if (gateless) emitFor({ type: "warning", message: gateless }, spec);
    }
    // Server-side: what Step Functions cannot run is refused before anything is read (exit 2).
    assertReleaseRunsServerSide(request);
    checked = await validate(request, portsOf, signal);
    if (request.engine)
      await assertStateMachineUsable(
        portsOf(request.functions[0]?.region).stepFunctions,
        request.engine,
        signal,
      );
    const moving = checked.filter((item) => !item.unchanged);
    if (moving.length === 0) {
      return finish(
        "noop",
        ExitCode.ok,
        undefined,
        `Every function of ${request.name} already serves its package.`,
      );
    }
    for (const item of checked) {
      emitFor(
        {
          type: "info",
          message: item.unchanged
            ? `unchanged (${item.unchanged})`
            : `wave ${item.wave + 1}, now ${describeRouting(item.alias)}`,
        },
        item.spec,
      );
    }
    emitFor({ type: "info", message: `Release ${releaseId}: ${describePlan(request.plan)}` });
    // Dry runs too: they give the verdict the real run would.
    // Server-side, the release outlives these credentials by design; only the start needs them.
    const credentials = request.engine
      ? undefined
      : checked.find((item) => item.ports.credentials)?.ports.credentials;
    await assertCredentialsOutlive(credentials, releaseWorstCase(request, moving), {
      now: clock.now(),
      emit: (event) => emitFor(event),
      // One region: the release can run in Step Functions instead (server-side/release.ts).
      serverSide: new Set(request.functions.map((spec) => spec.region)).size === 1,
    });
    if (request.dryRun) return finish("noop", ExitCode.ok, undefined, "dry run: nothing was changed", true);
    if (signal?.aborted) throw new InterruptedError("Interrupted before any change; nothing was changed.");

    // Waves with nothing to ship are skipped, and not counted: `wave=k/K` in the descriptions then
    // says "the last wave was reached" exactly when k = K (release-manage.ts relies on it).
    const active = request.waves
      .map((wave, index) => ({ wave, members: moving.filter((item) => item.wave === index) }))
      .filter((entry) => entry.members.length > 0);
    const waveCount = active.length;

    for (const [ordinal, entry] of active.entries())
      ordinalOf.set(request.waves.indexOf(entry.wave), ordinal + 1);
    // The lock of every alias and the record come before the first write (see deploy.ts).
    if (ports.ledger) {
      session = await LedgerSession.begin(
        ports.ledger,
        {
          id: releaseId,
          kind: "release",
          name: request.name,
          engine: request.engine ? "stepfunctions" : "local",
          plan: describePlan(request.plan),
          gates: [...new Set(moving.flatMap((item) => gateSummary(item.spec)))],
          targets: moving.map((item) => recordTarget(item.alias, { wave: ordinalOf.get(item.wave) })),
        },
        {
          clock,
          signal,
          isSplit: async (target: RecordTarget) => {
            const item = moving.find((m) => m.alias.aliasArn === target.aliasArn);
            const alias = await item?.ports.lambda.getAlias(item.spec.functionName, item.spec.aliasName, {
              signal,
            });
            return alias?.additional !== undefined;
          },
          describeExecution: ((sfn) => sfn && executionReader(sfn, signal))(
            portsOf(request.functions[0]?.region).stepFunctions,
          ),
          warn: (message) => emitFor({ type: "warning", message }),
        },
      );
    } else emitFor({ type: "warning", message: NO_LEDGER_WARNING });
    /** The ledger's record learns each version as it is published. */
    const recordPublished = (item: Checked, wave: number) =>
      session?.update((record) => {
        const target = record.targets.find((t) => t.aliasArn === item.alias.aliasArn);
        if (!target) return;
        target.stableVersion = item.alias.version;
        target.newVersion = item.newVersion ?? null;
        target.codeSha256 = item.next?.codeSha256 ?? null;
        target.config = item.next?.config ?? null;
        target.wave = wave;
      });
    if (request.engine) {
      // Server-side: every wave's packages first (the execution needs each new version), then one
      // execution runs the waves (server-side/release.ts); its outcome is the release's.
      changed = true;
      for (const [waveIndex, { members }] of active.entries()) {
        const tagOf = { id: releaseId, wave: waveIndex + 1, waves: waveCount };
        await allSettledOrThrow(
          members.map(async (item) => {
            await publish(item, tagOf, request, { clock, signal, emitFor });
            recordPublished(item, waveIndex + 1);
          }),
        );
      }
      if (signal?.aborted) throw new InterruptedError(`Interrupted (${String(signal.reason ?? "signal")}).`);
      const ended = await runReleaseServerSide(
        request,
        { id: releaseId, waves: active.map(({ wave, members }) => ({ bakeMs: wave.bakeMs, members })) },
        {
          stepFunctions: portsOf(request.functions[0]?.region).stepFunctions as StepFunctionsPort,
          clock,
          signal,
          emitFor,
        },
      );
      return finish(ended.outcome, ended.exitCode, ended.error, ended.reason, undefined, undefined, ended);
    }
    /** Functions the earlier waves moved, and the waves an operator promoted while this run went on. */
    const shipped: Checked[] = [];
    const promotedByOperator: number[] = [];
    for (const [waveIndex, { wave, members }] of active.entries()) {
      const tagOf = { id: releaseId, wave: waveIndex + 1, waves: waveCount };
      emitFor({
        type: "wave",
        wave: waveIndex + 1,
        waves: waveCount,
        regions: [...new Set(members.map((item) => item.spec.region ?? "default"))],
        functions: members.map((item) => item.spec.functionName),
      });
      changed = true;
      await allSettledOrThrow(
        members.map(async (item) => {
          await publish(item, tagOf, request, { clock, signal, emitFor });
          recordPublished(item, waveIndex + 1);
        }),
      );
      if (signal?.aborted) throw new InterruptedError(`Interrupted (${String(signal.reason ?? "signal")}).`);
      const waveMembers: WaveMember[] = members.map((item) => {
        const built = buildGates(item.spec, {
          lambda: item.ports.lambda,
          alarms: item.ports.alarms,
          metrics: item.ports.metrics,
          clock,
          cwd: ports.cwd,
          env: ports.env,
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
        wave: waveIndex + 1,
        waves: waveCount,
        current: members.map(watchedOf),
        earlier: shipped.map(watchedOf),
        clock,
        signal,
        warn: (message) => emitFor({ type: "warning", message }),
      });
      shipped.push(...members);
      try {
        await runWave(
          {
            members: waveMembers,
            plan: request.plan,
            holdMs: request.plan.finalBakeMs + wave.bakeMs,
            intervalMs: request.intervalMs ?? DEFAULT_RELEASE_INTERVAL_MS,
            inconclusive: inconclusivePolicy(strictest?.spec ?? {}),
          },
          {
            clock,
            signal,
            watch,
            emit: (event, member) =>
              emitFor(
                event,
                member ? { functionName: member.functionName, region: member.region } : undefined,
              ),
          },
        );
      } catch (caught) {
        // `promote` of the release cannot ship waves whose packages are not published yet: this run
        // can, so it carries on with them under the plan (an operator who wants them stopped rolls back).
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
    const byOperator =
      promotedByOperator.length > 0 ? ` (wave ${promotedByOperator.join(", ")} promoted by an operator)` : "";
    return finish(
      "promoted",
      ExitCode.ok,
      undefined,
      `Release ${releaseId}: every function serves its new version${byOperator}.`,
    );
  } catch (caught) {
    if (caught instanceof OperatorDecision) {
      // The operator's routing stands: nothing to restore, every moved function is where they put it.
      if (caught.resolution === "rolled_back")
        for (const item of checked) if (item.writer && !item.writer.isUntouched()) item.restored = true;
      return finish(caught.resolution, caught.exitCode, undefined, caught.reason);
    }
    const cause =
      signal?.aborted && !(caught instanceof GateFailedError)
        ? new InterruptedError(`Interrupted (${String(signal.reason ?? "signal")}): ${messageOf(caught)}`)
        : toRolloutError(caught);
    if (!changed) {
      const left = ledgerLeftBy(caught);
      return finish(
        cause instanceof InterruptedError ? "rolled_back" : "failed",
        cause.exitCode,
        cause,
        undefined,
        undefined,
        left,
      );
    }
    const failure = await restoreAll(checked, cause, {
      clock,
      emitFor,
      restoreTimeoutMs: request.restoreTimeoutMs,
    });
    if (failure) return finish("failed", failure.exitCode, failure);
    if (cause instanceof GateFailedError || cause instanceof InterruptedError) {
      return finish("rolled_back", ExitCode.rolledBack, cause);
    }
    // A conflict keeps its exit 3 (someone else's change, left as they set it); the rest is exit 4.
    const error = foundAfterChanges(cause, "during the release; every function was restored");
    return finish("failed", error.exitCode, error);
  }
}

function watchedOf(item: Checked): WatchedMember {
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

/**
 * Puts every function the release moved back on its pre-release version, all in parallel: the
 * current wave's and every earlier wave's. Returns the worst failure (exit 5 before exit 3), if any.
 */
async function restoreAll(
  checked: Checked[],
  cause: RolloutError,
  context: {
    clock: Clock;
    emitFor: (event: RolloutEvent, spec?: { functionName: string; region: string | undefined }) => void;
    restoreTimeoutMs: number | undefined;
  },
): Promise<RolloutError | undefined> {
  const { clock } = context;
  const moved = checked.filter((item) => item.writer !== undefined && !item.writer.isUntouched());
  const outcomes = await Promise.allSettled(
    moved.map(async (item) => {
      const who = { functionName: item.spec.functionName, region: item.spec.region };
      const stable = item.alias.version;
      context.emitFor({ type: "rollback", reason: cause.message, routing: { version: stable } }, who);
      await (item.writer as AliasWriter).restore(stable, cause.message, {
        clock,
        // Back to how it was: the stable version still replaced what it replaced before the release.
        description: liveDescription(
          item.stableRecord,
          stable,
          clock.now(),
          parseReplaced(item.alias.description, stable),
        ),
        timeoutMs: context.restoreTimeoutMs ?? DEFAULT_RESTORE_TIMEOUT_MS,
        note: (message) => context.emitFor({ type: "warning", message }, who),
      });
      item.restored = true;
    }),
  );
  const failures = outcomes.flatMap((outcome) =>
    outcome.status === "rejected" ? [toRolloutError(outcome.reason)] : [],
  );
  if (failures.length === 0) return undefined;
  const worst =
    failures.find((error) => error instanceof RollbackFailedError) ?? (failures[0] as RolloutError);
  const message = `The release stopped (${cause.message.split("\n")[0]}), but ${failures.length} function(s) could not be restored: ${failures.map((error) => error.message).join(" | ")}`;
  const hint = [
    ...failures.map((error) => error.hint).filter(Boolean),
    "Then run `lambda-rollout rollback --config FILE --env NAME` to restore every function of the release.",
  ].join("\n");
  return worst instanceof RollbackFailedError
    ? new RollbackFailedError(message, { hint, cause: worst })
    : new ConflictError(message, { hint, cause: worst });
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

function toRolloutError(error: unknown): RolloutError {
  if (error instanceof RolloutError) return error;
  return new AwsError(messageOf(error), { cause: error });
}
