/**
 * The alarms lambda-rollout owns (the server-side metric gate, src/health/metric-alarm.ts): created with
 * PutMetricAlarm on metric math, found again by their name's prefix, deleted with DeleteAlarms.
 */
import {
  CloudWatchClient,
  type CloudWatchClientConfig,
  DeleteAlarmsCommand,
  DescribeAlarmsCommand,
  PutMetricAlarmCommand,
} from "@aws-sdk/client-cloudwatch";
import type { CallOptions, ListedAlarm, MetricMathAlarm, OwnedAlarmsPort } from "../ports.js";
import { type AdapterOptions, AwsCaller, clientDefaults } from "./retry.js";

/** DeleteAlarms takes at most 100 names per call. */
const DELETE_PER_CALL = 100;

function isNotFound(error: unknown): boolean {
  for (let e: unknown = error; e instanceof Error; e = e.cause) {
    if (e.name === "ResourceNotFound" || e.name === "ResourceNotFoundException") return true;
  }
  return false;
}

export class CloudWatchOwnedAlarms implements OwnedAlarmsPort {
  readonly client: CloudWatchClient;
  private readonly caller: AwsCaller;

  constructor(client?: CloudWatchClient | CloudWatchClientConfig, options: AdapterOptions = {}) {
    // Built with maxAttempts 1: retries happen in AwsCaller (see retry.ts).
    this.client = client instanceof CloudWatchClient ? client : new CloudWatchClient(clientDefaults(client));
    this.caller = new AwsCaller(options, false);
  }

  async putMetricMathAlarm(alarm: MetricMathAlarm, options?: CallOptions): Promise<void> {
    await this.caller.run(
      { operation: "PutMetricAlarm", resource: `alarm ${alarm.name}` },
      (abortSignal) =>
        this.client.send(
          new PutMetricAlarmCommand({
            AlarmName: alarm.name,
            AlarmDescription: alarm.description,
            // Only the state machine acts on it: no notification of its own.
            ActionsEnabled: false,
            Metrics: alarm.queries.map((query) => ({
              Id: query.id,
              ReturnData: query.returnData,
              ...(query.label ? { Label: query.label } : {}),
              ...(query.expression ? { Expression: query.expression } : {}),
              ...(query.metric
                ? {
                    MetricStat: {
                      Metric: {
                        Namespace: query.metric.namespace,
                        MetricName: query.metric.metricName,
                        Dimensions: Object.entries(query.metric.dimensions).map(([Name, Value]) => ({
                          Name,
                          Value,
                        })),
                      },
                      Period: alarm.periodSeconds,
                      Stat: query.metric.stat,
                    },
                  }
                : {}),
            })),
            EvaluationPeriods: alarm.evaluationPeriods,
            DatapointsToAlarm: alarm.datapointsToAlarm,
            Threshold: alarm.threshold,
            ComparisonOperator: "GreaterThanThreshold",
            TreatMissingData: alarm.treatMissingData,
          }),
          { abortSignal },
        ),
      options,
    );
  }

  async listAlarms(prefix: string, options?: CallOptions): Promise<ListedAlarm[]> {
    const listed: ListedAlarm[] = [];
    let nextToken: string | undefined;
    do {
      const page = await this.caller.run(
        { operation: "DescribeAlarms", resource: `alarms ${prefix}*` },
        (abortSignal) =>
          this.client.send(
            new DescribeAlarmsCommand({
              AlarmNamePrefix: prefix,
              AlarmTypes: ["MetricAlarm"],
              NextToken: nextToken,
            }),
            { abortSignal },
          ),
        options,
      );
      for (const alarm of page.MetricAlarms ?? []) {
        // The prefix filter is the server's; it is checked here too, so nothing else is ever deleted.
        if (!alarm.AlarmName?.startsWith(prefix)) continue;
        listed.push({
          name: alarm.AlarmName,
          description: alarm.AlarmDescription,
          updatedAt: alarm.AlarmConfigurationUpdatedTimestamp,
        });
      }
      nextToken = page.NextToken;
    } while (nextToken);
    return listed;
  }

  async deleteAlarms(names: string[], options?: CallOptions): Promise<void> {
    const unique = [...new Set(names)];
    for (let i = 0; i < unique.length; i += DELETE_PER_CALL) {
      const batch = unique.slice(i, i + DELETE_PER_CALL);
      await this.caller
        .run(
          { operation: "DeleteAlarms", resource: `alarms ${batch.join(", ")}` },
          (abortSignal) => this.client.send(new DeleteAlarmsCommand({ AlarmNames: batch }), { abortSignal }),
          options,
        )
        .catch((error: unknown) => {
          // "If you specify any incorrect alarm names, the alarms you specify with correct names are
          // still deleted" (https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_DeleteAlarms.html);
          // an alarm already gone is what was asked for.
          if (!isNotFound(error)) throw error;
        });
    }
  }
}
