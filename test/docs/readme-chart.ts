/**
 * The picture at the top of the README: the job summary's chart of a roll-out, rendered by the Action's
 * own code from this event sequence (a canary stepped up to 50%, then its error rate rose and it was
 * rolled back), so the picture is what users get. readme.test.ts checks the README shows exactly this.
 */

import { weightChart } from "../../src/action/summary.js";
import { buildTimeline } from "../../src/action/timeline.js";
import type { StampedEvent } from "../../src/rollout/events.js";

const START = Date.parse("2026-11-27T08:00:00Z");
const at = (minutes: number) => START + minutes * 60_000;

function metrics(minutes: number, weight: number, rate: number, status: "pass" | "fail"): StampedEvent {
  return {
    type: "gate",
    phase: "bake",
    weight,
    verdict: {
      gate: "metrics",
      status,
      detail: `error rate ${(rate * 100).toFixed(1)}%`,
      data: { newErrorRate: rate },
    },
    at: at(minutes),
  };
}

const target = { function: "orders", alias: "live" };
export const CHART_EVENTS: StampedEvent[] = [
  { type: "shift", fromVersion: "41", toVersion: "42", weight: 10, step: 1, steps: 3, at: at(0) },
  metrics(1, 10, 0.004, "pass"),
  metrics(3, 10, 0.005, "pass"),
  { type: "shift", fromVersion: "41", toVersion: "42", weight: 50, step: 2, steps: 3, at: at(5) },
  metrics(6, 50, 0.006, "pass"),
  metrics(7, 50, 0.12, "fail"),
  {
    type: "rollback",
    routing: { version: "41" },
    reason: 'Health gate "metrics" failed at 50% (bake)',
    at: at(7),
  },
  {
    type: "result",
    outcome: "rolled_back",
    ...target,
    fromVersion: "41",
    toVersion: "42",
    reason: 'Health gate "metrics" failed at 50% (bake)',
    hint: null,
    exitCode: 1,
    at: at(7.2),
  },
];

/** The fenced Mermaid block, as the job summary writes it. */
export function readmeChart(): string {
  return weightChart(buildTimeline(CHART_EVENTS)).join("\n");
}
