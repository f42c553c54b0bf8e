/**
 * A roll-out's report from its ledger record: the model (model.ts), what CloudWatch says of each
 * version (health.ts, when metrics can be read), the page (html.ts).
 */
import type { CallOptions, MetricsPort } from "../ports.js";
import type { RolloutRecord } from "../rollout/ledger/record.js";
import { reportHealth } from "./health.js";
import { reportHtml } from "./html.js";
import { reportModel } from "./model.js";

export interface RenderReportOptions extends CallOptions {
  /** The metrics of a region; undefined (or no function): the report has no health section. */
  metricsFor?: ((region: string) => MetricsPort | undefined) | undefined;
  now: number;
  /** Where the record was read, for the footer. */
  source?: string | undefined;
}

export async function renderReport(record: RolloutRecord, options: RenderReportOptions): Promise<string> {
  const model = reportModel(record, options.now);
  const health = options.metricsFor
    ? await reportHealth(model, options.metricsFor, { signal: options.signal })
    : undefined;
  return reportHtml(model, { health, source: options.source, generatedAt: options.now });
}
