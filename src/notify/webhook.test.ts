import { afterEach, describe, expect, it } from "vitest";
import { type Recorder, startRecorder } from "../../test/support/http-recorder.js";
import { buildPlan } from "../plan/plan.js";
import type { RolloutEvent, StampedEvent } from "../rollout/events.js";
import { reportingSink } from "./reporter.js";
import { resolveWebhookUrls } from "./urls.js";
import { webhookReporter } from "./webhook.js";

const servers: Recorder[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => server.stop()));
});
async function server(...args: Parameters<typeof startRecorder>) {
  const started = await startRecorder(...args);
  servers.push(started);
  return started;
}

const at = 1_700_000_000_000;
const stamp = (event: RolloutEvent): StampedEvent => ({ ...event, at });
const plan = buildPlan({ steps: "50%:1m" });

/** The events of a promoted two-step roll-out, with what notifies and what does not. */
const promoted: RolloutEvent[] = [
  { type: "plan", function: "orders", alias: "live", plan, dryRun: false },
  { type: "info", message: "Plan for orders:live" },
  { type: "shift", fromVersion: "1", toVersion: "2", weight: 50, step: 1, steps: 2 },
  { type: "bake", weight: 50, step: 1, remainingMs: 1000, totalMs: 60_000 },
  { type: "shift", fromVersion: "1", toVersion: "2", weight: 100, step: 2, steps: 2 },
  { type: "promoted", version: "2" },
  {
    type: "result",
    outcome: "promoted",
    function: "orders",
    alias: "live",
    fromVersion: "1",
    toVersion: "2",
    reason: null,
    hint: null,
    exitCode: 0,
  },
];

/** Runs events through a reporting sink; returns what reached the output, in order. */
async function run(
  events: RolloutEvent[],
  urls: string[],
  options: Parameters<typeof webhookReporter>[1] = {},
  flushMs = 5_000,
) {
  const output: StampedEvent[] = [];
  const sink = reportingSink(
    (event) => output.push(event),
    [
      // As the CLI resolves `--notify` flags: each URL named by its flag and index.
      webhookReporter(resolveWebhookUrls(urls, undefined, {}), options),
    ],
    {
      flushMs,
    },
  );
  for (const event of events) sink.emit(stamp(event));
  const resultSeenBeforeClose = output.some((event) => event.type === "result");
  const started = Date.now();
  await sink.close();
  return { output, resultSeenBeforeClose, closeMs: Date.now() - started };
}

const fast = { timeoutMs: 300, attempts: 3, backoffMs: 10 };

describe("webhook notifications against a real HTTP server", () => {
  it("POSTs start, each shift and the result as JSON with a one-line text, in order; the result waits for them", async () => {
    const hook = await server();
    const { output, resultSeenBeforeClose } = await run(promoted, [`${hook.url}/services/T000/B000/XXXX`], {
      policy: fast,
    });
    expect(hook.requests.map((r) => [r.method, r.path, r.headers["content-type"]])).toEqual(
      Array(4).fill(["POST", "/services/T000/B000/XXXX", "application/json"]),
    );
    expect(hook.requests.map((r) => r.json)).toEqual([
      {
        event: "plan",
        text: "🚀 orders:live: roll-out started (custom: 50% for 1m → 100%)",
        function: "orders",
        alias: "live",
        plan: "custom: 50% for 1m → 100%",
        at: "2023-11-14T22:13:20.000Z",
      },
      expect.objectContaining({
        event: "shift",
        weight: 50,
        step: 1,
        steps: 2,
        fromVersion: "1",
        toVersion: "2",
      }),
      expect.objectContaining({
        event: "shift",
        weight: 100,
        text: "↗️ orders:live: step 2/2, 100% of traffic on v2",
      }),
      expect.objectContaining({
        event: "result",
        outcome: "promoted",
        exitCode: 0,
        text: "✅ orders:live: promoted v2 (was v1)",
      }),
    ]);
    expect(resultSeenBeforeClose).toBe(false);
    expect(output.map((event) => event.type)).toEqual(promoted.map((event) => event.type));
  });

  it("retries a 5xx and a 429 (honouring Retry-After) and delivers without a warning", async () => {
    const hook = await server((_request, n) =>
      n === 1
        ? { status: 503 }
        : n === 2
          ? { status: 429, headers: { "retry-after": "0" } }
          : { status: 204 },
    );
    const { output } = await run(promoted.slice(0, 1), [`${hook.url}/hook`], { policy: fast });
    expect(hook.requests).toHaveLength(3);
    expect(output.filter((event) => event.type === "warning")).toEqual([]);
  });

  it("does not retry a 4xx: one request, one warning naming the flag, its index and the host only", async () => {
    const hook = await server(() => ({ status: 404 }));
    const { output } = await run(promoted.slice(0, 1), [`${hook.url}/services/SECRET?token=abc`], {
      policy: fast,
    });
    expect(hook.requests).toHaveLength(1);
    expect(output.filter((event) => event.type === "warning")).toEqual([
      expect.objectContaining({
        message: `Notification "plan" to --notify #1 (${hook.url}/…) failed after 1 attempt(s): HTTP 404. The roll-out is not affected.`,
      }),
    ]);
  });

  it("a hanging endpoint costs a bounded wait; warnings come before the result, and the outcome is unchanged", async () => {
    const hook = await server(() => "hang");
    const { output, closeMs } = await run(promoted, [`${hook.url}/services/SECRET`], { policy: fast }, 1_200);
    // 3 attempts x 300 ms for the first notification, then the flush deadline cuts the rest.
    expect(closeMs).toBeLessThan(2_500);
    const types = output.map((event) => event.type);
    expect(types.at(-1)).toBe("result");
    expect(output.at(-1)).toMatchObject({ outcome: "promoted", exitCode: 0 });
    const warnings = output.filter((event) => event.type === "warning").map((event) => event.message);
    expect(warnings[0]).toBe(
      `Notification "plan" to --notify #1 (${hook.url}/…) failed after 3 attempt(s): timed out. The roll-out is not affected.`,
    );
    expect(warnings.at(-1)).toMatch(
      /^\d notification\(s\) to --notify #1 \(http:\/\/127\.0\.0\.1:\d+\/…\) were still undelivered/,
    );
    expect(JSON.stringify(output)).not.toContain("SECRET");
  });

  it("of two URLs on one host, the warning says which failed by its index; never its path", async () => {
    const hook = await server((request) => (request.path.includes("B1") ? { status: 404 } : { status: 200 }));
    const { output } = await run(
      promoted.slice(0, 1),
      [`${hook.url}/services/T0/B0/x`, `${hook.url}/services/T0/B1/y`],
      {
        policy: fast,
      },
    );
    const warnings = output.filter((event) => event.type === "warning").map((event) => event.message);
    expect(warnings).toEqual([
      `Notification "plan" to --notify #2 (${hook.url}/…) failed after 1 attempt(s): HTTP 404. The roll-out is not affected.`,
    ]);
    expect(warnings.join()).not.toContain("B1");
  });

  it("a URL given to the library bare is named by its place in the list", async () => {
    const hook = await server(() => ({ status: 404 }));
    const output: StampedEvent[] = [];
    const sink = reportingSink(
      (event) => output.push(event),
      [webhookReporter([new URL(`${hook.url}/a`), new URL(`${hook.url}/b`)], { policy: fast })],
    );
    sink.emit(stamp(promoted[0] as RolloutEvent));
    await sink.close();
    expect(output.filter((event) => event.type === "warning").map((event) => event.message)).toEqual([
      expect.stringContaining(`to URL #1 (${hook.url}/…)`),
      expect.stringContaining(`to URL #2 (${hook.url}/…)`),
    ]);
  });

  it("gives a URL up after two failed deliveries, and keeps serving the others", async () => {
    const good = await server();
    const gone = await startRecorder();
    await gone.stop();
    const closed = gone.url.replace("http://", "");
    const { output } = await run(promoted, [`${gone.url}/closed`, `${good.url}/ok`], {
      policy: { ...fast, attempts: 1 },
    });
    expect(good.requests).toHaveLength(4);
    const warnings = output.filter((event) => event.type === "warning").map((event) => event.message);
    expect(warnings).toEqual([
      `Notification "plan" to --notify #1 (http://${closed}/…) failed after 1 attempt(s): network error (ECONNREFUSED). The roll-out is not affected.`,
      expect.stringContaining('Notification "shift"'),
      `No more notifications go to --notify #1 (http://${closed}/…) in this run (2 failed in a row).`,
    ]);
  });

  it("emitting never waits for the network", async () => {
    const hook = await server(() => "hang");
    const sink = reportingSink(() => {}, [webhookReporter([new URL(hook.url)], { policy: fast })], {
      flushMs: 100,
    });
    const started = Date.now();
    for (const event of promoted.slice(0, 5)) sink.emit(stamp(event));
    expect(Date.now() - started).toBeLessThan(50);
    await sink.close();
  });
});

describe("what a notification never carries", () => {
  const marker = "SMOKE-RESPONSE-7f3a";
  const leaky: RolloutEvent[] = [
    { type: "plan", function: "orders", alias: "live", plan, dryRun: false },
    {
      type: "gate",
      phase: "bake",
      weight: 50,
      verdict: { gate: "smoke", status: "fail", detail: `smoke #1: function error (Unhandled): ${marker}` },
    },
    { type: "info", message: `hook output ${marker}` },
    {
      type: "rollback",
      reason: `Health gate "hook: curl -H "Authorization: Bearer tok-${marker}" x" failed at 50% (bake): exit 1: ${marker}`,
      routing: { version: "1" },
    },
    {
      type: "result",
      outcome: "rolled_back",
      function: "orders",
      alias: "live",
      fromVersion: "1",
      toVersion: "2",
      reason: `Health gate "smoke" failed at 0% (pre-traffic): smoke #1: function error (Unhandled): ${marker}\nmore ${marker}`,
      hint: null,
      exitCode: 1,
    },
  ];

  it("no smoke response, hook output or hook command line; the gate, weight and phase stay", async () => {
    const hook = await server();
    await run(leaky, [`${hook.url}/h`], { policy: fast });
    expect(hook.requests.map((r) => (r.json as { event: string }).event)).toEqual([
      "plan",
      "rollback",
      "result",
    ]);
    for (const request of hook.requests) expect(request.body).not.toContain(marker);
    expect(hook.requests[1]?.json).toMatchObject({
      reason: `Health gate "hook" failed at 50% (bake) (details in the deploy's log)`,
      version: "1",
    });
    expect(hook.requests[2]?.json).toMatchObject({
      text: `↩️ orders:live: rolled back to v1: Health gate "smoke" failed at 0% (pre-traffic) (details in the deploy's log)`,
    });
  });

  it("credentials handed in as secrets are replaced wherever they would appear, and so is the URL itself", async () => {
    const hook = await server();
    const key = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";
    const url = `${hook.url}/services/T1/B2/abcdefgh`;
    await run(
      [
        leaky[0] as RolloutEvent,
        {
          type: "result",
          outcome: "failed",
          function: "orders",
          alias: "live",
          fromVersion: "1",
          toVersion: null,
          reason: `AccessDenied for ${key} posting to ${url}`,
          hint: null,
          exitCode: 4,
        },
      ],
      [url],
      { policy: fast, secrets: [key] },
    );
    expect(hook.requests[1]?.body).not.toContain(key);
    expect(hook.requests[1]?.body).not.toContain("abcdefgh");
    expect(hook.requests[1]?.json).toMatchObject({ reason: "AccessDenied for *** posting to ***" });
  });

  it("an awaiting_approval event notifies with its own scalar fields, minus anything payload-like", async () => {
    const hook = await server();
    const approval = {
      type: "awaiting_approval",
      function: "orders",
      alias: "live",
      version: "2",
      timeoutMs: 3_600_000,
      command: "lambda-rollout approve --function orders --alias live",
      payload: marker,
      environment: { SECRET: marker },
    } as unknown as RolloutEvent;
    await run([leaky[0] as RolloutEvent, approval], [`${hook.url}/h`], { policy: fast });
    expect(hook.requests[1]?.json).toEqual({
      event: "awaiting_approval",
      text: "⏸️ orders:live: waiting for approval before 100%; to continue: lambda-rollout approve --function orders --alias live",
      function: "orders",
      alias: "live",
      version: "2",
      timeoutMs: 3_600_000,
      at: "2023-11-14T22:13:20.000Z",
    });
  });
});
