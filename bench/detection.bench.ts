/**
 * Issue 6 benchmark: how fast a bad version is caught and the alias restored, on the local data plane.
 * Each run is `rehearse()`: stable v1, then a version failing 20% of requests on a 10% canary, 20
 * requests/s through the local API Gateway, metric gate errorRate.max 5%, minInvocations 20, period 5 s,
 * poll interval 2 s. Prints one `DETECTION {...}` line per run and a Markdown table for bench/RESULTS.md
 * (the test in test/e2e/demo.test.ts asserts the target; this prints the figures).
 * Run: npx vite-node bench/detection.bench.ts [--runs N]
 */
import type { RehearseReport } from "../src/local/fault-rehearsal.js";

// Before the SDK loads: its "Node 22 from 2027" notice would interleave with the figures.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";
const { rehearse } = await import("../src/local/fault-rehearsal.js");
const { detectionScenario } = await import("../test/support/detection.js");

const argv = process.argv.slice(2);
const runs = Number(argv[argv.indexOf("--runs") + 1]) || 3;
const INTERVAL_MS = 2000;

async function once(): Promise<RehearseReport> {
  return await rehearse(detectionScenario(INTERVAL_MS));
}

const seconds = (ms: number | undefined) => (ms === undefined ? "n/a" : `${(ms / 1000).toFixed(1)} s`);
const rows: string[] = [];
for (let run = 1; run <= runs; run += 1) {
  const report = await once();
  process.stdout.write(`DETECTION ${JSON.stringify(report)}\n`);
  rows.push(
    `| run ${run} | ${report.outcome} | ${report.caughtAtWeight ?? "n/a"}% | ${seconds(report.detectionMs)} | ${seconds(report.afterEvidenceMs)} |`,
  );
}
process.stdout.write(
  [
    "",
    `Node ${process.version}, ${runs} runs, poll interval ${INTERVAL_MS / 1000} s (target: minimum evidence → alias restored under ${(2 * INTERVAL_MS) / 1000} s).`,
    "",
    "| run | outcome | caught at | first bad response → alias restored | minimum evidence → alias restored |",
    "| --- | --- | ---: | ---: | ---: |",
    ...rows,
    "",
  ].join("\n"),
);
