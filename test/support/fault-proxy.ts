/**
 * A seeded HTTP proxy in front of moto that breaks AWS the way AWS breaks: throttling, 5xx errors,
 * connection resets, lost responses (the request applied, the reply dropped), latency and outages of
 * several seconds. The CLI reaches it through AWS_ENDPOINT_URL; the test checks the outcome with a
 * client that talks to moto directly.
 *
 * Faults are planned per Lambda function, so several deploys can run at once and each keeps its own
 * deterministic schedule: requests are attributed to a function by their URL (Lambda, S3 key) or by the
 * alarm names in their body (CloudWatch); a release's ledger record (`releases/ID.json`) by the function
 * its body names when it is written. Requests that belong to no planned function pass untouched.
 */
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo, Socket } from "node:net";
import type { Reply } from "./aws-error-replies.js";
import { type Attribution, attribute } from "./aws-requests.js";
import { type FaultPlan, FaultStats, FunctionFaults } from "./fault-schedule.js";
import { bufferedForward, readBody, sendReply } from "./proxy-forward.js";

export { type Attribution, attribute, isWrite, type Service } from "./aws-requests.js";
export {
  FAULT_KINDS,
  type FaultKind,
  type FaultPlan,
  FaultStats,
  FunctionFaults,
  mulberry32,
  type OutagePlan,
} from "./fault-schedule.js";

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

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Starts the proxy on a free loopback port, forwarding to `upstream` (moto's endpoint). */
export async function startFaultProxy(upstream: string): Promise<FaultProxy> {
  const forward = bufferedForward(upstream, 32);
  const byFunction = new Map<string, FunctionFaults>();
  const byAlarm = new Map<string, FunctionFaults>();
  const planned: FunctionFaults[] = [];
  const sockets = new Set<Socket>();
  /** Whose each release record is, learned from its body when written (its key names only an id). */
  const recordOwners = new Map<string, string>();
  const ownerOf = (attribution: Attribution, method: string, body: string): Attribution => {
    const ledger = attribution.ledger;
    // A one-function roll-out's record names its function in its key; a release's only by its body.
    if (ledger?.kind !== "record" || attribution.functionName) return attribution;
    if (method === "PUT") {
      try {
        const functions = ((JSON.parse(body) as { targets?: { function?: unknown }[] }).targets ?? [])
          .map((target) => target.function)
          .filter((name): name is string => typeof name === "string");
        const owner = functions.find((name) => byFunction.has(name)) ?? functions[0];
        if (owner) recordOwners.set(ledger.id, owner);
      } catch {
        // Not a record of ours: it stays unattributed.
      }
    }
    return { ...attribution, functionName: recordOwners.get(ledger.id) };
  };

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
    const text = body.toString("utf8");
    const attribution = ownerOf(attribute(method, url, req.headers, text), method, text);
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
    const upstreamReply = await forward({ method, url, headers: req.headers, body });
    if (decision.action === "lose") {
      // The request was applied upstream; the client never learns it.
      req.socket.destroy();
      return;
    }
    sendReply(req, res, upstreamReply);
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
      forward.destroy();
    },
  };
}
