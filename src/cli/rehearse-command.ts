/**
 * `lambda-rollout rehearse`: parses flags (and the environment's plan and metrics from the config),
 * runs `rehearse()` against a local emulator, prints what happened. Exit 0 when the gates caught the
 * injected failure, 1 when they did not, 2 for bad input.
 */
import { readFile } from "node:fs/promises";
import { resolve } from "node:path";
import type { Command } from "commander";
import { LAMBDA_RUNTIME } from "../artifact/bundle.js";
import { handlerCandidates, zipEntries } from "../artifact/inspect.js";
import { environmentFromFlags } from "../config/index.js";
import { ExitCode, InputError, RolloutError } from "../errors.js";
import { metricGateOptionsFromConfig } from "../health/metrics-config.js";
import { rehearse } from "../local/fault-rehearsal.js";
import { parseDuration } from "../plan/duration.js";
import { buildPlan, type Plan } from "../plan/plan.js";
import type { CommandResult } from "./deploy-command.js";
import { type CliIo, reportError } from "./io.js";
import { describeEvent } from "./render.js";

interface Flags {
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

const collect = (value: string, previous: string[] = []) => [...previous, value];

function number(flag: string, text: string, min: number, max: number): number {
  const value = Number(text);
  if (!Number.isFinite(value) || value < min || value > max) {
    throw new InputError(`Invalid ${flag} "${text}": use a number from ${min} to ${max}.`);
  }
  return value;
}

const processIo: CliIo = {
  stdout: process.stdout,
  stderr: process.stderr,
  env: process.env,
  cwd: process.cwd(),
};

export function registerRehearseCommand(
  program: Command,
  io: CliIo = processIo,
  done: (result: CommandResult) => void = (result) => {
    process.exitCode = result.exitCode;
  },
): void {
  program
    .command("rehearse")
    .description(
      "Rehearse a roll-out locally (emulator + local API + synthetic load) with an injected failure: would the gates catch it, at which step, how fast?",
    )
    .requiredOption("--zip <file>", "your function's deployment package (Node.js)")
    .option(
      "--handler <handler>",
      "Handler setting, file.export (default: handler.handler or index.handler, by the zip)",
    )
    .option("--runtime <runtime>", "Lambda runtime", LAMBDA_RUNTIME)
    .option("--timeout <seconds>", "function timeout", "3")
    .option("--memory <mb>", "function memory size", "128")
    .option("--config <file>", "lambda-rollout.yml: plan and metrics of --env are rehearsed")
    .option("--env <name>", "environment in the config")
    .option("--strategy <preset>", "plan preset (instead of the config's)")
    .option("--steps <steps>", 'custom steps, e.g. "10%:1m,50%:1m"')
    .option("--error-rate <percent>", "share of requests the bad version fails", "20")
    .option("--latency <ms>", "latency added to every request of the bad version", "0")
    .option("--rps <n>", "synthetic requests per second", "20")
    .option("--interval <duration>", "health poll interval", "2s")
    .option("--period <seconds>", "metric period (the local publisher flushes every 1 s)", "5")
    .option("--max-bake <duration>", "cap on each step's bake, so long canaries rehearse quickly", "60s")
    .option("--path <path>", "request path and query for the load (repeatable)", collect)
    .option("--json", "print the report as JSON on stdout")
    .action(async (flags: Flags) => {
      try {
        let plan: Plan | undefined;
        let metrics: Parameters<typeof metricGateOptionsFromConfig>[0] | undefined;
        if (flags.config !== undefined || flags.env !== undefined) {
          // The environment as `deploy` would pick it: --env, else the branch.
          const resolution = await environmentFromFlags(flags, { cwd: io.cwd, env: io.env });
          if (resolution?.kind === "noop")
            throw new InputError(resolution.message, { hint: "Pass --env NAME." });
          plan = resolution?.environment.plan;
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
        done({ exitCode: report.caught ? ExitCode.ok : ExitCode.rolledBack });
      } catch (error) {
        if (error instanceof RolloutError) return done({ exitCode: reportError(io.stderr, error) });
        io.stderr.write(`error: ${error instanceof Error ? error.message : String(error)}\n`);
        done({ exitCode: ExitCode.awsError });
      }
    });
}

/** `handler.handler` for packages built by `lambda-rollout package` (handler.mjs), else `index.handler`. */
function defaultHandler(zip: Uint8Array, label: string): string {
  const entries = zipEntries(zip, label);
  return handlerCandidates("handler.handler").some((file) => entries.includes(file))
    ? "handler.handler"
    : "index.handler";
}
