/**
 * Runs published versions' handlers locally, the part of Lambda the emulator lacks. Each version gets
 * its own unpacked package and its own execution environments (worker threads, one event at a time,
 * like Lambda's sandboxes), with the version's timeout, memory size and environment variables.
 */
import { randomUUID } from "node:crypto";
import { Worker } from "node:worker_threads";
import { createPackageDir, findRuntimeModules, type PackageDir } from "./package-dir.js";
import type { LocalLambdaPort, VersionConfig } from "./ports.js";
import { WORKER_SOURCE, type WorkerInit, type WorkerReply } from "./worker-source.js";

export interface Invocation {
  requestId: string;
  functionName: string;
  executedVersion: string;
  /** The handler's result as JSON, or Lambda's error object as JSON when `functionError` is set. */
  payload: string;
  /** `Unhandled` when the handler threw, timed out or crashed, as Lambda's X-Amz-Function-Error. */
  functionError?: "Unhandled" | undefined;
  errorType?: string | undefined;
  errorMessage?: string | undefined;
  durationMs: number;
  /** Every environment of this version was busy at its concurrency limit (Lambda's 429). */
  throttled: boolean;
  coldStart: boolean;
}

export interface LocalRuntimeOptions {
  /** Execution environments per version before invocations are throttled; default 10. */
  maxConcurrencyPerVersion?: number | undefined;
  /** Variables every environment gets besides the function's own (e.g. the emulator endpoint). */
  extraEnvironment?: Record<string, string> | undefined;
  region?: string | undefined;
  /** Handler output (console.log); discarded by default, as it would go to CloudWatch Logs. */
  onLog?: ((version: string, line: string) => void) | undefined;
  /** Directory linked as the package's node_modules when it has none (the runtime's SDK). */
  runtimeModules?: string | undefined;
}

interface Environment {
  worker: Worker;
  busy: boolean;
  invoked: boolean;
}

interface VersionPool {
  config: VersionConfig;
  dir: PackageDir;
  environments: Set<Environment>;
}

function lambdaError(errorType: string, errorMessage: string): string {
  return JSON.stringify({ errorType, errorMessage });
}

export class LocalRuntime {
  private readonly pools = new Map<string, Promise<VersionPool>>();
  private readonly maxConcurrency: number;
  private readonly runtimeModules: string | undefined;
  private closed = false;

  constructor(
    private readonly lambda: LocalLambdaPort,
    private readonly options: LocalRuntimeOptions = {},
  ) {
    this.maxConcurrency = options.maxConcurrencyPerVersion ?? 10;
    this.runtimeModules = options.runtimeModules ?? findRuntimeModules();
  }

  async invoke(functionName: string, version: string, event: unknown): Promise<Invocation> {
    if (this.closed) throw new Error("the local runtime is closed");
    const pool = await this.pool(functionName, version);
    const requestId = randomUUID();
    const base = { requestId, functionName, executedVersion: pool.config.version };
    let environment = [...pool.environments].find((e) => !e.busy);
    if (!environment && pool.environments.size >= this.maxConcurrency) {
      const payload = lambdaError("TooManyRequestsException", "Rate Exceeded.");
      return { ...base, payload, durationMs: 0, throttled: true, coldStart: false };
    }
    environment ??= this.startEnvironment(pool);
    const coldStart = !environment.invoked;
    environment.invoked = true;
    environment.busy = true;
    const reply = await this.runInEnvironment(pool, environment, requestId, event);
    environment.busy = false;
    if (reply.ok)
      return { ...base, payload: reply.payload, durationMs: reply.durationMs, throttled: false, coldStart };
    return {
      ...base,
      payload: lambdaError(reply.errorType, reply.errorMessage),
      functionError: "Unhandled",
      errorType: reply.errorType,
      errorMessage: reply.errorMessage,
      durationMs: reply.durationMs,
      throttled: false,
      coldStart,
    };
  }

  /** Terminates every environment and removes the unpacked packages. */
  async close(): Promise<void> {
    this.closed = true;
    const pools = await Promise.allSettled(this.pools.values());
    this.pools.clear();
    for (const result of pools) {
      if (result.status !== "fulfilled") continue;
      await Promise.all([...result.value.environments].map((e) => e.worker.terminate()));
      result.value.environments.clear();
      await result.value.dir.remove();
    }
  }

  private pool(functionName: string, version: string): Promise<VersionPool> {
    const key = `${functionName}:${version}`;
    let pool = this.pools.get(key);
    if (!pool) {
      pool = this.createPool(functionName, version);
      this.pools.set(key, pool);
      // A failed set-up (code not found) is retried on the next request, not cached forever.
      pool.catch(() => this.pools.delete(key));
    }
    return pool;
  }

  private async createPool(functionName: string, version: string): Promise<VersionPool> {
    const config = await this.lambda.getVersionConfig(functionName, version);
    if (!config.runtime.startsWith("nodejs")) {
      throw new Error(
        `${functionName}:${version} uses ${config.runtime}; the local runtime runs Node.js only`,
      );
    }
    const code = await this.lambda.getVersionCode(functionName, version);
    const dir = await createPackageDir(code, `${functionName}-${version}`, this.runtimeModules);
    return { config, dir, environments: new Set() };
  }

  private startEnvironment(pool: VersionPool): Environment {
    const { config } = pool;
    const region = this.options.region ?? process.env.AWS_REGION ?? "us-east-1";
    const init: WorkerInit = {
      taskRoot: pool.dir.root,
      handler: config.handler,
      functionName: config.functionName,
      version: config.version,
      memoryMb: config.memoryMb,
      region,
    };
    const worker = new Worker(WORKER_SOURCE, {
      eval: true,
      workerData: init,
      // Only what Lambda would set plus the caller's extras: the developer's shell stays out.
      env: {
        ...this.options.extraEnvironment,
        AWS_REGION: region,
        AWS_DEFAULT_REGION: region,
        AWS_LAMBDA_FUNCTION_NAME: config.functionName,
        AWS_LAMBDA_FUNCTION_VERSION: config.version,
        AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(config.memoryMb),
        AWS_EXECUTION_ENV: `AWS_Lambda_${config.runtime}`,
        LAMBDA_TASK_ROOT: pool.dir.root,
        TZ: ":UTC",
        ...config.environment,
      },
      resourceLimits: { maxOldGenerationSizeMb: config.memoryMb },
      stdout: true,
      stderr: true,
    });
    const log = this.options.onLog;
    for (const stream of [worker.stdout, worker.stderr]) {
      stream.setEncoding("utf8");
      stream.on("data", (chunk: string) => {
        for (const line of chunk.split("\n")) if (line) log?.(config.version, line);
      });
    }
    const environment: Environment = { worker, busy: false, invoked: false };
    worker.once("exit", () => pool.environments.delete(environment));
    // Errors also arrive through `runInEnvironment`; this listener keeps an idle crash from being unhandled.
    worker.on("error", () => pool.environments.delete(environment));
    worker.unref();
    pool.environments.add(environment);
    return environment;
  }

  /** Sends one event to one execution environment and waits for its reply, its crash or the timeout. */
  private runInEnvironment(
    pool: VersionPool,
    environment: Environment,
    requestId: string,
    event: unknown,
  ): Promise<WorkerReply> {
    const { worker } = environment;
    const timeoutMs = pool.config.timeoutSeconds * 1000;
    const id = 1;
    const started = performance.now();
    return new Promise<WorkerReply>((resolve) => {
      const finish = (reply: WorkerReply, kill: boolean) => {
        clearTimeout(timer);
        worker.off("message", onMessage);
        worker.off("error", onError);
        worker.off("exit", onExit);
        if (kill) {
          pool.environments.delete(environment);
          void worker.terminate();
        }
        resolve(reply);
      };
      const failed = (errorType: string, errorMessage: string, kill: boolean) =>
        finish(
          {
            id,
            ok: false,
            errorType,
            errorMessage: `RequestId: ${requestId} Error: ${errorMessage}`,
            trace: [],
            durationMs: performance.now() - started,
          },
          kill,
        );
      const onMessage = (reply: WorkerReply) => finish(reply, false);
      const onError = (error: Error & { code?: string }) =>
        error.code === "ERR_WORKER_OUT_OF_MEMORY"
          ? failed("Runtime.OutOfMemory", "Runtime exited with error: signal: killed", true)
          : failed("Runtime.ExitError", `Runtime exited with error: ${error.message}`, true);
      const onExit = (code: number) =>
        failed("Runtime.ExitError", `Runtime exited with error: exit status ${code}`, true);
      // Lambda stops the sandbox at the timeout; terminating the worker is the closest equivalent.
      const timer = setTimeout(
        () =>
          failed(
            "Sandbox.Timedout",
            `Task timed out after ${pool.config.timeoutSeconds.toFixed(2)} seconds`,
            true,
          ),
        timeoutMs,
      );
      worker.on("message", onMessage);
      worker.once("error", onError);
      worker.once("exit", onExit);
      worker.postMessage({ id, event, requestId, deadline: Date.now() + timeoutMs });
    });
  }
}
