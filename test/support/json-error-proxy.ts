import { createServer, request as httpRequest, type IncomingHttpHeaders } from "node:http";
import type { AddressInfo } from "node:net";

/**
 * A loopback proxy in front of moto that gives its IAM errors the shape AWS gives them. With IAM
 * enforced, moto answers every service with an XML `<Code>InvalidClientTokenId</Code>` body; for JSON
 * services (Lambda's REST-JSON, CloudWatch's JSON 1.0) the SDK cannot parse that and reports a bare
 * SyntaxError. AWS answers those services in JSON, with the code in `x-amzn-errortype`. Everything else
 * (successes, XML services such as S3) passes through untouched.
 */
export interface JsonErrorProxy {
  endpoint: string;
  stop(): Promise<void>;
}

function isJsonProtocol(method: string | undefined, path: string, headers: IncomingHttpHeaders): boolean {
  if (headers["x-amz-target"] !== undefined) return true;
  // Lambda's REST API lives under dated paths (/2015-03-31/functions/...).
  return /^\/20\d\d-\d\d-\d\d\//.test(path) && method !== undefined;
}

function tag(xml: string, name: string): string | undefined {
  return new RegExp(`<${name}>([^<]*)</${name}>`).exec(xml)?.[1];
}

export async function startJsonErrorProxy(target: string): Promise<JsonErrorProxy> {
  const upstream = new URL(target);
  const server = createServer((incoming, outgoing) => {
    const forward = httpRequest(
      {
        host: upstream.hostname,
        port: upstream.port,
        method: incoming.method,
        path: incoming.url,
        headers: incoming.headers,
      },
      (reply) => {
        const status = reply.statusCode ?? 502;
        const json = isJsonProtocol(incoming.method, incoming.url ?? "/", incoming.headers);
        if (status < 400 || !json) {
          outgoing.writeHead(status, reply.headers);
          reply.pipe(outgoing);
          return;
        }
        const chunks: Buffer[] = [];
        reply.on("data", (chunk: Buffer) => chunks.push(chunk));
        reply.on("end", () => {
          const body = Buffer.concat(chunks).toString("utf8");
          const code = tag(body, "Code");
          if (!code) {
            outgoing.writeHead(status, reply.headers);
            outgoing.end(body);
            return;
          }
          const payload = JSON.stringify({ __type: code, message: tag(body, "Message") ?? code });
          outgoing.writeHead(status, {
            "content-type": "application/json",
            "content-length": Buffer.byteLength(payload),
            "x-amzn-errortype": code,
            "x-amzn-requestid": reply.headers["x-amzn-requestid"] ?? "proxy",
          });
          outgoing.end(payload);
        });
      },
    );
    forward.on("error", () => {
      outgoing.writeHead(502);
      outgoing.end();
    });
    incoming.pipe(forward);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
