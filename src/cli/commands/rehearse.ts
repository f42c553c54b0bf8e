/**
 * `lambda-rollout rehearse`: parses flags (and the environment's plan and gates from the config), says
 * which gates it rehearses and where each comes from, runs `rehearse()` against a local emulator, and
 * prints what happened. Exit 0 when the gates caught the injected failure, 1 when they did not; bad
 * input throws (exit 2), as does a rehearsal that could prove nothing (see fault-rehearsal.ts).
 */
import { readFile } from "node:fs/promises";
import { resolve } from "node:path";
import { handlerCandidates, zipEntries } from "../../artifact/inspect.js";
import { environmentFromFlags, type ResolvedEnvironment } from "../../config/index.js";
import { ExitCode, InputError } from "../../errors.js";
import { createHookGate } from "../../health/hooks.js";
import type { MetricGateOptions } from "../../health/metrics.js";
import { metricGateOptionsFromConfig } from "../../health/metrics-config.js";
import type { SmokeCheck } from "../../health/smoke.js";
import { assertRehearsable, type RehearseReport, rehearse } from "../../local/fault-rehearsal.js";
import { parseDuration } from "../../plan/duration.js";
import { buildPlan, describePlan, type Plan } from "../../plan/plan.js";
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
  functionEnv?: string[];
  setup?: string[];
  json?: boolean;
}

/** One gate of the rehearsal, where it came from, and how the rehearsal runs it. */
export interface RehearsedGate {
  gate: "alarms" | "smoke" | "metrics" | "hooks";
  origin: "configuration" | "default";
  rehearsed: boolean;
  detail: string;
}

/** The plan rehearsed when none is given. */
export const DEFAULT_REHEARSAL_STRATEGY = "Canary10Percent5Minutes";

/** The metric gate rehearse adds when the configuration (or the lack of one) gives no gate at all. */
const DEFAULT_METRICS = { errorRate: { max: 5 } } as const;

function number(flag: string, text: string, min: number, max: number): number {
  const value = Number(text);
  if (!Number.isFinite(value) || value < min || value > max) {
    throw new InputError(`Invalid ${flag} "${text}": use a number from ${min} to ${max}.`);
  }
  return value;
}

/** The gates to rehearse: the environment's own, or (with none) the default metric gate, said so. */
export function rehearsalGates(
  environment: ResolvedEnvironment | undefined,
  periodSeconds: number,
): {
  alarms: string[];
  smoke: SmokeCheck[];
  metrics: MetricGateOptions | undefined;
  listed: RehearsedGate[];
} {
  const where = environment ? `environment "${environment.name}"` : "";
  const alarms = environment?.alarms ?? [];
  const smoke = environment?.smoke ?? [];
  const hooks = [...(environment?.hooks.preTraffic ?? []), ...(environment?.hooks.postTraffic ?? [])];
  const configured = environment?.metrics;
  const metricsConfig = configured ?? (alarms.length + smoke.length === 0 ? DEFAULT_METRICS : undefined);
  const listed: RehearsedGate[] = [];
  if (alarms.length > 0)
    listed.push({
      gate: "alarms",
      origin: "configuration",
      rehearsed: true,
      detail: `${alarms.join(", ")} (${where}): created in the emulator, which never evaluates alarms, and set to ALARM while the alias answered an error in the last ${periodSeconds} s (your alarms' own thresholds may be laxer)`,
    });
  if (smoke.length > 0)
    listed.push({
      gate: "smoke",
      origin: "configuration",
      rehearsed: true,
      detail: `${smoke.length} invocation(s) (${where}): run on the stable version first, then on the new one before traffic moves`,
    });
  if (metricsConfig)
    listed.push({
      gate: "metrics",
      origin: configured ? "configuration" : "default",
      rehearsed: true,
      detail: configured
        ? `${JSON.stringify(configured)} (${where}), period ${periodSeconds} s`
        : `errorRate max 5%, period ${periodSeconds} s (added by rehearse: ${environment ? `${where} has no gate` : "no --config/--env given"})`,
    });
  if (hooks.length > 0)
    listed.push({
      gate: "hooks",
      origin: "configuration",
      rehearsed: false,
      detail: `${hooks.length} command(s) (${where}): not rehearsed, they run your own commands against AWS`,
    });
  return {
    alarms,
    smoke,
    metrics: metricsConfig ? metricGateOptionsFromConfig(metricsConfig, { periodSeconds }) : undefined,
    listed,
  };
}

export async function rehearseCommand(flags: RehearseFlags, io: CliIo): Promise<number> {
  let plan: Plan | undefined;
  let planOrigin = "flags";
  let environment: ResolvedEnvironment | undefined;
  if (flags.config !== undefined || flags.env !== undefined) {
    // The environment as `deploy` would pick it: --env, else the branch.
    const resolution = await environmentFromFlags(flags, { cwd: io.cwd, env: io.env });
    if (resolution?.kind === "noop") throw new InputError(resolution.message, { hint: "Pass --env NAME." });
    environment = resolution?.environment;
    if (environment?.release) {
      throw new InputError(
        `Environment "${environment.name}" is a release (functions:); rehearse takes one package.`,
        {
          hint: "Rehearse each function's zip with --steps and its gates as flags, or an environment with function:.",
        },
      );
    }
    plan = environment ? buildPlan(environment.plan) : undefined;
    planOrigin = `environment "${environment?.name}"`;
  }
  if (flags.strategy || flags.steps) plan = buildPlan({ strategy: flags.strategy, steps: flags.steps });
  else if (!plan) {
    // With no plan given, a canary: AllAtOnce (deploy's default) could catch nothing before 100%.
    plan = buildPlan({ strategy: DEFAULT_REHEARSAL_STRATEGY });
    planOrigin = "default, as no --config/--env or --strategy/--steps was given";
  }
  const periodSeconds = number("--period", flags.period, 1, 3600);
  const gates = rehearsalGates(environment, periodSeconds);
  // Before the emulator starts: a plan that cannot catch anything is refused at once.
  assertRehearsable(plan, { gate: gates.metrics, alarms: gates.alarms, smoke: gates.smoke });
  const zip = new Uint8Array(
    await readFile(resolve(io.cwd, flags.zip)).catch((error: unknown) => {
      throw new InputError(`Cannot read --zip ${flags.zip}.`, { cause: error });
    }),
  );
  const handler = handlerOf(zip, flags.zip, flags.handler);
  const maxBakeMs = parseDuration(flags.maxBake, "--max-bake");
  const say = (line: string) => io.stderr.write(`${line}\n`);
  say(`plan (${planOrigin}): ${describePlan(plan)}; each bake capped at ${flags.maxBake} (--max-bake)`);
  say("gates:");
  for (const gate of gates.listed) {
    say(`  ${gate.gate} [${gate.origin === "default" ? "default" : "configuration"}] ${gate.detail}`);
  }
  const report = await rehearse({
    zip,
    handler,
    runtime: flags.runtime,
    timeoutSeconds: number("--timeout", flags.timeout, 1, 900),
    memoryMb: number("--memory", flags.memory, 128, 10240),
    environment: functionEnvironment(flags.functionEnv),
    prepare: setupCommands(flags.setup ?? [], io),
    plan,
    gate: gates.metrics,
    alarms: gates.alarms,
    smoke: gates.smoke,
    errorRate: number("--error-rate", flags.errorRate, 0, 100) / 100,
    addedLatencyMs: number("--latency", flags.latency, 0, 60_000),
    ratePerSecond: number("--rps", flags.rps, 1, 200),
    intervalMs: parseDuration(flags.interval, "--interval"),
    maxBakeMs,
    paths: flags.path,
    out: say,
    onEvent: (event) => {
      const text = describeEvent(event);
      if (text && event.type !== "result") say(text);
    },
  });
  if (flags.json)
    io.stdout.write(`${JSON.stringify({ type: "rehearsal", ...report, gates: gates.listed })}\n`);
  else io.stdout.write(verdictText(report));
  return report.caught ? ExitCode.ok : ExitCode.rolledBack;
}

function verdictText(report: RehearseReport): string {
  const secs = (ms: number | undefined) => (ms === undefined ? "n/a" : `${(ms / 1000).toFixed(1)}s`);
  if (!report.caught)
    return `NOT CAUGHT: the bad version was ${report.outcome}. Tighten the thresholds or raise the evidence.\n`;
  if (report.caughtAtWeight === 0)
    return `CAUGHT by ${report.caughtBy ?? "a gate"} before any traffic moved: no request reached the bad version.\n${report.reason ?? ""}\n`;
  const evidence =
    report.caughtBy === "metrics" ? ` (${secs(report.afterEvidenceMs)} after the minimum evidence)` : "";
  return (
    `CAUGHT by ${report.caughtBy ?? "a gate"} at ${report.caughtAtWeight}%: alias restored ` +
    `${secs(report.detectionMs)} after the first bad response${evidence}.\n${report.reason ?? ""}\n`
  );
}

/** `--function-env KEY=VALUE`, repeatable: the function's environment variables in the rehearsal. */
function functionEnvironment(pairs: string[] | undefined): Record<string, string> | undefined {
  if (!pairs || pairs.length === 0) return undefined;
  const environment: Record<string, string> = {};
  for (const pair of pairs) {
    const equals = pair.indexOf("=");
    if (equals < 1) {
      throw new InputError(`Invalid --function-env "${pair}": use KEY=VALUE.`, {
        hint: "For example --function-env TABLE_NAME=people (repeat the flag for more variables).",
      });
    }
    environment[pair.slice(0, equals)] = pair.slice(equals + 1);
  }
  return environment;
}

/** `--setup COMMAND`s, run in order through the shell with the emulator's endpoint, region and keys. */
function setupCommands(commands: string[], io: CliIo) {
  if (commands.length === 0) return undefined;
  return async (emulator: { env: Record<string, string> }) => {
    for (const command of commands) {
      const verdict = await createHookGate(command, {
        timeoutMs: 5 * 60_000,
        cwd: io.cwd,
        env: { ...io.env, ...emulator.env },
      }).check({
        functionName: "rehearsal",
        aliasName: "live",
        stableVersion: "",
        newVersion: "",
        weight: 0,
        phase: "pre-traffic",
        stepStartedAt: Date.now(),
        now: Date.now(),
      });
      if (verdict.status !== "pass") {
        throw new InputError(`--setup "${command}" failed: ${verdict.detail}`, {
          hint: "It runs before the function exists, with AWS_ENDPOINT_URL, AWS_REGION and test keys pointing at the emulator.",
        });
      }
    }
  };
}

/**
 * `--handler FILE.EXPORT` (checked against the zip, exit 2 when it cannot be there), else
 * `handler.handler` for packages built by `lambda-rollout package` (handler.mjs), else `index.handler`.
 */
function handlerOf(zip: Uint8Array, label: string, given: string | undefined): string {
  const entries = zipEntries(zip, label);
  if (given === undefined) {
    return handlerCandidates("handler.handler").some((file) => entries.includes(file))
      ? "handler.handler"
      : "index.handler";
  }
  const dot = given.lastIndexOf(".");
  if (dot < 1 || dot === given.length - 1) {
    throw new InputError(
      `Invalid --handler "${given}": use FILE.EXPORT, as the function's Handler setting.`,
      {
        hint: "For example --handler index.handler (index.js or index.mjs exporting handler).",
      },
    );
  }
  const candidates = handlerCandidates(given);
  if (!candidates.some((file) => entries.includes(file))) {
    throw new InputError(`--handler ${given}: ${label} holds no ${candidates.join(", ")}.`, {
      hint: `Pass the Handler the function uses; the zip holds ${entries.slice(0, 5).join(", ")}${entries.length > 5 ? ", …" : ""}.`,
    });
  }
  return given;
}
