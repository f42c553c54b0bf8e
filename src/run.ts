import { readFile } from "node:fs/promises";
import { hostname } from "node:os";
import { parseMaxRps } from "./aws/budget.js";
import { createAwsPorts } from "./aws/index.js";
import { ExitCode, RolloutError } from "./errors.js";
import { INTERRUPTED_FLUSH_MS, type ReporterFactory, reportingSink } from "./notify/reporter.js";
import { credentialValues } from "./notify/secrets.js";
import type { WebhookUrl } from "./notify/urls.js";
import { webhookReporter } from "./notify/webhook.js";
import type {
  AlarmPort,
  ArtifactStore,
  Clock,
  CredentialsPort,
  LambdaPort,
  LedgerStore,
  MetricsPort,
  OwnedAlarmsPort,
  StepFunctionsPort,
} from "./ports.js";
import { deploy } from "./rollout/deploy/deploy.js";
import { release } from "./rollout/deploy/release.js";
import { type EventSink, failedResult, guardSink, type ResultEvent } from "./rollout/events.js";
import type { LedgerAccess, LedgerLocation } from "./rollout/ledger/location.js";
import { actorFrom } from "./rollout/ledger/record.js";
import { type DeployInputs, type ResolvedDeploy, resolveDeploy } from "./rollout/request/request.js";

export interface Ports {
  lambda: LambdaPort;
  artifacts: ArtifactStore;
  alarms: AlarmPort;
  metrics: MetricsPort;
  /** For `--engine stepfunctions`. */
  stepFunctions?: StepFunctionsPort | undefined;
  /** For `metrics:` with `--engine stepfunctions`: the metric gate's own alarm. */
  ownedAlarms?: OwnedAlarmsPort | undefined;
  /** Checked before the first write: the credentials must outlive the roll-out (or renew). */
  credentials?: CredentialsPort | undefined;
  /** The ledger's storage, used when a ledger location is configured. */
  ledgerStore?: LedgerStore | undefined;
}

export interface RunOptions {
  env?: NodeJS.ProcessEnv | undefined;
  cwd?: string | undefined;
  emit?: EventSink | undefined;
  signal?: AbortSignal | undefined;
  clock?: Clock | undefined;
  /** Adapters to use instead of the AWS SDK ones (tests, embedding). */
  ports?: ((region: string | undefined) => Ports) | undefined;
  /**
   * Reporters besides the `--notify` webhooks (the Action's GitHub Deployment), built once the target is
   * known. Not used for dry runs. They cannot change the outcome; their failures are warnings.
   */
  reporters?: ((run: RunTarget) => ReporterFactory[]) | undefined;
  /** Bound on waiting for notifications at the end (default 10 s). */
  notifyFlushMs?: number | undefined;
}

/** What reporters know of a deploy before it starts. */
export interface RunTarget {
  functionName: string;
  aliasName: string;
  /** The configuration environment deployed to, when one was used. */
  environment: string | undefined;
}

/**
 * The deploy that the CLI and the GitHub Action both run: resolve inputs and configuration, build the
 * adapters, deploy. Never throws for a RolloutError: every outcome is a result event, also emitted.
 */
export async function deployFromInputs(inputs: DeployInputs, options: RunOptions = {}): Promise<ResultEvent> {
  const env = options.env ?? process.env;
  const emit = guardSink(options.emit ?? (() => {}));
  const now = () => options.clock?.now() ?? Date.now();
  /** The output with `--notify` webhooks and the caller's reporters around it; a dry run tells nobody. */
  const reportingFor = (notify: WebhookUrl[], target: RunTarget, dryRun: boolean) => {
    const reporters: ReporterFactory[] = dryRun
      ? []
      : [
          ...(notify.length > 0 ? [webhookReporter(notify, { secrets: credentialValues(env) })] : []),
          ...(options.reporters?.(target) ?? []),
        ];
    return reportingSink(emit, reporters, { flushMs: options.notifyFlushMs, now });
  };
  const base = {
    type: "result" as const,
    function: inputs.function ?? "",
    alias: inputs.alias ?? "",
    fromVersion: null,
    toVersion: null,
  };
  let resolved: ResolvedDeploy;
  let maxRps: number | undefined;
  try {
    maxRps = inputs.maxRps === undefined ? undefined : parseMaxRps(inputs.maxRps);
    resolved = await resolveDeploy(inputs, {
      env,
      cwd: options.cwd ?? process.cwd(),
      readText: (path) => readFile(path, "utf8"),
    });
  } catch (error) {
    if (!(error instanceof RolloutError)) throw error;
    const result = failedResult(base, error);
    emit({ ...result, at: now() });
    return result;
  }
  if (resolved.kind === "noop") {
    const result: ResultEvent = {
      ...base,
      outcome: "noop",
      reason: resolved.message,
      hint: null,
      exitCode: ExitCode.ok,
    };
    emit({ ...result, at: now() });
    return result;
  }
  if (resolved.kind === "release") {
    emit({
      type: "info",
      message: `Environment: ${resolved.environment.name} (${resolved.environment.reason})`,
      at: now(),
    });
    const portsFor =
      options.ports ??
      ((region: string | undefined) =>
        createAwsPorts({ ...(region ? { region } : {}), ...(maxRps ? { maxRps } : {}), env }));
    const { request } = resolved;
    const aliasNames = [...new Set(request.functions.map((item) => item.aliasName))].join(",");
    const target = { functionName: request.name, aliasName: aliasNames, environment: request.name };
    const reporting = reportingFor(resolved.notify, target, request.dryRun ?? false);
    try {
      return await release(request, {
        portsFor,
        ledger: ledgerAccess(resolved.ledger, portsFor(request.functions[0]?.region).ledgerStore, env),
        clock: options.clock,
        emit: reporting.emit,
        signal: options.signal,
        cwd: options.cwd ?? process.cwd(),
        env,
      });
    } finally {
      await reporting.close(options.signal?.aborted ? INTERRUPTED_FLUSH_MS : undefined);
    }
  }
  if (resolved.environment)
    emit({
      type: "info",
      message: `Environment: ${resolved.environment.name} (${resolved.environment.reason})`,
      at: now(),
    });
  const ports = options.ports
    ? options.ports(resolved.region)
    : createAwsPorts({
        ...(resolved.region ? { region: resolved.region } : {}),
        ...(maxRps ? { maxRps } : {}),
        env,
        whereabouts: resolved.whereabouts,
      });
  const cwd = options.cwd ?? process.cwd();
  const { request } = resolved;
  const reporting = reportingFor(
    resolved.notify,
    {
      functionName: request.functionName,
      aliasName: request.aliasName,
      environment: resolved.environment?.name,
    },
    request.dryRun ?? false,
  );
  try {
    return await deploy(request, {
      ...ports,
      clock: options.clock,
      emit: reporting.emit,
      signal: options.signal,
      cwd,
      env,
      ledger: ledgerAccess(resolved.ledger, ports.ledgerStore, env),
    });
  } finally {
    // Bounded: the result (held back by the reporting sink) is emitted after the deliveries settle.
    await reporting.close(options.signal?.aborted ? INTERRUPTED_FLUSH_MS : undefined);
  }
}

/** The ledger a run uses: where it is, the store to reach it, who is acting (from the run's environment). */
export function ledgerAccess(
  location: LedgerLocation | undefined,
  store: LedgerStore | undefined,
  env: NodeJS.ProcessEnv,
): LedgerAccess | undefined {
  return location && store ? { location, store, actor: actorFrom(env, hostname()) } : undefined;
}
