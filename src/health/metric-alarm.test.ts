import { describe, expect, test } from "vitest";
import { InputError } from "../errors.js";
import type { MetricMathAlarm } from "../ports.js";
import {
  ALARM_NAME_LIMIT,
  metricAlarmOf,
  num,
  ownedAlarmName,
  ownedAlarmPrefix,
  ownerOf,
} from "./metric-alarm.js";
import { evaluateWindow } from "./metrics-evaluate.js";
import { type MetricGateOptions, resolveMetricGateOptions } from "./metrics-options.js";

const owner = {
  functionName: "orders",
  aliasName: "live",
  version: "8",
  executionArn: "arn:aws:states:eu-west-1:123456789012:execution:orders-rollout:lambda-rollout-x-0001",
};

/**
 * A tiny evaluator of the metric math subset the alarm uses, for one period: numbers, ids, + * / > >=
 * AND, parentheses, FILL(x, v) and IF(c, a, b). A missing datapoint is undefined and spreads through
 * arithmetic, as CloudWatch leaves such a period without a value; FILL replaces it.
 */
function evaluate(alarm: MetricMathAlarm, data: Record<string, number | undefined>): number | undefined {
  const values = new Map<string, number | undefined>();
  for (const query of alarm.queries) {
    if (query.metric) values.set(query.id, data[query.id]);
    else values.set(query.id, parse(query.expression as string, values));
  }
  const watched = alarm.queries.find((query) => query.returnData);
  return values.get(watched?.id as string);
}

function parse(text: string, values: Map<string, number | undefined>): number | undefined {
  const tokens = text.match(/\d+(\.\d+)?|[A-Za-z_]\w*|>=|[()+*/>,]/g) ?? [];
  let at = 0;
  const peek = () => tokens[at];
  const take = (expected?: string) => {
    const token = tokens[at++];
    if (expected !== undefined && token !== expected) throw new Error(`expected ${expected}, got ${token}`);
    return token as string;
  };
  const both = (a: number | undefined, b: number | undefined, f: (x: number, y: number) => number) =>
    a === undefined || b === undefined ? undefined : f(a, b);
  const primary = (): number | undefined => {
    const token = take();
    if (token === "(") {
      const value = logical();
      take(")");
      return value;
    }
    if (token === "FILL" || token === "IF") {
      take("(");
      const first = logical();
      take(",");
      const second = logical();
      if (token === "FILL") {
        take(")");
        return first ?? second;
      }
      take(",");
      const third = logical();
      take(")");
      return first === undefined ? undefined : first !== 0 ? second : third;
    }
    if (/^\d/.test(token)) return Number(token);
    if (!values.has(token)) throw new Error(`unknown id ${token}`);
    return values.get(token);
  };
  const product = () => {
    let value = primary();
    while (peek() === "*" || peek() === "/") {
      const op = take();
      const right = primary();
      value = both(value, right, (x, y) => (op === "*" ? x * y : x / y));
    }
    return value;
  };
  const sum = () => {
    let value = product();
    while (peek() === "+") {
      take();
      value = both(value, product(), (x, y) => x + y);
    }
    return value;
  };
  const comparison = () => {
    let value = sum();
    while (peek() === ">" || peek() === ">=") {
      const op = take();
      value = both(value, sum(), (x, y) => Number(op === ">" ? x > y : x >= y));
    }
    return value;
  };
  const logical = (): number | undefined => {
    let value = comparison();
    while (peek() === "AND") {
      take();
      value = both(value, comparison(), (x, y) => Number(x !== 0 && y !== 0));
    }
    return value;
  };
  const value = logical();
  if (at !== tokens.length) throw new Error(`unparsed: ${tokens.slice(at).join(" ")}`);
  return value;
}

const fires = (alarm: MetricMathAlarm, data: Record<string, number | undefined>) =>
  (evaluate(alarm, data) ?? 0) > alarm.threshold;

describe("the metric gate as an alarm", () => {
  test("names: under lambda-rollout/FUNCTION/ALIAS/, the version, within CloudWatch's limit", () => {
    expect(ownedAlarmName("orders", "live", "8")).toBe("lambda-rollout/orders/live/v8/metrics");
    expect(ownedAlarmName("orders", "live", "8").startsWith(ownedAlarmPrefix("orders", "live"))).toBe(true);
    expect(ownedAlarmPrefix("orders")).toBe("lambda-rollout/orders/");
    // The longest function (64) and alias (128) names Lambda allows still fit.
    const longest = ownedAlarmName("f".repeat(64), "a".repeat(128), "999999");
    expect(longest.length).toBeLessThanOrEqual(ALARM_NAME_LIMIT);
    expect(() => ownedAlarmName("f".repeat(64), "a".repeat(200), "1")).toThrow(InputError);
  });

  test("the description names the owner, read back by the clean-up; others' alarms have none", () => {
    const alarm = metricAlarmOf({ errorRate: { max: 0.05 } }, owner, "7");
    expect(ownerOf(alarm.description)).toEqual(owner);
    expect(ownerOf("an alarm of someone else")).toBeUndefined();
    expect(ownerOf(undefined)).toBeUndefined();
  });

  test("error rate: metric math over ExecutedVersion, the minimum sample in the math, missing data OK", () => {
    const alarm = metricAlarmOf({ errorRate: { max: 0.05 }, minInvocations: 20 }, owner, "7");
    expect(alarm).toMatchObject({
      name: "lambda-rollout/orders/live/v8/metrics",
      periodSeconds: 60,
      evaluationPeriods: 1,
      datapointsToAlarm: 1,
      threshold: 0,
      treatMissingData: "notBreaching",
    });
    expect(alarm.queries.filter((q) => q.returnData).map((q) => q.id)).toEqual(["breach"]);
    expect(alarm.queries.find((q) => q.id === "inv")?.metric).toEqual({
      namespace: "AWS/Lambda",
      metricName: "Invocations",
      dimensions: { FunctionName: "orders", Resource: "orders:live", ExecutedVersion: "8" },
      stat: "Sum",
    });
    expect(alarm.queries.find((q) => q.id === "breach")?.expression).toBe(
      "IF(FILL(inv, 0) >= 20, (rate > 0.05), 0)",
    );
    expect(fires(alarm, { inv: 100, err: 6 })).toBe(true);
    expect(fires(alarm, { inv: 100, err: 5 })).toBe(false); // at the threshold passes, as locally
    expect(fires(alarm, { inv: 19, err: 19 })).toBe(false); // too few: OK, not a failure
    expect(fires(alarm, { inv: 100, err: undefined })).toBe(false); // no Errors datapoint is 0
    expect(evaluate(alarm, {})).toBe(0);
  });

  test("p99 duration where configured, as an extended statistic of the new version", () => {
    const alarm = metricAlarmOf({ duration: { stat: "p99", maxMs: 800 } }, owner, "7");
    expect(alarm.queries.find((q) => q.id === "dur")?.metric).toMatchObject({
      metricName: "Duration",
      stat: "p99",
    });
    expect(alarm.queries.some((q) => q.id === "err")).toBe(false);
    expect(fires(alarm, { inv: 30, dur: 801 })).toBe(true);
    expect(fires(alarm, { inv: 30, dur: 800 })).toBe(false);
    expect(fires(alarm, { inv: 3, dur: 5000 })).toBe(false);
  });

  test("consecutive failures are that many failing minutes in a row", () => {
    const alarm = metricAlarmOf({ errorRate: { max: 0.01 }, consecutiveFailures: 3 }, owner, "7");
    expect(alarm).toMatchObject({ evaluationPeriods: 3, datapointsToAlarm: 3 });
  });

  test("throttles count whatever the sample; at most 10 metrics with every check configured", () => {
    const all: MetricGateOptions = {
      errorRate: { max: 0.05, maxRelative: 2 },
      duration: { stat: "Average", maxMs: 500, maxRelative: 1.5 },
      maxThrottles: 0,
    };
    const alarm = metricAlarmOf(all, owner, "7");
    expect(alarm.queries.filter((q) => q.metric).length).toBeLessThanOrEqual(10);
    expect(alarm.queries.filter((q) => q.expression).length).toBeLessThanOrEqual(10);
    expect(fires(alarm, { thr: 1 })).toBe(true);
    expect(fires(alarm, { inv: 1, thr: 0 })).toBe(false);
  });

  test("on one minute's numbers, the alarm agrees with the local analysis of the same numbers", () => {
    const cases: { options: MetricGateOptions; data: Record<string, number> }[] = [];
    const optionSets: MetricGateOptions[] = [
      { errorRate: { max: 0.05 }, minInvocations: 10 },
      { errorRate: { maxRelative: 2 }, minInvocations: 10, minStableInvocations: 10 },
      { errorRate: { max: 0.2, maxRelative: 1.5, relativeFloor: 0.02 }, minInvocations: 5 },
      { duration: { stat: "p99", maxMs: 300, maxRelative: 2 }, minInvocations: 10 },
      { errorRate: { max: 0.1 }, maxThrottles: 2, minInvocations: 10 },
    ];
    let seed = 7;
    const random = (n: number) => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed % n;
    };
    for (const options of optionSets) {
      for (let i = 0; i < 200; i++) {
        // Sample sizes at and around the minimums, and error counts near the thresholds.
        const sizes = [0, 4, 5, 6, 9, 10, 11, 50, 200, 1000];
        const inv = sizes[random(sizes.length)] as number;
        const sinv = sizes[random(sizes.length)] as number;
        cases.push({
          options,
          data: {
            inv,
            err: Math.min(inv, random(Math.ceil(inv / 8) + 2)),
            thr: random(5),
            dur: 50 + random(600),
            sinv,
            serr: Math.min(sinv, random(Math.ceil(sinv / 20) + 2)),
            sdur: 50 + random(300),
          },
        });
      }
    }
    let failing = 0;
    for (const { options, data } of cases) {
      const alarm = metricAlarmOf(options, owner, "7");
      const local = evaluateWindow(
        {
          newVersion: "8",
          stableVersion: "7",
          windowSeconds: 60,
          new: { invocations: data.inv, errors: data.err, throttles: data.thr, duration: data.dur },
          stable: { invocations: data.sinv, errors: data.serr, throttles: 0, duration: data.sdur },
        },
        resolveMetricGateOptions(options),
      );
      // Locally too few invocations is inconclusive; the alarm reads it as OK (documented).
      const expected = local.status === "fail";
      if (expected) failing += 1;
      expect(fires(alarm, data), `${JSON.stringify(options)} ${JSON.stringify(data)}: ${local.detail}`).toBe(
        expected,
      );
    }
    expect(failing).toBeGreaterThan(50);
  });

  test("numbers as metric math reads them: no exponent, no float noise", () => {
    expect(num(0.05)).toBe("0.05");
    expect(num(0.1 + 0.2)).toBe("0.3");
    expect(num(1e-7)).toBe("0.0000001");
    expect(num(2e21)).toBe("2000000000000000000000");
    expect(num(800)).toBe("800");
  });

  test("refused up front: reportOnly, a period other than a minute, no threshold at all", () => {
    expect(() => metricAlarmOf({ errorRate: { max: 0.05 }, reportOnly: true }, owner, "7")).toThrow(
      /reportOnly cannot run inside Step Functions/,
    );
    expect(() => metricAlarmOf({ errorRate: { max: 0.05 }, periodSeconds: 10 }, owner, "7")).toThrow(
      /1-minute metrics/,
    );
    expect(() => metricAlarmOf({ minInvocations: 5 }, owner, "7")).toThrow(/sets no threshold/);
  });
});
