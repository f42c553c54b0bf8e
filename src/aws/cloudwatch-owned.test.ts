import {
  CloudWatchClient,
  DeleteAlarmsCommand,
  DescribeAlarmsCommand,
  PutMetricAlarmCommand,
  ResourceNotFound,
} from "@aws-sdk/client-cloudwatch";
import { mockClient } from "aws-sdk-client-mock";
import { beforeEach, describe, expect, test } from "vitest";
import { metricAlarmOf } from "../health/metric-alarm.js";
import { CloudWatchOwnedAlarms } from "./cloudwatch-owned.js";

const newMock = (c: CloudWatchClient) => mockClient(c);
let mock: ReturnType<typeof newMock>;
let adapter: CloudWatchOwnedAlarms;

beforeEach(() => {
  const client = new CloudWatchClient({
    region: "us-east-1",
    credentials: { accessKeyId: "a", secretAccessKey: "b" },
  });
  mock = newMock(client);
  adapter = new CloudWatchOwnedAlarms(client, { retry: { maxAttempts: 1 } });
});

const owner = {
  functionName: "orders",
  aliasName: "live",
  version: "8",
  executionArn: "arn:aws:states:us-east-1:123456789012:execution:m:e",
};

describe("CloudWatchOwnedAlarms", () => {
  // moto stores a metric math alarm but never evaluates it: what CloudWatch receives is checked here.
  test("PutMetricAlarm: metric math (p99 as the stat of a MetricStat), notBreaching, no actions", async () => {
    mock.on(PutMetricAlarmCommand).resolves({});
    const alarm = metricAlarmOf(
      { errorRate: { max: 0.05 }, duration: { stat: "p99", maxMs: 800 }, consecutiveFailures: 2 },
      owner,
      "7",
    );
    await adapter.putMetricMathAlarm(alarm);
    const input = mock.commandCalls(PutMetricAlarmCommand)[0]?.args[0].input;
    expect(input).toMatchObject({
      AlarmName: "lambda-rollout/orders/live/v8/metrics",
      ActionsEnabled: false,
      EvaluationPeriods: 2,
      DatapointsToAlarm: 2,
      Threshold: 0,
      ComparisonOperator: "GreaterThanThreshold",
      TreatMissingData: "notBreaching",
    });
    // Metrics replaces MetricName/Namespace/Statistic/Period: none of them may be sent alongside.
    expect(input?.MetricName).toBeUndefined();
    expect(input?.Period).toBeUndefined();
    expect(input?.Metrics?.find((m) => m.Id === "dur")).toEqual({
      Id: "dur",
      ReturnData: false,
      MetricStat: {
        Metric: {
          Namespace: "AWS/Lambda",
          MetricName: "Duration",
          Dimensions: [
            { Name: "FunctionName", Value: "orders" },
            { Name: "Resource", Value: "orders:live" },
            { Name: "ExecutedVersion", Value: "8" },
          ],
        },
        Period: 60,
        Stat: "p99",
      },
    });
    const watched = input?.Metrics?.filter((m) => m.ReturnData) ?? [];
    expect(watched.map((m) => m.Id)).toEqual(["breach"]);
    expect(watched[0]?.Expression).toContain("IF(FILL(inv, 0) >= 20");
    expect(watched[0]?.MetricStat).toBeUndefined();
  });

  test("listAlarms: by name prefix, every page, and nothing outside the prefix", async () => {
    mock
      .on(DescribeAlarmsCommand, { NextToken: undefined })
      .resolves({
        MetricAlarms: [
          { AlarmName: "lambda-rollout/orders/live/v8/metrics", AlarmDescription: "d8" },
          { AlarmName: "someone-else", AlarmDescription: "x" },
        ],
        NextToken: "t",
      })
      .on(DescribeAlarmsCommand, { NextToken: "t" })
      .resolves({ MetricAlarms: [{ AlarmName: "lambda-rollout/orders/live/v9/metrics" }] });
    const listed = await adapter.listAlarms("lambda-rollout/orders/live/");
    expect(listed.map((a) => a.name)).toEqual([
      "lambda-rollout/orders/live/v8/metrics",
      "lambda-rollout/orders/live/v9/metrics",
    ]);
    expect(mock.commandCalls(DescribeAlarmsCommand)[0]?.args[0].input).toMatchObject({
      AlarmNamePrefix: "lambda-rollout/orders/live/",
      AlarmTypes: ["MetricAlarm"],
    });
  });

  test("deleteAlarms: 100 names a call; an alarm already gone is no error, any other error is", async () => {
    mock.on(DeleteAlarmsCommand).resolves({});
    await adapter.deleteAlarms(Array.from({ length: 150 }, (_, i) => `lambda-rollout/f/a/v${i}/metrics`));
    expect(mock.commandCalls(DeleteAlarmsCommand).map((c) => c.args[0].input.AlarmNames?.length)).toEqual([
      100, 50,
    ]);
    mock.reset();
    mock.on(DeleteAlarmsCommand).rejects(new ResourceNotFound({ message: "gone", $metadata: {} }));
    await expect(adapter.deleteAlarms(["lambda-rollout/f/a/v1/metrics"])).resolves.toBeUndefined();
    mock.reset();
    mock.on(DeleteAlarmsCommand).rejects(Object.assign(new Error("denied"), { name: "AccessDenied" }));
    await expect(adapter.deleteAlarms(["lambda-rollout/f/a/v1/metrics"])).rejects.toThrow(/denied/);
  });
});
