import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, test } from "vitest";
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
    const started = Date.now();
    const report = await runLoad({
      url,
      ratePerSecond: 50,
      count: 10,
      onResponse: (s) => samples.push(s.status),
    });
    expect(report.sent).toBe(10);
    expect(Date.now() - started).toBeGreaterThanOrEqual(170);
    expect(report.byVersion).toEqual({ "1": { "200": 5 }, "2": { "502": 5 } });
    expect(summarize(report)).toEqual({
      "1": { total: 5, errors: 0, throttled: 0 },
      "2": { total: 5, errors: 5, throttled: 0 },
    });
    expect(samples).toHaveLength(10);
  });

  test("stops at the duration", async () => {
    const url = await server();
    const report = await runLoad({ url, ratePerSecond: 20, durationMs: 300 });
    expect(report.sent).toBeLessThanOrEqual(6);
    expect(report.durationMs).toBeLessThan(1000);
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
