/**
 * What the test proxies in front of moto share: one request read whole, forwarded whole, and the
 * reply buffered, so a proxy can look at (or rewrite) it before answering. The fault proxy, the
 * recording proxy and the Lambda guards (lambda-guards.ts) all forward through `bufferedForward`.
 */
import {
  Agent,
  type IncomingHttpHeaders,
  type IncomingMessage,
  request,
  type ServerResponse,
} from "node:http";

export interface ProxiedRequest {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

export interface ProxiedReply {
  status: number;
  headers: Record<string, string | string[]>;
  body: Buffer;
}

/** Sends one request upstream and resolves with the whole reply. */
export type Forward = (request: ProxiedRequest) => Promise<ProxiedReply>;

const HOP_BY_HOP = new Set(["transfer-encoding", "connection", "keep-alive"]);

export function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => resolve(Buffer.concat(chunks)));
    req.on("error", reject);
  });
}

/** Forwards to `upstream` over keep-alive connections; `destroy()` closes them. */
export function bufferedForward(upstream: string, maxSockets = 64): Forward & { destroy(): void } {
  const target = new URL(upstream);
  const agent = new Agent({ keepAlive: true, maxSockets });
  const forward = (proxied: ProxiedRequest): Promise<ProxiedReply> =>
    new Promise((resolve, reject) => {
      const headers = { ...proxied.headers };
      delete headers.connection;
      delete headers["keep-alive"];
      const outgoing = request(
        {
          host: target.hostname,
          port: target.port,
          method: proxied.method,
          path: proxied.url,
          headers,
          agent,
        },
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
      outgoing.end(proxied.body);
    });
  return Object.assign(forward, { destroy: () => agent.destroy() });
}

/** Answers with a buffered reply; its length is the body's (moto's HEAD replies keep the object's own). */
export function sendReply(req: IncomingMessage, res: ServerResponse, reply: ProxiedReply): void {
  const headers = { ...reply.headers };
  if (req.method !== "HEAD") headers["content-length"] = String(reply.body.length);
  res.writeHead(reply.status, headers);
  res.end(req.method === "HEAD" ? undefined : reply.body);
}
