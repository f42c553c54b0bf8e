/**
 * The alarms of a rehearsal, in the emulator: created as the configuration names them, and set to
 * ALARM or OK by the local alarm driver (alarm-driver.ts), since the emulator never evaluates alarms.
 */
import {
  CloudWatchClient,
  PutMetricAlarmCommand,
  SetAlarmStateCommand,
  type StateValue,
} from "@aws-sdk/client-cloudwatch";
import { AwsCaller } from "../../aws/retry.js";
import type { AlarmWriterPort } from "../ports.js";
import { type EmulatorConnection, sdkConfig } from "./connection.js";

export class EmulatorAlarmWriter implements AlarmWriterPort {
  readonly client: CloudWatchClient;
  private readonly caller = new AwsCaller({}, false);

  constructor(connection: EmulatorConnection = {}) {
    this.client = new CloudWatchClient({ maxAttempts: 1, ...sdkConfig(connection) });
  }

  /** An alarm on the alias's Lambda errors (what an `Errors >= 1` alarm on AWS watches). */
  async create(name: string, target: { functionName: string; aliasName: string; periodSeconds: number }) {
    await this.caller.run({ operation: "PutMetricAlarm", resource: name, unlimited: true }, () =>
      this.client.send(
        new PutMetricAlarmCommand({
          AlarmName: name,
          Namespace: "AWS/Lambda",
          MetricName: "Errors",
          Dimensions: [
            { Name: "FunctionName", Value: target.functionName },
            { Name: "Resource", Value: `${target.functionName}:${target.aliasName}` },
          ],
          Statistic: "Sum",
          Period: Math.max(10, target.periodSeconds),
          EvaluationPeriods: 1,
          Threshold: 1,
          ComparisonOperator: "GreaterThanOrEqualToThreshold",
        }),
      ),
    );
  }

  async setState(name: string, state: "OK" | "ALARM", reason: string) {
    await this.caller.run({ operation: "SetAlarmState", resource: name, unlimited: true }, () =>
      this.client.send(
        new SetAlarmStateCommand({ AlarmName: name, StateValue: state as StateValue, StateReason: reason }),
      ),
    );
  }
}
