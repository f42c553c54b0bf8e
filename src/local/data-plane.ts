/**
 * The local data plane in one call: runtime + metrics publisher + API gateway for one function alias,
 * and one `close()` that stops all three (last metrics flushed, workers terminated, temp dirs removed).
 */
import { type LocalApi, type LocalApiOptions, startLocalApi } from "./api-gateway.js";
import { MetricsPublisher } from "./metrics-publisher.js";
import type { LocalLambdaPort, MetricSinkPort } from "./ports.js";
import { LocalRuntime, type LocalRuntimeOptions } from "./runtime.js";

export interface DataPlaneOptions {
  functionName: string;
  aliasName: string;
  lambda: LocalLambdaPort;
  metricSink: MetricSinkPort;
  runtime?: LocalRuntimeOptions | undefined;
  flushIntervalMs?: number | undefined;
  port?: number | undefined;
  routingTtlMs?: number | undefined;
  random?: (() => number) | undefined;
  onInvocation?: LocalApiOptions["onInvocation"];
  onMetricsError?: ((error: unknown) => void) | undefined;
}

export interface DataPlane {
  api: LocalApi;
  runtime: LocalRuntime;
  metrics: MetricsPublisher;
  close(): Promise<void>;
}

export async function startDataPlane(options: DataPlaneOptions): Promise<DataPlane> {
  const runtime = new LocalRuntime(options.lambda, options.runtime);
  const metrics = new MetricsPublisher(options.metricSink, {
    flushIntervalMs: options.flushIntervalMs,
    onError: options.onMetricsError,
  });
  let api: LocalApi;
  try {
    api = await startLocalApi({
      functionName: options.functionName,
      aliasName: options.aliasName,
      lambda: options.lambda,
      runtime,
      metrics,
      port: options.port,
      routingTtlMs: options.routingTtlMs,
      random: options.random,
      onInvocation: options.onInvocation,
    });
  } catch (error) {
    await runtime.close();
    throw error;
  }
  metrics.start();
  return {
    api,
    runtime,
    metrics,
    async close() {
      await api.close();
      await metrics.stop();
      await runtime.close();
    },
  };
}
