/**
 * The metric gate as a CloudWatch alarm, for server-side roll-outs (`metrics:` with `--engine
 * stepfunctions`): the state machine cannot query metrics and judge them, but it watches alarms, so
 * lambda-rollout creates one metric math alarm per roll-out on the new version's per-version metrics
 * (`AWS/Lambda`, dimensions FunctionName, Resource = FUNCTION:ALIAS, ExecutedVersion) and deletes it
 * when the roll-out ends. Pure: the alarm as data, its name, and what its description says.
 *
 * How it differs from the local analysis (metrics-evaluate.ts), said in docs/guides/server-side.md:
 * - The alarm judges each 1-minute period on its own; the local gate judges the window since the step
 *   began. The minimum sample (`minInvocations`) is therefore per minute.
 * - A period with fewer invocations than that reads as OK (the expression yields 0, and a period with
 *   no data at all is missing: TreatMissingData notBreaching). Locally that is "inconclusive", which
 *   extends the bake and, past `maxExtension`, fails by default: no such thing server-side.
 * - `consecutiveFailures` becomes EvaluationPeriods and DatapointsToAlarm: that many failing minutes
 *   in a row.
 * - Relative thresholds compare with the stable version in the same minute, with the same floor and the
 *   same minimum stable sample as locally.
 * - CloudWatch evaluates alarms on its own schedule, a minute or more after the invocations.
 *
 * Metric math: https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/using-metric-math.html
 * (IF, FILL, comparison and logical operators give 1 or 0). An alarm on metric math may reference at most
 * 10 metrics (https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/alarm-limits.html); this
 * one references at most 7.
 */
import { InputError } from "../errors.js";
import type { AlarmQuery, MetricMathAlarm } from "../ports.js";
import { LAMBDA_METRICS, LAMBDA_NAMESPACE, versionDimensions } from "./lambda-metrics.js";
import {
  type MetricGateOptions,
  type ResolvedMetricGateOptions,
  resolveMetricGateOptions,
} from "./metrics-options.js";

/**
 * Every owned alarm's name starts with this. `/` cannot occur in a function or alias name, so
 * `lambda-rollout/FUNCTION/*` scopes IAM to one function's alarms exactly.
 */
export const OWNED_ALARM_PREFIX = "lambda-rollout/";
/** CloudWatch's limit on an alarm name. */
export const ALARM_NAME_LIMIT = 255;
/** Lambda's per-version metrics are published per minute. */
const PERIOD_SECONDS = 60;

/** `lambda-rollout/FUNCTION/ALIAS/`: what one alias's owned alarms start with. */
export function ownedAlarmPrefix(functionName: string, aliasName?: string): string {
  return `${OWNED_ALARM_PREFIX}${functionName}/${aliasName === undefined ? "" : `${aliasName}/`}`;
}

/** `lambda-rollout/FUNCTION/ALIAS/vVERSION/metrics`: at most 15 + 64 + 128 + digits, well under 255. */
export function ownedAlarmName(functionName: string, aliasName: string, version: string): string {
  const name = `${ownedAlarmPrefix(functionName, aliasName)}v${version}/metrics`;
  if (name.length > ALARM_NAME_LIMIT) {
    throw new InputError(
      `The metric alarm name for ${functionName}:${aliasName} would be ${name.length} characters, more than CloudWatch's ${ALARM_NAME_LIMIT}.`,
      { hint: "Use a shorter function or alias name, or deploy with --engine local." },
    );
  }
  return name;
}

/** Who owns an alarm: written into its description, read back by the clean-up. */
export interface AlarmOwner {
  functionName: string;
  aliasName: string;
  version: string;
  executionArn: string;
}

const OWNER = /\[lambda-rollout function=(\S+) alias=(\S+) version=(\S+) execution=(\S+)\]/;

function describeOwner(owner: AlarmOwner): string {
  return `[lambda-rollout function=${owner.functionName} alias=${owner.aliasName} version=${owner.version} execution=${owner.executionArn}]`;
}

/** The owner an alarm description names, or undefined when it is not one of ours. */
export function ownerOf(description: string | undefined): AlarmOwner | undefined {
  const match = description ? OWNER.exec(description) : null;
  if (!match) return undefined;
  const [, functionName, aliasName, version, executionArn] = match as unknown as [
    string,
    string,
    string,
    string,
    string,
  ];
  return { functionName, aliasName, version, executionArn };
}

/** Numbers as metric math reads them: no exponent, no float noise. */
export function num(value: number): string {
  const text = String(Number(value.toPrecision(12)));
  if (!text.includes("e")) return text;
  // 1e-7 or 1e+21: written out, with the trailing zeros of the fixed form dropped.
  return Math.abs(value) < 1 ? value.toFixed(20).replace(/\.?0+$/, "") : BigInt(Math.round(value)).toString();
}

/**
 * Refuses (exit 2, before anything is written) the metric options an alarm cannot honour. Everything
 * else is expressed, with the differences said in the module comment.
 */
export function assertMetricAlarmExpressible(options: MetricGateOptions): ResolvedMetricGateOptions {
  const resolved = resolveMetricGateOptions(options);
  if (resolved.reportOnly) {
    throw new InputError(
      "metrics.reportOnly cannot run inside Step Functions: the state machine acts on every alarm it watches, and a report-only alarm would have nobody to report to.",
      {
        hint: "Drop reportOnly for this environment (the alarm then gates), or deploy with --engine local to see the verdicts without acting on them.",
      },
    );
  }
  if (resolved.periodSeconds !== PERIOD_SECONDS) {
    throw new InputError(
      `A metric period of ${resolved.periodSeconds} s cannot run inside Step Functions: the alarm judges Lambda's 1-minute metrics.`,
      { hint: "Leave the period at 60 seconds, or deploy with --engine local." },
    );
  }
  if (!resolved.errorRate && !resolved.duration && resolved.maxThrottles === undefined) {
    throw new InputError(
      "The metrics: block sets no threshold (errorRate, duration or throttles), so its alarm could never fire.",
      {
        hint: "Set metrics.errorRate.max, metrics.duration.max or metrics.throttles.max (or a maxRelativeToStable), or drop metrics:.",
      },
    );
  }
  return resolved;
}

/**
 * The alarm for one roll-out: the watched expression `breach` counts the checks that fail in a minute
 * (0 = healthy), and the alarm fires when it is above 0 for `consecutiveFailures` minutes in a row.
 */
export function metricAlarmOf(
  options: MetricGateOptions,
  owner: AlarmOwner,
  stableVersion: string,
): MetricMathAlarm {
  const o = assertMetricAlarmExpressible(options);
  const { functionName, aliasName, version } = owner;
  const queries: AlarmQuery[] = [];
  const metric = (id: string, which: string, metricName: string, stat: string) =>
    queries.push({
      id,
      returnData: false,
      metric: {
        namespace: LAMBDA_NAMESPACE,
        metricName,
        dimensions: versionDimensions(functionName, aliasName, which),
        stat,
      },
    });
  const expression = (id: string, text: string, label: string) =>
    queries.push({ id, expression: text, returnData: false, label });

  const relativeErrors = o.errorRate?.maxRelative !== undefined;
  const relativeDuration = o.duration?.maxRelative !== undefined;
  if (o.errorRate || o.duration) metric("inv", version, LAMBDA_METRICS.invocations, "Sum");
  if (o.errorRate) metric("err", version, LAMBDA_METRICS.errors, "Sum");
  if (o.maxThrottles !== undefined) metric("thr", version, LAMBDA_METRICS.throttles, "Sum");
  if (o.duration) metric("dur", version, LAMBDA_METRICS.duration, o.duration.stat);
  if (relativeErrors || relativeDuration) metric("sinv", stableVersion, LAMBDA_METRICS.invocations, "Sum");
  if (relativeErrors) metric("serr", stableVersion, LAMBDA_METRICS.errors, "Sum");
  if (relativeDuration) metric("sdur", stableVersion, LAMBDA_METRICS.duration, o.duration?.stat ?? "p99");

  // Missing sums are 0 (CloudWatch omits empty ones); a rate never divides by 0.
  const rate = (errors: string, invocations: string) =>
    `FILL(${errors}, 0) / IF(FILL(${invocations}, 0) > 0, FILL(${invocations}, 0), 1)`;
  // The relative checks need a stable baseline, as locally: at least minStableInvocations (and 1).
  const baseline = `(FILL(sinv, 0) >= ${num(Math.max(o.minStableInvocations, 1))})`;
  const checks: string[] = [];
  if (o.errorRate) {
    expression("rate", rate("err", "inv"), `error rate of v${version}`);
    if (o.errorRate.max !== undefined) checks.push(`(rate > ${num(o.errorRate.max)})`);
    if (o.errorRate.maxRelative !== undefined) {
      const floor = num(o.errorRate.relativeFloor);
      expression("srate", rate("serr", "sinv"), `error rate of v${stableVersion}`);
      checks.push(
        `(${baseline} AND (rate > ${num(o.errorRate.maxRelative)} * IF(srate > ${floor}, srate, ${floor})))`,
      );
    }
  }
  if (o.duration) {
    if (o.duration.maxMs !== undefined) checks.push(`(FILL(dur, 0) > ${num(o.duration.maxMs)})`);
    if (o.duration.maxRelative !== undefined) {
      const floor = num(o.duration.relativeFloorMs);
      checks.push(
        `(${baseline} AND (FILL(dur, 0) > ${num(o.duration.maxRelative)} * IF(FILL(sdur, 0) > ${floor}, FILL(sdur, 0), ${floor})))`,
      );
    }
  }
  // The minimum sample: a minute with fewer invocations of the new version reads 0 (OK), not a failure.
  const judged =
    checks.length > 0 ? `IF(FILL(inv, 0) >= ${num(o.minInvocations)}, ${checks.join(" + ")}, 0)` : "0";
  // Throttles count whatever the sample, as locally: a throttled version may never reach it.
  const throttles = o.maxThrottles === undefined ? "" : ` + (FILL(thr, 0) > ${num(o.maxThrottles)})`;
  queries.push({
    id: "breach",
    expression: `${judged}${throttles}`,
    returnData: true,
    label: `failing checks of v${version} (min ${num(o.minInvocations)} invocations a minute)`,
  });
  return {
    name: ownedAlarmName(functionName, aliasName, version),
    description: `lambda-rollout's metric gate of a server-side roll-out; deleted when the roll-out ends. ${describeOwner(owner)}`,
    queries,
    periodSeconds: PERIOD_SECONDS,
    evaluationPeriods: o.consecutiveFailures,
    datapointsToAlarm: o.consecutiveFailures,
    threshold: 0,
    treatMissingData: "notBreaching",
  };
}
