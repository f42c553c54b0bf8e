/**
 * Issue 10, "the floor is the bare SDK": one all-at-once deploy next to the fewest requests a deploy
 * can make, in one run, against one moto behind a request-counting proxy.
 *  A  `lambda-rollout deploy --strategy AllAtOnce` through bin/lambda-rollout.js, a fresh package each run;
 *  B  bench/bare-sdk-deploy.mjs: PutObject, UpdateFunctionCode, PublishVersion, UpdateAlias, nothing else.
 * And, for issue 19, the same deploy through the library (bench/library-deploy.mjs) with the roll-out
 * ledger (L+) and without it (L−), everything else equal: requests are counted by service (Lambda
 * control plane, S3 for the artifact, S3 for the ledger), and the Lambda count must not differ.
 * All start a fresh Node process per deploy. Runs are paired (A and B back to back, the order
 * alternating) and reported as medians; the A/B ratio is the median of the per-pair ratios, so load
 * that comes and goes during the run hits both sides of a pair alike. Also times `lambda-rollout --help`
 * (start-up) next to `node -e 0` (Node's own start-up).
 * Run: npm run build && npx vite-node bench/deploy-floor.bench.ts [--runs 21] [--starts N] [--label NAME] [--write]
 */
import { execFile } from "node:child_process";
import { existsSync, statSync } from "node:fs";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { cpus, loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { promisify } from "node:util";
import { aliasOf, createTarget, packageBytes } from "../test/support/lambda-fixtures.js";
import { startMoto } from "../test/support/moto.js";
import {
  countingProxy,
  median,
  quantile,
  readResults,
  replaceBlock,
  type SeenRequest,
  writeResults,
} from "./support.js";

// The SDK's "Node 22 from 2027" notice, from the fixtures' clients in this process (the CLI silences it too).
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";
const run = promisify(execFile);
const argv = process.argv.slice(2);
const option = (name: string) => (argv.includes(name) ? argv[argv.indexOf(name) + 1] : undefined);
const RUNS = Number(option("--runs")) || 21;
const STARTS = Number(option("--starts")) || RUNS;
const LABEL = option("--label") ?? "latest";
const ROOT = join(import.meta.dirname, "..");
const BIN = join(ROOT, "bin/lambda-rollout.js");
const BARE = join(ROOT, "bench/bare-sdk-deploy.mjs");
const LIBRARY = join(ROOT, "bench/library-deploy.mjs");
const CPU_TIME = pathToFileURL(join(ROOT, "bench/cpu-time.mjs")).href;
const CLI_BUNDLE = join(ROOT, "dist/cli.mjs");
const SECTION = "## Deploy floor: lambda-rollout vs the bare SDK (issue 10)";
const FLOOR = ["PutObject", "UpdateFunctionCode", "PublishVersion", "UpdateAlias"];
/** Lambda's share of a run's requests (issue 20 counts S3 apart): all but S3's object calls. */
const lambdaOf = (operations: string[]) =>
  operations.filter((op) => !/^(HeadObject|PutObject|GetObject|ListObjectsV2|S3:)/.test(op));

interface Timed {
  /** Wall time from spawn to exit. */
  ms: number;
  /** CPU time of the process (user + system), from bench/cpu-time.mjs. */
  cpuMs: number;
  operations: string[];
  requests: SeenRequest[];
}

/** Requests of one deploy by where they go: Lambda's control plane, S3 for the artifact, S3 for the ledger. */
function byService(requests: SeenRequest[]) {
  const lambda = requests.filter((r) => r.service === "lambda" && r.operation !== "Invoke");
  const artifact = requests.filter((r) => r.service === "s3" && !r.ledger);
  const ledger = requests.filter((r) => r.service === "s3" && r.ledger);
  return { lambda, artifact, ledger };
}

/** `GetFunction ×2, PutObject, …` in order of first appearance. */
function listOperations(operations: string[]): string {
  const counts = new Map<string, number>();
  for (const operation of operations) counts.set(operation, (counts.get(operation) ?? 0) + 1);
  return [...counts]
    .map(([operation, count]) => (count > 1 ? `${operation} ×${count}` : operation))
    .join(", ");
}

/** The sequence most runs made, and in how many runs. */
function commonSequence(runs: Timed[]): { operations: string[]; runs: number } {
  const bySequence = new Map<string, number>();
  for (const { operations } of runs) {
    const key = operations.join(",");
    bySequence.set(key, (bySequence.get(key) ?? 0) + 1);
  }
  const [key, count] = [...bySequence].sort((x, y) => y[1] - x[1])[0] ?? ["", 0];
  return { operations: key ? key.split(",") : [], runs: count };
}

async function machine() {
  const moto = await run("python3", ["-c", "import moto; print(moto.__version__)"]).then(
    ({ stdout }) => stdout.trim(),
    () => "?",
  );
  const commit = await run("git", ["rev-parse", "--short", "HEAD"], { cwd: ROOT }).then(
    ({ stdout }) => stdout.trim(),
    () => "?",
  );
  const dirty = await run("git", ["status", "--porcelain", "--", "src", "bin", "scripts", "package.json"], {
    cwd: ROOT,
  }).then(
    ({ stdout }) => stdout.trim() !== "",
    () => false,
  );
  const cpu = cpus();
  return {
    commit: dirty ? `${commit} + uncommitted changes` : commit,
    cpu: `${cpu.length} × ${cpu[0]?.model.trim() ?? "?"}`,
    moto,
    bundleMb: statSync(CLI_BUNDLE).size / 1024 / 1024,
  };
}

const load = () =>
  loadavg()
    .map((value) => value.toFixed(1))
    .join(" / ");

async function main() {
  if (!existsSync(CLI_BUNDLE)) throw new Error("dist/cli.mjs is missing: run `npm run build` first");
  const facts = await machine();
  const loadBefore = load();
  const moto = await startMoto();
  const proxy = await countingProxy(moto.endpoint);
  const env = {
    ...process.env,
    ...moto.env,
    AWS_ENDPOINT_URL: proxy.endpoint,
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true",
    CI: "true",
    GITHUB_REF_NAME: "",
  };
  const scratch = await mkdtemp(join(tmpdir(), "lr-floor-"));
  let runs = 0;
  const timed = async (args: string[]): Promise<Timed> => {
    const cpuFile = join(scratch, `cpu-${runs++}`);
    proxy.take();
    const start = performance.now();
    await run(process.execPath, ["--import", CPU_TIME, ...args], {
      env: { ...env, BENCH_CPU_FILE: cpuFile },
      cwd: ROOT,
    });
    const ms = performance.now() - start;
    const cpuMs = Number((await readFile(cpuFile, "utf8")).trim());
    const requests = proxy.takeRequests();
    return { ms, cpuMs, operations: requests.map((r) => r.operation), requests };
  };
  const dirs = [scratch];
  try {
    const a = await createTarget(moto, "floor-a");
    const b = await createTarget(moto, "floor-b");
    // L+ and L− deploy functions of their own: with the ledger, what the live version is made of comes
    // from its record, without one from the alias's description; alternating on one function, each
    // would find the other's version live and read its configuration (one GetFunction more).
    const c = await createTarget(moto, "floor-c");
    const d = await createTarget(moto, "floor-d");
    dirs.push(a.dir, b.dir, c.dir, d.dir);
    const deployA = async (zip: string) => {
      const before = (await aliasOf(moto, a.name)).version;
      const result = await timed([
        BIN,
        "deploy",
        ...["--function", a.name, "--zip", zip, "--bucket", a.bucket, "--strategy", "AllAtOnce"],
      ]);
      const after = await aliasOf(moto, a.name);
      if (after.version === before || Object.keys(after.weights).length > 0) {
        throw new Error(`A did not move the alias: ${before} → ${JSON.stringify(after)}`);
      }
      return result;
    };
    const deployB = async (zip: string) => {
      const result = await timed([BARE, b.name, zip, b.bucket]);
      if (result.operations.join(",") !== FLOOR.join(",")) {
        throw new Error(`B made ${result.operations.join(", ")}, not ${FLOOR.join(", ")}`);
      }
      return result;
    };

    /** L+ and L−: the library's deploy of `c` with the ledger and of `d` without, the alias checked after. */
    const deployC = async (zip: string, ledger: boolean) => {
      const fn = ledger ? c : d;
      const before = (await aliasOf(moto, fn.name)).version;
      const result = await timed([LIBRARY, fn.name, zip, fn.bucket, ...(ledger ? [] : ["--no-ledger"])]);
      const after = await aliasOf(moto, fn.name);
      if (after.version === before || Object.keys(after.weights).length > 0) {
        throw new Error(
          `L${ledger ? "+" : "−"} did not move the alias: ${before} → ${JSON.stringify(after)}`,
        );
      }
      const { ledger: ledgerRequests } = byService(result.requests);
      if (ledger === (ledgerRequests.length === 0)) {
        throw new Error(`L${ledger ? "+" : "−"} made ${ledgerRequests.length} ledger requests`);
      }
      return result;
    };

    const A: Timed[] = [];
    const withLedger: Timed[] = [];
    const withoutLedger: Timed[] = [];
    /** A's warm-up deploy: the first to the function, so no record says what the live version is. */
    let firstA: Timed | undefined;
    const B: Timed[] = [];
    const help: Timed[] = [];
    const node: Timed[] = [];
    // One warm-up round, not counted (moto's first requests to a function, a cold disk cache). The
    // start-ups run between the pairs, so a burst of load elsewhere does not land on one measure only.
    for (let i = -1; i < Math.max(RUNS, STARTS); i++) {
      if (i < RUNS) {
        const zipA = join(a.dir, `a-${i}.zip`);
        const zipB = join(b.dir, `b-${i}.zip`);
        await writeFile(zipA, packageBytes(`floor-a-${i}`));
        await writeFile(zipB, packageBytes(`floor-b-${i}`));
        const pair =
          i % 2 === 0
            ? [await deployA(zipA), await deployB(zipB)]
            : [await deployB(zipB), await deployA(zipA)].reverse();
        if (i >= 0) {
          A.push(pair[0] as Timed);
          B.push(pair[1] as Timed);
        } else firstA = pair[0];
        const zipOn = join(c.dir, `on-${i}.zip`);
        const zipOff = join(c.dir, `off-${i}.zip`);
        await writeFile(zipOn, packageBytes(`floor-c-on-${i}`));
        await writeFile(zipOff, packageBytes(`floor-c-off-${i}`));
        const ledgerPair =
          i % 2 === 0
            ? [await deployC(zipOn, true), await deployC(zipOff, false)]
            : [await deployC(zipOff, false), await deployC(zipOn, true)].reverse();
        if (i >= 0) {
          withLedger.push(ledgerPair[0] as Timed);
          withoutLedger.push(ledgerPair[1] as Timed);
        }
      }
      if (i < STARTS) {
        const started = [await timed([BIN, "--help"]), await timed(["-e", "0"])];
        if (i >= 0) {
          help.push(started[0] as Timed);
          node.push(started[1] as Timed);
        }
      }
    }
    const loadAfter = load();

    /** Median, and the middle half of the runs in brackets: how much the machine moved under us. */
    const spread = (values: number[], digits: number, unit = "") => {
      // A median of differences can round to "-0".
      const f = (value: number) => `${value.toFixed(digits).replace(/^-(0\.?0*)$/, "$1")}${unit}`;
      return `${f(median(values))} (${f(quantile(values, 0.25))}–${f(quantile(values, 0.75))})`;
    };
    const wall = (runs: Timed[]) =>
      spread(
        runs.map((r) => r.ms),
        0,
        " ms",
      );
    const cpu = (runs: Timed[]) =>
      spread(
        runs.map((r) => r.cpuMs),
        0,
        " ms",
      );
    const pairRatio = (measure: (r: Timed) => number) =>
      spread(
        A.map((r, i) => measure(r) / measure(B[i] as Timed)),
        2,
      );
    const requestsA = median(A.map((r) => r.operations.length));
    const common = commonSequence(A);
    // The claim of issue 19, checked on every pair: the ledger adds S3 requests only.
    const lambdaOps = (r: Timed) => byService(r.requests).lambda.map((q) => q.operation);
    for (const [index, on] of withLedger.entries()) {
      const off = withoutLedger[index] as Timed;
      if (lambdaOps(on).join(",") !== lambdaOps(off).join(","))
        throw new Error(
          `Lambda requests differ with the ledger: ${lambdaOps(on).join(", ")} vs ${lambdaOps(off).join(", ")}`,
        );
    }
    const count = (runs: Timed[], part: keyof ReturnType<typeof byService>) =>
      median(runs.map((r) => byService(r.requests)[part].length));
    const serviceRow = (label: string, runs: Timed[]) =>
      `| ${label} | ${count(runs, "lambda")} | ${count(runs, "artifact")} | ${count(runs, "ledger")} | ${median(runs.map((r) => r.requests.length))} |`;
    const ledgerOnly = (r: Timed) => ({
      ...r,
      operations: byService(r.requests).ledger.map((q) => q.operation),
    });
    const lambdaOnly = (r: Timed) => ({ ...r, operations: lambdaOps(r) });
    const ledgerSequence = commonSequence(withLedger.map(ledgerOnly));
    const lambdaSequence = commonSequence([...withLedger, ...withoutLedger].map(lambdaOnly));
    const ledgerCost = spread(
      withLedger.map((r, i) => r.ms - (withoutLedger[i] as Timed).ms),
      0,
      " ms",
    );
    const date = new Date().toISOString().slice(0, 10);
    const block = [
      `### ${LABEL}`,
      "",
      `Commit ${facts.commit}, ${date}. ${facts.cpu}, Node ${process.version}, moto ${facts.moto}; dist/cli.mjs ${facts.bundleMb.toFixed(1)} MB. Load average (1/5/15 min) ${loadBefore} before, ${loadAfter} after. ${RUNS} paired runs and ${STARTS} start-ups of each kind, interleaved, after one warm-up round.`,
      "",
      "| median (25th–75th percentile) | wall time | CPU time | requests per deploy |",
      "|---|---:|---:|---:|",
      `| **A** \`lambda-rollout deploy --strategy AllAtOnce\` | ${wall(A)} | ${cpu(A)} | ${requestsA} |`,
      `| **B** bare SDK script (${FLOOR.join(", ")}) | ${wall(B)} | ${cpu(B)} | ${median(B.map((r) => r.operations.length))} |`,
      `| **A/B** (median of the per-pair ratios; target ≤ 1.3 on wall time) | **${pairRatio((r) => r.ms)}** | ${pairRatio((r) => r.cpuMs)} | |`,
      `| \`lambda-rollout --help\` (start-up) | ${wall(help)} | ${cpu(help)} | |`,
      `| \`node -e 0\` (Node's own start-up) | ${wall(node)} | ${cpu(node)} | |`,
      "",
      `Requests of A: **${requestsA}**: ${listOperations(common.operations)} (this sequence in ${common.runs} of ${RUNS} runs). Issue 10's target (≤ 7) counts the requests before the ledger: A makes ${count(A, "lambda") + count(A, "artifact")} besides the ledger's ${count(A, "ledger")}.`,
      "",
      "With and without the roll-out ledger (issue 19): the same all-at-once deploy through the library, `bench/library-deploy.mjs`, with the ledger in the artifact bucket (L+) and without one (L−), paired and alternating like A and B. Requests per deploy, by where they go (medians):",
      "",
      "| deploy | Lambda control plane | S3: artifact | S3: ledger | all |",
      "|---|---:|---:|---:|---:|",
      serviceRow("**A** `lambda-rollout deploy --strategy AllAtOnce` (the ledger by default)", A),
      serviceRow("**L+** library deploy, with the ledger", withLedger),
      serviceRow("**L−** library deploy, no ledger", withoutLedger),
      serviceRow("**B** bare SDK script", B),
      "",
      `Lambda control-plane requests of L+ and L−: **the same in all ${RUNS} pairs** (${listOperations(lambdaSequence.operations)}; checked pair by pair, the run fails otherwise). The ledger's requests: ${listOperations(ledgerSequence.operations)} (this sequence in ${ledgerSequence.runs} of ${RUNS} runs). Wall time: L+ ${wall(withLedger)}, L− ${wall(withoutLedger)}; per pair, L+ − L− = ${ledgerCost}.`,
      "",
      `Lambda requests of A (issue 20: target ≤ 6, and 5 after a previous lambda-rollout deploy): **${lambdaOf(common.operations).length}** (${listOperations(lambdaOf(common.operations))}); the first deploy to the function, with no record of what its live version is: **${lambdaOf(firstA?.operations ?? []).length}** (${listOperations(lambdaOf(firstA?.operations ?? []))}).`,
      "",
    ].join("\n");
    process.stdout.write(`${block}\n`);
    if (argv.includes("--write")) await writeBlock(block);
  } finally {
    for (const dir of dirs) await rm(dir, { recursive: true, force: true });
    await proxy.close();
    await moto.stop();
  }
}

const INTRO = [
  SECTION,
  "",
  "Reproduce: `npm run build && npx vite-node bench/deploy-floor.bench.ts --label NAME --write` (21 pairs;",
  "writes or replaces the `### NAME` block below, other blocks stay). Run it when `uptime` shows a",
  "quiet machine, and compare blocks recorded at similar load.",
  "",
  "- **A**: `lambda-rollout deploy --strategy AllAtOnce` through `bin/lambda-rollout.js`, a fresh package",
  "  each run (hash, upload, checks, publish, alias), as a user runs it.",
  "- **B**: `bench/bare-sdk-deploy.mjs`, only PutObject, UpdateFunctionCode, PublishVersion and",
  "  UpdateAlias with `@aws-sdk/client-s3` and `client-lambda` loaded from `node_modules` (not bundled).",
  "- **L+ / L−** (issue 19): `bench/library-deploy.mjs`, the library's `deployFromInputs` (what the CLI",
  "  runs) with the roll-out ledger in the artifact bucket, and with no ledger store (no lock, no record).",
  "  Requests are split by service: Lambda's control plane, S3 for the artifact, S3 for the ledger.",
  "- Each deploy is a fresh Node process; A and B run back to back against one moto, the order",
  "  alternating, and a loopback proxy in front of moto names every request. Wall time is from spawn to",
  "  exit. CPU time is user + system of the process, all threads (bench/cpu-time.mjs), so it can",
  "  exceed wall time. Medians; the ratio is the median of the per-pair ratios.",
  "",
].join("\n");

/** Writes this run's block inside the section, creating the section the first time. */
async function writeBlock(block: string) {
  const text = await readResults();
  const lines = text.split("\n");
  const start = lines.indexOf(SECTION);
  if (start < 0) {
    await writeResults(replaceBlock(text, SECTION, `${INTRO}\n${block}`));
    return;
  }
  let end = start + 1;
  while (end < lines.length && !/^##\s/.test(lines[end] as string)) end++;
  const section = lines.slice(start, end).join("\n");
  const updated = replaceBlock(section, block.split("\n")[0] as string, block).trimEnd();
  const rest = lines.slice(end);
  await writeResults(
    [...lines.slice(0, start), updated, ...(rest.length > 0 ? ["", ...rest] : [])].join("\n"),
  );
}

await main();
