/**
 * A local API Gateway (REST API, Lambda proxy integration on an alias): every request is routed by the
 * alias's current weights, run in the local runtime, counted for the metrics publisher, and answered
 * as API Gateway would. Listens on 127.0.0.1 only: it runs arbitrary handler code.
 */
import { randomUUID } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { MetricsPublisher } from "./metrics-publisher.js";
import type { LocalLambdaPort } from "./ports.js";
import { buildProxyEvent, type HttpResponse, INTERNAL_ERROR, parseProxyResult } from "./proxy-event.js";
import { createRoutingCache, pickVersion, type RoutingCache } from "./routing.js";
import type { Invocation, LocalRuntime } from "./runtime.js";

export interface LocalApiOptions {
  functionName: string;
  aliasName: string;
  lambda: LocalLambdaPort;
  runtime: LocalRuntime;
  metrics?: MetricsPublisher | undefined;
  /** 0 (default) picks a free port. */
  port?: number | undefined;
  stage?: string | undefined;
  /** How long the alias routing may be reused; default 1000 ms. */
  routingTtlMs?: number | undefined;
  random?: (() => number) | undefined;
  /** Lambda's synchronous payload limit. */
  maxBodyBytes?: number | undefined;
  /** Called after every request, e.g. for a demo's timeline or a detection measurement. */
  onInvocation?: ((invocation: Invocation, response: HttpResponse) => void) | undefined;
}

export interface LocalApi {
  url: string;
  port: number;
  routing: RoutingCache;
  close(): Promise<void>;
}

export const EXECUTED_VERSION_HEADER = "x-executed-version";

function readBody(request: IncomingMessage, limit: number): Promise<Buffer | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    request.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size <= limit) chunks.push(chunk);
    });
    request.on("end", () => resolve(size > limit ? undefined : Buffer.concat(chunks)));
    request.on("error", reject);
  });
}

function json(statusCode: number, message: string): HttpResponse {
  return {
    statusCode,
    headers: { "content-type": "application/json" },
    body: Buffer.from(JSON.stringify({ message })),
  };
}

/** API Gateway's answer for an invocation: the proxy result, or 502/429 like the real service. */
export function responseFor(invocation: Invocation): HttpResponse {
  if (invocation.throttled) return json(429, "Too Many Requests");
  if (invocation.functionError) return INTERNAL_ERROR;
  return parseProxyResult(invocation.payload) ?? INTERNAL_ERROR;
}

export async function startLocalApi(options: LocalApiOptions): Promise<LocalApi> {
  const random = options.random ?? Math.random;
  const maxBody = options.maxBodyBytes ?? 6 * 1024 * 1024;
  const stage = options.stage ?? "local";
  const apiId = "local";
  const routing = createRoutingCache(
    () => options.lambda.getAliasRouting(options.functionName, options.aliasName),
    {
      ttlMs: options.routingTtlMs ?? 1000,
    },
  );

  async function handle(request: IncomingMessage): Promise<{ response: HttpResponse; requestId: string }> {
    const requestId = randomUUID();
    const body = await readBody(request, maxBody);
    if (!body) return { response: json(413, "Request Too Long"), requestId };
    const event = buildProxyEvent(
      {
        method: request.method ?? "GET",
        url: request.url ?? "/",
        rawHeaders: request.rawHeaders,
        body,
        sourceIp: request.socket.remoteAddress ?? "127.0.0.1",
      },
      { requestId, stage, apiId, now: new Date() },
    );
    const version = pickVersion(await routing.get(), random);
    const invocation = await options.runtime.invoke(options.functionName, version, event);
    const response = responseFor(invocation);
    options.metrics?.record({
      functionName: options.functionName,
      aliasName: options.aliasName,
      version: invocation.executedVersion,
      durationMs: invocation.durationMs,
      error: invocation.functionError !== undefined,
      throttled: invocation.throttled,
    });
    response.headers[EXECUTED_VERSION_HEADER] = invocation.executedVersion;
    options.onInvocation?.(invocation, response);
    return { response, requestId };
  }

  const server: Server = createServer((request: IncomingMessage, reply: ServerResponse) => {
    handle(request).then(
      ({ response, requestId }) => {
        reply.writeHead(response.statusCode, { ...response.headers, "x-amzn-requestid": requestId });
        reply.end(response.body);
      },
      (error: unknown) => {
        // Failures of the data plane itself (emulator down, code not found) are the gateway's 500s.
        const message = error instanceof Error ? error.message : String(error);
        reply.writeHead(500, {
          "content-type": "application/json",
          "x-local-error": message.replace(/[^\x20-\x7e]/g, "?").slice(0, 200),
        });
        reply.end(JSON.stringify({ message: "Internal server error" }));
      },
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, "127.0.0.1", () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    routing,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
