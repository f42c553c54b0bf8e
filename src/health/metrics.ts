/**
 * The metric gate: judges the new version against the stable one from the per-version Lambda metrics
 * CloudWatch publishes for traffic through an alias (`AWS/Lambda`, dimensions FunctionName,
 * Resource = `FUNCTION:ALIAS`, ExecutedVersion), over the window since the current weight took effect.
 */
import type { Clock, MetricQuery, MetricsPort } from "../ports.js";
import {
  DECISION_PHASES,
  type GateContext,
  type GatePhase,
  type GateVerdict,
  type HealthGate,
} from "./gate.js";
import { LAMBDA_METRICS, LAMBDA_NAMESPACE, versionDimensions } from "./lambda-metrics.js";
import { type Evaluation, evaluateWindow, type VersionMetrics } from "./metrics-evaluate.js";
import {
  type MetricGateOptions,
  type ResolvedMetricGateOptions,
  resolveMetricGateOptions,
} from "./metrics-options.js";

export { evaluateWindow, type VersionMetrics, type WindowMetrics } from "./metrics-evaluate.js";
export {
  type DurationStat,
  METRIC_GATE_DEFAULTS,
  type MetricGateOptions,
  type ResolvedMetricGateOptions,
  resolveMetricGateOptions,
} from "./metrics-options.js";

export interface MetricGate extends HealthGate {
  readonly options: ResolvedMetricGateOptions;
  /** Failing checks in a row so far (reset by a passing check or a new target version). */
  readonly consecutiveFailures: number;
}

/** Query ids must start with a lowercase letter for GetMetricData. */
function queriesFor(role: "new" | "stable", dims: Record<string, string>, durationStat: string | undefined) {
  const query = (metricName: string, stat: string): MetricQuery => ({
    id: `${role}_${metricName.toLowerCase()}`,
    namespace: LAMBDA_NAMESPACE,
    metricName,
    dimensions: dims,
    stat,
  });
  const queries = [
    query(LAMBDA_METRICS.invocations, "Sum"),
    query(LAMBDA_METRICS.errors, "Sum"),
    query(LAMBDA_METRICS.throttles, "Sum"),
  ];
  if (durationStat) queries.push(query(LAMBDA_METRICS.duration, durationStat));
  return queries;
}

function pick(values: Record<string, number | undefined>, role: "new" | "stable"): VersionMetrics {
  return {
    invocations: values[`${role}_invocations`],
    errors: values[`${role}_errors`],
    throttles: values[`${role}_throttles`],
    duration: values[`${role}_duration`],
  };
}

/**
 * The window starts at the first whole period at or after the step began, so a step is never judged by
 * data from before it (CloudWatch rounds a start time down to the period), and ends now. A step younger
 * than that has no window yet (`seconds` 0): its evidence is simply missing.
 */
export function metricWindow(
  context: Pick<GateContext, "stepStartedAt" | "now">,
  periodSeconds: number,
): { start: Date; end: Date; seconds: number } {
  const periodMs = periodSeconds * 1000;
  const start = Math.ceil(context.stepStartedAt / periodMs) * periodMs;
  const end = Math.max(start, context.now);
  return { start: new Date(start), end: new Date(end), seconds: Math.floor((end - start) / 1000) };
}

export function createMetricGate(
  options: MetricGateOptions,
  deps: { metrics: MetricsPort; clock: Clock },
): MetricGate {
  const resolved = resolveMetricGateOptions(options);
  let failuresInARow = 0;
  let target: string | undefined;

  function verdict(evaluation: Evaluation, phase: GatePhase): GateVerdict {
    let { status, detail } = evaluation;
    const data: Record<string, number | string | undefined> = { ...evaluation.data, verdict: status };
    if (status === "fail") {
      failuresInARow += 1;
      data.consecutiveFailures = failuresInARow;
      // Tolerance is for polls during a bake; the check that lets traffic move on must be clean.
      if (failuresInARow < resolved.consecutiveFailures && !DECISION_PHASES.has(phase)) {
        // Tolerated: one bad window is not yet a pattern. Acting on it would roll back on noise.
        status = "pass";
        detail = `tolerated failure ${failuresInARow} of ${resolved.consecutiveFailures} in a row: ${detail}`;
        data.verdict = "tolerated";
      }
    } else if (status === "pass") {
      failuresInARow = 0;
    }
    // An inconclusive window neither breaks nor extends a streak: it says nothing about health.
    if (resolved.reportOnly) {
      return { gate: resolved.name, status: "pass", detail: `report-only: ${detail}`, data };
    }
    return { gate: resolved.name, status, detail, data };
  }

  return {
    name: resolved.name,
    options: resolved,
    get consecutiveFailures() {
      return failuresInARow;
    },
    async check(context: GateContext): Promise<GateVerdict> {
      if (target !== context.newVersion) {
        target = context.newVersion;
        failuresInARow = 0;
      }
      if (context.phase === "pre-traffic") {
        return {
          gate: resolved.name,
          status: "pass",
          detail: "metric gate does not apply before the new version gets traffic",
        };
      }
      const now = Number.isFinite(context.now) ? context.now : deps.clock.now();
      const window = metricWindow({ stepStartedAt: context.stepStartedAt, now }, resolved.periodSeconds);
      if (window.seconds < resolved.periodSeconds) {
        return verdict(
          {
            status: "inconclusive",
            detail: `no whole ${resolved.periodSeconds} s metric period since this step began yet`,
            data: { windowSeconds: window.seconds },
          },
          context.phase,
        );
      }
      const stat = resolved.duration?.stat;
      const queries = [
        ...queriesFor(
          "new",
          versionDimensions(context.functionName, context.aliasName, context.newVersion),
          stat,
        ),
        ...queriesFor(
          "stable",
          versionDimensions(context.functionName, context.aliasName, context.stableVersion),
          stat,
        ),
      ];
      const values = await deps.metrics.getMetrics(
        queries,
        window.start,
        window.end,
        resolved.periodSeconds,
        {
          signal: context.signal,
        },
      );
      const evaluation = evaluateWindow(
        {
          newVersion: context.newVersion,
          stableVersion: context.stableVersion,
          windowSeconds: window.seconds,
          new: pick(values, "new"),
          stable: pick(values, "stable"),
        },
        resolved,
      );
      return verdict(evaluation, context.phase);
    },
  };
}
