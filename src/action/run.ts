/**
 * The GitHub Action: read inputs, call the library's deployFromInputs (the CLI's own path), and report
 * through the runner: log lines, error annotations, outputs and the job summary. No deploy logic here.
 */
import { functionPrefix } from "../cli/output/release-view.js";
import { describeEvent, plainLines } from "../cli/output/render.js";
import { ExitCode, type ExitCodeValue, InputError } from "../errors.js";
import { failedResult, type ResultEvent, type StampedEvent } from "../rollout/events.js";
import { deployFromInputs, type RunOptions, type RunTarget } from "../run.js";
import { deploymentSettingsFromEnv, gitHubDeploymentReporter } from "./github-deployment.js";
import { parseBoolean, readInputs } from "./inputs.js";
import type { ActionHost, ActionOptions } from "./options.js";
import { runPreview } from "./preview.js";
import { isReleaseResult, releaseOutput } from "./release-summary.js";
import { reportSummaryLine, writeRunReport } from "./report.js";
import { renderSummary } from "./summary.js";

export type { ActionHost, ActionOptions };

/** The annotations an event makes: a failed gate is an error, a warning a warning, a wait for approval a notice. */
export function annotate(host: ActionHost, event: StampedEvent): void {
  // In a release, the log's `[function region] ` prefix says which function an annotation is about.
  const prefix = functionPrefix(event);
  if (event.type === "gate" && event.verdict.status === "fail") {
    host.error(
      event.verdict.detail,
      `${prefix}Health gate "${event.verdict.gate}" failed at ${event.weight}% (${event.phase})`,
    );
  } else if (event.type === "warning") {
    host.warning(event.message, `${prefix}lambda-rollout`);
  } else if (event.type === "awaiting_approval") {
    host.notice(
      `Approve: ${event.approveCommand}\nStop: ${event.rollbackCommand}\nWithout approval by ${event.until}, it rolls back.`,
      `${event.function}:${event.alias} is awaiting manual approval at ${event.weight}% on v${event.toVersion}`,
    );
  }
}

/** The outputs of a run: a release's (`functions:`) name its functions, a single deploy's its versions. */
function setOutputs(host: ActionHost, result: ResultEvent): void {
  host.setOutput("outcome", result.outcome);
  if (isReleaseResult(result)) {
    host.setOutput("release-id", result.release.id);
    host.setOutput("release", releaseOutput(result));
    return;
  }
  host.setOutput("version", result.toVersion ?? "");
  host.setOutput("previous-version", result.fromVersion ?? "");
  if (result.executionArn) host.setOutput("execution-arn", result.executionArn);
}

function reportResult(host: ActionHost, result: ResultEvent): void {
  setOutputs(host, result);
  // A release's result names the release ("production (3 functions)"), a deploy's the function:alias.
  const target = isReleaseResult(result)
    ? result.function
    : result.function
      ? `${result.function}:${result.alias}`
      : "lambda-rollout";
  const message = [result.reason, result.hint].filter(Boolean).join("\n");
  if (result.outcome === "noop") host.notice(message || "Nothing to deploy.", `${target}: nothing to deploy`);
  else if (result.exitCode !== ExitCode.ok) {
    const what = result.outcome === "rolled_back" ? "rolled back" : `failed (exit ${result.exitCode})`;
    host.error(message || "The deploy failed.", `${target} ${what}`);
  }
}

/**
 * With `github-deployment: true`, the reporter that records the roll-out as a GitHub Deployment; what
 * the runner does not provide is a warning, never a failed roll-out.
 */
function gitHubDeployment(host: ActionHost, env: NodeJS.ProcessEnv): RunOptions["reporters"] {
  if (!parseBoolean("github-deployment", host.readInput("github-deployment"))) return undefined;
  const settings = deploymentSettingsFromEnv(env, host.readInput("github-token"));
  if ("missing" in settings) {
    host.warning(
      `github-deployment is on, but ${settings.missing.join(", ")} ${settings.missing.length > 1 ? "are" : "is"} not set; no GitHub Deployment is recorded.`,
      "lambda-rollout",
    );
    return undefined;
  }
  return (target: RunTarget) => [gitHubDeploymentReporter(settings, target)];
}

/** Runs one deploy (or, with `mode: preview`, a preview) as the Action; resolves to the exit code (0–5). */
export async function runAction(host: ActionHost, options: ActionOptions = {}): Promise<ExitCodeValue> {
  const mode = host.readInput("mode") || "deploy";
  if (mode === "preview") return runPreview(host, options);
  if (mode !== "deploy") {
    host.error(`Input mode must be deploy or preview, not "${mode}".`, "lambda-rollout: invalid input");
    host.setOutput("outcome", "failed");
    return ExitCode.invalidInput;
  }
  const events: StampedEvent[] = [];
  const emit = (event: StampedEvent) => {
    events.push(event);
    const lines = plainLines(event);
    if (lines !== undefined && event.type !== "result") host.info(lines.join("\n"));
    annotate(host, event);
  };
  let result: ResultEvent;
  try {
    const inputs = readInputs(host.readInput);
    for (const url of inputs.notify ?? []) host.setSecret?.(url);
    result = await deployFromInputs(inputs, {
      ...options,
      emit,
      reporters: gitHubDeployment(host, options.env ?? process.env),
    });
  } catch (error) {
    if (!(error instanceof InputError)) throw error;
    // Only the Action's own input encoding (dry-run, github-deployment) can fail before the library runs.
    result = failedResult({ function: "", alias: "" }, error);
    events.push({ ...result, at: Date.now() });
  }
  host.info(describeEvent({ ...result, at: Date.now() }) ?? result.outcome);
  reportResult(host, result);
  // The roll-out's report from its ledger record; the Mermaid chart stays in the summary.
  const report = await writeRunReport(result, events, options);
  let summary = renderSummary(events);
  if (report && "path" in report) {
    host.setOutput("report", report.path);
    host.info(`Report of ${report.id}: ${report.path}`);
    summary += reportSummaryLine(report, options.env ?? process.env);
  } else if (report)
    host.warning(`No report was written: ${report.problem}. The roll-out is not affected.`, "lambda-rollout");
  await host.writeSummary(summary);
  return result.exitCode as ExitCodeValue;
}
