import { systemClock } from "../ports.js";
/**
 * One bounded HTTP POST, the only network call notifications make: a short timeout per attempt, a few
 * jittered retries on what may pass (network errors, 5xx, 429), and an answer that is never thrown.
 * Whatever happens here, the roll-out's outcome does not change: callers turn failures into warnings.
 */

export interface HttpRequest {
  url: string;
  headers: Record<string, string>;
  /** Absent for a GET. */
  body?: string | undefined;
  signal: AbortSignal;
  /** Default POST; the pull-request comment also lists (GET) and edits (PATCH). */
  method?: "GET" | "POST" | "PATCH" | undefined;
  /** How much of the reply to read (default 64 KiB): a page of comments may hold far more. */
  maxReplyChars?: number | undefined;
}

export interface HttpResponse {
  status: number;
  /** Response text (GitHub's replies are read; webhook replies are not needed). */
  text: string;
  /** The `Retry-After` header, when the endpoint sent one (a 429 usually does). */
  retryAfter?: string | null | undefined;
}

/** The port: global `fetch` in production, anything in tests. Rejects on network errors and aborts. */
export type HttpPost = (request: HttpRequest) => Promise<HttpResponse>;

/** Bytes of a reply worth reading: a GitHub deployment is ~2 KB; a hostile endpoint gets no more. */
const MAX_REPLY_CHARS = 64 * 1024;

export const fetchPost: HttpPost = async ({ url, headers, body, signal, method, maxReplyChars }) => {
  // Redirects are not followed: a POST turned into a GET elsewhere would deliver nothing, silently.
  const response = await fetch(url, { method: method ?? "POST", headers, body, signal, redirect: "manual" });
  const text = (await response.text()).slice(0, maxReplyChars ?? MAX_REPLY_CHARS);
  return { status: response.status, text, retryAfter: response.headers.get("retry-after") };
};

export interface DeliveryPolicy {
  /** Per attempt, covering the reply's body too. Default 5 s. */
  timeoutMs: number;
  /** Attempts in all, the first included. Default 3. */
  attempts: number;
  /** First backoff; doubled per retry, with full jitter. Default 500 ms. */
  backoffMs: number;
  /** Upper bound on one wait, `Retry-After` included. Default 5 s. */
  maxBackoffMs: number;
}

export const DEFAULT_DELIVERY: DeliveryPolicy = {
  timeoutMs: 5_000,
  attempts: 3,
  backoffMs: 500,
  maxBackoffMs: 5_000,
};

export type DeliveryResult =
  | { ok: true; response: HttpResponse; attempts: number }
  | { ok: false; problem: string; response?: HttpResponse | undefined; attempts: number };

export interface DeliveryOptions {
  post: HttpPost;
  policy?: Partial<DeliveryPolicy> | undefined;
  /** Cancels the attempt in flight and any retry (the flush deadline). */
  signal?: AbortSignal | undefined;
  random?: () => number;
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
}

const retryable = (status: number) => status === 429 || status >= 500;

/** A network error in words that never carry the URL (undici's messages do not; the cause's code does). */
function networkProblem(error: unknown, timedOut: boolean): string {
  if (timedOut) return "timed out";
  const cause =
    error instanceof Error ? (error.cause as { code?: unknown; message?: unknown } | undefined) : undefined;
  if (typeof cause?.code === "string") return `network error (${cause.code})`;
  // undici's own causes ("bad port") are short and name no URL; anything that might is left out.
  if (typeof cause?.message === "string" && !/[/@?]/.test(cause.message) && cause.message.length < 80)
    return `network error (${cause.message})`;
  if (error instanceof Error && error.name === "AbortError") return "cancelled";
  return "network error";
}

/**
 * POSTs until a 2xx, a final answer (another 4xx, a 3xx), the attempts run out or `signal` aborts.
 * Never throws; the problem is one short phrase without the URL.
 */
export async function deliver(
  request: Omit<HttpRequest, "signal">,
  options: DeliveryOptions,
): Promise<DeliveryResult> {
  const policy = { ...DEFAULT_DELIVERY, ...options.policy };
  const random = options.random ?? Math.random;
  const sleep = options.sleep ?? systemClock.sleep;
  let problem = "not attempted";
  let last: HttpResponse | undefined;
  for (let attempt = 1; attempt <= policy.attempts; attempt++) {
    if (options.signal?.aborted) return { ok: false, problem: `${problem}; gave up`, attempts: attempt - 1 };
    const timeout = AbortSignal.timeout(policy.timeoutMs);
    const signal = options.signal ? AbortSignal.any([timeout, options.signal]) : timeout;
    let waitMs: number | undefined;
    try {
      last = await options.post({ ...request, signal });
      if (last.status >= 200 && last.status < 300) return { ok: true, response: last, attempts: attempt };
      problem = `HTTP ${last.status}`;
      if (!retryable(last.status)) return { ok: false, problem, response: last, attempts: attempt };
      waitMs = retryAfterMs(last);
    } catch (error) {
      problem = networkProblem(error, timeout.aborted);
    }
    if (attempt < policy.attempts) {
      // Full jitter: several runs failing on the same endpoint do not retry in step.
      const backoff = policy.backoffMs * 2 ** (attempt - 1) * random();
      await sleep(Math.min(policy.maxBackoffMs, Math.max(backoff, waitMs ?? 0)), options.signal);
    }
  }
  return { ok: false, problem, response: last, attempts: policy.attempts };
}

/** `Retry-After` in seconds (the HTTP-date form is rare for webhooks and is ignored); capped by the caller. */
function retryAfterMs(response: HttpResponse): number | undefined {
  const seconds = Number(response.retryAfter ?? "");
  return response.retryAfter && Number.isFinite(seconds) && seconds >= 0 ? seconds * 1000 : undefined;
}
