import { type Artifact, assertHandlerPresent } from "../../artifact/inspect.js";
import { ExitCode, foundAfterChanges, InterruptedError } from "../../errors.js";
import { firingAlarmsWarning, versionJudges } from "../../health/firing-alarms.js";
import type { HealthGate } from "../../health/gate.js";
import { buildGates, inconclusivePolicy, mayExtend } from "../../health/gates.js";
import { describePlan } from "../../plan/plan.js";
import {
  type AlarmPort,
  type ArtifactStore,
  type Clock,
  type CredentialsPort,
  type FunctionState,
  type LambdaPort,
  type MetricsPort,
  type OwnedAlarmsPort,
  type StepFunctionsPort,
  systemClock,
} from "../../ports.js";
import { assertFiringAlarmsServerSide } from "../../stepfunctions/input.js";
import { describeRouting } from "../engine/alias-writer.js";
import { DEFAULT_APPROVAL_TIMEOUT_MS } from "../engine/approval.js";
import { DEFAULT_RESTORE_TIMEOUT_MS, runRollout } from "../engine/engine.js";
import { type EventSink, failedResult, guardSink, type ResultEvent, type RolloutEvent } from "../events.js";
import {
  beginSession,
  executionReader,
  ledgerLeftBy,
  NO_LEDGER_WARNING,
  recordTarget,
} from "../ledger/begin.js";
import { promotedFacts } from "../ledger/intent.js";
import type { LedgerAccess } from "../ledger/location.js";
import { gateSummary } from "../ledger/record.js";
import { endSession, type LedgerSession } from "../ledger/session.js";
import { checkDeploy } from "../prepare/deploy-checks.js";
import { reportDurableExecutionsLeft } from "../prepare/durable.js";
import { assertCredentialsOutlive } from "../prepare/lifetime.js";
import { compareWithLive, isSplit, midRolloutError, pinBaseline, recordOf } from "../prepare/live.js";
import { activateManaged, type ManagedPlan, planManaged, scaleDownReplaced } from "../prepare/managed.js";
import {
  type CheckedPackage,
  checkPackage,
  DEFAULT_UPDATE_TIMEOUT_MS,
  publishPackage,
  waitForActive,
} from "../prepare/publish.js";
import { worstCaseOf } from "../prepare/worst-case.js";
import { newReleaseId, parseLive } from "../progress.js";
import { DEFAULT_INTERVAL_MS, type DeployRequest, type DeploySource } from "../request/deploy-request.js";
import { approvalLocation } from "../server-side/approval.js";
import { runServerSide } from "../server-side/server-side.js";
import { pruneAfterPromotion } from "./prune-after.js";

export { DEFAULT_INTERVAL_MS, type DeployRequest, type DeploySource, isSplit, midRolloutError, worstCaseOf };

/** What a deploy acts through. Behaviour lives here; the request is only data. */
export interface DeployPorts {
  lambda: LambdaPort;
  artifacts: ArtifactStore;
  alarms: AlarmPort;
  /** Needed when the request asks for metric analysis. */
  metrics?: MetricsPort | undefined;
  /** Needed when the request's engine is Step Functions. */
  stepFunctions?: StepFunctionsPort | undefined;
  /** Needed for metric analysis with Step Functions: the metric gate's own alarm. */
  ownedAlarms?: OwnedAlarmsPort | undefined;
  clock?: Clock | undefined;
  emit?: EventSink | undefined;
  signal?: AbortSignal | undefined;
  /** When present, the credentials must outlive the roll-out's worst case (or renew) before any write. */
  credentials?: CredentialsPort | undefined;
  /** Gates of your own, polled during bakes with the built-in ones (library users, tests). */
  gates?: HealthGate[] | undefined;
  /** Where hook commands run and the environment they get (default: the process's). */
  cwd?: string | undefined;
  env?: NodeJS.ProcessEnv | undefined;
  /**
   * The ledger (ledger/): the roll-out's record, its lock on the alias, its history. Without it the
   * run takes no lock and leaves no record, and says so.
   */
  ledger?: LedgerAccess | undefined;
  /** Fixed roll-out id (tests); default: a new one from the clock. */
  rolloutId?: string | undefined;
}

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
    const final = session
      ? await endSession(session, result, {
          states: new Map([[session.aliasArn, stateOf(result)]]),
          timeoutMs: request.restoreTimeoutMs ?? DEFAULT_RESTORE_TIMEOUT_MS,
          startedLeaseMs: worstCaseOf(request, request.plan).totalMs,
          warn: (message) => emit({ type: "warning", message }),
        })
      : result;
    emit(final);
    return final;
  };
  /** Ended off the new version: what durable executions still run on it (best effort, durable.ts). */
  const settle = async (result: ResultEvent, next: FunctionState | undefined) =>
    result.outcome === "promoted"
      ? await afterPromotion(result)
      : await reportDurableExecutionsLeft(ports.lambda, result, {
          durable: next?.durable ?? false,
          region: request.region,
          emit,
          signal,
        });
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
  /**
   * After the promotion (and the final bake): the replaced version scaled down and old versions pruned,
   * as configured. Housekeeping: a failure only warns.
   */
  const afterPromotion = async (result: ResultEvent) => {
    if (result.outcome !== "promoted") return result;
    if (managed) await scaleDownReplaced(managed, result.fromVersion, { lambda: ports.lambda, emit, signal });
    if (request.prune)
      await pruneAfterPromotion(
        ports.lambda,
        request.functionName,
        request.prune.keep,
        emit,
        signal,
        ports.ledger,
      );
    return result;
  };

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
    const ledger = ports.ledger;
    if (ledger) {
      const read = alias;
      beginLedger = () =>
        beginSession(
          ledger,
          {
            id: ports.rolloutId ?? newReleaseId(clock.now()),
            kind: "rollout",
            name: functionName,
            engine: request.engine ? "stepfunctions" : "local",
            plan: describePlan(plan),
            gates: gateSummary(request),
            targets: [
              recordTarget(read, {
                newVersion: target?.version,
                codeSha256: target?.codeSha256 ?? artifact?.digest.base64,
              }),
            ],
          },
          {
            clock,
            signal,
            isSplit: async () => isSplit(await lambda.getAlias(functionName, aliasName, call)),
            warn: (message) => emit({ type: "warning", message }),
            describeExecution: ports.stepFunctions && executionReader(ports.stepFunctions, signal),
          },
        );
    }
    if (artifact && latest.handler) assertHandlerPresent(artifact, latest.handler, latest.runtime);
    let target: FunctionState | undefined;
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

    if (request.engine) {
      if (!ports.stepFunctions) throw new TypeError("--engine stepfunctions needs DeployPorts.stepFunctions");
      const records = { stable: stableRecord, next: next ? recordOf(next) : undefined };
      const intervalMs = request.intervalMs ?? DEFAULT_INTERVAL_MS;
      const { engine } = request;
      const approval =
        request.manualApproval && session && ports.ledger
          ? {
              ...approvalLocation(ports.ledger.location, session.path),
              timeoutMs: request.manualApproval.timeoutMs ?? DEFAULT_APPROVAL_TIMEOUT_MS,
            }
          : undefined;
      const ended = await runServerSide(
        { engine, alias, newVersion, plan, specs: request, intervalMs, records, via, approval },
        { ...ports, stepFunctions: ports.stepFunctions, clock, emit: sink },
      );
      return finish(await settle(ended, next));
    }
    const built = buildGates(
      request,
      {
        lambda,
        alarms: ports.alarms,
        metrics: ports.metrics,
        clock,
        cwd: ports.cwd,
        env: ports.env,
        firingAtStart,
      },
      ports.gates,
    );
    const result = await runRollout(
      {
        alias,
        newVersion,
        plan,
        ...built,
        intervalMs: request.intervalMs ?? DEFAULT_INTERVAL_MS,
        inconclusive: inconclusivePolicy(request),
        restoreTimeoutMs: request.restoreTimeoutMs,
        approval: request.manualApproval && {
          timeoutMs: request.manualApproval.timeoutMs ?? DEFAULT_APPROVAL_TIMEOUT_MS,
        },
        via,
        records: { stable: stableRecord, next: next ? recordOf(next) : undefined },
      },
      { lambda, clock, emit: sink, signal },
    );
    return finish(await settle(result, next));
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

/** What the ledger records of the alias's state at the end of a one-function roll-out. */
function stateOf(result: ResultEvent) {
  switch (result.outcome) {
    case "promoted":
      return "promoted" as const;
    case "rolled_back":
      return "rolled_back" as const;
    case "noop":
      return "unchanged" as const;
    default:
      return "failed" as const;
  }
}
