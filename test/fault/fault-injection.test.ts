/**
 * Fault-injection suite (issue 9): seeded deploys through the real CLI while a proxy in front of moto
 * throttles, fails, resets, drops replies, delays and blacks out AWS. After each run an independent
 * client checks the promise: the alias is whole, on the version the result names, and the exit code and
 * result line agree.
 *
 * Re-run one seed:   FAULT_SEED=<seed> FAULT_RUNS=1 npx vitest run test/fault/fault-injection.test.ts
 * Other knobs:       FAULT_RUNS (default 32), FAULT_CONCURRENCY (default 4),
 *                    FAULT_REPORT=<file> writes the table as Markdown,
 *                    FAULT_CHECK=aws-cli reads the alias with the `aws` command instead of botocore,
 *                    FAULT_LOG_DIR=<dir> keeps each run's stdout and stderr as <dir>/<seed>.{out,err}.
 * Needs `npm run build` first (the CLI binary loads dist/).
 */
import { createHash } from "node:crypto";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { FAULT_KINDS, type FaultProxy, startFaultProxy } from "../support/fault-proxy.js";
import { createTarget, setAlarm, startCli } from "../support/lambda-fixtures.js";
import { type Moto, startMoto } from "../support/moto.js";
import { type AliasReader, awsCliReader, botocoreReader, violationsOf } from "./invariants.js";
import { type RunSummary, renderReport } from "./report.js";
import { type Scenario, scenarioFor } from "./scenarios.js";

const BASE_SEED = Number(process.env.FAULT_SEED ?? 9_000);
const RUNS = Number(process.env.FAULT_RUNS ?? 32);
const CONCURRENCY = Number(process.env.FAULT_CONCURRENCY ?? 4);
/** A run still going after this is a violation (a hang) and is killed. */
const RUN_TIMEOUT_MS = 100_000;

let moto: Moto;
let proxy: FaultProxy;
let reader: AliasReader;
const summaries: RunSummary[] = [];

beforeAll(async () => {
  // Faults in front of the guards: a write whose reply is lost has already moved the RevisionId, as on
  // Lambda, so the retry meets the precondition it set itself.
  moto = await startMoto({}, { guards: true });
  proxy = await startFaultProxy(moto.endpoint);
  reader = process.env.FAULT_CHECK === "aws-cli" ? awsCliReader(moto) : botocoreReader(moto);
});
afterAll(async () => {
  await reader?.stop();
  await proxy?.stop();
  await moto?.stop();
});

/** Calls `onEvent` for each NDJSON line the CLI prints, as it prints it. */
function watchEvents(
  stream: NodeJS.ReadableStream | null,
  onEvent: (event: Record<string, unknown>) => void,
) {
  let buffer = "";
  stream?.on("data", (chunk: Buffer) => {
    buffer += chunk.toString();
    for (let newline = buffer.indexOf("\n"); newline >= 0; newline = buffer.indexOf("\n")) {
      const line = buffer.slice(0, newline);
      buffer = buffer.slice(newline + 1);
      if (line.startsWith("{")) onEvent(JSON.parse(line) as Record<string, unknown>);
    }
  });
}

async function runScenario(scenario: Scenario): Promise<RunSummary> {
  const setupStartedAt = Date.now();
  const target = await createTarget(moto, `fault-${scenario.seed}`);
  const packageSha256 = createHash("sha256")
    .update(await readFile(target.v2))
    .digest("base64");
  const faults = proxy.plan(target.name, scenario.faults, [target.alarm]);
  const args = [
    "deploy",
    ...["--function", target.name, "--alias", "live", "--zip", target.v2, "--bucket", target.bucket],
    ...scenario.planArgs,
    ...(scenario.alarm ? ["--alarm", target.alarm] : []),
    ...(scenario.smoke ? ["--smoke-payload", JSON.stringify({ ping: scenario.seed })] : []),
    "--json",
  ];
  const startedAt = Date.now();
  const setupMs = startedAt - setupStartedAt;
  const cli = startCli(moto, args, target.dir, { AWS_ENDPOINT_URL: proxy.endpoint });
  let alarmSet: Promise<void> = Promise.resolve();
  if (scenario.alarmAtWeight) {
    let fired = false;
    watchEvents(cli.child.stdout, (event) => {
      if (fired || event.type !== "shift") return;
      const weight = Number(event.weight);
      if (scenario.alarmAtWeight === "100" ? weight === 100 : weight < 100) {
        fired = true;
        // Straight to moto: the test's own writes must not be faulted.
        alarmSet = setAlarm(moto, target.alarm, "ALARM");
      }
    });
  }
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    cli.child.kill("SIGKILL");
  }, RUN_TIMEOUT_MS);
  const run = await cli.done;
  clearTimeout(timer);
  await alarmSet;
  proxy.clear(target.name);
  const durationMs = Date.now() - startedAt;
  const result = [...run.events].reverse().find((event) => event.type === "result");
  const record = { ...run, timedOut };
  const logDir = process.env.FAULT_LOG_DIR;
  if (logDir) {
    await mkdir(logDir, { recursive: true });
    await writeFile(join(logDir, `${scenario.seed}.out`), run.stdout);
    await writeFile(join(logDir, `${scenario.seed}.err`), `${args.join(" ")}\n\n${run.stderr}`);
  }
  const violations = await reader.read(target.name).then(
    (alias) => violationsOf(record, alias, { previousVersion: "1", packageSha256 }),
    (error: Error) => [`the alias could not be read independently: ${error.message}`],
  );
  const checkMs = Date.now() - startedAt - durationMs;
  return {
    scenario,
    code: run.code,
    outcome: String(result?.outcome ?? "no result"),
    reason: String(result?.reason ?? run.stderr.trim().split("\n").at(-1) ?? ""),
    faults: faults.stats,
    durationMs,
    setupMs,
    checkMs,
    violations,
  };
}

/** Runs every seed, `CONCURRENCY` at a time; the proxy keeps each function's faults apart. */
async function runAll(seeds: number[]): Promise<RunSummary[]> {
  const results: RunSummary[] = [];
  let next = 0;
  const worker = async () => {
    while (next < seeds.length) {
      const seed = seeds[next++] as number;
      results.push(await runScenario(scenarioFor(seed)));
    }
  };
  await Promise.all(Array.from({ length: Math.min(CONCURRENCY, seeds.length) }, worker));
  return results.sort((a, b) => a.scenario.seed - b.scenario.seed);
}

describe("fault injection through the real CLI", () => {
  test(`${RUNS} seeded deploys from seed ${BASE_SEED} keep the alias whole and the result truthful`, async () => {
    const seeds = Array.from({ length: RUNS }, (_, index) => BASE_SEED + index);
    summaries.push(...(await runAll(seeds)));
    const command =
      RUNS === 1
        ? `FAULT_SEED=${BASE_SEED} FAULT_RUNS=1 npx vitest run test/fault/fault-injection.test.ts`
        : `FAULT_SEED=${BASE_SEED} FAULT_RUNS=${RUNS} npx vitest run test/fault/fault-injection.test.ts`;
    const report = renderReport(summaries, proxy.totals(), command);
    console.log(report);
    if (process.env.FAULT_REPORT) await writeFile(process.env.FAULT_REPORT, `${report}\n`);

    // The suite proves something only if the faults really happened.
    if (RUNS >= 30) {
      const totals = proxy.totals();
      for (const kind of FAULT_KINDS)
        expect(totals.total(kind), `${kind} faults injected`).toBeGreaterThan(0);
      expect(summaries.some((run) => run.outcome === "rolled_back")).toBe(true);
      expect(summaries.some((run) => run.outcome === "promoted")).toBe(true);
    }
    const violating = summaries
      .filter((run) => run.violations.length > 0)
      .map((run) => `seed ${run.scenario.seed} (${run.scenario.label}): ${run.violations.join("; ")}`);
    expect(violating, "violations (re-run one with FAULT_SEED=<seed> FAULT_RUNS=1)").toEqual([]);
  }, 360_000); // 32 runs, 4 at a time, take about two minutes; the bound leaves room for a slow machine.
});
