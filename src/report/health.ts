/**
 * What CloudWatch says of each version a roll-out routed to, over the roll-out's window: requests,
 * errors, the error rate, and the p99 duration. The same per-version Lambda metrics the metric gate
 * reads (health/lambda-metrics.ts), through the MetricsPort. Sums and the p99 are asked for apart: a
 * CloudWatch (or emulator) that cannot answer percentiles still gives the error rate.
 */
import { LAMBDA_METRICS, LAMBDA_NAMESPACE, versionDimensions } from "../health/lambda-metrics.js";
import type { CallOptions, MetricQuery, MetricsPort } from "../ports.js";
import type { Lane, ReportModel } from "./model.js";

export interface VersionHealth {
  version: string;
  role: "stable" | "new";
  invocations: number | undefined;
  errors: number | undefined;
  /** Percent; undefined without requests. */
  errorRate: number | undefined;
  /** The worst minute's p99 duration in ms (percentiles of minutes cannot be combined exactly). */
  p99Ms: number | undefined;
}

export interface LaneHealth {
  versions: VersionHealth[];
  /** What could not be read, in words (e.g. percentiles this CloudWatch does not answer). */
  notes: string[];
}

const PERIOD_SECONDS = 60;
const MINUTE = 60_000;

/** The roll-out's window in whole minutes, as CloudWatch aggregates Lambda metrics. */
export function healthWindow(model: Pick<ReportModel, "start" | "end">): { start: Date; end: Date } {
  const start = Math.floor(model.start / MINUTE) * MINUTE;
  const end = Math.max(start + MINUTE, Math.ceil(model.end / MINUTE) * MINUTE);
  return { start: new Date(start), end: new Date(end) };
}

const messageOf = (error: unknown) =>
  (error instanceof Error ? error.message : String(error)).split("\n")[0]?.slice(0, 160) ?? "";

export async function laneHealth(
  lane: Lane,
  metrics: MetricsPort,
  window: { start: Date; end: Date },
  options: CallOptions = {},
): Promise<LaneHealth> {
  const versions = [
    { version: lane.stable, role: "stable" as const },
    ...(lane.next && lane.next !== lane.stable ? [{ version: lane.next, role: "new" as const }] : []),
  ];
  const query = (index: number, version: string, metricName: string, stat: string): MetricQuery => ({
    id: `v${index}_${metricName.toLowerCase()}_${stat.toLowerCase()}`,
    namespace: LAMBDA_NAMESPACE,
    metricName,
    dimensions: versionDimensions(lane.function, lane.alias, version),
    stat,
  });
  const sums = versions.flatMap(({ version }, i) => [
    query(i, version, LAMBDA_METRICS.invocations, "Sum"),
    query(i, version, LAMBDA_METRICS.errors, "Sum"),
  ]);
  const p99 = versions.map(({ version }, i) => query(i, version, LAMBDA_METRICS.duration, "p99"));
  const notes: string[] = [];
  const read = async (queries: MetricQuery[], what: string) => {
    try {
      return await metrics.getMetrics(queries, window.start, window.end, PERIOD_SECONDS, options);
    } catch (error) {
      notes.push(`${what}: not available (${messageOf(error)})`);
      return {};
    }
  };
  const [counted, durations] = await Promise.all([
    read(sums, "requests and errors"),
    read(p99, "p99 duration"),
  ]);
  const served = versions.some((_, i) => counted[`v${i}_invocations_sum`]);
  const timed = versions.some((_, i) => durations[`v${i}_duration_p99`] !== undefined);
  if (served && !timed && !notes.some((note) => note.startsWith("p99")))
    notes.push("p99 duration: CloudWatch returned no data for the window");
  return {
    versions: versions.map(({ version, role }, i) => {
      const invocations = counted[`v${i}_invocations_sum`];
      const errors = counted[`v${i}_errors_sum`];
      return {
        version,
        role,
        invocations,
        errors,
        errorRate: invocations ? ((errors ?? 0) / invocations) * 100 : undefined,
        p99Ms: durations[`v${i}_duration_p99`],
      };
    }),
    notes,
  };
}

/** Every lane's health, each from the metrics of its region; a lane without metrics gets none. */
export async function reportHealth(
  model: ReportModel,
  metricsFor: (region: string) => MetricsPort | undefined,
  options: CallOptions = {},
): Promise<Map<string, LaneHealth>> {
  const window = healthWindow(model);
  const lanes = model.waves.flatMap((wave) => wave.lanes);
  const found = await Promise.all(
    lanes.map(async (lane) => {
      const metrics = metricsFor(lane.region);
      return [lane.key, metrics ? await laneHealth(lane, metrics, window, options) : undefined] as const;
    }),
  );
  return new Map(found.flatMap(([key, health]) => (health ? [[key, health] as const] : [])));
}
