/**
 * A whole roll-out on one machine: the emulator, a function provisioned in it, the local data plane in
 * front of its alias, steady synthetic load, and releases through the real `deploy()` with the metric
 * gate. `lambda-rollout rehearse` and the name-searcher demo run in it; it measures what they report
 * (which step caught a bad version, and how long after its first bad response the alias was restored).
 *
 * Every client gets the emulator's endpoint, region and keys explicitly: nothing is written to
 * `process.env`, so a sandbox can run inside a larger program (or next to another sandbox).
 */
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { strToU8, zipSync } from "fflate";
import { createAwsPorts } from "../aws/index.js";
import type { MetricGateOptions } from "../health/metrics.js";
import type { SmokeCheck } from "../health/smoke.js";
import type { Plan } from "../plan/plan.js";
import { type Clock, type LambdaPort, systemClock } from "../ports.js";
import { deploy } from "../rollout/deploy/deploy.js";
import type { ResultEvent, StampedEvent } from "../rollout/events.js";
import { startAlarmDriver } from "./alarm-driver.js";
import { EmulatorAlarmWriter } from "./aws/alarm-writer.js";
import { EmulatorLambda } from "./aws/emulator-lambda.js";
import { CloudWatchMetricSink } from "./aws/metric-sink.js";
import { provisionFunction } from "./aws/provision.js";
import { type DataPlane, startDataPlane } from "./data-plane.js";
import { type Emulator, startEmulator } from "./emulator.js";
import { runLoad } from "./load.js";
import { ResponseLog, type VersionCounts } from "./response-log.js";
import { invalidatingAliasWrites, overriding } from "./routing.js";
import type { LocalRuntime } from "./runtime.js";

export interface SandboxSetup {
  functionName: string;
  aliasName: string;
  /**
   * The function's Handler setting. It is created with placeholder code behind an alias on $LATEST, as
   * Terraform creates it: the first release replaces that code, as a first `deploy` does.
   */
  handler: string;
  environment?: Record<string, string> | undefined;
  timeoutSeconds?: number | undefined;
  memoryMb?: number | undefined;
  /** Extra set-up in the emulator before the function exists (tables, seed data). */
  prepare?:
    | ((emulator: Pick<Emulator, "endpoint" | "region" | "credentials" | "env">) => Promise<void>)
    | undefined;
  /** Metrics flush interval of the local publisher; default 1000 ms. */
  flushIntervalMs?: number | undefined;
  port?: number | undefined;
  onLog?: ((version: string, line: string) => void) | undefined;
  /** Paces the load and the roll-outs and stamps the report; default the system clock. */
  clock?: Clock | undefined;
}

export interface ReleaseOptions {
  label: string;
  zip: Uint8Array;
  plan: Plan;
  /** Absent: no metric gate, e.g. for a first release made before any traffic, with nothing to judge. */
  gate?: MetricGateOptions | undefined;
  /** Alarm gates (names); drive them with `emulateAlarms`, since the emulator never evaluates alarms. */
  alarms?: string[] | undefined;
  /** Smoke invocations of the new version before traffic, run by the local runtime. */
  smoke?: SmokeCheck[] | undefined;
  intervalMs: number;
  onEvent?: ((event: StampedEvent) => void) | undefined;
}

export interface ReleaseReport {
  label: string;
  result: ResultEvent;
  version: string | null;
  /** Weight on the new version when a gate failed. */
  caughtAtWeight: number | undefined;
  /** The gate that failed (its name, e.g. `alarms`, `smoke`, `metrics`). */
  caughtBy: string | undefined;
  firstBadResponseAt: number | undefined;
  /** When the new version had served the gate's minimum invocations inside the gate's metric window. */
  evidenceMetAt: number | undefined;
  restoredAt: number | undefined;
  startedAt: number;
  finishedAt: number;
}

export interface Sandbox {
  emulator: Emulator;
  /** The data plane's view of the function: alias routing, versions, packages. */
  lambda: EmulatorLambda;
  /** The Lambda port releases use: the emulator's control plane, invocations run by the local runtime. */
  controlPlane: LambdaPort;
  plane: DataPlane;
  url: string;
  bucket: string;
  /** Every response of the load so far. */
  responses: ResponseLog;
  /** Starts steady load (bounded by `durationMs`) until `stop()`. */
  startLoad(options: { ratePerSecond: number; durationMs: number; paths?: string[] }): void;
  /** Responses per version since `since` (epoch ms): answered fine, or 5xx/no answer. */
  counts(since?: number): Record<string, VersionCounts>;
  /** The first error a version answered through the alias (error type and message, or status and body). */
  firstError(version: string): string | undefined;
  /**
   * Creates these alarms in the emulator and drives them from the alias's answers until `stop()`: ALARM
   * while an error was answered within the last `periodMs` (alarm-driver.ts).
   */
  emulateAlarms(names: string[], periodMs: number): Promise<void>;
  release(options: ReleaseOptions): Promise<ReleaseReport>;
  /** Interrupts a release under way (its alias restored), then stops the load, data plane and emulator. */
  stop(): Promise<void>;
}

/**
 * Code the function is created with before its first release: a file for `handler` answering 503, like
 * the example's Terraform bootstrap. Its CodeSha256 differs from any real package, so the first release
 * is a code change (releasing the package the function already runs would change nothing).
 */
export function placeholderPackage(handler: string): Uint8Array {
  const dot = handler.lastIndexOf(".");
  const file = dot > 0 ? handler.slice(0, dot) : handler;
  const name = dot > 0 ? handler.slice(dot + 1) : "handler";
  const source =
    `exports[${JSON.stringify(name)}] = async () => ({ statusCode: 503, ` +
    `body: JSON.stringify({ message: "not released yet" }) });\n`;
  return zipSync({ [`${file}.js`]: [strToU8(source), { mtime: new Date("2020-01-01T00:00:00Z") }] });
}

export async function startSandbox(setup: SandboxSetup): Promise<Sandbox> {
  const clock = setup.clock ?? systemClock;
  const emulator = await startEmulator();
  const cleanups: (() => Promise<void>)[] = [() => emulator.stop()];
  const stop = async () => {
    for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
    cleanups.length = 0;
  };
  try {
    const connection: Pick<Emulator, "endpoint" | "region" | "credentials"> = {
      endpoint: emulator.endpoint,
      region: emulator.region,
      credentials: emulator.credentials,
    };
    const dir = await mkdtemp(join(tmpdir(), "lambda-rollout-sandbox-"));
    cleanups.push(() => rm(dir, { recursive: true, force: true }));
    const bucket = `${setup.functionName}-releases`.toLowerCase();
    const prefix = "releases";
    const lambda = new EmulatorLambda({ ...connection, packageSources: [{ bucket, prefix }] });
    await setup.prepare?.({ ...connection, env: emulator.env });
    const placeholder = placeholderPackage(setup.handler);
    await provisionFunction(connection, { ...setup, zip: placeholder, bucket });
    lambda.registerPackage(placeholder);
    const ports = createAwsPorts({
      endpoint: emulator.endpoint,
      region: emulator.region,
      credentials: async () => emulator.credentials,
      env: emulator.env,
      rateLimit: false,
    });

    const responses = new ResponseLog();
    const firstErrors = new Map<string, string>();
    const plane = await startDataPlane({
      functionName: setup.functionName,
      aliasName: setup.aliasName,
      lambda,
      metricSink: new CloudWatchMetricSink(connection),
      onInvocation: (invocation, response) => {
        const version = invocation.executedVersion;
        if (firstErrors.has(version)) return;
        if (invocation.functionError)
          firstErrors.set(version, `${invocation.errorType ?? "Error"}: ${invocation.errorMessage ?? ""}`);
        else if (response.statusCode >= 500)
          firstErrors.set(version, `status ${response.statusCode}: ${String(response.body).slice(0, 200)}`);
      },
      // A 1 s flush keeps the metric delay below half a 2 s poll interval: the gate sees evidence on the
      // next poll after it exists (PutMetricData to the emulator on loopback costs ~5 ms).
      flushIntervalMs: setup.flushIntervalMs ?? 1000,
      port: setup.port,
      runtime: {
        extraEnvironment: emulator.env,
        region: emulator.region,
        onLog: setup.onLog,
        maxConcurrencyPerVersion: 20,
      },
    });
    cleanups.push(() => plane.close());
    // Local traffic follows every step of a release at once, not a routing TTL later; smoke invocations
    // run the version's code in the local runtime (the emulator's Invoke only echoes).
    const aliasWrites = localInvokes(invalidatingAliasWrites(ports.lambda, plane.api.routing), plane.runtime);
    const loadAbort = new AbortController();
    let load: Promise<unknown> = Promise.resolve();
    cleanups.push(async () => {
      loadAbort.abort();
      await load;
    });
    // Stopping interrupts a release under way, and waits for it to put the alias back while the
    // emulator still answers: otherwise it would bake on, then retry its restore against nothing.
    const interrupt = new AbortController();
    const releasing = new Set<Promise<unknown>>();
    cleanups.push(async () => {
      interrupt.abort();
      await Promise.allSettled(releasing);
    });

    const release = async (options: ReleaseOptions): Promise<ReleaseReport> => {
      const zipPath = join(dir, `${options.label}.zip`);
      await writeFile(zipPath, options.zip);
      lambda.registerPackage(options.zip);
      const startedAt = clock.now();
      const from = responses.samples.length;
      let version: string | null = null;
      let caughtAtWeight: number | undefined;
      let caughtBy: string | undefined;
      let shiftAt: number | undefined;
      let caughtStepAt: number | undefined;
      const running = deploy(
        {
          functionName: setup.functionName,
          aliasName: setup.aliasName,
          source: { zip: zipPath, bucket, prefix },
          plan: options.plan,
          metrics: options.gate,
          alarms: options.alarms,
          smoke: options.smoke,
          intervalMs: options.intervalMs,
        },
        {
          ...ports,
          lambda: aliasWrites,
          clock,
          signal: interrupt.signal,
          emit: (event) => {
            if (event.type === "published") version = event.version;
            if (event.type === "shift") shiftAt = event.at;
            if (event.type === "gate" && event.verdict.status === "fail" && caughtBy === undefined) {
              caughtAtWeight = event.weight;
              caughtBy = event.verdict.gate;
              caughtStepAt = shiftAt;
            }
            options.onEvent?.(event);
          },
        },
      );
      releasing.add(running);
      const result = await running.finally(() => releasing.delete(running));
      const mine = responses.samples.slice(from).filter((s) => s.version === version);
      const minimum = options.gate?.minInvocations ?? 20;
      // The evidence the gate may use: its window starts at the first whole period after the step that
      // caught the version began (health/metrics.ts metricWindow); requests before that do not count.
      const periodMs = (options.gate?.periodSeconds ?? 60) * 1000;
      const windowStart =
        caughtStepAt === undefined ? undefined : Math.ceil(caughtStepAt / periodMs) * periodMs;
      const evidence = windowStart === undefined ? mine : mine.filter((s) => s.at >= windowStart);
      return {
        label: options.label,
        result,
        version,
        caughtAtWeight,
        caughtBy,
        firstBadResponseAt: mine.find((s) => s.status >= 500)?.at,
        evidenceMetAt: evidence[minimum - 1]?.at,
        restoredAt: result.outcome === "rolled_back" ? clock.now() : undefined,
        startedAt,
        finishedAt: clock.now(),
      };
    };

    return {
      emulator,
      lambda,
      controlPlane: aliasWrites,
      plane,
      url: plane.api.url,
      bucket,
      responses,
      startLoad({ ratePerSecond, durationMs, paths }) {
        const urls = (paths ?? ["/"]).map((p) => `${plane.api.url}${p}`);
        load = runLoad({
          url: urls,
          ratePerSecond,
          durationMs,
          signal: loadAbort.signal,
          clock,
          onResponse: (sample) => responses.record(sample),
        });
      },
      counts: (since) => responses.counts(since),
      firstError: (version) => firstErrors.get(version),
      async emulateAlarms(names, periodMs) {
        if (names.length === 0) return;
        const driver = await startAlarmDriver({
          names,
          functionName: setup.functionName,
          aliasName: setup.aliasName,
          periodMs,
          writer: new EmulatorAlarmWriter(connection),
          responses,
          clock,
        });
        cleanups.push(() => driver.stop());
      },
      release,
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}

/** `lambda` whose Invoke of a version runs that version's code in the local runtime. */
function localInvokes(lambda: LambdaPort, runtime: LocalRuntime): LambdaPort {
  return overriding(lambda, {
    invoke: async (functionName, qualifier, payload) => {
      const invocation = await runtime.invoke(functionName, qualifier, JSON.parse(payload) as unknown);
      return {
        statusCode: invocation.throttled ? 429 : 200,
        functionError: invocation.functionError,
        payload: invocation.payload,
        executedVersion: invocation.executedVersion,
      };
    },
  });
}
