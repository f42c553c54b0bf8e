/**
 * One function's deploy, start to end: validate everything before the first write (prepare/), take
 * the ledger's lock (deploy-ledger.ts), pin a $LATEST alias to a baseline version, publish (or take)
 * the new version, then run the plan (deploy-run.ts). What it acts through: deploy-ports.ts.
 */
import { type Artifact, assertHandlerPresent } from "../../artifact/inspect.js";
import { ExitCode, foundAfterChanges, InterruptedError } from "../../errors.js";
import { firingAlarmsWarning, versionJudges } from "../../health/firing-alarms.js";
import { mayExtend } from "../../health/gates.js";
import { describePlan } from "../../plan/plan.js";
import { type FunctionState, systemClock } from "../../ports.js";
import { assertFiringAlarmsServerSide } from "../../stepfunctions/input.js";
import { describeRouting } from "../engine/alias-writer.js";
import { type EventSink, failedResult, guardSink, type ResultEvent, type RolloutEvent } from "../events.js";
import { ledgerLeftBy, NO_LEDGER_WARNING } from "../ledger/begin.js";
import { promotedFacts } from "../ledger/intent.js";
import type { LedgerSession } from "../ledger/session.js";
import { checkDeploy } from "../prepare/deploy-checks.js";
import { assertCredentialsOutlive } from "../prepare/lifetime.js";
import { compareWithLive, isSplit, midRolloutError, pinBaseline, recordOf } from "../prepare/live.js";
import { activateManaged, type ManagedPlan, planManaged } from "../prepare/managed.js";
import {
  type CheckedPackage,
  checkPackage,
  DEFAULT_UPDATE_TIMEOUT_MS,
  publishPackage,
  waitForActive,
} from "../prepare/publish.js";
import { worstCaseOf } from "../prepare/worst-case.js";
import { parseLive } from "../progress.js";
import { DEFAULT_INTERVAL_MS, type DeployRequest, type DeploySource } from "../request/deploy-request.js";
import { deployBeginner, endDeploySession } from "./deploy-ledger.js";
import type { DeployPorts } from "./deploy-ports.js";
import { runPlan } from "./deploy-run.js";

export {
  DEFAULT_INTERVAL_MS,
  type DeployPorts,
  type DeployRequest,
  type DeploySource,
  isSplit,
  midRolloutError,
  worstCaseOf,
};

/**
 * The whole deploy: validate everything before the first write, publish (or take) the new version,
 * then run the plan. Always resolves to the result event (also emitted last); never throws a
 * RolloutError, so every entry point reports the same way.
 */
export async function deploy(request: DeployRequest, ports: DeployPorts): Promise<ResultEvent> {
  const clock = ports.clock ?? systemClock;
  const { signal } = ports;
  const output: EventSink = guardSink(ports.emit ?? (() => {}));
  /** Set once the ledger has the roll-out: from then on every event is also kept in its record. */
  let session: LedgerSession | undefined;
  const sink: EventSink = (event) => {
    session?.note(event);
    output(event);
  };
  const emit = (event: RolloutEvent) => sink({ ...event, at: clock.now() });
  const base = { type: "result" as const, function: request.functionName, alias: request.aliasName };
  let fromVersion: string | null = null;
  let toVersion: string | null = null;
  /** The first change this run made in AWS; from then on nothing is "nothing changed" (exit 2). */
  let changed: string | undefined;
  /** What the ledger needs to begin: set after validation read the alias. */
  let beginLedger: (() => Promise<LedgerSession>) | undefined;
  const finish = async (result: ResultEvent): Promise<ResultEvent> => {
    // A noop is history too ("deployed, nothing to change"), recorded as one that ended at once.
    if (!session && result.outcome === "noop" && !request.dryRun && beginLedger)
      session = await beginLedger().catch((error: unknown) => {
        emit({
          type: "warning",
          message: `The noop was not recorded in the ledger: ${error instanceof Error ? error.message : String(error)}`,
        });
        return undefined;
      });
    const final = session ? await endDeploySession(session, result, request, emit) : result;
    emit(final);
    return final;
  };
  const noop = (reason: string, dryRun?: true): Promise<ResultEvent> =>
    finish({
      ...base,
      outcome: "noop",
      fromVersion,
      toVersion,
      reason,
      hint: null,
      exitCode: ExitCode.ok,
      ...(dryRun ? { dryRun } : {}),
    });
  const interrupted = () =>
    new InterruptedError(
      `Interrupted (${String(signal?.reason ?? "signal")}) before any traffic moved${changed ? ` (after ${changed})` : "; nothing was changed"}.`,
    );

  /** Set once validation finds the function on a capacity provider. */
  let managed: ManagedPlan | undefined;
  const via = request.via ?? { region: request.manualApproval?.region };
  try {
    const { lambda } = ports;
    const { functionName, aliasName, plan } = request;
    emit({ type: "plan", function: functionName, alias: aliasName, plan, dryRun: request.dryRun ?? false });
    const { artifact, found, latest, alarmStates } = await checkDeploy(request, ports, emit);
    const alarms = request.alarms ?? [];
    const call = { signal };
    let alias = found;
    fromVersion = alias.version;
    const firingAtStart = alarmStates.filter((a) => a.state === "ALARM").map((a) => a.name);
    if (request.engine && request.alarmsAlreadyFiring === "ignore")
      assertFiringAlarmsServerSide(firingAtStart, alarms);
    if (request.alarmsAlreadyFiring === "ignore" && firingAtStart.length > 0) {
      emit({
        type: "warning",
        message: firingAlarmsWarning(firingAtStart, versionJudges(request, ports.gates)),
      });
    }
    if (isSplit(alias)) throw midRolloutError(alias, via);
    let target: FunctionState | undefined;
    if (ports.ledger)
      beginLedger = deployBeginner(
        ports.ledger,
        request,
        ports,
        alias,
        { target: () => target, artifact },
        { clock, signal, emit },
      );
    if (artifact && latest.handler) assertHandlerPresent(artifact, latest.handler, latest.runtime);
    if ("version" in request.source) {
      target = await lambda.getFunction(functionName, request.source.version, call);
      toVersion = target.version;
      if (alias.version === target.version)
        return noop(`${functionName}:${aliasName} already serves v${target.version}.`);
    }
    // What the live version is made of: from the ledger when there is one (the description is anyone's
    // to edit, so with a ledger it decides nothing), else from the description; else GetFunction.
    let stableRecord = ports.ledger
      ? await promotedFacts(ports.ledger, alias, clock.now(), call)
      : parseLive(alias.description, alias.version);
    let changes = "";
    let pinOnly = false;
    if (artifact) {
      const compared = await compareWithLive(lambda, alias, latest, artifact, stableRecord, call);
      if (compared.kind === "noop") {
        toVersion = alias.version;
        return noop(compared.reason);
      }
      ({ changes, pinOnly } = compared);
      stableRecord = compared.record ?? stableRecord;
    }
    // The artifact bucket is read before the first write (the ledger's lock, a baseline, the upload):
    // a missing bucket is exit 2 with nothing changed, and the upload below uses this answer.
    const checked: CheckedPackage | undefined =
      artifact && "zip" in request.source
        ? await checkPackage(ports.artifacts, functionName, request.source, artifact)
        : undefined;
    const onLatest = alias.version === "$LATEST";
    if (onLatest) {
      // The normal first deploy after Terraform created the alias: said, not warned about.
      emit({
        type: "info",
        message: `${functionName}:${aliasName} points at $LATEST (as Terraform creates it): $LATEST is first published as a baseline version to fall back to and the alias pointed at it (clients see no change), then the plan runs as requested.`,
      });
    }
    emit({
      type: "info",
      message: `Plan for ${functionName}:${aliasName} (now ${describeRouting(alias)}${changes ? `; changes: ${changes}` : ""}): ${describePlan(plan)}`,
    });
    // Dry runs too: they give the verdict the real run would.
    const published = (onLatest ? 1 : 0) + ("zip" in request.source ? 1 : 0);
    managed = await planManaged(target ?? latest, alias, request.managedInstances, published, {
      lambda,
      clock,
      emit,
      signal,
    });
    const snapStart = latest.configuration?.SnapStart?.includes("PublishedVersions") ?? false;
    await assertCredentialsOutlive(
      // Server-side, the roll-out outlives these credentials by design; only the start needs them.
      request.engine ? undefined : ports.credentials,
      worstCaseOf(request, plan, {
        snapStart,
        extends: mayExtend(request, ports.gates),
        // The new version, and a baseline published from $LATEST first, each wait to become Active.
        activationMs: managed && managed.activationTimeoutMs * (onLatest ? 2 : 1),
      }),
      {
        now: clock.now(),
        emit,
        serverSide: true,
      },
    );
    if (request.dryRun) return noop("dry run: nothing was changed", true);
    if (signal?.aborted) throw interrupted();
    // The lock and the record come before the first write: a second roll-out of this alias stops here.
    if (ports.ledger) {
      session = await (beginLedger as () => Promise<LedgerSession>)();
    } else emit({ type: "warning", message: NO_LEDGER_WARNING });

    if (onLatest) {
      changed = "publishing $LATEST as the baseline";
      // On a capacity provider the baseline starts environments too: no traffic to it before it is Active.
      const baselineManaged = managed;
      const pinned = await pinBaseline(lambda, alias, latest, clock.now(), {
        ...call,
        activate:
          baselineManaged &&
          ((version) => activateManaged(version, baselineManaged, { lambda, clock, emit, signal })),
      });
      alias = pinned.alias;
      stableRecord = pinned.record;
      fromVersion = alias.version;
      const baseline = alias.version;
      session?.update((record) => {
        for (const t of record.targets) t.stableVersion = baseline;
      });
      emit({
        type: "info",
        message: `Published $LATEST as baseline v${alias.version}; ${functionName}:${aliasName} now points at it.`,
      });
      if (pinOnly) {
        return finish({
          ...base,
          outcome: "promoted",
          fromVersion: "$LATEST",
          toVersion: alias.version,
          reason: `${functionName}:${aliasName} already served this package through $LATEST; it now serves the same code as v${alias.version}, a version it can fall back to.`,
          hint: null,
          exitCode: ExitCode.ok,
        });
      }
    }
    const updateTimeoutMs = request.updateTimeoutMs ?? DEFAULT_UPDATE_TIMEOUT_MS;
    const plannedManaged = managed;
    const activate = plannedManaged
      ? (version: FunctionState) => activateManaged(version, plannedManaged, { lambda, clock, emit, signal })
      : (version: FunctionState) => waitForActive(lambda, clock, version, updateTimeoutMs, signal);
    let next: FunctionState | undefined = target;
    if ("zip" in request.source) {
      changed ??= "uploading and publishing the package";
      next = await publishPackage(
        {
          functionName,
          source: request.source,
          artifact: artifact as Artifact,
          stableVersion: alias.version,
          latestCodeSha256: latest.codeSha256,
          updateTimeoutMs,
          checked,
        },
        { lambda, artifacts: ports.artifacts, clock, emit, signal, activate },
      );
      toVersion = next.version;
      const published = recordOf(next);
      session?.update((record) => {
        for (const t of record.targets) {
          t.newVersion = published.version;
          t.codeSha256 = published.codeSha256;
          t.config = published.config;
        }
      });
    } else if (target) {
      await activate(target);
    }
    if (signal?.aborted) throw interrupted();
    const newVersion = toVersion as string;
    if (alias.version === newVersion)
      return noop(`${functionName}:${aliasName} already serves v${newVersion}.`);

    const ready = { alias, newVersion, next, stableRecord, via, firingAtStart, managed, session };
    return finish(await runPlan(request, ports, { ...ready, clock, sink, emit }));
  } catch (caught) {
    const error = signal?.aborted ? interrupted() : caught;
    const left = ledgerLeftBy(caught);
    return finish({
      ...failedResult(
        { ...base, fromVersion, toVersion },
        changed
          ? foundAfterChanges(error, `after ${changed}; the alias was not moved to a new version`)
          : error,
      ),
      ...(left ? { ledger: left } : {}),
    });
  }
}
