import { describe, expect, test } from "vitest";
import { FakeClock } from "../../test/support/fakes.js";
import type { Clock } from "../ports.js";
import { ResponseLog } from "./response-log.js";

/** Time stands still: a wait ends only when it is aborted. */
const stopped: Clock = {
  now: () => 0,
  sleep: (_ms, signal) =>
    new Promise((resolve) => signal?.addEventListener("abort", () => resolve(), { once: true })),
};

const sample = (version: string, status: number, at = 0) => ({ at, status, version, latencyMs: 1 });

describe("response log", () => {
  test("counts answers and errors (5xx or none) per version since a time", () => {
    const log = new ResponseLog();
    log.record(sample("1", 200, 10));
    log.record(sample("1", 502, 20));
    log.record(sample("2", 0, 30));
    log.record(sample("2", 404, 40));
    expect(log.counts()).toEqual({ "1": { ok: 1, errors: 1 }, "2": { ok: 1, errors: 1 } });
    expect(log.counts(25)).toEqual({ "2": { ok: 1, errors: 1 } });
  });

  test("a wait for more responses ends when they have arrived, not before", async () => {
    const log = new ResponseLog();
    log.record(sample("1", 200));
    let done = false;
    const waiting = log.waitForMore(2, { clock: stopped, timeoutMs: 1000 }).then((reached) => {
      done = true;
      return reached;
    });
    log.record(sample("1", 200));
    await Promise.resolve();
    expect(done).toBe(false);
    log.record(sample("1", 500));
    expect(await waiting).toBe(true);
  });

  test("a wait gives up after its timeout on the clock", async () => {
    const clock = new FakeClock();
    const log = new ResponseLog();
    expect(await log.waitForMore(5, { clock, timeoutMs: 10_000 })).toBe(false);
    expect(clock.sleeps).toEqual([10_000]);
  });
});
