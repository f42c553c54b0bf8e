/**
 * A pass-through proxy in front of moto that records every request as moto receives it: when, which
 * region (from the signing scope), which operation and function, and for UpdateAlias the routing asked
 * for. Tests use it to see lockstep shifts and wave order; the release benchmark counts requests per
 * second with it.
 */
import { Agent, createServer, type IncomingMessage, request } from "node:http";
import type { AddressInfo, Socket } from "node:net";
import { attribute, type Service } from "./aws-requests.js";

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

export async function startRecordingProxy(upstream: string): Promise<RecordingProxy> {
  const target = new URL(upstream);
  const agent = new Agent({ keepAlive: true, maxSockets: 64 });
  const requests: RecordedRequest[] = [];
  const sockets = new Set<Socket>();
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      const body = Buffer.concat(chunks);
      const method = req.method ?? "GET";
      const attribution = attribute(method, req.url ?? "/", req.headers, body.toString("utf8"));
      requests.push({
        at: Date.now(),
        service: attribution.service,
        operation: attribution.operation,
        region: regionOf(req.headers),
        functionName: attribution.functionName,
        ...(attribution.operation === "UpdateAlias" ? { routing: routingOf(body.toString("utf8")) } : {}),
      });
      const headers = { ...req.headers };
      delete headers.connection;
      delete headers["keep-alive"];
      const outgoing = request(
        { host: target.hostname, port: target.port, method, path: req.url, headers, agent },
        (response) => {
          res.writeHead(response.statusCode ?? 502, response.headers);
          response.pipe(res);
        },
      );
      outgoing.on("error", () => req.socket.destroy());
      outgoing.end(body);
    });
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
    async stop() {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      agent.destroy();
    },
  };
}
