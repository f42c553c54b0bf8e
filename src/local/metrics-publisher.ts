/**
 * Publishes the Lambda metrics AWS would publish for traffic through an alias: Invocations, Errors,
 * Throttles and Duration in `AWS/Lambda`, per version (FunctionName, Resource=fn:alias,
 * ExecutedVersion) and in aggregate (FunctionName+Resource, FunctionName). Names and dimensions come
 * from `src/health/lambda-metrics.ts`, the contract the metric gate reads. Buffered and flushed every
 * few seconds, since a PutMetricData per request would swamp the emulator.
 */
import {
  aliasDimensions,
  functionDimensions,
  LAMBDA_METRICS,
  LAMBDA_NAMESPACE,
  versionDimensions,
} from "../health/lambda-metrics.js";
import type { MetricDatum, MetricSinkPort } from "./ports.js";

export interface InvocationRecord {
  functionName: string;
  aliasName: string;
  version: string;
  durationMs: number;
  error: boolean;
  throttled: boolean;
}

export interface VersionTotals {
  invocations: number;
  errors: number;
  throttles: number;
}

interface Bucket extends VersionTotals {
  functionName: string;
  aliasName: string;
  version: string;
  /** Duration in 0.1 ms steps -> occurrences. */
  durations: Map<number, number>;
}

export interface MetricsPublisherOptions {
  /** Default 5000 ms. Gates reading these metrics should use a period of at least this. */
  flushIntervalMs?: number | undefined;
  now?: (() => number) | undefined;
  /** Publishing problems are reported here and the batch dropped: metrics must never stop traffic. */
  onError?: ((error: unknown) => void) | undefined;
}

/** CloudWatch accepts at most 150 distinct values in one datum. */
const MAX_VALUES_PER_DATUM = 150;

function emptyBucket(record: Pick<InvocationRecord, "functionName" | "aliasName" | "version">): Bucket {
  return { ...record, invocations: 0, errors: 0, throttles: 0, durations: new Map() };
}

function merge(into: Bucket, from: Bucket): void {
  into.invocations += from.invocations;
  into.errors += from.errors;
  into.throttles += from.throttles;
  for (const [value, count] of from.durations)
    into.durations.set(value, (into.durations.get(value) ?? 0) + count);
}

/** The data points for one dimension set: counts always (AWS publishes zeros), durations if any. */
export function datumsFor(
  bucket: Bucket,
  dimensions: Record<string, string>,
  timestamp: Date,
): MetricDatum[] {
  const count = (metricName: string, value: number): MetricDatum => ({
    metricName,
    dimensions,
    timestamp,
    unit: "Count",
    value,
  });
  const data = [
    count(LAMBDA_METRICS.invocations, bucket.invocations),
    count(LAMBDA_METRICS.errors, bucket.errors),
    count(LAMBDA_METRICS.throttles, bucket.throttles),
  ];
  const entries = [...bucket.durations.entries()];
  for (let i = 0; i < entries.length; i += MAX_VALUES_PER_DATUM) {
    const slice = entries.slice(i, i + MAX_VALUES_PER_DATUM);
    data.push({
      metricName: LAMBDA_METRICS.duration,
      dimensions,
      timestamp,
      unit: "Milliseconds",
      values: slice.map(([v]) => v / 10),
      counts: slice.map(([, c]) => c),
    });
  }
  return data;
}

export class MetricsPublisher {
  private buffer = new Map<string, Bucket>();
  private readonly totals = new Map<string, VersionTotals>();
  private timer: NodeJS.Timeout | undefined;
  private flushing: Promise<void> = Promise.resolve();
  private readonly now: () => number;
  readonly flushIntervalMs: number;
  publishedBatches = 0;
  failedBatches = 0;

  constructor(
    private readonly sink: MetricSinkPort,
    private readonly options: MetricsPublisherOptions = {},
  ) {
    this.flushIntervalMs = options.flushIntervalMs ?? 5000;
    this.now = options.now ?? Date.now;
  }

  record(record: InvocationRecord): void {
    const key = `${record.functionName}\u0000${record.aliasName}\u0000${record.version}`;
    let bucket = this.buffer.get(key);
    if (!bucket) {
      bucket = emptyBucket(record);
      this.buffer.set(key, bucket);
    }
    const total = this.totals.get(record.version) ?? { invocations: 0, errors: 0, throttles: 0 };
    this.totals.set(record.version, total);
    // Throttled requests never ran: AWS counts them in Throttles only, not in Invocations.
    if (record.throttled) {
      bucket.throttles += 1;
      total.throttles += 1;
      return;
    }
    bucket.invocations += 1;
    total.invocations += 1;
    if (record.error) {
      bucket.errors += 1;
      total.errors += 1;
    }
    const tenths = Math.max(0, Math.round(record.durationMs * 10));
    bucket.durations.set(tenths, (bucket.durations.get(tenths) ?? 0) + 1);
  }

  /** Cumulative counts per version since start, for progress displays (not reset by flushes). */
  totalsByVersion(): Record<string, VersionTotals> {
    return Object.fromEntries([...this.totals].map(([version, t]) => [version, { ...t }]));
  }

  /** Publishes everything buffered so far; flushes never overlap. */
  flush(): Promise<void> {
    this.flushing = this.flushing.then(() => this.publish());
    return this.flushing;
  }

  start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => void this.flush(), this.flushIntervalMs);
    this.timer.unref();
  }

  /** Stops the timer and publishes what is left. */
  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await this.flush();
  }

  private async publish(): Promise<void> {
    if (this.buffer.size === 0) return;
    const buckets = [...this.buffer.values()];
    this.buffer = new Map();
    const timestamp = new Date(this.now());
    const data: MetricDatum[] = [];
    const byAlias = new Map<string, Bucket>();
    const byFunction = new Map<string, Bucket>();
    for (const bucket of buckets) {
      const dims = versionDimensions(bucket.functionName, bucket.aliasName, bucket.version);
      data.push(...datumsFor(bucket, dims, timestamp));
      const resource = `${bucket.functionName}\u0000${bucket.aliasName}`;
      const alias = byAlias.get(resource) ?? emptyBucket({ ...bucket, version: "" });
      merge(alias, bucket);
      byAlias.set(resource, alias);
      const fn =
        byFunction.get(bucket.functionName) ?? emptyBucket({ ...bucket, aliasName: "", version: "" });
      merge(fn, bucket);
      byFunction.set(bucket.functionName, fn);
    }
    for (const bucket of byAlias.values()) {
      data.push(...datumsFor(bucket, aliasDimensions(bucket.functionName, bucket.aliasName), timestamp));
    }
    for (const [name, bucket] of byFunction)
      data.push(...datumsFor(bucket, functionDimensions(name), timestamp));
    try {
      await this.sink.putMetricData(LAMBDA_NAMESPACE, data);
      this.publishedBatches += 1;
    } catch (error) {
      this.failedBatches += 1;
      this.options.onError?.(error);
    }
  }
}
