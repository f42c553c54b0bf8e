import { describe, expect, test } from "vitest";
import type { StampedEvent } from "../../rollout/events.js";
import { describeEvent, ndjsonRenderer, plainRenderer, ttyRenderer } from "./render.js";

const AT = Date.parse("2026-01-02T03:04:05.000Z");
const sink = () => {
  const chunks: string[] = [];
  return { chunks, out: { write: (text: string) => chunks.push(text) } };
};
const result: StampedEvent = {
  type: "result",
  outcome: "rolled_back",
  function: "fn",
  alias: "live",
  fromVersion: "1",
  toVersion: "2",
  reason: 'Health gate "alarms" failed at 10% (bake): in ALARM: fn-errors',
  hint: null,
  exitCode: 1,
  at: AT,
};

describe("describeEvent", () => {
  test.each<[StampedEvent, string | undefined]>([
    [
      { type: "shift", fromVersion: "1", toVersion: "2", weight: 10, step: 1, steps: 3, at: AT },
      "step 1/3: 10% of traffic on v2 (v1 keeps 90%)",
    ],
    [
      { type: "artifact", bucket: "b", key: "k.zip", sha256: "ab", uploaded: false, bytes: 3, at: AT },
      "package already in s3://b/k.zip; upload skipped",
    ],
    [
      {
        type: "gate",
        phase: "bake",
        weight: 10,
        verdict: { gate: "alarms", status: "fail", detail: "in ALARM: x" },
        at: AT,
      },
      "gate alarms [bake, 10%]: fail — in ALARM: x",
    ],
    [{ type: "bake", weight: 10, step: 1, remainingMs: 5000, totalMs: 60000, at: AT }, undefined],
    [
      {
        type: "activating",
        version: "8",
        state: "Pending",
        capacityProvider: "arn:aws:lambda:us-east-1:123456789012:capacity-provider:fleet",
        waitedMs: 150_000,
        timeoutMs: 20 * 60_000,
        at: AT,
      },
      "v8 is Pending: execution environments starting on arn:aws:lambda:us-east-1:123456789012:capacity-provider:fleet (2:30 of up to 20:00)",
    ],
    [
      result,
      'result: rolled_back (fn:live v1 → v2)\nHealth gate "alarms" failed at 10% (bake): in ALARM: fn-errors',
    ],
    [
      {
        ...result,
        function: "",
        alias: "",
        fromVersion: null,
        toVersion: null,
        reason: "No function to deploy.",
      },
      "result: rolled_back\nNo function to deploy.",
    ],
    // Bad input before the alias is known: the function alone, not `hello:`.
    [
      { ...result, outcome: "failed", function: "hello", alias: "", fromVersion: null, toVersion: null },
      `result: failed (hello)\n${result.reason}`,
    ],
    // A dry run keeps the outcome noop (the contract) and says it was a dry run.
    [
      {
        ...result,
        outcome: "noop",
        toVersion: null,
        reason: "dry run: nothing was changed",
        exitCode: 0,
        dryRun: true,
      },
      "result: noop (fn:live) — dry run: nothing was changed",
    ],
    [
      { ...result, outcome: "promoted", fromVersion: "$LATEST", toVersion: "2", reason: null, exitCode: 0 },
      "result: promoted (fn:live $LATEST → v2)",
    ],
  ])("%#", (event, text) => expect(describeEvent(event)).toBe(text));
});

test("plain lines carry an ISO timestamp on every line", () => {
  const { chunks, out } = sink();
  plainRenderer(out)(result);
  expect(chunks).toEqual([
    "2026-01-02T03:04:05.000Z result: rolled_back (fn:live v1 → v2)\n",
    '2026-01-02T03:04:05.000Z Health gate "alarms" failed at 10% (bake): in ALARM: fn-errors\n',
  ]);
});

test("NDJSON is one parseable object per line, bake ticks included", () => {
  const { chunks, out } = sink();
  const render = ndjsonRenderer(out);
  render({ type: "bake", weight: 10, step: 1, remainingMs: 5000, totalMs: 60000, at: AT });
  render(result);
  expect(chunks.map((line) => JSON.parse(line).type)).toEqual(["bake", "result"]);
  expect(chunks.every((line) => line.endsWith("}\n"))).toBe(true);
});

test("the live view redraws one status line with weight, countdown and gate states", () => {
  const { chunks, out } = sink();
  let now = AT;
  const view = ttyRenderer(out, () => now);
  view.render({ type: "shift", fromVersion: "1", toVersion: "2", weight: 10, step: 1, steps: 2, at: AT });
  view.render({
    type: "gate",
    phase: "bake",
    weight: 10,
    verdict: { gate: "alarms", status: "pass", detail: "ok" },
    at: AT,
  });
  view.render({ type: "bake", weight: 10, step: 1, remainingMs: 90_000, totalMs: 120_000, at: AT });
  now = AT + 30_000;
  view.render({ type: "bake", weight: 10, step: 1, remainingMs: 60_000, totalMs: 120_000, at: now });
  const screen = chunks.join("");
  expect(screen).toContain("step 1/2 · weight 10% · bake 1:00 left · alarms ok");
  expect(screen).toContain("step 1/2: 10% of traffic on v2");
  // a passing check during the bake updates the status line only
  expect(screen).not.toContain("gate alarms [bake");
  view.render(result);
  view.close();
});

test("NDJSON cannot carry a legacy ##[ workflow command, and parses to the exact text", () => {
  const out = { text: "", write: (chunk: string) => (out.text += chunk) };
  const message = "smoke said ##[set-output name=x;]y";
  ndjsonRenderer(out)({ type: "info", message, at: 0 });
  expect(out.text).not.toContain("##[");
  expect(JSON.parse(out.text).message).toBe(message);
});

describe("a deploy awaiting manual approval", () => {
  const waiting: StampedEvent = {
    type: "awaiting_approval",
    function: "fn",
    alias: "live",
    fromVersion: "1",
    toVersion: "2",
    weight: 10,
    until: "2026-01-02T04:04:05.000Z",
    timeoutMs: 3_600_000,
    approveCommand: "lambda-rollout approve --function fn --alias live",
    rollbackCommand: "lambda-rollout rollback --function fn --alias live",
    at: AT,
  };

  test("plain output gives the exact approve and rollback commands", () => {
    const { chunks, out } = sink();
    plainRenderer(out)(waiting);
    expect(chunks).toEqual([
      "2026-01-02T03:04:05.000Z awaiting manual approval at 10% on v2, until 2026-01-02T04:04:05.000Z (then it rolls back)\n",
      "2026-01-02T03:04:05.000Z   approve: lambda-rollout approve --function fn --alias live\n",
      "2026-01-02T03:04:05.000Z   stop:    lambda-rollout rollback --function fn --alias live\n",
    ]);
  });

  test("the live view counts down the wait, keeps the command on screen, and quiets passing polls", () => {
    const { chunks, out } = sink();
    let now = AT;
    const view = ttyRenderer(out, () => now);
    view.render({ type: "shift", fromVersion: "1", toVersion: "2", weight: 10, step: 1, steps: 2, at: AT });
    view.render(waiting);
    now = AT + 60_000;
    view.render({
      type: "gate",
      phase: "awaiting-approval",
      weight: 10,
      verdict: { gate: "alarms", status: "pass", detail: "ok" },
      at: now,
    });
    const screen = chunks.join("");
    expect(screen).toContain("approve: lambda-rollout approve --function fn --alias live");
    expect(screen).toContain("step 1/2 · weight 10% · awaiting approval, 59:00 left · alarms ok");
    expect(screen).not.toContain("gate alarms [awaiting-approval");
    view.render({ type: "approved", version: "2", approvedAt: "2026-01-02T03:05:05.000Z", at: now });
    expect(chunks.join("")).toContain("approval seen; promoting v2");
    view.close();
  });
});
