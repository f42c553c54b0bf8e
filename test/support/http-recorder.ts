import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

export interface RecordedRequest {
  method: string;
  path: string;
  headers: IncomingMessage["headers"];
  body: string;
  /** The body parsed as JSON (undefined when it is not JSON). */
  json: unknown;
}

/** What the server does with the n-th request (from 1): a status (and JSON body), or hang forever. */
export type Behaviour = (
  request: RecordedRequest,
  n: number,
) => { status: number; body?: unknown; headers?: Record<string, string> } | "hang";

export interface Recorder {
  /** Base URL, `http://127.0.0.1:PORT`. */
  url: string;
  requests: RecordedRequest[];
  /** Resolves once `count` requests have arrived. */
  received(count: number, timeoutMs?: number): Promise<void>;
  stop(): Promise<void>;
}

/** A real HTTP server on 127.0.0.1 that records every request and answers as `behaviour` says. */
export async function startRecorder(behaviour: Behaviour = () => ({ status: 200 })): Promise<Recorder> {
  const requests: RecordedRequest[] = [];
  const waiters: Array<{ count: number; resolve: () => void }> = [];
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    let body = "";
    req.on("data", (chunk: Buffer) => {
      body += chunk.toString();
    });
    req.on("end", () => {
      let json: unknown;
      try {
        json = JSON.parse(body);
      } catch {
        json = undefined;
      }
      const recorded = { method: req.method ?? "", path: req.url ?? "", headers: req.headers, body, json };
      requests.push(recorded);
      for (const waiter of [...waiters]) {
        if (requests.length >= waiter.count) {
          waiters.splice(waiters.indexOf(waiter), 1);
          waiter.resolve();
        }
      }
      const answer = behaviour(recorded, requests.length);
      if (answer === "hang") return; // never answered; stop() destroys the socket
      res.writeHead(answer.status, { "content-type": "application/json", ...answer.headers });
      res.end(answer.body === undefined ? "" : JSON.stringify(answer.body));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    received: (count, timeoutMs = 10_000) =>
      requests.length >= count
        ? Promise.resolve()
        : new Promise<void>((resolve, reject) => {
            const timer = setTimeout(
              () => reject(new Error(`only ${requests.length} of ${count} requests arrived`)),
              timeoutMs,
            );
            waiters.push({
              count,
              resolve: () => {
                clearTimeout(timer);
                resolve();
              },
            });
          }),
    stop: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
