/**
 * `npm run demo`: the article's system on one machine. Starts moto, provisions the name-searcher
 * (table, seed data, function, alias), ships a first release, puts steady load on a local API Gateway,
 * then rolls out a good release (healthy: promoted) and a bad one (fails 30% of requests: the metric
 * gate trips, rolled back). Releases are named, not numbered: their Lambda versions are 2, 3 and 4
 * (version 1 is the placeholder code the function was created with, published as a baseline).
 * Exits 0 only when that story happened; stops everything it started in every case.
 *
 * The example's story, not part of the shipped tool: it drives lambda-rollout's sandbox
 * (`src/local/sandbox.ts`) from the repository's sources.
 */
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { packageFunction } from "../../../src/artifact/package.js";
import type { MetricGateOptions } from "../../../src/health/metrics.js";
import { injectFault } from "../../../src/local/fault.js";
import { type ReleaseReport, type Sandbox, startSandbox } from "../../../src/local/sandbox.js";
import { buildPlan } from "../../../src/plan/plan.js";
import type { StampedEvent } from "../../../src/rollout/events.js";
import { createTable } from "./table.js";

/** examples/name-searcher */
const EXAMPLE = fileURLToPath(new URL("..", import.meta.url));
const FUNCTION = "name-searcher-demo";
const TABLE = "name-searcher-demo-people";
const PEOPLE = [
  { name: "John Doe", email: "john.doe@example.com", city: "Springfield" },
  { name: "Jane Roe", email: "jane.roe@example.com", city: "Shelbyville" },
  { name: "José Álvarez", email: "jose.alvarez@example.com", city: "Sevilla" },
];
const PATHS = ["/?name=John%20Doe", "/?name=Jane%20Roe", "/?name=Jos%C3%A9%20%C3%81lvarez", "/?name=Nobody"];

/** Short bakes so the story fits in two minutes; the gate reads the local publisher's 1 s grain. */
export const DEMO_GATE: MetricGateOptions = {
  periodSeconds: 5,
  minInvocations: 20,
  errorRate: { max: 0.05, maxRelative: 2 },
  inconclusive: "fail",
  maxExtensionMs: 20_000,
};

export interface DemoOptions {
  out?: (line: string) => void;
  /** Aborting (Ctrl-C in the launcher) stops everything the demo started; the report is then not ok. */
  signal?: AbortSignal | undefined;
  port?: number | undefined;
  ratePerSecond?: number | undefined;
}

export interface DemoReport {
  ok: boolean;
  problems: string[];
  releases: ReleaseReport[];
  elapsedMs: number;
}

export async function runDemo(options: DemoOptions = {}): Promise<DemoReport> {
  const started = Date.now();
  const out = options.out ?? ((line: string) => process.stdout.write(`${line}\n`));
  const say = (text: string) => out(`[${((Date.now() - started) / 1000).toFixed(1).padStart(5)}s] ${text}`);
  const problems: string[] = [];
  const releases: ReleaseReport[] = [];

  say("packaging name-searcher (examples/name-searcher/src/handler.ts) with esbuild");
  const dist = await mkdtemp(join(tmpdir(), "lambda-rollout-demo-"));
  const built = await packageFunction({
    entry: join(EXAMPLE, "src/handler.ts"),
    out: join(dist, "first.zip"),
  });
  const firstZip = new Uint8Array(await readFile(built.path));
  await rm(dist, { recursive: true, force: true });
  const good = injectFault(firstZip, built.handler, { errorRate: 0, label: "good release" });
  const bad = injectFault(firstZip, built.handler, { errorRate: 0.3, label: "bad release (regression)" });

  say("starting the AWS emulator (moto) and provisioning table, seed data, function and alias");
  let sandbox: Sandbox | undefined;
  let ticker: NodeJS.Timeout | undefined;
  try {
    sandbox = await startSandbox({
      functionName: FUNCTION,
      aliasName: "live",
      handler: built.handler,
      environment: { TABLE_NAME: TABLE, POWERTOOLS_LOG_LEVEL: "WARN" },
      timeoutSeconds: 5,
      memoryMb: 256,
      port: options.port,
      prepare: (emulator) => createTable(emulator, TABLE, "name", PEOPLE),
    });
    const r = sandbox;
    // Ctrl-C: stop what was started (emulator, workers, server) instead of leaving them running.
    options.signal?.addEventListener("abort", () => void r.stop(), { once: true });
    say(`emulator at ${r.emulator.endpoint}; local API Gateway at ${r.url} (loopback only)`);

    const plan = buildPlan({ steps: "10%:12s,50%:8s" });
    const onEvent = (label: string) => (event: StampedEvent) => {
      if (event.type === "shift")
        say(
          `${label}: step ${event.step}/${event.steps} — ${event.weight}% of traffic on version ${event.toVersion}`,
        );
      if (event.type === "gate" && event.verdict.gate === "metrics") {
        say(
          `${label}:   gate ${event.verdict.status.toUpperCase()} at ${event.weight}% — ${event.verdict.detail}`,
        );
      }
      if (event.type === "rollback") say(`${label}: ROLLING BACK to version ${event.routing.version}`);
      if (event.type === "warning" || (event.type === "info" && /extending/.test(event.message))) {
        say(`${label}: ${event.message}`);
      }
    };

    // The first release replaces the function's placeholder code before any traffic: all at once, with
    // no metric gate, since there is nothing to judge yet (as a first deploy after Terraform).
    const first = await r.release({
      label: "first release",
      zip: firstZip,
      plan: buildPlan({ strategy: "AllAtOnce" }),
      intervalMs: 2000,
      onEvent: onEvent("first release"),
    });
    releases.push(first);
    say(
      `first release: ${first.result.outcome}${first.version ? ` as version ${first.version} (version 1 is the placeholder, kept to fall back to)` : ""}`,
    );
    if (first.result.outcome !== "promoted")
      problems.push(`the first release was ${first.result.outcome}: ${first.result.reason}`);

    r.startLoad({ ratePerSecond: options.ratePerSecond ?? 20, durationMs: 110_000, paths: PATHS });
    say(`steady load: ${options.ratePerSecond ?? 20} requests/s. Try: curl "${r.url}/?name=John%20Doe"`);
    let windowStart = Date.now();
    ticker = setInterval(() => {
      const counts = r.counts(windowStart);
      windowStart = Date.now();
      const parts = Object.entries(counts)
        .sort()
        .map(([v, c]) => `version ${v}: ${c.ok + c.errors} requests, ${c.errors} errors`);
      say(`  traffic (last 5s) — ${parts.join(" · ") || "none"}`);
    }, 5000);
    await new Promise((resolve) => setTimeout(resolve, 3000));

    say("rolling out the good release (healthy): 10% for 12s, 50% for 8s, then 100%");
    const second = await r.release({
      label: "good release",
      zip: good,
      plan,
      gate: DEMO_GATE,
      intervalMs: 2000,
      onEvent: onEvent("good release"),
    });
    releases.push(second);
    if (options.signal?.aborted) throw new Error("interrupted");
    say(
      `good release: ${second.result.outcome} as version ${second.version}${second.result.reason ? ` — ${second.result.reason}` : ""}`,
    );
    if (second.result.outcome !== "promoted")
      problems.push(`the good release was ${second.result.outcome}: ${second.result.reason}`);

    if (options.signal?.aborted) throw new Error("interrupted");
    say("rolling out the bad release (a regression failing 30% of requests): same plan");
    const third = await r.release({
      label: "bad release",
      zip: bad,
      plan,
      gate: DEMO_GATE,
      intervalMs: 2000,
      onEvent: onEvent("bad release"),
    });
    releases.push(third);
    say(`bad release (version ${third.version}): ${third.result.outcome} — ${third.result.reason ?? ""}`);
    if (third.result.outcome !== "rolled_back" || !/"metrics"/.test(third.result.reason ?? "")) {
      problems.push(
        `the bad release was ${third.result.outcome}, not rolled back by the metric gate: ${third.result.reason}`,
      );
    } else if (third.firstBadResponseAt && third.restoredAt) {
      const seconds = (from: number | undefined) =>
        from === undefined ? "?" : (((third.restoredAt ?? from) - from) / 1000).toFixed(1);
      say(
        `bad release caught at ${third.caughtAtWeight}%: alias restored ${seconds(third.firstBadResponseAt)}s after its first bad ` +
          `response, ${seconds(third.evidenceMetAt)}s after it had served the ${DEMO_GATE.minInvocations} invocations the gate needs`,
      );
    }

    // The roll-back's alias write invalidated the gateway's routing: this request sees the restored one.
    const routing = await r.lambda.getAliasRouting(FUNCTION, "live");
    const answer = await fetch(`${r.url}/?name=John%20Doe`);
    const body = await answer.text();
    say(
      `alias now: 100% version ${routing.version}; curl ?name=John%20Doe → ${answer.status} from version ${answer.headers.get("x-executed-version")}: ${body.slice(0, 80)}`,
    );
    if (routing.additional || routing.version !== second.version)
      problems.push(`alias ended on ${JSON.stringify(routing)}, not 100% on the good release`);
    if (answer.status !== 200) problems.push(`the final request answered ${answer.status}`);
  } catch (error) {
    problems.push(
      options.signal?.aborted
        ? "interrupted before the story ended"
        : `demo failed: ${error instanceof Error ? error.message : String(error)}`,
    );
  } finally {
    if (ticker) clearInterval(ticker);
    say("stopping load, local API, workers and the emulator");
    await sandbox?.stop();
  }
  const elapsedMs = Date.now() - started;
  say(
    problems.length === 0
      ? "the story happened as told ✔"
      : `the story did NOT happen as told:\n  ${problems.join("\n  ")}`,
  );
  return { ok: problems.length === 0, problems, releases, elapsedMs };
}
