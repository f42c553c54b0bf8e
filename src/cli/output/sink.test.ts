import { describe, expect, test } from "vitest";
import type { StampedEvent } from "../../rollout/events.js";
import type { CliIo, OutputStream } from "../io.js";
import { createSink } from "./sink.js";

const AT = Date.parse("2026-01-02T03:04:05.000Z");
const shift: StampedEvent = {
  type: "shift",
  fromVersion: "1",
  toVersion: "2",
  weight: 10,
  step: 1,
  steps: 2,
  at: AT,
};
const result: StampedEvent = {
  type: "result",
  outcome: "promoted",
  function: "fn",
  alias: "live",
  fromVersion: "1",
  toVersion: "2",
  reason: null,
  hint: null,
  exitCode: 0,
  at: AT,
};

function recording(extra: Partial<OutputStream> = {}) {
  const chunks: string[] = [];
  return { chunks, stream: { write: (text: string) => chunks.push(text), ...extra } };
}
const broken: OutputStream = {
  write: () => {
    throw new Error("EPIPE");
  },
};
const io = (stdout: OutputStream, stderr: OutputStream, env: NodeJS.ProcessEnv = {}): CliIo => ({
  stdout,
  stderr,
  env,
  cwd: "/",
});

describe("createSink", () => {
  test("progress goes to stderr as plain lines; NDJSON to stdout only with --json", () => {
    const out = recording();
    const err = recording();
    const plain = createSink(io(out.stream, err.stream), false);
    plain.emit(shift);
    expect(out.chunks).toEqual([]);
    expect(err.chunks.join("")).toContain("step 1/2: 10% of traffic on v2");

    const json = createSink(io(out.stream, err.stream), true);
    json.emit(result);
    expect(JSON.parse(out.chunks.join(""))).toMatchObject({ type: "result", outcome: "promoted" });
  });

  test("a failing progress renderer neither throws nor silences the NDJSON result line", () => {
    const out = recording();
    const sink = createSink(io(out.stream, broken), true);
    expect(() => {
      sink.emit(shift);
      sink.emit(result);
      sink.close();
    }).not.toThrow();
    expect(out.chunks.map((line) => JSON.parse(line).type)).toEqual(["shift", "result"]);
  });

  test("a failing stdout neither throws nor silences the progress on stderr", () => {
    const err = recording();
    const sink = createSink(io(broken, err.stream), true);
    expect(() => sink.emit(result)).not.toThrow();
    expect(err.chunks.join("")).toContain("result: promoted");
  });

  test("a terminal gets the live view, unless CI is set; a broken terminal is survived too", () => {
    const tty = recording({ isTTY: true });
    createSink(io(recording().stream, tty.stream), false).emit(shift);
    expect(tty.chunks.join("")).toContain("\x1b[1mstep 1/2 · weight 10%");

    const ci = recording({ isTTY: true });
    createSink(io(recording().stream, ci.stream, { CI: "true" }), false).emit(shift);
    expect(ci.chunks.join("")).not.toContain("\x1b[");

    const live = createSink(io(recording().stream, { ...broken, isTTY: true }), false);
    expect(() => {
      live.emit(shift);
      live.close();
    }).not.toThrow();
  });
});
