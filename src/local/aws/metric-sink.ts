/**
 * Where the local metrics publisher's data points go: PutMetricData to the emulator's CloudWatch, where
 * the metric gate reads them back exactly as it reads Lambda's own metrics on AWS.
 */
import { CloudWatchClient, PutMetricDataCommand } from "@aws-sdk/client-cloudwatch";
import { AwsCaller } from "../../aws/retry.js";
import type { MetricDatum, MetricSinkPort } from "../ports.js";
import { type EmulatorConnection, sdkConfig } from "./connection.js";

/** PutMetricData accepts up to 1000 data points per call; stay well below. */
const DATA_PER_CALL = 500;

export class CloudWatchMetricSink implements MetricSinkPort {
  readonly client: CloudWatchClient;
  private readonly caller = new AwsCaller({}, false);

  constructor(connection: EmulatorConnection = {}) {
    this.client = new CloudWatchClient({ maxAttempts: 1, ...sdkConfig(connection) });
  }

  async putMetricData(namespace: string, data: MetricDatum[]): Promise<void> {
    for (let i = 0; i < data.length; i += DATA_PER_CALL) {
      const batch = data.slice(i, i + DATA_PER_CALL).map((d) => ({
        MetricName: d.metricName,
        Dimensions: Object.entries(d.dimensions).map(([Name, Value]) => ({ Name, Value })),
        Timestamp: d.timestamp,
        Unit: d.unit,
        // High resolution, so gates can use periods shorter than a minute locally.
        StorageResolution: 1,
        ...(d.values ? { Values: d.values, Counts: d.counts } : { Value: d.value ?? 0 }),
      }));
      await this.caller.run({ operation: "PutMetricData", resource: namespace, unlimited: true }, () =>
        this.client.send(new PutMetricDataCommand({ Namespace: namespace, MetricData: batch })),
      );
    }
  }
}
