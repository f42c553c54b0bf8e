/**
 * A bounded synthetic load: a fixed request rate against loopback URLs, for a fixed time or count, with
 * every response tallied per executed version. Open loop (requests start on schedule, not after the
 * previous answer) so a slow version cannot quietly lower the load, but with a cap on requests in
 * flight so a hung version cannot pile up sockets either.
 */
import { type Clock, systemClock } from "../ports.js";
import { EXECUTED_VERSION_HEADER } from "./api-gateway.js";

export interface LoadOptions {
  /** One URL, or several used in turn (e.g. different query strings). Loopback only. */
  url: string | string[];
  ratePerSecond: number;
  durationMs?: number | undefined;
  count?: number | undefined;
  /** Requests in flight at most; default 100. Requests due while at the cap are skipped and counted. */
  maxInFlight?: number | undefined;
  /** Per-request timeout; default 10 s. */
  requestTimeoutMs?: number | undefined;
  signal?: AbortSignal | undefined;
  onResponse?: ((sample: LoadSample) => void) | undefined;
  /** Paces the requests and stamps the samples; default the system clock. */
  clock?: Clock | undefined;
}

export interface LoadSample {
  at: number;
  status: number;
  /** `x-executed-version`, or `"none"` when the request failed before an answer. */
  version: string;
  latencyMs: number;
}

export interface LoadReport {
  sent: number;
  skipped: number;
  /** version -> status code -> count; status 0 = network failure or timeout. */
  byVersion: Record<string, Record<string, number>>;
  durationMs: number;
}

/** Hard ceilings, whatever the caller asks: this is a rehearsal tool, not a load tester. */
export const LOAD_LIMITS = { maxRatePerSecond: 1000, maxDurationMs: 10 * 60_000, maxCount: 100_000 } as const;

const LOOPBACK_HOSTS = new Set(["127.0.0.1", "localhost", "[::1]", "::1"]);

export function assertLoopback(url: string): URL {
  const parsed = new URL(url);
  if (!LOOPBACK_HOSTS.has(parsed.hostname) || !/^https?:$/.test(parsed.protocol)) {
    throw new RangeError(`load: only loopback http(s) URLs are allowed, got ${url}`);
  }
  return parsed;
}

function validate(options: LoadOptions): { urls: string[]; total: number; endAfterMs: number } {
  const urls = (Array.isArray(options.url) ? options.url : [options.url]).map((u) => assertLoopback(u).href);
  if (urls.length === 0) throw new RangeError("load: no URL given");
  const rate = options.ratePerSecond;
  if (!(Number.isFinite(rate) && rate > 0 && rate <= LOAD_LIMITS.maxRatePerSecond)) {
    throw new RangeError(`load: ratePerSecond must be in (0, ${LOAD_LIMITS.maxRatePerSecond}], got ${rate}`);
  }
  if (options.durationMs === undefined && options.count === undefined) {
    throw new RangeError("load: give durationMs or count; unbounded load is not allowed");
  }
  const durationMs = Math.min(options.durationMs ?? LOAD_LIMITS.maxDurationMs, LOAD_LIMITS.maxDurationMs);
  const byDuration = Math.floor((durationMs / 1000) * rate);
  const total = Math.min(options.count ?? byDuration, byDuration, LOAD_LIMITS.maxCount);
  return { urls, total, endAfterMs: durationMs };
}

async function sendOne(url: string, timeoutMs: number): Promise<{ status: number; version: string }> {
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
    await response.arrayBuffer();
    return { status: response.status, version: response.headers.get(EXECUTED_VERSION_HEADER) ?? "none" };
  } catch {
    return { status: 0, version: "none" };
  }
}

export async function runLoad(options: LoadOptions): Promise<LoadReport> {
  const { urls, total, endAfterMs } = validate(options);
  const maxInFlight = options.maxInFlight ?? 100;
  const timeoutMs = options.requestTimeoutMs ?? 10_000;
  const intervalMs = 1000 / options.ratePerSecond;
  const report: LoadReport = { sent: 0, skipped: 0, byVersion: {}, durationMs: 0 };
  const inFlight = new Set<Promise<void>>();
  const clock = options.clock ?? systemClock;
  const started = clock.now();

  for (let i = 0; i < total; i += 1) {
    if (options.signal?.aborted || clock.now() - started >= endAfterMs) break;
    const due = started + i * intervalMs;
    const wait = due - clock.now();
    if (wait > 0) await clock.sleep(wait, options.signal);
    if (options.signal?.aborted) break;
    if (inFlight.size >= maxInFlight) {
      report.skipped += 1;
      continue;
    }
    report.sent += 1;
    const url = urls[i % urls.length] ?? urls[0]!;
    const sentAt = clock.now();
    const request = sendOne(url, timeoutMs).then(({ status, version }) => {
      const tally = report.byVersion[version] ?? {};
      report.byVersion[version] = tally;
      tally[status] = (tally[status] ?? 0) + 1;
      const at = clock.now();
      options.onResponse?.({ at, status, version, latencyMs: at - sentAt });
    });
    inFlight.add(request);
    void request.finally(() => inFlight.delete(request));
  }
  await Promise.all(inFlight);
  report.durationMs = clock.now() - started;
  return report;
}

export interface VersionSummary {
  total: number;
  /** 5xx answers and requests that got no answer. */
  errors: number;
  /** 429 answers: the version was at its concurrency limit. */
  throttled: number;
}

/** Responses per version, and how many failed or were throttled, from a report. */
export function summarize(report: LoadReport): Record<string, VersionSummary> {
  const out: Record<string, VersionSummary> = {};
  for (const [version, statuses] of Object.entries(report.byVersion)) {
    const summary: VersionSummary = { total: 0, errors: 0, throttled: 0 };
    for (const [status, n] of Object.entries(statuses)) {
      const code = Number(status);
      summary.total += n;
      if (code >= 500 || code === 0) summary.errors += n;
      if (code === 429) summary.throttled += n;
    }
    out[version] = summary;
  }
  return out;
}
