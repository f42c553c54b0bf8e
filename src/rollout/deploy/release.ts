/**
 * A release: many functions, possibly in several regions, shipped as one unit. Everything is validated
 * before the first write; then wave by wave, packages publish in parallel and the wave shifts in
 * lockstep (loop.ts). Any failure anywhere (a gate of any function in any wave, SIGINT/SIGTERM, an
 * AWS error) restores every function the release moved, earlier promoted waves included: the release
 * ends all-new or all-old. Every alias description carries the release id and the version it replaced,
 * so `rollback` and `promote` can finish the job from AWS state alone (release-manage.ts).
 */
import {
  ExitCode,
  foundAfterChanges,
  GateFailedError,
  InterruptedError,
  type RolloutError,
} from "../../errors.js";
import { firingAlarmsWarning, versionJudges } from "../../health/firing-alarms.js";
import { gatelessWarning } from "../../health/gateless.js";
import { describePlan } from "../../plan/plan.js";
import type { Clock } from "../../ports.js";
import { systemClock } from "../../ports.js";
import { describeRouting } from "../engine/alias-writer.js";
import { assertApprovable } from "../engine/approval.js";
import { DEFAULT_RESTORE_TIMEOUT_MS } from "../engine/engine.js";
import { OperatorDecision } from "../engine/release-watch.js";
import { type EventSink, guardSink, type ResultEvent, type RolloutEvent } from "../events.js";
import { executionReader, ledgerLeftBy, NO_LEDGER_WARNING } from "../ledger/begin.js";
import type { LedgerAccess } from "../ledger/location.js";
import { endSession, type LedgerSession } from "../ledger/session.js";
import { assertCredentialsOutlive } from "../prepare/lifetime.js";
import {
  assertFiringAlarmsAllowedFor,
  type Checked,
  messageOf,
  perRegion,
  type RegionPorts,
  validate,
} from "../prepare/release-prepare.js";
import { releaseWorstCase } from "../prepare/worst-case.js";
import { newReleaseId } from "../progress.js";
import type { ReleaseRequest } from "../request/release-request.js";
import { assertReleaseRunsServerSide, type ServerSideRelease } from "../server-side/release.js";
import { pruneAfterPromotion } from "./prune-after.js";
import {
  functionResults,
  type ReleaseFunctionResult,
  type ReleaseResultEvent,
  restoreAll,
  toRolloutError,
} from "./release-end.js";
import { checkServerSide, shipServerSide } from "./release-server-side.js";
import { beginReleaseSession } from "./release-session.js";
import { DEFAULT_RELEASE_INTERVAL_MS, shipWaves } from "./release-wave.js";

export type { RegionPorts };
export { DEFAULT_RELEASE_INTERVAL_MS, releaseWorstCase };

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

export type { ReleaseFunctionResult, ReleaseResultEvent };

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
    const functions = functionResults(checked, ordinalOf, outcome, serverSide?.states);
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
    if (request.manualApproval) assertApprovable(request.plan);
    for (const spec of request.functions) assertFiringAlarmsAllowedFor(spec);
    for (const spec of request.functions) {
      const where = `${spec.functionName}${spec.region ? ` [${spec.region}]` : ""}:${spec.aliasName}`;
      const gateless = gatelessWarning(where, request.plan, spec, [], request.requireGates);
      if (gateless) emitFor({ type: "warning", message: gateless }, spec);
    }
    // Server-side: what Step Functions cannot run is refused before anything is read (exit 2).
    assertReleaseRunsServerSide(request);
    checked = await validate(request, portsOf, signal, {
      warn: (message, spec) => emitFor({ type: "warning", message }, spec),
    });
    if (request.engine) await checkServerSide(request.engine, checked, portsOf, signal);
    const moving = checked.filter((item) => !item.unchanged);
    if (moving.length === 0) {
      return finish(
        "noop",
        ExitCode.ok,
        undefined,
        `Every function of ${request.name} already serves its package.`,
      );
    }
    for (const item of moving) {
      if (item.spec.alarmsAlreadyFiring === "ignore" && item.firingAtStart?.length) {
        const message = firingAlarmsWarning(item.firingAtStart, versionJudges(item.spec));
        emitFor({ type: "warning", message }, item.spec);
      }
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
    // says "the last wave was reached" exactly when k = K (release-status.ts relies on it).
    const active = request.waves
      .map((wave, index) => ({ wave, members: moving.filter((item) => item.wave === index) }))
      .filter((entry) => entry.members.length > 0);
    for (const [ordinal, entry] of active.entries())
      ordinalOf.set(request.waves.indexOf(entry.wave), ordinal + 1);
    // The lock of every alias and the record come before the first write (see deploy.ts).
    if (ports.ledger) {
      const stepFunctions = portsOf(request.functions[0]?.region).stepFunctions;
      session = await beginReleaseSession(ports.ledger, request, releaseId, moving, ordinalOf, {
        clock,
        signal,
        describeExecution: stepFunctions && executionReader(stepFunctions, signal),
        warn: (message) => emitFor({ type: "warning", message }),
      });
    } else emitFor({ type: "warning", message: NO_LEDGER_WARNING });
    const context = { clock, signal, cwd: ports.cwd, env: ports.env, session, emitFor };
    if (request.engine) {
      // Server-side: every package first, then one execution runs the waves; its outcome is the release's.
      changed = true;
      const ended = await shipServerSide(request, releaseId, active, portsOf, context);
      return finish(ended.outcome, ended.exitCode, ended.error, ended.reason, undefined, undefined, ended);
    }
    changed = true;
    const promotedByOperator = await shipWaves(active, releaseId, request, context);
    const byOperator =
      promotedByOperator.length > 0 ? ` (wave ${promotedByOperator.join(", ")} promoted by an operator)` : "";
    // Housekeeping once every wave is live: a failure only warns (prune-after.ts).
    const keep = request.prune?.keep;
    if (keep !== undefined)
      for (const item of moving)
        await pruneAfterPromotion(
          item.ports.lambda,
          item.spec.functionName,
          keep,
          (event) => emitFor(event, item.spec),
          signal,
          ports.ledger,
        );
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
    if (cause.exitCode === ExitCode.rolledBack) {
      return finish("rolled_back", ExitCode.rolledBack, cause);
    }
    // A conflict keeps its exit 3 (someone else's change, left as they set it); the rest is exit 4.
    const error = foundAfterChanges(cause, "during the release; every function was restored");
    return finish("failed", error.exitCode, error);
  }
}
