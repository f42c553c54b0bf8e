import { describe, expect, test } from "vitest";
import type { StampedEvent } from "../rollout/events.js";
import { type ActionHost, annotate } from "./run.js";

function recordingHost() {
  const made: { level: string; title: string | undefined; message: string }[] = [];
  const host: ActionHost = {
    readInput: () => "",
    info: () => {},
    notice: (message, title) => made.push({ level: "notice", title, message }),
    warning: (message, title) => made.push({ level: "warning", title, message }),
    error: (message, title) => made.push({ level: "error", title, message }),
    setOutput: () => {},
    writeSummary: async () => {},
  };
  return { host, made };
}

const failedGate: StampedEvent = {
  type: "gate",
  phase: "bake",
  weight: 50,
  verdict: { gate: "alarms", status: "fail", detail: "in ALARM: errors" },
  at: 0,
};
const warning: StampedEvent = { type: "warning", message: "restore retried: throttled", at: 0 };

describe("annotations", () => {
  test("in a release, the title says which function in which region, with the log's prefix", () => {
    const { host, made } = recordingHost();
    annotate(host, { ...failedGate, function: "orders", region: "us-east-1" });
    annotate(host, { ...warning, function: "orders", region: "us-east-1" });
    expect(made).toEqual([
      {
        level: "error",
        title: '[orders us-east-1] Health gate "alarms" failed at 50% (bake)',
        message: "in ALARM: errors",
      },
      { level: "warning", title: "[orders us-east-1] lambda-rollout", message: "restore retried: throttled" },
    ]);
  });

  test("a single-function deploy's titles are unchanged", () => {
    const { host, made } = recordingHost();
    annotate(host, failedGate);
    annotate(host, warning);
    expect(made.map((annotation) => annotation.title)).toEqual([
      'Health gate "alarms" failed at 50% (bake)',
      "lambda-rollout",
    ]);
  });
});
