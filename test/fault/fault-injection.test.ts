/**
 * Fault-injection suite (issue 9): seeded deploys through the real CLI while a proxy in front of moto
 * throttles, fails, resets, drops replies, delays and blacks out AWS, the roll-out ledger's objects
 * included (412s, lost replies, outages of the ledger alone: issue 19). After each run an independent
 * client checks the promise: the alias is whole, on the version the result names, the exit code and
 * result line agree, and the ledger record says what the result says (or the result says what it may
 * miss) with the lock free.
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
import { ListVersionsByFunctionCommand } from "@aws-sdk/client-lambda";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { FAULT_KINDS, type FaultProxy, startFaultProxy } from "../support/fault-proxy.js";
import { clients, codeShaOf, createTarget, setAlarm, startCli } from "../support/lambda-fixtures.js";
import { type Moto, startMoto } from "../support/moto.js";
import {
  type AliasReader,
  awsCliReader,
  botocoreReader,
  type LedgerSnapshot,
  ledgerViolations,
  violationsOf,
} from "./invariants.js";
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
  violations.push(
    ...(await readLedger(target, result, faults.ledgerAnsweredLast).then(
      (ledger) => ledgerViolations(record, ledger),
      (error: Error) => [`the ledger could not be read independently: ${error.message}`],
    )),
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

const headKeyOf = (name: string) => `rollouts/aliases/123456789012/us-east-1/${name}/live.json`;

/** The record the result line names and the alias's head, read by the independent client. */
async function readLedger(
  target: { name: string; bucket: string },
  result: Record<string, unknown> | undefined,
  reachableAtEnd: boolean,
): Promise<LedgerSnapshot> {
  const parse = (text: string | undefined) => (text === undefined ? undefined : JSON.parse(text));
  const where = /^s3:\/\/([^/]+)\/(.+)$/.exec(String((result?.ledger as { record?: string })?.record ?? ""));
  return {
    record: where ? parse(await reader.readObject(where[1] as string, where[2] as string)) : undefined,
    head: parse(await reader.readObject(target.bucket, headKeyOf(target.name))),
    reachableAtEnd,
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
      // A refusing ledger only stops a run before it starts (the test below).
      for (const kind of FAULT_KINDS.filter((kind) => kind !== "ledger-refused"))
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

describe("a ledger unreachable before the start", () => {
  const cases: [string, number, (target: { name: string; bucket: string }) => string[]][] = [
    ["its bucket missing", 2, () => ["--ledger-bucket", "no-such-ledger-bucket"]],
    [
      "access to it denied",
      2,
      (target) => {
        proxy.plan(target.name, { seed: 1, ledger: { refuse: true } });
        return [];
      },
    ],
    [
      "S3 down for a minute",
      4,
      (target) => {
        proxy.plan(target.name, {
          seed: 1,
          ledger: { outage: { atRequest: 1, durationMs: 60_000, mode: "reset" } },
        });
        return [];
      },
    ],
  ];

  test.each(cases)(
    "%s: exit %i, and nothing changed in Lambda",
    async (label, exitCode, breakIt) => {
      const target = await createTarget(moto, `ledger-down-${cases.findIndex(([l]) => l === label)}`);
      const before = await reader.read(target.name);
      const extra = breakIt(target);
      const run = await startCli(
        moto,
        [
          "deploy",
          ...["--function", target.name, "--alias", "live", "--zip", target.v2, "--bucket", target.bucket],
          ...["--strategy", "AllAtOnce", "--json", ...extra],
        ],
        target.dir,
        { AWS_ENDPOINT_URL: proxy.endpoint },
      ).done;
      proxy.clear(target.name);
      const result = run.events.at(-1) as { outcome: string; exitCode: number; reason: string };
      expect(run.code, run.stderr).toBe(exitCode);
      expect(result).toMatchObject({ outcome: "failed", exitCode });
      expect(result.reason).toMatch(/ledger|rollouts\//);
      // Read straight from moto: the alias, its code, and no version published.
      expect(await reader.read(target.name)).toEqual(before);
      const versions = await clients(moto).lambda.send(
        new ListVersionsByFunctionCommand({ FunctionName: target.name }),
      );
      expect(versions.Versions?.map((v) => v.Version)).toEqual(["$LATEST", "1"]);
      expect(await codeShaOf(moto, target.name, "$LATEST")).toBe(before.codeSha256);
      expect(await reader.readObject(target.bucket, headKeyOf(target.name))).toBeUndefined();
    },
    60_000,
  );
});

test("the ledger down from just after the start: the roll-out goes on, and the result says what the record may miss", async () => {
  const target = await createTarget(moto, "ledger-down-late");
  // Request 1 reads the head (the live version's facts), 2-4 take the lock and create the record; from
  // the 5th on, S3 answers nothing.
  const faults = proxy.plan(target.name, {
    seed: 1,
    ledger: { outage: { atRequest: 5, durationMs: 120_000, mode: "503" } },
  });
  const run = await startCli(
    moto,
    [
      "deploy",
      ...["--function", target.name, "--alias", "live", "--zip", target.v2, "--bucket", target.bucket],
      ...["--strategy", "AllAtOnce", "--restore-timeout", "3s", "--json"],
    ],
    target.dir,
    { AWS_ENDPOINT_URL: proxy.endpoint },
  ).done;
  proxy.clear(target.name);
  const result = run.events.at(-1) as Record<string, unknown> & { ledger: { incomplete?: string } };
  expect(run.code, run.stderr).toBe(0);
  expect(result).toMatchObject({ outcome: "promoted", toVersion: "2" });
  expect(result.ledger.incomplete).toMatch(/record .* could not be saved .*; its lock could not be freed/);
  const alias = await reader.read(target.name);
  const record = { ...run, timedOut: false };
  const packageSha256 = createHash("sha256")
    .update(await readFile(target.v2))
    .digest("base64");
  expect(violationsOf(record, alias, { previousVersion: "1", packageSha256 })).toEqual([]);
  const ledger = await readLedger(target, result, faults.ledgerAnsweredLast);
  expect(ledger.record?.outcome).toBeNull();
  expect(ledger.head?.holder).not.toBeNull();
  expect(ledgerViolations(record, ledger)).toEqual([]);
}, 60_000);
