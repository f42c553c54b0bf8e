import { expect, it } from "vitest";
import type { StampedEvent } from "../../rollout/events.js";
import { plainRenderer, ttyRenderer } from "./render.js";

const AT = Date.parse("2026-01-02T03:04:05.000Z");
const about = (fn: string, region: string) => ({ function: fn, region, at: AT });
const events: StampedEvent[] = [
  { type: "wave", wave: 1, waves: 2, regions: ["eu-west-1"], functions: ["a", "b"], at: AT },
  {
    type: "shift",
    fromVersion: "1",
    toVersion: "2",
    weight: 10,
    step: 1,
    steps: 2,
    ...about("a", "eu-west-1"),
  },
  {
    type: "shift",
    fromVersion: "4",
    toVersion: "5",
    weight: 10,
    step: 1,
    steps: 2,
    ...about("b", "eu-west-1"),
  },
  {
    type: "gate",
    phase: "bake",
    weight: 10,
    verdict: { gate: "alarms", status: "pass", detail: "ok" },
    ...about("b", "eu-west-1"),
  },
];

it("plain lines of a release say which function and region they are about", () => {
  const chunks: string[] = [];
  const render = plainRenderer({ write: (text: string) => chunks.push(text) });
  for (const event of events) render(event);
  expect(chunks).toEqual([
    "2026-01-02T03:04:05.000Z wave 1/2 (eu-west-1): a, b\n",
    "2026-01-02T03:04:05.000Z [a eu-west-1] step 1/2: 10% of traffic on v2 (v1 keeps 90%)\n",
    "2026-01-02T03:04:05.000Z [b eu-west-1] step 1/2: 10% of traffic on v5 (v4 keeps 90%)\n",
    "2026-01-02T03:04:05.000Z [b eu-west-1] gate alarms [bake, 10%]: ok — ok\n",
  ]);
});

it("the live view of a release has one row per function: wave, weight, last gate", () => {
  const chunks: string[] = [];
  const view = ttyRenderer({ write: (text: string) => chunks.push(text) }, () => AT);
  for (const event of events) view.render(event);
  const last = chunks.at(-1) ?? "";
  expect(last).toContain("a [eu-west-1]  wave 1   10%  —");
  expect(last).toContain("b [eu-west-1]  wave 1   10%  alarms ok");
  view.close();
});
