import {
  CloudWatchClient,
  type CloudWatchClientConfig,
  DescribeAlarmsCommand,
  GetMetricDataCommand,
  type MetricDataQuery,
} from "@aws-sdk/client-cloudwatch";
import type {
  AlarmPort,
  AlarmState,
  AlarmStateValue,
  CallOptions,
  MetricQuery,
  MetricsPort,
} from "../ports.js";
import { type AdapterOptions, AwsCaller, clientDefaults } from "./retry.js";

/** DescribeAlarms accepts at most 100 names per call. */
const ALARM_NAMES_PER_CALL = 100;
/** GetMetricData accepts at most 500 queries per call. */
const QUERIES_PER_CALL = 500;

function chunk<T>(items: T[], size: number): T[][] {
  const chunks: T[][] = [];
  for (let i = 0; i < items.length; i += size) chunks.push(items.slice(i, i + size));
  return chunks;
}

function cloudWatchClient(client: CloudWatchClient | CloudWatchClientConfig | undefined): CloudWatchClient {
  // Built with maxAttempts 1: retries happen in AwsCaller (see retry.ts).
  return client instanceof CloudWatchClient ? client : new CloudWatchClient(clientDefaults(client));
}

function toStateValue(value: string | undefined): AlarmStateValue {
  return value === "OK" || value === "ALARM" ? value : "INSUFFICIENT_DATA";
}

export class CloudWatchAlarms implements AlarmPort {
  readonly client: CloudWatchClient;
  private readonly caller: AwsCaller;

  constructor(client?: CloudWatchClient | CloudWatchClientConfig, options: AdapterOptions = {}) {
    this.client = cloudWatchClient(client);
    this.caller = new AwsCaller(options, false);
  }

  async describeAlarms(names: string[], options?: CallOptions): Promise<AlarmState[]> {
    const alarms: AlarmState[] = [];
    for (const batch of chunk([...new Set(names)], ALARM_NAMES_PER_CALL)) {
      let nextToken: string | undefined;
      do {
        const page = await this.caller.run(
          { operation: "DescribeAlarms", resource: `alarms ${batch.join(", ")}` },
          (abortSignal) =>
            this.client.send(
              new DescribeAlarmsCommand({
                AlarmNames: batch,
                // Without AlarmTypes, DescribeAlarms silently returns metric alarms only.
                AlarmTypes: ["MetricAlarm", "CompositeAlarm"],
                NextToken: nextToken,
              }),
              { abortSignal },
            ),
          options,
        );
        for (const alarm of [...(page.MetricAlarms ?? []), ...(page.CompositeAlarms ?? [])]) {
          if (!alarm.AlarmName) continue;
          alarms.push({
            name: alarm.AlarmName,
            state: toStateValue(alarm.StateValue),
            reason: alarm.StateReason,
          });
        }
        nextToken = page.NextToken;
      } while (nextToken);
    }
    return alarms;
  }
}

/**
 * Folds the datapoints of one statistic into a single number. Percentiles cannot be combined exactly
 * from per-period values, so the worst period is used: for latency and error gates, that errs on the
 * side of rolling back.
 */
export function aggregate(stat: string, values: number[]): number | undefined {
  if (values.length === 0) return undefined;
  switch (stat) {
    case "Sum":
    case "SampleCount":
      return values.reduce((a, b) => a + b, 0);
    case "Average":
      return values.reduce((a, b) => a + b, 0) / values.length;
    case "Minimum":
      return Math.min(...values);
    default:
      // Maximum, pN and any other extended statistic (tm99, ...): the conservative maximum.
      return Math.max(...values);
  }
}

export class CloudWatchMetrics implements MetricsPort {
  readonly client: CloudWatchClient;
  private readonly caller: AwsCaller;

  constructor(client?: CloudWatchClient | CloudWatchClientConfig, options: AdapterOptions = {}) {
    this.client = cloudWatchClient(client);
    this.caller = new AwsCaller(options, false);
  }

  async getMetrics(
    queries: MetricQuery[],
    start: Date,
    end: Date,
    periodSeconds: number,
    options?: CallOptions,
  ): Promise<Record<string, number | undefined>> {
    // CloudWatch ids must match ^[a-z][a-zA-Z0-9_]*$; our own ids free callers from that rule.
    const values = new Map<string, number[]>(queries.map((_, i) => [`q${i}`, []]));
    const indexed = queries.map((query, i) => ({ query, id: `q${i}` }));
    for (const batch of chunk(indexed, QUERIES_PER_CALL)) {
      const metricQueries: MetricDataQuery[] = batch.map(({ query, id }) => ({
        Id: id,
        ReturnData: true,
        MetricStat: {
          Metric: {
            Namespace: query.namespace,
            MetricName: query.metricName,
            Dimensions: Object.entries(query.dimensions).map(([Name, Value]) => ({ Name, Value })),
          },
          Period: periodSeconds,
          Stat: query.stat,
        },
      }));
      let nextToken: string | undefined;
      do {
        const page = await this.caller.run(
          {
            operation: "GetMetricData",
            resource: `metrics ${batch.map((b) => b.query.metricName).join(", ")}`,
          },
          (abortSignal) =>
            this.client.send(
              new GetMetricDataCommand({
                MetricDataQueries: metricQueries,
                StartTime: start,
                EndTime: end,
                NextToken: nextToken,
              }),
              { abortSignal },
            ),
          options,
        );
        for (const result of page.MetricDataResults ?? []) {
          if (result.Id) values.get(result.Id)?.push(...(result.Values ?? []));
        }
        nextToken = page.NextToken;
      } while (nextToken);
    }
    const out: Record<string, number | undefined> = {};
    for (const { query, id } of indexed) out[query.id] = aggregate(query.stat, values.get(id) ?? []);
    return out;
  }
}
