/**
 * `lambda-rollout rehearse`: parses flags (and the environment's plan and metrics from the config),
 * runs `rehearse()` against a local emulator, prints what happened. Exit 0 when the gates caught the
 * injected failure, 1 when they did not; bad input throws (exit 2).
 */
import { readFile } from "node:fs/promises";
import { resolve } from "node:path";
import { handlerCandidates, zipEntries } from "../../artifact/inspect.js";
import { environmentFromFlags } from "../../config/index.js";
import { ExitCode, InputError } from "../../errors.js";
import { metricGateOptionsFromConfig } from "../../health/metrics-config.js";
import { rehearse } from "../../local/fault-rehearsal.js";
import { parseDuration } from "../../plan/duration.js";
import { buildPlan, type Plan } from "../../plan/plan.js";
import type { CliIo } from "../io.js";
import { describeEvent } from "../output/render.js";

export interface RehearseFlags {
  zip: string;
  handler?: string;
  runtime: string;
  timeout: string;
  memory: string;
  config?: string;
  env?: string;
  strategy?: string;
  steps?: string;
  errorRate: string;
  latency: string;
  rps: string;
  interval: string;
  period: string;
  maxBake: string;
  path?: string[];
  json?: boolean;
}

function number(flag: string, text: string, min: number, max: number): number {
  const value = Number(text);
  if (!Number.isFinite(value) || value < min || value > max) {
    throw new InputError(`Invalid ${flag} "${text}": use a number from ${min} to ${max}.`);
  }
  return value;
}

export async function rehearseCommand(flags: RehearseFlags, io: CliIo): Promise<number> {
  let plan: Plan | undefined;
  let metrics: Parameters<typeof metricGateOptionsFromConfig>[0] | undefined;
  if (flags.config !== undefined || flags.env !== undefined) {
    // The environment as `deploy` would pick it: --env, else the branch.
    const resolution = await environmentFromFlags(flags, { cwd: io.cwd, env: io.env });
    if (resolution?.kind === "noop") throw new InputError(resolution.message, { hint: "Pass --env NAME." });
    plan = resolution ? buildPlan(resolution.environment.plan) : undefined;
    metrics = resolution?.environment.metrics;
  }
  if (flags.strategy || flags.steps || !plan)
    plan = buildPlan({ strategy: flags.strategy, steps: flags.steps });
  const gate = metricGateOptionsFromConfig(metrics ?? { errorRate: { max: 5 } }, {
    periodSeconds: number("--period", flags.period, 1, 3600),
  });
  const zip = new Uint8Array(
    await readFile(resolve(io.cwd, flags.zip)).catch((error: unknown) => {
      throw new InputError(`Cannot read --zip ${flags.zip}.`, { cause: error });
    }),
  );
  const report = await rehearse({
    zip,
    handler: flags.handler ?? defaultHandler(zip, flags.zip),
    runtime: flags.runtime,
    timeoutSeconds: number("--timeout", flags.timeout, 1, 900),
    memoryMb: number("--memory", flags.memory, 128, 10240),
    plan,
    gate,
    errorRate: number("--error-rate", flags.errorRate, 0, 100) / 100,
    addedLatencyMs: number("--latency", flags.latency, 0, 60_000),
    ratePerSecond: number("--rps", flags.rps, 1, 200),
    intervalMs: parseDuration(flags.interval, "--interval"),
    maxBakeMs: parseDuration(flags.maxBake, "--max-bake"),
    paths: flags.path,
    out: (line) => io.stderr.write(`${line}\n`),
    onEvent: (event) => {
      const text = describeEvent(event);
      if (text && event.type !== "result") io.stderr.write(`${text}\n`);
    },
  });
  if (flags.json) io.stdout.write(`${JSON.stringify({ type: "rehearsal", ...report })}\n`);
  else {
    const secs = (ms: number | undefined) => (ms === undefined ? "n/a" : `${(ms / 1000).toFixed(1)}s`);
    io.stdout.write(
      report.caught
        ? `CAUGHT at ${report.caughtAtWeight}%: alias restored ${secs(report.detectionMs)} after the first bad response ` +
            `(${secs(report.afterEvidenceMs)} after the minimum evidence).\n${report.reason ?? ""}\n`
        : `NOT CAUGHT: the bad version was ${report.outcome}. Tighten the thresholds or raise the evidence.\n`,
    );
  }
  return report.caught ? ExitCode.ok : ExitCode.rolledBack;
}

/** `handler.handler` for packages built by `lambda-rollout package` (handler.mjs), else `index.handler`. */
function defaultHandler(zip: Uint8Array, label: string): string {
  const entries = zipEntries(zip, label);
  return handlerCandidates("handler.handler").some((file) => entries.includes(file))
    ? "handler.handler"
    : "index.handler";
}
