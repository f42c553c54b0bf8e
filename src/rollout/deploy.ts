import { type Artifact, assertHandlerPresent, readArtifact } from "../artifact/inspect.js";
import { ConflictError, ExitCode, InputError } from "../errors.js";
import { createAlarmGate, type ReadFailurePolicy } from "../health/alarms.js";
import type { HealthGate } from "../health/gate.js";
import { createHookGate } from "../health/hooks.js";
import { createSmokeGate, type SmokeCheck } from "../health/smoke.js";
import { describePlan, type Plan } from "../plan/plan.js";
import {
  type AlarmPort,
  type AliasState,
  type ArtifactStore,
  type Clock,
  type CredentialsPort,
  type LambdaPort,
  systemClock,
} from "../ports.js";
import { describeRouting } from "./alias-writer.js";
import { type InconclusivePolicy, runRollout } from "./engine.js";
import { type EventSink, failedResult, type ResultEvent, type RolloutEvent } from "./events.js";
import { assertCredentialsOutlive, type WorstCase, worstCaseDuration } from "./lifetime.js";
import { DEFAULT_UPDATE_TIMEOUT_MS, publishPackage } from "./publish.js";

export type DeploySource = { zip: string; bucket: string; prefix?: string | undefined } | { version: string };

export interface DeployRequest {
  functionName: string;
  aliasName: string;
  source: DeploySource;
  plan: Plan;
  alarms?: string[] | undefined;
  alarmReadFailure?: ReadFailurePolicy | undefined;
  smoke?: SmokeCheck[] | undefined;
  /**
   * Commands run as gates: `preTraffic` once before any traffic moves (after the smoke invocations),
   * `postTraffic` once right after the shift to 100%. Exit 0 passes.
   */
  hooks?:
    | {
        preTraffic?: string[] | undefined;
        postTraffic?: string[] | undefined;
        timeoutMs?: number | undefined;
      }
    | undefined;
  /** Extra gates polled during bakes (metric analysis). */
  gates?: HealthGate[] | undefined;
  inconclusive?: InconclusivePolicy | undefined;
  /** Health poll interval; default 10 s. */
  intervalMs?: number | undefined;
  /** Bound on waiting for `LastUpdateStatus=Successful`; default 5 min. */
  updateTimeoutMs?: number | undefined;
  /** How long restoring the alias keeps retrying; default 2 min. */
  restoreTimeoutMs?: number | undefined;
  dryRun?: boolean | undefined;
}

export interface DeployPorts {
  lambda: LambdaPort;
  artifacts: ArtifactStore;
  alarms: AlarmPort;
  clock?: Clock | undefined;
  emit?: EventSink | undefined;
  signal?: AbortSignal | undefined;
  /** When present, the credentials must outlive the roll-out's worst case (or renew) before any write. */
  credentials?: CredentialsPort | undefined;
}

export const DEFAULT_INTERVAL_MS = 10_000;
export const DEFAULT_HOOK_TIMEOUT_MS = 5 * 60_000;
export const DEFAULT_RESTORE_TIMEOUT_MS = 120_000;

export function isSplit(alias: AliasState): boolean {
  return alias.additional !== undefined;
}

export function midRolloutError(alias: AliasState): ConflictError {
  return new ConflictError(
    `Alias ${alias.functionName}:${alias.aliasName} is mid-roll-out (${describeRouting(alias)}); this run changed nothing.`,
    {
      context: { functionName: alias.functionName, alias: alias.aliasName },
      hint: `Inspect it with \`lambda-rollout status --function ${alias.functionName} --alias ${alias.aliasName}\`, then finish it with \`promote\` or undo it with \`rollback\`.`,
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
  const sink: EventSink = ports.emit ?? (() => {});
  const emit = (event: RolloutEvent) => sink({ ...event, at: clock.now() });
  const base = { type: "result" as const, function: request.functionName, alias: request.aliasName };
  let fromVersion: string | null = null;
  let toVersion: string | null = null;
  const finish = (result: ResultEvent): ResultEvent => {
    emit(result);
    return result;
  };
  const fail = (error: unknown): ResultEvent =>
    finish(failedResult({ ...base, fromVersion, toVersion }, error));
  const noop = (reason: string): ResultEvent =>
    finish({ ...base, outcome: "noop", fromVersion, toVersion, reason, hint: null, exitCode: ExitCode.ok });

  try {
    const { lambda } = ports;
    const { functionName, aliasName, plan } = request;
    emit({ type: "plan", function: functionName, alias: aliasName, plan, dryRun: request.dryRun ?? false });
    const alarms = request.alarms ?? [];
    // Independent checks run together; the first failure in this order is the one reported.
    const [artifact, alias, latest] = await firstFailure([
      "zip" in request.source ? readArtifact(request.source.zip) : Promise.resolve(undefined),
      lambda.getAlias(functionName, aliasName),
      lambda.getFunction(functionName),
      alarms.length > 0 ? assertAlarmsExist(ports.alarms, alarms) : Promise.resolve(),
    ] as const);
    fromVersion = alias.version;
    if (isSplit(alias)) throw midRolloutError(alias);
    if (artifact && latest.handler) assertHandlerPresent(artifact, latest.handler, latest.runtime);
    if ("version" in request.source) {
      const wanted = await lambda.getFunction(functionName, request.source.version);
      toVersion = wanted.version;
      if (alias.version === wanted.version)
        return noop(`${functionName}:${aliasName} already serves v${wanted.version}.`);
    } else if (artifact && alias.version !== "$LATEST") {
      const live = await lambda.getFunction(functionName, alias.version);
      if (live.codeSha256 === artifact.digest.base64) {
        toVersion = alias.version;
        return noop(
          `${functionName}:${aliasName} already serves this package (v${alias.version}, CodeSha256 ${live.codeSha256}).`,
        );
      }
    }
    // Before anything changes, and in dry runs too: the first release cannot be gradual.
    const effectivePlan: Plan =
      alias.version === "$LATEST" ? { strategy: "AllAtOnce", steps: [], finalBakeMs: 0 } : plan;
    if (effectivePlan !== plan) {
      emit({
        type: "warning",
        message: `${functionName}:${aliasName} points at $LATEST, so there is no published version to fall back to: the new version is released all at once.`,
      });
    }
    emit({
      type: "info",
      message: `Plan for ${functionName}:${aliasName} (now ${describeRouting(alias)}): ${describePlan(effectivePlan)}`,
    });
    // Dry runs too: they give the verdict the real run would.
    await assertCredentialsOutlive(ports.credentials, worstCaseOf(request, effectivePlan), {
      now: clock.now(),
      emit,
    });
    if (request.dryRun) return noop("dry run: nothing was changed");

    if ("zip" in request.source) {
      const published = await publishPackage(
        {
          functionName,
          source: request.source,
          artifact: artifact as Artifact,
          stableVersion: alias.version,
          updateTimeoutMs: request.updateTimeoutMs,
        },
        { lambda, artifacts: ports.artifacts, clock, emit },
      );
      toVersion = published;
    }
    const newVersion = toVersion as string;
    if (alias.version === newVersion)
      return noop(`${functionName}:${aliasName} already serves v${newVersion}.`);

    const preTraffic: HealthGate[] = [];
    const gates: HealthGate[] = [];
    if (alarms.length > 0) {
      const alarmGate = createAlarmGate(ports.alarms, alarms, request.alarmReadFailure ?? "fail");
      preTraffic.push(alarmGate);
      gates.push(alarmGate);
    }
    if (request.smoke && request.smoke.length > 0) preTraffic.push(createSmokeGate(lambda, request.smoke));
    const hookOptions = { timeoutMs: request.hooks?.timeoutMs ?? DEFAULT_HOOK_TIMEOUT_MS };
    preTraffic.push(
      ...(request.hooks?.preTraffic ?? []).map((command) => createHookGate(command, hookOptions)),
    );
    const postTraffic = (request.hooks?.postTraffic ?? []).map((command) =>
      createHookGate(command, hookOptions),
    );
    gates.push(...(request.gates ?? []));

    const result = await runRollout(
      {
        alias,
        newVersion,
        plan: effectivePlan,
        preTraffic,
        gates,
        postTraffic,
        intervalMs: request.intervalMs ?? DEFAULT_INTERVAL_MS,
        inconclusive: request.inconclusive ?? { outcome: "fail", maxExtensionMs: 0 },
      },
      { lambda, clock, emit: sink, signal: ports.signal },
    );
    return finish(result);
  } catch (error) {
    return fail(error);
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

async function assertAlarmsExist(alarms: AlarmPort, names: string[]): Promise<void> {
  const found = await alarms.describeAlarms(names);
  const missing = names.filter((name) => !found.some((alarm) => alarm.name === name));
  if (missing.length > 0) {
    throw new InputError(`CloudWatch alarm(s) not found: ${missing.join(", ")}.`, {
      hint: "Check the names passed to --alarm (or the config's alarms) and the region; alarm names are case-sensitive.",
    });
  }
}

/** Every term of the plan that can keep a roll-out running, for the credentials lifetime check. */
export function worstCaseOf(request: DeployRequest, plan: Plan): WorstCase {
  const hooks = (request.hooks?.preTraffic?.length ?? 0) + (request.hooks?.postTraffic?.length ?? 0);
  return worstCaseDuration({
    plan,
    maxExtensionMs: request.inconclusive?.maxExtensionMs ?? 0,
    hooks,
    hookTimeoutMs: request.hooks?.timeoutMs ?? DEFAULT_HOOK_TIMEOUT_MS,
    updateWaitMs: "zip" in request.source ? (request.updateTimeoutMs ?? DEFAULT_UPDATE_TIMEOUT_MS) : 0,
    restoreTimeoutMs: request.restoreTimeoutMs ?? DEFAULT_RESTORE_TIMEOUT_MS,
  });
}
