/**
 * A pass-through proxy in front of moto that records every request as moto receives it: when, which
 * region (from the signing scope), which operation and function, and for UpdateAlias the routing asked
 * for. Tests use it to see lockstep shifts and wave order and to count requests; the release benchmark
 * counts requests per second with it. With `guards`, it also enforces what Lambda enforces and moto
 * ignores (lambda-guards.ts): that is how `startMoto({ guards: true })` makes moto faithful.
 */
import { createServer, type IncomingMessage } from "node:http";
import type { AddressInfo, Socket } from "node:net";
import { attribute, type Service } from "./aws-requests.js";
import { LambdaGuards } from "./lambda-guards.js";
import { bufferedForward, readBody, sendReply } from "./proxy-forward.js";

export interface RecordedRequest {
  /** When the request reached the proxy (epoch ms). */
  at: number;
  service: Service;
  operation: string;
  region: string | undefined;
  functionName: string | undefined;
  /** UpdateAlias only: the primary version and the additional version's weight in percent. */
  routing?: { version: string | undefined; additional?: { version: string; weight: number } | undefined };
}

export interface RecordingProxy {
  endpoint: string;
  requests: RecordedRequest[];
  /** Present when started with `guards`. */
  guards: LambdaGuards | undefined;
  stop(): Promise<void>;
}

const regionOf = (headers: IncomingMessage["headers"]) =>
  /Credential=[^/]+\/[^/]+\/([^/]+)\//.exec(headers.authorization ?? "")?.[1];

function routingOf(body: string): RecordedRequest["routing"] {
  try {
    const parsed = JSON.parse(body) as {
      FunctionVersion?: string;
      RoutingConfig?: { AdditionalVersionWeights?: Record<string, number> };
    };
    const [extra] = Object.entries(parsed.RoutingConfig?.AdditionalVersionWeights ?? {});
    return {
      version: parsed.FunctionVersion,
      additional: extra ? { version: extra[0], weight: Math.round(extra[1] * 10_000) / 100 } : undefined,
    };
  } catch {
    return undefined;
  }
}

export async function startRecordingProxy(
  upstream: string,
  options: { guards?: boolean } = {},
): Promise<RecordingProxy> {
  const forward = bufferedForward(upstream);
  const guards = options.guards ? new LambdaGuards(forward) : undefined;
  const requests: RecordedRequest[] = [];
  const sockets = new Set<Socket>();
  const server = createServer((req, res) => {
    void (async () => {
      const body = await readBody(req);
      const method = req.method ?? "GET";
      const url = req.url ?? "/";
      const attribution = attribute(method, url, req.headers, body.toString("utf8"));
      requests.push({
        at: Date.now(),
        service: attribution.service,
        operation: attribution.operation,
        region: regionOf(req.headers),
        functionName: attribution.functionName,
        ...(attribution.operation === "UpdateAlias" ? { routing: routingOf(body.toString("utf8")) } : {}),
      });
      const proxied = { method, url, headers: req.headers, body };
      sendReply(req, res, await (guards ? guards.handle(proxied) : forward(proxied)));
    })().catch(() => req.socket.destroy());
  });
  server.on("connection", (socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    requests,
    guards,
    async stop() {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      forward.destroy();
    },
  };
}
