import { readFile } from "node:fs/promises";
import { createAwsPorts } from "./aws/index.js";
import { ExitCode, RolloutError } from "./errors.js";
import type {
  AlarmPort,
  ArtifactStore,
  Clock,
  CredentialsPort,
  LambdaPort,
  MetricsPort,
  StepFunctionsPort,
} from "./ports.js";
import { deploy } from "./rollout/deploy.js";
import { type EventSink, failedResult, guardSink, type ResultEvent } from "./rollout/events.js";
import { type DeployInputs, type ResolvedDeploy, resolveDeploy } from "./rollout/request.js";

export interface Ports {
  lambda: LambdaPort;
  artifacts: ArtifactStore;
  alarms: AlarmPort;
  metrics: MetricsPort;
  /** For `--engine stepfunctions`. */
  stepFunctions?: StepFunctionsPort | undefined;
  /** Checked before the first write: the credentials must outlive the roll-out (or renew). */
  credentials?: CredentialsPort | undefined;
}

export interface RunOptions {
  env?: NodeJS.ProcessEnv | undefined;
  cwd?: string | undefined;
  emit?: EventSink | undefined;
  signal?: AbortSignal | undefined;
  clock?: Clock | undefined;
  /** Adapters to use instead of the AWS SDK ones (tests, embedding). */
  ports?: ((region: string | undefined) => Ports) | undefined;
}

/**
 * The deploy that the CLI and the GitHub Action both run: resolve inputs and configuration, build the
 * adapters, deploy. Never throws for a RolloutError: every outcome is a result event, also emitted.
 */
export async function deployFromInputs(inputs: DeployInputs, options: RunOptions = {}): Promise<ResultEvent> {
  const env = options.env ?? process.env;
  const emit = guardSink(options.emit ?? (() => {}));
  const now = () => options.clock?.now() ?? Date.now();
  const base = {
    type: "result" as const,
    function: inputs.function ?? "",
    alias: inputs.alias ?? "",
    fromVersion: null,
    toVersion: null,
  };
  let resolved: ResolvedDeploy;
  try {
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
  if (resolved.environment)
    emit({
      type: "info",
      message: `Environment: ${resolved.environment.name} (${resolved.environment.reason})`,
      at: now(),
    });
  const ports = options.ports
    ? options.ports(resolved.region)
    : createAwsPorts({ ...(resolved.region ? { region: resolved.region } : {}), env });
  const cwd = options.cwd ?? process.cwd();
  return await deploy(resolved.request, {
    ...ports,
    clock: options.clock,
    emit,
    signal: options.signal,
    cwd,
    env,
  });
}
