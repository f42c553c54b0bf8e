import { type Artifact, assertHandlerPresent, readArtifact } from "../artifact/inspect.js";
import { ConflictError, ExitCode, foundAfterChanges, InputError, InterruptedError } from "../errors.js";
import { assertFiringAlarmsAllowed, firingAlarmsWarning, versionJudges } from "../health/firing-alarms.js";
import type { HealthGate } from "../health/gate.js";
import { gatelessWarning } from "../health/gateless.js";
import {
  buildGates,
  DEFAULT_HOOK_TIMEOUT_MS,
  type GateSpecs,
  inconclusivePolicy,
  mayExtend,
} from "../health/gates.js";
import { describePlan, type Plan } from "../plan/plan.js";
import {
  type AlarmPort,
  type AlarmState,
  type AliasState,
  type ArtifactStore,
  type Clock,
  type CredentialsPort,
  type FunctionState,
  type LambdaPort,
  type MetricsPort,
  type StepFunctionsPort,
  systemClock,
} from "../ports.js";
import { assertRunsServerSide, type StepFunctionsEngine } from "../stepfunctions/input.js";
import { describeRouting } from "./alias-writer.js";
import { assertApprovable, DEFAULT_APPROVAL_TIMEOUT_MS } from "./approval.js";
import { type CommandVia, suggestedCommand } from "./commands.js";
import { DEFAULT_RESTORE_TIMEOUT_MS, runRollout } from "./engine.js";
import { type EventSink, failedResult, guardSink, type ResultEvent, type RolloutEvent } from "./events.js";
import { assertCredentialsOutlive, type WorstCase, worstCaseDuration } from "./lifetime.js";
import { compareWithLive, pinBaseline, recordOf } from "./live.js";
import { parseLive } from "./progress.js";
import { assertNoProvisionedConcurrency } from "./provisioned.js";
import { pruneAfterPromotion } from "./prune-after.js";
import { DEFAULT_UPDATE_TIMEOUT_MS, publishPackage, waitForActive } from "./publish.js";
import { runServerSide } from "./server-side.js";

export type DeploySource = { zip: string; bucket: string; prefix?: string | undefined } | { version: string };

/** A deploy, as data: what to ship where, the plan, and the gates as specs (built in health/gates.ts). */
export interface DeployRequest extends GateSpecs {
  functionName: string;
  aliasName: string;
  source: DeploySource;
  plan: Plan;
  /** Health poll interval; default 10 s. */
  intervalMs?: number | undefined;
  /** Bound on waiting for `LastUpdateStatus=Successful` and for a new version to be `Active`; default 5 min. */
  updateTimeoutMs?: number | undefined;
  /** How long restoring the alias keeps trying through throttling and outages; default 2 min. */
  restoreTimeoutMs?: number | undefined;
  dryRun?: boolean | undefined;
  /** After a successful promotion, prune versions older than the newest `keep` (see prune.ts). */
  prune?: { keep: number } | undefined;
  /**
   * Wait for `lambda-rollout approve` before the shift to 100% (see approval.ts): for `timeoutMs`
   * (default 1h), then roll back. `region` only goes into the approve command the run prints.
   */
  manualApproval?: { timeoutMs?: number | undefined; region?: string | undefined } | undefined;
  /** Run the plan in Step Functions instead of this process (server-side.ts); default: here. */
  engine?: StepFunctionsEngine | undefined;
  /** A roll-out with no gate is refused (exit 2) instead of warned about (health/gateless.ts). */
  requireGates?: boolean | undefined;
  /**
   * How the user named the target (`--config F --env E`, or the region given): the commands the run
   * suggests (status, approve, rollback) name it the same way. Default: `--function`, `--alias` and
   * the manual approval's region.
   */
  via?: CommandVia | undefined;
}

/** What a deploy acts through. Behaviour lives here; the request is only data. */
export interface DeployPorts {
  lambda: LambdaPort;
  artifacts: ArtifactStore;
  alarms: AlarmPort;
  /** Needed when the request asks for metric analysis. */
  metrics?: MetricsPort | undefined;
  /** Needed when the request's engine is Step Functions. */
  stepFunctions?: StepFunctionsPort | undefined;
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
}

export const DEFAULT_INTERVAL_MS = 10_000;

export function isSplit(alias: AliasState): boolean {
  return alias.additional !== undefined;
}

export function midRolloutError(alias: AliasState, via?: CommandVia): ConflictError {
  return new ConflictError(
    `Alias ${alias.functionName}:${alias.aliasName} is mid-roll-out (${describeRouting(alias)}); this run changed nothing.`,
    {
      context: { functionName: alias.functionName, alias: alias.aliasName },
      hint: `Inspect it with \`${suggestedCommand("status", alias.functionName, alias.aliasName, via)}\`, then finish it with \`promote\` or undo it with \`rollback\`.`,
    },
  );
}

/**
 * The whole deploy: validate everything before the first write, publish (or take) the new version,
 * then run the plan. Always resolves to the result event (also emitted last); never throws a
 * RolloutError, so every entry point reports the same way.
 */
export async function deploy(request: DeployRequest, ports: DeployPorts): Promise<ResultEvent> {
  const clock = ports.clock ?? systemClock;
  const { signal } = ports;
  const sink: EventSink = guardSink(ports.emit ?? (() => {}));
  const emit = (event: RolloutEvent) => sink({ ...event, at: clock.now() });
  const base = { type: "result" as const, function: request.functionName, alias: request.aliasName };
  let fromVersion: string | null = null;
  let toVersion: string | null = null;
  /** The first change this run made in AWS; from then on nothing is "nothing changed" (exit 2). */
  let changed: string | undefined;
  const finish = (result: ResultEvent): ResultEvent => {
    emit(result);
    return result;
  };
  const noop = (reason: string, dryRun?: true): ResultEvent =>
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

  /** With `prune:` configured, old versions go once the new one is promoted; a failure only warns. */
  const prunedAfter = async (result: ResultEvent) => {
    if (result.outcome === "promoted" && request.prune)
      await pruneAfterPromotion(ports.lambda, request.functionName, request.prune.keep, emit, signal);
    return result;
  };

  const via = request.via ?? { region: request.manualApproval?.region };
  try {
    const { lambda } = ports;
    const { functionName, aliasName, plan } = request;
    emit({ type: "plan", function: functionName, alias: aliasName, plan, dryRun: request.dryRun ?? false });
    if (request.manualApproval) assertApprovable(plan);
    if (request.engine)
      assertRunsServerSide(request.engine, request, {
        plan,
        customGates: ports.gates?.length ?? 0,
        manualApproval: request.manualApproval !== undefined,
        ignoresFiringAlarms: request.alarmsAlreadyFiring === "ignore",
      });
    const alarms = request.alarms ?? [];
    assertFiringAlarmsAllowed(request, ports.gates);
    const gateless = gatelessWarning(
      `The roll-out of ${functionName}:${aliasName}`,
      plan,
      request,
      ports.gates,
      request.requireGates,
    );
    if (gateless) emit({ type: "warning", message: gateless });
    const call = { signal };
    // Independent checks run together; the first failure in this order is the one reported.
    const [artifact, found, latest, alarmStates] = await firstFailure([
      "zip" in request.source ? readArtifact(request.source.zip) : Promise.resolve(undefined),
      lambda.getAlias(functionName, aliasName, call),
      lambda.getFunction(functionName, undefined, call),
      alarms.length > 0 ? assertAlarmsExist(ports.alarms, alarms, signal) : Promise.resolve([]),
      assertNoProvisionedConcurrency(lambda, { functionName, aliasName, plan }, emit, signal),
    ] as const);
    let alias = found;
    fromVersion = alias.version;
    const firingAtStart = alarmStates.filter((a) => a.state === "ALARM").map((a) => a.name);
    if (request.alarmsAlreadyFiring === "ignore" && firingAtStart.length > 0) {
      emit({
        type: "warning",
        message: firingAlarmsWarning(firingAtStart, versionJudges(request, ports.gates)),
      });
    }
    if (isSplit(alias)) throw midRolloutError(alias, via);
    if (artifact && latest.handler) assertHandlerPresent(artifact, latest.handler, latest.runtime);
    let target: FunctionState | undefined;
    if ("version" in request.source) {
      target = await lambda.getFunction(functionName, request.source.version, call);
      toVersion = target.version;
      if (alias.version === target.version)
        return noop(`${functionName}:${aliasName} already serves v${target.version}.`);
    }
    let stableRecord = parseLive(alias.description, alias.version);
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
    const snapStart = latest.configuration?.SnapStart?.includes("PublishedVersions") ?? false;
    await assertCredentialsOutlive(
      // Server-side, the roll-out outlives these credentials by design; only the start needs them.
      request.engine ? undefined : ports.credentials,
      worstCaseOf(request, plan, { snapStart, extends: mayExtend(request, ports.gates) }),
      {
        now: clock.now(),
        emit,
      },
    );
    if (request.dryRun) return noop("dry run: nothing was changed", true);
    if (signal?.aborted) throw interrupted();

    if (onLatest) {
      changed = "publishing $LATEST as the baseline";
      const pinned = await pinBaseline(lambda, alias, latest, clock.now(), call);
      alias = pinned.alias;
      stableRecord = pinned.record;
      fromVersion = alias.version;
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
        },
        { lambda, artifacts: ports.artifacts, clock, emit, signal },
      );
      toVersion = next.version;
    } else if (target) {
      await waitForActive(lambda, clock, target, updateTimeoutMs, signal);
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
      const ended = await runServerSide(
        { engine, alias, newVersion, plan, specs: request, intervalMs, records, via },
        { ...ports, stepFunctions: ports.stepFunctions, clock, emit: sink },
      );
      return finish(await prunedAfter(ended));
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
    return finish(await prunedAfter(result));
  } catch (caught) {
    const error = signal?.aborted ? interrupted() : caught;
    return finish(
      failedResult(
        { ...base, fromVersion, toVersion },
        changed
          ? foundAfterChanges(error, `after ${changed}; the alias was not moved to a new version`)
          : error,
      ),
    );
  }
}

/** Like Promise.all, but waits for every promise and rethrows the first rejection in list order. */
async function firstFailure<T extends readonly unknown[]>(
  promises: { readonly [K in keyof T]: Promise<T[K]> },
): Promise<T> {
  const settled = await Promise.allSettled(promises);
  const failed = settled.find((outcome) => outcome.status === "rejected");
  if (failed) throw failed.reason;
  return settled.map((outcome) => (outcome as PromiseFulfilledResult<unknown>).value) as unknown as T;
}

/** Every named alarm must exist; returns their states (firing ones may be ignored, see firing-alarms.ts). */
async function assertAlarmsExist(
  alarms: AlarmPort,
  names: string[],
  signal?: AbortSignal,
): Promise<AlarmState[]> {
  const found = await alarms.describeAlarms(names, { signal });
  const missing = names.filter((name) => !found.some((alarm) => alarm.name === name));
  if (missing.length > 0) {
    throw new InputError(`CloudWatch alarm(s) not found: ${missing.join(", ")}.`, {
      hint: "Check the names passed to --alarm (or the config's alarms) and the region; alarm names are case-sensitive.",
    });
  }
  return found;
}

/** Every term of the plan that can keep a roll-out running, for the credentials lifetime check. */
export function worstCaseOf(
  request: DeployRequest,
  plan: Plan,
  facts: { snapStart?: boolean; extends?: boolean } = {},
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
    restoreTimeoutMs: request.restoreTimeoutMs ?? DEFAULT_RESTORE_TIMEOUT_MS,
    approvalTimeoutMs: request.manualApproval
      ? (request.manualApproval.timeoutMs ?? DEFAULT_APPROVAL_TIMEOUT_MS)
      : 0,
  });
}
