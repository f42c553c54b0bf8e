/**
 * After a deploy, the Action draws the roll-out's report (src/report) from its ledger record and writes
 * it as a file: `RUNNER_TEMP/lambda-rollout-report-ID.html`, named by the `report` output. Uploading it
 * as an artifact would need the runner's artifact service (@actions/artifact: a new dependency and new
 * endpoints), so the workflow's own upload-artifact step does that; the job summary links to the run's
 * artifacts. Anything that fails here is a warning: the roll-out's outcome is the engine's.
 */
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { createAwsPorts } from "../aws/index.js";
import { renderReport } from "../report/index.js";
import type { ResultEvent, StampedEvent } from "../rollout/events.js";
import { parseDocument, type RolloutRecord } from "../rollout/ledger/record.js";
import type { ActionOptions } from "./options.js";

/** `s3://BUCKET/KEY` as the result line names a record. */
const S3_URL = /^s3:\/\/([^/]+)\/(.+)$/;

/** The region to read the ledger and metrics in: a record's key names it; a release's events do. */
function regionOf(key: string, events: readonly StampedEvent[], env: NodeJS.ProcessEnv): string | undefined {
  return (
    /(?:^|\/)records\/[^/]+\/([a-z0-9-]+)\//.exec(key)?.[1] ??
    events.find((event) => typeof event.region === "string")?.region ??
    env.AWS_REGION ??
    env.AWS_DEFAULT_REGION
  );
}

export type ReportOutcome = { path: string; id: string } | { problem: string } | undefined;

export async function writeRunReport(
  result: ResultEvent,
  events: readonly StampedEvent[],
  options: ActionOptions,
): Promise<ReportOutcome> {
  const env = options.env ?? process.env;
  const where = result.ledger ? S3_URL.exec(result.ledger.record) : null;
  if (!result.ledger || !where) return undefined;
  const [, bucket, key] = where as unknown as [string, string, string];
  try {
    const portsFor =
      options.ports ??
      ((region: string | undefined) => createAwsPorts({ ...(region ? { region } : {}), env }));
    const region = regionOf(key, events, env);
    const found = await portsFor(region).ledgerStore?.get(bucket, key, { signal: options.signal });
    const record = found ? parseDocument<RolloutRecord>(found.body) : undefined;
    if (!record) return { problem: `its record ${result.ledger.record} could not be read` };
    const now = options.clock?.now() ?? Date.now();
    const page = await renderReport(record, {
      now,
      signal: options.signal,
      source: result.ledger.record,
      metricsFor: (lane) => portsFor(lane).metrics,
    });
    const path = join(
      env.RUNNER_TEMP ?? options.cwd ?? process.cwd(),
      `lambda-rollout-report-${record.id}.html`,
    );
    await writeFile(path, page);
    return { path, id: record.id };
  } catch (error) {
    return { problem: error instanceof Error ? (error.message.split("\n")[0] ?? "") : String(error) };
  }
}

/** The job summary's line about the report: where it is, and the run's artifacts to find it in. */
export function reportSummaryLine(report: { path: string }, env: NodeJS.ProcessEnv): string {
  const file = report.path.split(/[\\/]/).at(-1) ?? report.path;
  const artifacts =
    env.GITHUB_SERVER_URL && env.GITHUB_REPOSITORY && env.GITHUB_RUN_ID
      ? `${env.GITHUB_SERVER_URL.replace(/\/+$/, "")}/${env.GITHUB_REPOSITORY}/actions/runs/${env.GITHUB_RUN_ID}#artifacts`
      : undefined;
  const link = artifacts ? `[this run's artifacts](${artifacts})` : "this run's artifacts";
  return `\n📊 **Report:** \`${file.replaceAll("`", "")}\` (the \`report\` output), one self-contained HTML page of this roll-out; upload it with actions/upload-artifact and it is in ${link}.\n`;
}
