/**
 * A whole roll-out on one machine: the emulator, a function provisioned in it, the local data plane in
 * front of its alias, steady synthetic load, and releases through the real `deploy()` with the metric
 * gate. Shared by `npm run demo` and `lambda-rollout rehearse`; it measures what they report (which step
 * caught a bad version, and how long after its first bad response the alias was restored).
 */
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createAwsPorts } from "../aws/index.js";
import { LocalSupport } from "../aws/local-support.js";
import type { HealthGate } from "../health/gate.js";
import type { MetricGateOptions } from "../health/metrics.js";
import type { Plan } from "../plan/plan.js";
import { deploy } from "../rollout/deploy.js";
import type { ResultEvent, StampedEvent } from "../rollout/events.js";
import { type DataPlane, startDataPlane } from "./data-plane.js";
import { type Emulator, startEmulator } from "./emulator.js";
import { type LoadSample, runLoad } from "./load.js";

export interface RehearsalSetup {
  functionName: string;
  aliasName: string;
  handler: string;
  /** The first release: provisioned on $LATEST, then released all at once like a first deploy. */
  zip: Uint8Array;
  environment?: Record<string, string> | undefined;
  timeoutSeconds?: number | undefined;
  memoryMb?: number | undefined;
  /** Extra set-up in the emulator before the function exists (tables, seed data). */
  prepare?: ((support: LocalSupport) => Promise<void>) | undefined;
  /** Metrics flush interval of the local publisher; default 2000 ms. */
  flushIntervalMs?: number | undefined;
  port?: number | undefined;
  onLog?: ((version: string, line: string) => void) | undefined;
}

export interface ReleaseOptions {
  label: string;
  zip: Uint8Array;
  plan: Plan;
  gate: MetricGateOptions;
  intervalMs: number;
  extraGates?: HealthGate[] | undefined;
  onEvent?: ((event: StampedEvent) => void) | undefined;
}

export interface ReleaseReport {
  label: string;
  result: ResultEvent;
  version: string | null;
  /** Weight on the new version when a gate failed. */
  caughtAtWeight: number | undefined;
  firstBadResponseAt: number | undefined;
  /** When the new version had served the gate's minimum invocations. */
  evidenceMetAt: number | undefined;
  restoredAt: number | undefined;
  startedAt: number;
  finishedAt: number;
}

export interface Rehearsal {
  emulator: Emulator;
  support: LocalSupport;
  plane: DataPlane;
  url: string;
  bucket: string;
  /** Starts steady load (bounded by `durationMs`) until `stop()`. */
  startLoad(options: { ratePerSecond: number; durationMs: number; paths?: string[] }): void;
  /** Responses per version since `since` (epoch ms): answered fine, or 5xx/no answer. */
  counts(since?: number): Record<string, { ok: number; errors: number }>;
  release(options: ReleaseOptions): Promise<ReleaseReport>;
  stop(): Promise<void>;
}

export async function startRehearsal(setup: RehearsalSetup): Promise<Rehearsal> {
  const emulator = await startEmulator();
  const cleanups: (() => Promise<void>)[] = [() => emulator.stop()];
  const stop = async () => {
    for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
    cleanups.length = 0;
  };
  try {
    // The SDK clients of the engine and of the adapters read credentials from the environment.
    Object.assign(process.env, emulator.env);
    const dir = await mkdtemp(join(tmpdir(), "lambda-rollout-rehearsal-"));
    cleanups.push(() => rm(dir, { recursive: true, force: true }));
    const bucket = `${setup.functionName}-releases`.toLowerCase();
    const prefix = "releases";
    const support = new LocalSupport({ endpoint: emulator.endpoint, packageSources: [{ bucket, prefix }] });
    await setup.prepare?.(support);
    await support.provision({ ...setup, bucket });
    const ports = createAwsPorts({ endpoint: emulator.endpoint, rateLimit: false });

    const samples: LoadSample[] = [];
    const plane = await startDataPlane({
      functionName: setup.functionName,
      aliasName: setup.aliasName,
      lambda: support,
      metricSink: support,
      // A 1 s flush keeps the metric delay below half a 2 s poll interval: the gate sees evidence on the
      // next poll after it exists (PutMetricData to the emulator on loopback costs ~5 ms).
      flushIntervalMs: setup.flushIntervalMs ?? 1000,
      port: setup.port,
      runtime: { extraEnvironment: emulator.env, onLog: setup.onLog, maxConcurrencyPerVersion: 20 },
    });
    cleanups.push(() => plane.close());
    const loadAbort = new AbortController();
    let load: Promise<unknown> = Promise.resolve();
    cleanups.push(async () => {
      loadAbort.abort();
      await load;
    });

    const release = async (options: ReleaseOptions): Promise<ReleaseReport> => {
      const zipPath = join(dir, `${options.label}.zip`);
      await writeFile(zipPath, options.zip);
      support.registerPackage(options.zip);
      const startedAt = Date.now();
      const from = samples.length;
      let version: string | null = null;
      let caughtAtWeight: number | undefined;
      const result = await deploy(
        {
          functionName: setup.functionName,
          aliasName: setup.aliasName,
          source: { zip: zipPath, bucket, prefix },
          plan: options.plan,
          metrics: options.gate,
          intervalMs: options.intervalMs,
        },
        {
          ...ports,
          gates: options.extraGates,
          emit: (event) => {
            if (event.type === "published") version = event.version;
            if (event.type === "gate" && event.verdict.status === "fail") caughtAtWeight = event.weight;
            options.onEvent?.(event);
          },
        },
      );
      const mine = samples.slice(from).filter((s) => s.version === version);
      const minimum = options.gate.minInvocations ?? 20;
      return {
        label: options.label,
        result,
        version,
        caughtAtWeight,
        firstBadResponseAt: mine.find((s) => s.status >= 500)?.at,
        evidenceMetAt: mine[minimum - 1]?.at,
        restoredAt: result.outcome === "rolled_back" ? Date.now() : undefined,
        startedAt,
        finishedAt: Date.now(),
      };
    };

    return {
      emulator,
      support,
      plane,
      url: plane.api.url,
      bucket,
      startLoad({ ratePerSecond, durationMs, paths }) {
        const urls = (paths ?? ["/"]).map((p) => `${plane.api.url}${p}`);
        load = runLoad({
          url: urls,
          ratePerSecond,
          durationMs,
          signal: loadAbort.signal,
          onResponse: (sample) => samples.push(sample),
        });
      },
      counts(since = 0) {
        const out: Record<string, { ok: number; errors: number }> = {};
        for (const s of samples) {
          if (s.at < since) continue;
          const c = out[s.version] ?? { ok: 0, errors: 0 };
          if (s.status >= 500 || s.status === 0) c.errors += 1;
          else c.ok += 1;
          out[s.version] = c;
        }
        return out;
      },
      release,
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}
