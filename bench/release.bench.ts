/**
 * Issue 11 benchmark, against one moto server started here (not part of `npm test`):
 *  1. a 30-function all-at-once release through the real binary. A recording proxy in front of moto
 *     counts the rate-limited Lambda requests (control plane: everything but GetFunction and Invoke) as
 *     moto receives them: the peak in any second must stay within the budget (default 10/s), and the
 *     wall time within 1.5 × (rate-limited calls ÷ budget) + one single-function deploy;
 *  2. a 3-function canary release against a 1-function canary release with the same plan: lockstep
 *     means about the same time, not three roll-outs one after another.
 * Run: npm run build && npx vite-node bench/release.bench.ts [--runs N] [--write]
 */
import { execFile } from "node:child_process";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { promisify } from "node:util";
import { packageBytes } from "../test/support/lambda-fixtures.js";
import { startMoto } from "../test/support/moto.js";
import { type RecordedRequest, startRecordingProxy } from "../test/support/recording-proxy.js";
import { createReleaseFunction, writeReleaseConfig } from "../test/support/release-fixtures.js";
import { median, readResults, replaceBlock, writeResults } from "./support.js";

const run = promisify(execFile);
const argv = process.argv.slice(2);
const runs = Number(argv[argv.indexOf("--runs") + 1]) || 3;
const BIN = join(import.meta.dirname, "../bin/lambda-rollout.js");
const REGION = "us-east-1";
const BUDGET = 10;

const rateLimited = (r: RecordedRequest) =>
  r.service === "lambda" && r.operation !== "GetFunction" && r.operation !== "Invoke";

/** The most requests in any window of one second, and in any calendar second. */
function peaks(times: number[]): { sliding: number; calendar: number } {
  const sorted = [...times].sort((a, b) => a - b);
  let sliding = 0;
  let start = 0;
  for (let end = 0; end < sorted.length; end++) {
    while ((sorted[end] as number) - (sorted[start] as number) >= 1_000) start++;
    sliding = Math.max(sliding, end - start + 1);
  }
  const perSecond = new Map<number, number>();
  for (const t of sorted)
    perSecond.set(Math.floor(t / 1_000), (perSecond.get(Math.floor(t / 1_000)) ?? 0) + 1);
  return { sliding, calendar: Math.max(0, ...perSecond.values()) };
}

async function main() {
  const moto = await startMoto();
  const proxy = await startRecordingProxy(moto.endpoint);
  const env = {
    ...process.env,
    ...moto.env,
    AWS_ENDPOINT_URL: proxy.endpoint,
    CI: "true",
    GITHUB_REF_NAME: "",
  };
  const cli = async (args: string[], cwd: string) => {
    const start = performance.now();
    await run(process.execPath, [BIN, ...args], { env, cwd, maxBuffer: 64 * 1024 * 1024 });
    return performance.now() - start;
  };
  try {
    // One single-function deploy (AllAtOnce), the term the wall-time bound allows for fixed costs.
    const single: number[] = [];
    for (let i = 0; i < runs; i++) {
      const fn = await createReleaseFunction(moto, `bench-single-${i}`, REGION);
      const dir = await writeReleaseConfig({ functions: [fn], prefix: `single-${i}` });
      const zip = join(dir, "dist", `${fn.name}.zip`);
      await writeFile(zip, packageBytes(`single-${i}`));
      single.push(
        await cli(
          [
            "deploy",
            "--function",
            fn.name,
            "--zip",
            zip,
            "--bucket",
            `artifacts-${REGION}`,
            "--strategy",
            "AllAtOnce",
          ],
          dir,
        ),
      );
    }
    const singleMs = median(single);

    // 30 functions, all at once.
    const rows: { wall: number; calls: number; sliding: number; calendar: number; bound: number }[] = [];
    for (let i = 0; i < runs; i++) {
      const functions = await Promise.all(
        Array.from({ length: 30 }, (_, n) => createReleaseFunction(moto, `bench-r${i}-f${n}`, REGION)),
      );
      const dir = await writeReleaseConfig({
        functions: functions.map((fn) => ({ ...fn, alarms: [] })),
        prefix: `all-${i}`,
        strategy: "AllAtOnce",
      });
      const from = proxy.requests.length;
      const wall = await cli(["deploy", "--config", "lambda-rollout.yml", "--env", "production"], dir);
      const limited = proxy.requests.slice(from).filter(rateLimited);
      const { sliding, calendar } = peaks(limited.map((r) => r.at));
      rows.push({
        wall,
        calls: limited.length,
        sliding,
        calendar,
        bound: 1.5 * (limited.length / BUDGET) * 1_000 + singleMs,
      });
    }

    // Lockstep: a 3-function canary against a 1-function canary, same plan.
    const canary = async (count: number, i: number) => {
      const functions = await Promise.all(
        Array.from({ length: count }, (_, n) =>
          createReleaseFunction(moto, `bench-c${count}-${i}-f${n}`, REGION),
        ),
      );
      const dir = await writeReleaseConfig({
        functions,
        prefix: `canary-${count}-${i}`,
        steps: "10%:2s",
        interval: "1s",
      });
      const from = proxy.requests.length;
      const ms = await cli(["deploy", "--config", "lambda-rollout.yml", "--env", "production"], dir);
      return { ms, calls: proxy.requests.slice(from).filter(rateLimited).length };
    };
    const one: number[] = [];
    const three: number[] = [];
    const extraCalls: number[] = [];
    for (let i = 0; i < runs; i++) {
      const single = await canary(1, i);
      const triple = await canary(3, i);
      one.push(single.ms);
      three.push(triple.ms);
      extraCalls.push(triple.calls - single.calls);
    }
    // What the shared budget alone adds: the two more functions' calls, at BUDGET per second.
    const budgetMs = (median(extraCalls) / BUDGET) * 1_000;

    const wall = median(rows.map((r) => r.wall));
    const bound = median(rows.map((r) => r.bound));
    const calls = median(rows.map((r) => r.calls));
    const peak = Math.max(...rows.map((r) => r.sliding));
    const peakCalendar = Math.max(...rows.map((r) => r.calendar));
    const ratio = median(three) / median(one);
    const section = [
      "## Releases: shared control-plane budget and lockstep (issue 11)",
      "",
      `Reproduce: \`npm run build && npx vite-node bench/release.bench.ts --runs ${runs} --write\` (moto 5.2.1 on loopback, Node ${process.version}; ${runs} runs each, medians; a recording proxy in front of moto timestamps every request as moto receives it).`,
      "",
      "| measurement | result | target |",
      "| --- | ---: | --- |",
      `| 30-function AllAtOnce release: rate-limited Lambda requests (all but GetFunction, Invoke) | ${calls} | — |`,
      `| peak rate-limited requests in any 1 s window (max over runs) | ${peak} (calendar second: ${peakCalendar}) | ≤ ${BUDGET} (default budget) |`,
      `| wall time of the 30-function release | ${Math.round(wall)} ms | ≤ ${Math.round(bound)} ms = 1.5 × ${calls}/${BUDGET} s + one single-function deploy (${Math.round(singleMs)} ms) |`,
      `| 1-function canary release (10%:2s, interval 1s) | ${Math.round(median(one))} ms | — |`,
      `| 3-function canary release (same plan) | ${Math.round(median(three))} ms | ≈ the 1-function one |`,
      `| ratio 3 / 1 | ${ratio.toFixed(2)} | ≈ 1 (lockstep); one after another would be ≈ 3 |`,
      `| 3-function minus 1-function, vs what the budget alone explains | ${Math.round(median(three) - median(one))} ms vs ${Math.round(budgetMs)} ms (${median(extraCalls)} more rate-limited requests at ${BUDGET}/s) | the difference is the shared budget, not waiting for each other |`,
      "",
      `Within budget: **${peak <= BUDGET ? "yes" : "NO"}**; wall time within bound: **${wall <= bound ? "yes" : "NO"}**.`,
      "",
    ].join("\n");
    console.log(section);
    if (argv.includes("--write")) {
      await writeResults(replaceBlock(await readResults(), section.split("\n")[0] as string, section));
    }
  } finally {
    await proxy.stop();
    await moto.stop();
  }
}

await main();
