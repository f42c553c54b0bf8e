/** What the deploy benchmarks share: a request-counting proxy in front of moto, medians, RESULTS.md. */
import { execFileSync } from "node:child_process";
import { readFile, writeFile } from "node:fs/promises";
import { createServer, request } from "node:http";
import { join } from "node:path";
import { type Attribution, attribute } from "../test/support/aws-requests.js";

/** One request the proxy saw: its operation, its service, and whether it was for a ledger object. */
export interface SeenRequest {
  operation: string;
  service: Attribution["service"];
  ledger: boolean;
}

export interface CountingProxy {
  endpoint: string;
  /** The AWS operations seen since the last call (e.g. `PutObject`, `UpdateAlias`), in order. */
  take(): string[];
  /** The same, with each request's service and whether it was the ledger's. */
  takeRequests(): SeenRequest[];
  close(): Promise<void>;
}

/** Forwards to moto and names each request's operation, so contenders are measured on the same wire. */
export async function countingProxy(target: string): Promise<CountingProxy> {
  const upstream = new URL(target);
  let seen: SeenRequest[] = [];
  const server = createServer((incoming, outgoing) => {
    const chunks: Buffer[] = [];
    incoming.on("data", (chunk: Buffer) => chunks.push(chunk));
    incoming.on("end", () => {
      const body = Buffer.concat(chunks);
      const url = incoming.url ?? "/";
      const { operation, service, ledger } = attribute(
        incoming.method ?? "GET",
        url,
        incoming.headers,
        body.toString("utf8"),
      );
      seen.push({ operation, service, ledger: ledger !== undefined });
      const forward = request(
        {
          host: upstream.hostname,
          port: upstream.port,
          path: url,
          method: incoming.method,
          headers: incoming.headers,
        },
        (response) => {
          outgoing.writeHead(response.statusCode ?? 502, response.headers);
          response.pipe(outgoing);
        },
      );
      forward.on("error", () => outgoing.destroy());
      forward.end(body);
    });
  });
  const takeRequests = () => {
    const requests = seen;
    seen = [];
    return requests;
  };
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  const port = typeof address === "object" && address ? address.port : 0;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    takeRequests,
    take: () => takeRequests().map((request) => request.operation),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** The q-quantile (0..1) of `values`, interpolated between the two nearest ranks. */
export function quantile(values: number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  if (sorted.length === 0) return Number.NaN;
  const rank = (sorted.length - 1) * q;
  const low = sorted[Math.floor(rank)] as number;
  const high = sorted[Math.ceil(rank)] as number;
  return low + (high - low) * (rank - Math.floor(rank));
}

export const median = (values: number[]) => quantile(values, 0.5);

/**
 * Replaces the block that starts with `heading` (a Markdown heading line) up to the next heading of the
 * same or a higher level; appends it when absent. Leaves every other block alone.
 */
export function replaceBlock(text: string, heading: string, block: string): string {
  const level = /^#+/.exec(heading)?.[0].length ?? 2;
  const lines = text.split("\n");
  const start = lines.indexOf(heading);
  const body = block.trimEnd().split("\n");
  if (start < 0) return `${text.trimEnd()}\n\n${body.join("\n")}\n`;
  let end = start + 1;
  while (end < lines.length) {
    const next = /^(#+)\s/.exec(lines[end] as string);
    if (next && (next[1] as string).length <= level) break;
    end++;
  }
  const rest = lines.slice(end);
  return [...lines.slice(0, start), ...body, ...(rest.length > 0 ? ["", ...rest] : [""])].join("\n");
}

export const RESULTS = join(import.meta.dirname, "RESULTS.md");

export async function readResults(): Promise<string> {
  return await readFile(RESULTS, "utf8").catch(() => "# Benchmarks\n");
}

/** Writes RESULTS.md formatted as Biome (the test command's checker) wants its tables. */
export async function writeResults(text: string): Promise<void> {
  await writeFile(RESULTS, text.endsWith("\n") ? text : `${text}\n`);
  execFileSync("npx", ["biome", "format", "--write", RESULTS], { stdio: "ignore" });
}
