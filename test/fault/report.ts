/** The fault table printed after the suite (and written to `FAULT_REPORT` when set). */
import { FAULT_KINDS, type FaultStats } from "../support/fault-proxy.js";
import type { Scenario } from "./scenarios.js";

export interface RunSummary {
  scenario: Scenario;
  code: number | null;
  outcome: string;
  reason: string;
  faults: FaultStats;
  /** How long the CLI ran. */
  durationMs: number;
  /** Creating the function, alias, bucket and alarm in moto. */
  setupMs: number;
  /** The independent read of the alias with the AWS CLI. */
  checkMs: number;
  violations: string[];
}

function faultTable(totals: FaultStats): string[] {
  const lines = ["| fault kind | injected | by operation |", "|---|---:|---|"];
  for (const kind of FAULT_KINDS) {
    const byOperation = [...(totals.faults.get(kind)?.entries() ?? [])]
      .sort((a, b) => b[1] - a[1])
      .map(([operation, n]) => `${operation} ${n}`)
      .join(", ");
    lines.push(`| ${kind} | ${totals.total(kind)} | ${byOperation || "-"} |`);
  }
  lines.push(`| outages started | ${totals.outagesStarted} | |`);
  return lines;
}

function outcomeTable(runs: RunSummary[]): string[] {
  const keys = new Map<string, number>();
  for (const run of runs) {
    const key = `${run.outcome} (exit ${run.code ?? "signal"})`;
    keys.set(key, (keys.get(key) ?? 0) + 1);
  }
  const lines = ["| outcome | runs |", "|---|---:|"];
  for (const [key, n] of [...keys.entries()].sort()) lines.push(`| ${key} | ${n} |`);
  return lines;
}

const clip = (text: string, max: number) => (text.length > max ? `${text.slice(0, max - 1)}…` : text);
const cell = (text: string) => text.replaceAll("|", "\\|").replaceAll("\n", " ");

export function renderReport(runs: RunSummary[], totals: FaultStats, command: string): string {
  const violating = runs.filter((run) => run.violations.length > 0);
  const requests = [...totals.requests.values()].reduce((sum, n) => sum + n, 0);
  const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
  const sum = (of: (run: RunSummary) => number) => seconds(runs.reduce((total, run) => total + of(run), 0));
  const lines = [
    `Fault-injection suite: ${runs.length} runs, ${requests} AWS requests through the proxy, ` +
      `${violating.length} violating run(s). Reproduce: ${command}`,
    `Time summed over runs: setup ${sum((run) => run.setupMs)}, CLI ${sum((run) => run.durationMs)}, ` +
      `independent check ${sum((run) => run.checkMs)}.`,
    "",
    ...faultTable(totals),
    "",
    ...outcomeTable(runs),
    "",
    "| seed | scenario | exit | outcome | faults | time | violations |",
    "|---:|---|---:|---|---|---:|---|",
    ...runs.map(
      (run) =>
        `| ${run.scenario.seed} | ${cell(run.scenario.label)} | ${run.code ?? "-"} | ${run.outcome} | ` +
        `${cell(clip(run.faults.describe(), 160))} | ${seconds(run.durationMs)} | ${cell(run.violations.join("; ")) || "0"} |`,
    ),
    "",
    `Violations: ${violating.reduce((sum, run) => sum + run.violations.length, 0)}`,
  ];
  for (const run of violating) {
    lines.push(
      `- seed ${run.scenario.seed} (${run.scenario.label}): exit ${run.code}, ${run.outcome}: ${clip(run.reason, 300)}`,
      ...run.violations.map((violation) => `  - ${violation}`),
      `  - faults: ${run.faults.describe()}`,
    );
  }
  return lines.join("\n");
}
