import { CloudWatchClient, DescribeAlarmsCommand, GetMetricDataCommand } from "@aws-sdk/client-cloudwatch";
import { mockClient } from "aws-sdk-client-mock";
import { beforeEach, describe, expect, test } from "vitest";
import { FakeClock } from "../../test/support/fakes.js";
import type { MetricQuery } from "../ports.js";
import { aggregate, CloudWatchAlarms, CloudWatchMetrics } from "./cloudwatch.js";

const newMock = (c: CloudWatchClient) => mockClient(c);
let mock: ReturnType<typeof newMock>;
let client: CloudWatchClient;

beforeEach(() => {
  client = new CloudWatchClient({
    region: "us-east-1",
    credentials: { accessKeyId: "a", secretAccessKey: "b" },
  });
  mock = newMock(client);
});

describe("aggregate", () => {
  const values = [1, 4, 2, 5];
  test.each([
    ["Sum", 12],
    ["SampleCount", 12],
    ["Average", 3],
    ["Maximum", 5],
    ["Minimum", 1],
    ["p99", 5],
    ["p90", 5],
    ["p99.9", 5],
  ])("%s over several periods", (stat, expected) => {
    expect(aggregate(stat, values)).toBe(expected);
  });

  test("no datapoints is undefined, not zero", () => {
    expect(aggregate("Sum", [])).toBeUndefined();
    expect(aggregate("p99", [])).toBeUndefined();
  });
});

describe("CloudWatchMetrics", () => {
  const q = (id: string, stat: string): MetricQuery => ({
    id,
    namespace: "AWS/Lambda",
    metricName: id === "errors" ? "Errors" : "Duration",
    dimensions: { FunctionName: "fn", Resource: "fn:live", ExecutedVersion: "4" },
    stat,
  });

  test("one MetricStat query per metric, values aggregated per id across pages", async () => {
    mock
      .on(GetMetricDataCommand, { NextToken: undefined })
      .resolves({
        MetricDataResults: [
          { Id: "q0", Values: [1, 2] },
          { Id: "q1", Values: [120] },
          { Id: "q2", Values: [] },
        ],
        NextToken: "t1",
      })
      .on(GetMetricDataCommand, { NextToken: "t1" })
      .resolves({
        MetricDataResults: [
          { Id: "q0", Values: [3] },
          { Id: "q1", Values: [300, 80] },
        ],
      });
    const metrics = new CloudWatchMetrics(client);
    const start = new Date("2025-01-01T00:00:00Z");
    const end = new Date("2025-01-01T00:05:00Z");
    const result = await metrics.getMetrics(
      [q("errors", "Sum"), q("latency-p99", "p99"), q("avg", "Average")],
      start,
      end,
      60,
    );
    expect(result).toEqual({ errors: 6, "latency-p99": 300, avg: undefined });
    const input = mock.commandCalls(GetMetricDataCommand)[0]?.args[0].input;
    expect(input?.StartTime).toEqual(start);
    expect(input?.EndTime).toEqual(end);
    expect(input?.MetricDataQueries?.[1]).toEqual({
      Id: "q1",
      ReturnData: true,
      MetricStat: {
        Metric: {
          Namespace: "AWS/Lambda",
          MetricName: "Duration",
          Dimensions: [
            { Name: "FunctionName", Value: "fn" },
            { Name: "Resource", Value: "fn:live" },
            { Name: "ExecutedVersion", Value: "4" },
          ],
        },
        Period: 60,
        Stat: "p99",
      },
    });
  });

  test("throttled GetMetricData is retried", async () => {
    const throttled = Object.assign(new Error("Rate exceeded"), {
      name: "Throttling",
      $metadata: { httpStatusCode: 400 },
    });
    mock
      .on(GetMetricDataCommand)
      .rejectsOnce(throttled)
      .resolves({ MetricDataResults: [{ Id: "q0", Values: [7] }] });
    const metrics = new CloudWatchMetrics(client, { clock: new FakeClock(), random: () => 0 });
    expect(await metrics.getMetrics([q("errors", "Maximum")], new Date(0), new Date(60_000), 60)).toEqual({
      errors: 7,
    });
    expect(mock.commandCalls(GetMetricDataCommand)).toHaveLength(2);
  });
});

describe("CloudWatchAlarms", () => {
  test("names are sent in chunks of 100 and pages are followed", async () => {
    const names = Array.from({ length: 150 }, (_, i) => `alarm-${i}`);
    mock.on(DescribeAlarmsCommand).callsFake((input: { AlarmNames: string[]; NextToken?: string }) => {
      if (input.AlarmNames.length === 100 && !input.NextToken) {
        return {
          MetricAlarms: [{ AlarmName: "alarm-0", StateValue: "ALARM", StateReason: "threshold" }],
          NextToken: "n",
        };
      }
      if (input.NextToken === "n") return { MetricAlarms: [{ AlarmName: "alarm-99", StateValue: "OK" }] };
      return { CompositeAlarms: [{ AlarmName: "alarm-149", StateValue: "INSUFFICIENT_DATA" }] };
    });
    const alarms = await new CloudWatchAlarms(client).describeAlarms(names);
    expect(alarms).toEqual([
      { name: "alarm-0", state: "ALARM", reason: "threshold" },
      { name: "alarm-99", state: "OK", reason: undefined },
      { name: "alarm-149", state: "INSUFFICIENT_DATA", reason: undefined },
    ]);
    const calls = mock.commandCalls(DescribeAlarmsCommand).map((c) => c.args[0].input);
    expect(calls.map((c) => c.AlarmNames?.length)).toEqual([100, 100, 50]);
    expect(calls[0]?.AlarmTypes).toEqual(["MetricAlarm", "CompositeAlarm"]);
  });
});
