import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, test } from "vitest";
import { FakeClock } from "../../test/support/fakes.js";
import type { Clock } from "../ports.js";
import { assertLoopback, runLoad, summarize } from "./load.js";

let close: (() => Promise<void>) | undefined;
afterEach(async () => {
  await close?.();
  close = undefined;
});

async function server(): Promise<string> {
  let n = 0;
  const s = createServer((_req, res) => {
    n += 1;
    const version = n % 2 === 0 ? "2" : "1";
    res.writeHead(version === "2" ? 502 : 200, { "x-executed-version": version });
    res.end("x");
  });
  await new Promise<void>((resolve) => s.listen(0, "127.0.0.1", resolve));
  close = () => new Promise((resolve) => s.close(() => resolve()));
  return `http://127.0.0.1:${(s.address() as AddressInfo).port}/`;
}

describe("synthetic load", () => {
  test("sends the requested count at the requested rate and tallies statuses per version", async () => {
    const url = await server();
    const samples: number[] = [];
    const clock = new FakeClock();
    const report = await runLoad({
      url,
      ratePerSecond: 50,
      count: 10,
      clock,
      onResponse: (s) => samples.push(s.status),
    });
    expect(report.sent).toBe(10);
    // The first request at once, then one every 20 ms: the tenth is due 180 ms after the start.
    expect(clock.sleeps).toEqual(Array(9).fill(20));
    expect(report.durationMs).toBe(180);
    expect(report.byVersion).toEqual({ "1": { "200": 5 }, "2": { "502": 5 } });
    expect(summarize(report)).toEqual({
      "1": { total: 5, errors: 0, throttled: 0 },
      "2": { total: 5, errors: 5, throttled: 0 },
    });
    expect(samples).toHaveLength(10);
  });

  test("sends at most the duration's worth of requests", async () => {
    const url = await server();
    const clock = new FakeClock();
    const report = await runLoad({ url, ratePerSecond: 20, durationMs: 300, clock });
    expect(report.sent).toBe(6);
    expect(report.durationMs).toBe(250);
  });

  test("stops at the duration when timers fire late, instead of catching up", async () => {
    const url = await server();
    /** A busy machine: the timer fires 300 ms late. */
    class LateClock extends FakeClock {
      override async sleep(ms: number): Promise<void> {
        await super.sleep(ms + 300);
      }
    }
    const clock = new LateClock();
    const report = await runLoad({ url, ratePerSecond: 20, durationMs: 300, clock });
    // The first request at 0 ms, the second after the late wait at 350 ms; then the time is up.
    expect(report.sent).toBe(2);
    expect(report.durationMs).toBe(350);
  });

  test("an abort ends the wait for the next request", async () => {
    const url = await server();
    const abort = new AbortController();
    /** Time stands still: a wait ends only when the run is aborted. */
    const stopped: Clock = {
      now: () => 0,
      sleep: (_ms, signal) =>
        new Promise((resolve) => signal?.addEventListener("abort", () => resolve(), { once: true })),
    };
    const report = await runLoad({
      url,
      ratePerSecond: 20,
      count: 100,
      signal: abort.signal,
      clock: stopped,
      onResponse: () => abort.abort(),
    });
    expect(report.sent).toBe(1);
  });

  test("refuses other hosts, unbounded runs and absurd rates", async () => {
    expect(() => assertLoopback("http://example.com/")).toThrow(/loopback/);
    expect(() => assertLoopback("http://10.0.0.1/")).toThrow(/loopback/);
    expect(assertLoopback("http://localhost:1/").hostname).toBe("localhost");
    await expect(runLoad({ url: "http://127.0.0.1:1/", ratePerSecond: 5 })).rejects.toThrow(/unbounded/);
    await expect(runLoad({ url: "http://127.0.0.1:1/", ratePerSecond: 5000, count: 1 })).rejects.toThrow(
      /ratePerSecond/,
    );
  });
});
