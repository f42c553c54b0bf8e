/**
 * A seeded HTTP proxy in front of moto that breaks AWS the way AWS breaks: throttling, 5xx errors,
 * connection resets, lost responses (the request applied, the reply dropped), latency and outages of
 * several seconds. The CLI reaches it through AWS_ENDPOINT_URL; the test checks the outcome with a
 * client that talks to moto directly.
 *
 * Faults are planned per Lambda function, so several deploys can run at once and each keeps its own
 * deterministic schedule: requests are attributed to a function by their URL (Lambda, S3 key) or by the
 * alarm names in their body (CloudWatch). Requests that belong to no planned function pass untouched.
 */
import { Agent, createServer, type IncomingMessage, request, type ServerResponse } from "node:http";
import type { AddressInfo, Socket } from "node:net";

/** Small, fast, seedable PRNG (mulberry32): the same seed gives the same fault sequence. */
export function mulberry32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export type Service = "lambda" | "s3" | "cloudwatch" | "other";

/** What the proxy injected. `outage-*` kinds are requests that fell inside an outage window. */
export type FaultKind =
  | "throttle"
  | "5xx"
  | "reset"
  | "lost-response"
  | "latency"
  | "outage-reset"
  | "outage-503"
  | "brownout-applied-unanswered";

export const FAULT_KINDS: readonly FaultKind[] = [
  "throttle",
  "5xx",
  "reset",
  "lost-response",
  "latency",
  "outage-reset",
  "outage-503",
  "brownout-applied-unanswered",
];

export interface OutagePlan {
  /** The outage starts when the Nth UpdateAlias request of the function arrives (1 = the first; retries count). */
  atUpdateAlias: number;
  /** Delay after that request before the outage starts (0: that request is already inside it). */
  delayMs: number;
  durationMs: number;
  /**
   * `reset`: every request's connection is dropped; `503`: every request gets a service-shaped 503;
   * `brownout`: writes are applied but never answered, reads fail (reset or 503).
   */
  mode: "reset" | "503" | "brownout";
}

export interface FaultPlan {
  /** Seeds the per-request draws of this function's faults. */
  seed: number;
  /** Per-request probabilities; at most one of throttle/5xx/reset/lost-response applies to a request. */
  throttle?: number;
  error5xx?: number;
  reset?: number;
  lostResponse?: number;
  /** Probability of a delay before forwarding, uniform in [0, maxLatencyMs]. */
  latency?: number;
  maxLatencyMs?: number;
  /** Only these operations get per-request faults (all operations when absent). */
  operations?: readonly string[];
  /** Per-request faults start once this many UpdateAlias requests have been seen (0: at once). */
  afterUpdateAlias?: number;
  outage?: OutagePlan;
}

export interface Attribution {
  service: Service;
  /** AWS operation name, e.g. `UpdateAlias`, `PutObject`, `DescribeAlarms`. */
  operation: string;
  functionName?: string | undefined;
  alarmNames?: string[] | undefined;
}

/** Faults injected and requests seen, by kind and by operation. */
export class FaultStats {
  readonly faults = new Map<FaultKind, Map<string, number>>();
  readonly requests = new Map<string, number>();
  outagesStarted = 0;

  count(kind: FaultKind, operation: string): void {
    const byOperation = this.faults.get(kind) ?? new Map<string, number>();
    byOperation.set(operation, (byOperation.get(operation) ?? 0) + 1);
    this.faults.set(kind, byOperation);
  }

  seen(operation: string): void {
    this.requests.set(operation, (this.requests.get(operation) ?? 0) + 1);
  }

  total(kind: FaultKind): number {
    return [...(this.faults.get(kind)?.values() ?? [])].reduce((sum, n) => sum + n, 0);
  }

  /** `throttle 3 (GetAlias 2, UpdateAlias 1), reset 1 (PutObject 1)`: one line for a report. */
  describe(): string {
    const parts = FAULT_KINDS.filter((kind) => this.total(kind) > 0).map((kind) => {
      const ops = [...(this.faults.get(kind) ?? new Map<string, number>()).entries()]
        .map(([op, n]) => `${op} ${n}`)
        .join(", ");
      return `${kind} ${this.total(kind)} (${ops})`;
    });
    if (this.outagesStarted > 0) parts.push(`outages started ${this.outagesStarted}`);
    return parts.length > 0 ? parts.join("; ") : "no faults";
  }

  addTo(other: FaultStats): void {
    for (const [kind, byOperation] of this.faults) {
      for (const [operation, n] of byOperation) {
        for (let i = 0; i < n; i++) other.count(kind, operation);
      }
    }
    for (const [operation, n] of this.requests)
      other.requests.set(operation, (other.requests.get(operation) ?? 0) + n);
    other.outagesStarted += this.outagesStarted;
  }
}

const LAMBDA_PATH = /^\/\d{4}-\d{2}-\d{2}\/functions(?:\/([^/?]+))?(?:\/([^/?]+))?(?:\/([^/?]+))?/;

function lambdaOperation(method: string, resource: string | undefined, hasName: boolean): string {
  if (!hasName) return method === "POST" ? "CreateFunction" : "ListFunctions";
  switch (resource) {
    case undefined:
      return method === "DELETE" ? "DeleteFunction" : "GetFunction";
    case "aliases":
      return method === "PUT" ? "UpdateAlias" : method === "DELETE" ? "DeleteAlias" : "GetAlias";
    case "aliases-collection":
      return method === "POST" ? "CreateAlias" : "ListAliases";
    case "versions":
      return method === "POST" ? "PublishVersion" : "ListVersionsByFunction";
    case "code":
      return "UpdateFunctionCode";
    case "configuration":
      return method === "PUT" ? "UpdateFunctionConfiguration" : "GetFunctionConfiguration";
    case "invocations":
      return "Invoke";
    default:
      return `Lambda:${method}:${resource}`;
  }
}

/** The signing scope names the service: `Credential=KEY/DATE/REGION/SERVICE/aws4_request`. */
function signingService(headers: IncomingMessage["headers"]): string | undefined {
  const authorization = headers.authorization ?? "";
  return /Credential=[^/]+\/[^/]+\/[^/]+\/([^/]+)\//.exec(authorization)?.[1];
}

function cloudwatchAlarmNames(body: string, contentType: string): string[] {
  if (contentType.includes("json")) {
    try {
      const parsed = JSON.parse(body) as { AlarmNames?: unknown; AlarmName?: unknown };
      const names = Array.isArray(parsed.AlarmNames) ? parsed.AlarmNames : [parsed.AlarmName];
      return names.filter((name): name is string => typeof name === "string");
    } catch {
      return [];
    }
  }
  const form = new URLSearchParams(body);
  return [...form.entries()]
    .filter(([key]) => key === "AlarmName" || /^AlarmNames\.member\.\d+$/.test(key))
    .map(([, value]) => value);
}

/** Which service, operation and function a request is for. Exported for the proxy's own tests. */
export function attribute(
  method: string,
  url: string,
  headers: IncomingMessage["headers"],
  body: string,
): Attribution {
  const service = signingService(headers);
  const path = url.split("?")[0] ?? "/";
  if (service === "lambda" || LAMBDA_PATH.test(path)) {
    const match = LAMBDA_PATH.exec(path);
    const name = match?.[1] ? decodeURIComponent(match[1]) : undefined;
    // `/functions/NAME/aliases` (collection) and `/functions/NAME/aliases/ALIAS` (one alias) differ.
    const resource = match?.[2] === "aliases" && !match[3] ? "aliases-collection" : match?.[2];
    return {
      service: "lambda",
      operation: lambdaOperation(method, resource, Boolean(name)),
      functionName: name,
    };
  }
  if (service === "monitoring") {
    const target = headers["x-amz-target"];
    const fromTarget = typeof target === "string" ? target.split(".").at(-1) : undefined;
    const operation = fromTarget ?? new URLSearchParams(body).get("Action") ?? "CloudWatch";
    const contentType = String(headers["content-type"] ?? "");
    return { service: "cloudwatch", operation, alarmNames: cloudwatchAlarmNames(body, contentType) };
  }
  if (service === "s3") {
    const operation =
      method === "HEAD"
        ? "HeadObject"
        : method === "PUT"
          ? "PutObject"
          : method === "GET"
            ? "GetObject"
            : `S3:${method}`;
    // Path style: /BUCKET/PREFIX.../FUNCTION/SHA256.zip; the function is the folder of the object.
    const segments = path.split("/").filter(Boolean).map(decodeURIComponent);
    const functionName = segments.length >= 3 ? segments.at(-2) : undefined;
    return { service: "s3", operation, functionName };
  }
  return { service: "other", operation: `${method} ${path}` };
}

const WRITE_OPERATIONS = new Set([
  "UpdateAlias",
  "PublishVersion",
  "UpdateFunctionCode",
  "UpdateFunctionConfiguration",
  "PutObject",
  "CreateAlias",
]);

export function isWrite(operation: string): boolean {
  return WRITE_OPERATIONS.has(operation);
}

interface Reply {
  status: number;
  headers: Record<string, string>;
  body: string;
}

function throttleReply(service: Service): Reply {
  switch (service) {
    case "lambda":
      return {
        status: 429,
        headers: { "content-type": "application/json", "x-amzn-errortype": "TooManyRequestsException" },
        body: JSON.stringify({ Reason: "CallerRateLimitExceeded", Type: "User", message: "Rate exceeded" }),
      };
    case "s3":
      return {
        status: 503,
        headers: { "content-type": "application/xml" },
        body: '<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>SlowDown</Code><Message>Please reduce your request rate.</Message><RequestId>FAULTPROXY</RequestId></Error>',
      };
    default:
      // CloudWatch speaks JSON 1.0 with query compatibility: the code travels in x-amzn-query-error.
      return {
        status: 400,
        headers: { "content-type": "application/x-amz-json-1.0", "x-amzn-query-error": "Throttling;Sender" },
        body: JSON.stringify({
          __type: "com.amazonaws.cloudwatch#ThrottlingException",
          message: "Rate exceeded",
        }),
      };
  }
}

function serverErrorReply(service: Service, status: 500 | 503): Reply {
  switch (service) {
    case "lambda":
      return {
        status,
        headers: { "content-type": "application/json", "x-amzn-errortype": "ServiceException" },
        body: JSON.stringify({ Type: "Service", message: "An internal error occurred (fault proxy)." }),
      };
    case "s3": {
      const code = status === 503 ? "ServiceUnavailable" : "InternalError";
      return {
        status,
        headers: { "content-type": "application/xml" },
        body: `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${code}</Code><Message>We encountered an internal error. Please try again.</Message><RequestId>FAULTPROXY</RequestId></Error>`,
      };
    }
    default: {
      const code = status === 503 ? "ServiceUnavailable" : "InternalServiceError";
      return {
        status,
        headers: { "content-type": "application/x-amz-json-1.0", "x-amzn-query-error": `${code};Receiver` },
        body: JSON.stringify({
          __type: `com.amazonaws.cloudwatch#${code}`,
          message: "internal failure (fault proxy)",
        }),
      };
    }
  }
}

type Decision =
  | { action: "forward"; delayMs: number }
  | { action: "reply"; reply: Reply; kind: FaultKind; delayMs: number }
  | { action: "reset"; kind: FaultKind; delayMs: number }
  | { action: "lose"; kind: FaultKind; delayMs: number };

/** One function's schedule: its own PRNG, UpdateAlias counter, outage window and statistics. */
export class FunctionFaults {
  readonly stats = new FaultStats();
  private readonly random: () => number;
  private updateAliases = 0;
  private outageStart: number | undefined;

  constructor(
    readonly functionName: string,
    readonly plan: FaultPlan,
    readonly alarmNames: readonly string[],
  ) {
    this.random = mulberry32(plan.seed);
  }

  /** Decides this request's fate. Always draws the same number of values, so sequences stay aligned. */
  decide(attribution: Attribution, now: number): Decision {
    const { operation, service } = attribution;
    const { plan } = this;
    this.stats.seen(operation);
    if (operation === "UpdateAlias") {
      this.updateAliases += 1;
      if (plan.outage && this.outageStart === undefined && this.updateAliases === plan.outage.atUpdateAlias) {
        this.outageStart = now + plan.outage.delayMs;
        this.stats.outagesStarted += 1;
      }
    }
    const [pick, latencyChance, latencyAmount, status, outagePick] = [
      this.random(),
      this.random(),
      this.random(),
      this.random(),
      this.random(),
    ] as [number, number, number, number, number];
    if (plan.outage && this.outageStart !== undefined) {
      const { mode, durationMs } = plan.outage;
      if (now >= this.outageStart && now < this.outageStart + durationMs) {
        if (mode === "brownout" && isWrite(operation)) {
          this.stats.count("brownout-applied-unanswered", operation);
          return { action: "lose", kind: "brownout-applied-unanswered", delayMs: 0 };
        }
        const reset = mode === "reset" || (mode === "brownout" && outagePick < 0.5);
        if (reset) {
          this.stats.count("outage-reset", operation);
          return { action: "reset", kind: "outage-reset", delayMs: 0 };
        }
        this.stats.count("outage-503", operation);
        return { action: "reply", reply: serverErrorReply(service, 503), kind: "outage-503", delayMs: 0 };
      }
    }
    const active =
      this.updateAliases >= (plan.afterUpdateAlias ?? 0) &&
      (plan.operations === undefined || plan.operations.includes(operation));
    if (!active) return { action: "forward", delayMs: 0 };
    let delayMs = 0;
    if (latencyChance < (plan.latency ?? 0)) {
      delayMs = Math.round(latencyAmount * (plan.maxLatencyMs ?? 1_500));
      this.stats.count("latency", operation);
    }
    let threshold = plan.throttle ?? 0;
    if (pick < threshold) {
      this.stats.count("throttle", operation);
      return { action: "reply", reply: throttleReply(service), kind: "throttle", delayMs };
    }
    threshold += plan.error5xx ?? 0;
    if (pick < threshold) {
      this.stats.count("5xx", operation);
      return {
        action: "reply",
        reply: serverErrorReply(service, status < 0.5 ? 500 : 503),
        kind: "5xx",
        delayMs,
      };
    }
    threshold += plan.reset ?? 0;
    if (pick < threshold) {
      this.stats.count("reset", operation);
      return { action: "reset", kind: "reset", delayMs };
    }
    threshold += plan.lostResponse ?? 0;
    if (pick < threshold) {
      this.stats.count("lost-response", operation);
      return { action: "lose", kind: "lost-response", delayMs };
    }
    return { action: "forward", delayMs };
  }
}

export interface FaultProxy {
  /** Point AWS_ENDPOINT_URL here. */
  endpoint: string;
  /** Starts injecting faults into requests for `functionName` (and its alarms). */
  plan(functionName: string, plan: FaultPlan, alarmNames?: readonly string[]): FunctionFaults;
  /** Stops injecting faults for that function; its statistics stay with the returned object. */
  clear(functionName: string): void;
  /** Everything injected since start, all functions together. */
  totals(): FaultStats;
  stop(): Promise<void>;
}

interface Upstream {
  status: number;
  headers: Record<string, string | string[]>;
  body: Buffer;
}

const HOP_BY_HOP = new Set(["transfer-encoding", "connection", "keep-alive"]);

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => resolve(Buffer.concat(chunks)));
    req.on("error", reject);
  });
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Starts the proxy on a free loopback port, forwarding to `upstream` (moto's endpoint). */
export async function startFaultProxy(upstream: string): Promise<FaultProxy> {
  const target = new URL(upstream);
  const agent = new Agent({ keepAlive: true, maxSockets: 32 });
  const byFunction = new Map<string, FunctionFaults>();
  const byAlarm = new Map<string, FunctionFaults>();
  const planned: FunctionFaults[] = [];
  const sockets = new Set<Socket>();

  const forward = (req: IncomingMessage, body: Buffer): Promise<Upstream> =>
    new Promise((resolve, reject) => {
      const headers = { ...req.headers };
      delete headers.connection;
      delete headers["keep-alive"];
      const outgoing = request(
        { host: target.hostname, port: target.port, method: req.method, path: req.url, headers, agent },
        (response) => {
          const chunks: Buffer[] = [];
          response.on("data", (chunk: Buffer) => chunks.push(chunk));
          response.on("end", () => {
            const kept: Record<string, string | string[]> = {};
            for (const [key, value] of Object.entries(response.headers)) {
              if (value !== undefined && !HOP_BY_HOP.has(key)) kept[key] = value;
            }
            resolve({ status: response.statusCode ?? 502, headers: kept, body: Buffer.concat(chunks) });
          });
          response.on("error", reject);
        },
      );
      outgoing.on("error", reject);
      outgoing.end(body);
    });

  const send = (req: IncomingMessage, res: ServerResponse, reply: Reply) => {
    const body = Buffer.from(reply.body);
    res.writeHead(reply.status, {
      ...reply.headers,
      "x-amzn-requestid": "fault-proxy",
      "content-length": req.method === "HEAD" ? "0" : String(body.length),
    });
    res.end(req.method === "HEAD" ? undefined : body);
  };

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const body = await readBody(req);
    const method = req.method ?? "GET";
    const url = req.url ?? "/";
    const attribution = attribute(method, url, req.headers, body.toString("utf8"));
    const faults =
      (attribution.functionName ? byFunction.get(attribution.functionName) : undefined) ??
      attribution.alarmNames?.map((name) => byAlarm.get(name)).find((found) => found !== undefined);
    const decision = faults
      ? faults.decide(attribution, Date.now())
      : ({ action: "forward", delayMs: 0 } as const);
    if (decision.delayMs > 0) await sleep(decision.delayMs);
    if (decision.action === "reset") {
      req.socket.destroy();
      return;
    }
    if (decision.action === "reply") {
      send(req, res, decision.reply);
      return;
    }
    const upstreamReply = await forward(req, body);
    if (decision.action === "lose") {
      // The request was applied upstream; the client never learns it.
      req.socket.destroy();
      return;
    }
    // Buffered, so the length is known (moto's HEAD replies keep the object's own Content-Length).
    if (method !== "HEAD") upstreamReply.headers["content-length"] = String(upstreamReply.body.length);
    res.writeHead(upstreamReply.status, upstreamReply.headers);
    res.end(method === "HEAD" ? undefined : upstreamReply.body);
  };

  const server = createServer((req, res) => {
    handle(req, res).catch(() => req.socket.destroy());
  });
  server.on("connection", (socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    totals() {
      const sum = new FaultStats();
      for (const faults of planned) faults.stats.addTo(sum);
      return sum;
    },
    plan(functionName, plan, alarmNames = []) {
      const faults = new FunctionFaults(functionName, plan, alarmNames);
      planned.push(faults);
      byFunction.set(functionName, faults);
      for (const alarm of alarmNames) byAlarm.set(alarm, faults);
      return faults;
    },
    clear(functionName) {
      const faults = byFunction.get(functionName);
      byFunction.delete(functionName);
      for (const alarm of faults?.alarmNames ?? []) byAlarm.delete(alarm);
    },
    async stop() {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      agent.destroy();
    },
  };
}
