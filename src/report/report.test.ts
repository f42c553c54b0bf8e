import { describe, expect, it } from "vitest";
import {
  promotedRecord,
  releaseRecord,
  rolledBackRecord,
  versionMetrics,
} from "../../test/support/report-records.js";
import { healthWindow, laneHealth } from "./health.js";
import { reportHtml } from "./html.js";
import { reportModel } from "./model.js";
import { COLORS, contrast, TEXT_PAIRS } from "./palette.js";

const minutes = (model: { start: number }, at: number) => (at - model.start) / 60_000;

describe("the report's model of a record", () => {
  it("a promoted canary: the weight steps 0 → 10 → 50 → 100, every kept verdict a numbered mark", async () => {
    const model = reportModel(await promotedRecord(), 0);
    expect(model.waves).toHaveLength(1);
    const [lane] = model.waves[0]?.lanes ?? [];
    expect(lane?.weights.map((p) => [minutes(model, p.at), p.weight])).toEqual([
      [0, 0],
      [0, 10],
      [5, 50],
      [10, 100],
    ]);
    expect(model.marks.map((m) => m.n)).toEqual(model.marks.map((_, i) => i + 1));
    expect(new Set(model.marks.map((m) => m.status))).toEqual(new Set(["pass", "inconclusive"]));
    expect(lane?.events.map((e) => e.kind)).toEqual(["promoted"]);
    expect(minutes(model, model.end)).toBe(15);
  });

  it("rolled back by an alarm: back to 0% at the rollback, the failing verdict with its values", async () => {
    const model = reportModel(await rolledBackRecord(), 0);
    const [lane] = model.waves[0]?.lanes ?? [];
    expect(lane?.weights.at(-1)?.weight).toBe(0);
    const failed = model.marks.filter((m) => m.status === "fail");
    expect(failed).toEqual([
      expect.objectContaining({
        gate: "alarms",
        weight: 50,
        detail: expect.stringContaining("in ALARM: checkout-5xx"),
      }),
    ]);
    expect(lane?.events).toEqual([
      expect.objectContaining({ kind: "rollback", label: "rolled back to v41", at: failed[0]?.at }),
    ]);
    expect(lane?.state).toBe("rolled_back");
  });

  it("a release: one lane per function in its wave; an operator's promotion moves wave 1 to 100% when they acted", async () => {
    const model = reportModel(await releaseRecord(), 0);
    expect(model.waves.map((w) => [w.wave, w.lanes.map((l) => `${l.function}@${l.region}`)])).toEqual([
      [1, ["orders-api@eu-west-1", "orders-worker@eu-west-1"]],
      [2, ["orders-api@us-east-1"]],
    ]);
    const [operator] = model.operators;
    expect(operator).toMatchObject({ action: "promote", by: "alice@alice-laptop" });
    for (const lane of model.waves[0]?.lanes ?? []) {
      expect(lane.weights.at(-1)).toEqual({ at: operator?.at, weight: 100 });
      expect(lane.events.at(-1)?.label).toBe("v2 promoted by alice@alice-laptop");
    }
    const wave2 = model.waves[1]?.lanes[0];
    expect(wave2?.weights.map((p) => p.weight)).toEqual([0, 10, 50, 100]);
    expect(model.waves[1]?.startedAt).toBeGreaterThan(operator?.at ?? Number.POSITIVE_INFINITY);
  });
});

/** v42 with 3 % errors and p99 420 ms, v41 clean and fast. */
const metricsByVersion = (options: { percentiles: boolean }) =>
  versionMetrics(
    {
      "42": { Invocations: 400, Errors: 12, Duration: 420 },
      "41": { Invocations: 3600, Errors: 4, Duration: 190 },
    },
    options,
  );

describe("each version's health from CloudWatch", () => {
  it("error rate and p99 per version, through the alias, over the roll-out's whole minutes", async () => {
    const model = reportModel(await rolledBackRecord(), 0);
    const lane = model.waves[0]?.lanes[0];
    if (!lane) throw new Error("no lane");
    const metrics = metricsByVersion({ percentiles: true });
    const health = await laneHealth(lane, metrics, healthWindow(model));
    expect(health).toEqual({
      versions: [
        {
          version: "41",
          role: "stable",
          invocations: 3600,
          errors: 4,
          errorRate: (4 / 3600) * 100,
          p99Ms: 190,
        },
        { version: "42", role: "new", invocations: 400, errors: 12, errorRate: 3, p99Ms: 420 },
      ],
      notes: [],
    });
    for (const query of metrics.calls.flat())
      expect(query.dimensions).toMatchObject({ FunctionName: "checkout", Resource: "checkout:live" });
    const window = healthWindow(model);
    expect(window.start.getTime() % 60_000).toBe(0);
    expect(window.start.getTime()).toBeLessThanOrEqual(model.start);
    expect(window.end.getTime()).toBeGreaterThanOrEqual(model.end);
  });

  it("where percentiles cannot be read (moto has none), the error rate stays and the p99 says why", async () => {
    const model = reportModel(await rolledBackRecord(), 0);
    const lane = model.waves[0]?.lanes[0];
    if (!lane) throw new Error("no lane");
    const health = await laneHealth(lane, metricsByVersion({ percentiles: false }), healthWindow(model));
    expect(health.versions.map((v) => [v.version, v.errorRate, v.p99Ms])).toEqual([
      ["41", (4 / 3600) * 100, undefined],
      ["42", 3, undefined],
    ]);
    expect(health.notes).toEqual([
      "p99 duration: not available (CloudWatch answered HTTP 500 for GetMetricData)",
    ]);
    const page = reportHtml(model, { generatedAt: 0, health: new Map([[lane.key, health]]) });
    expect(page).toContain("p99 duration: not available (CloudWatch answered HTTP 500 for GetMetricData)");
    expect(page).toContain('<td class="num">3.00%</td><td class="num">—</td>');
  });
});

describe("the page", () => {
  it("is self-contained: no script, nothing fetched (a CSP forbids it), outside text escaped", async () => {
    const record = await rolledBackRecord();
    const hostile = '<script>alert(1)</script><img src="https://evil.example/x.png">';
    record.outcome = { outcome: "rolled_back", exitCode: 1, reason: hostile, hint: null };
    record.timeline.push({ at: record.endedAt ?? record.startedAt, type: "warning", message: hostile });
    const page = reportHtml(reportModel(record, 0), { generatedAt: 0 });
    expect(page).toContain(
      `<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">`,
    );
    expect(page).not.toMatch(/<script|<img|<link|<iframe|@import|url\(/i);
    expect(page).toContain("&lt;script&gt;alert(1)&lt;/script&gt;");
    // The only address in an attribute is the workflow run's link: one the reader may follow, not a fetch.
    expect(
      [...page.matchAll(/\b(?:href|src|srcset|xlink:href|data|action)="([^"]*)"/g)].map((m) => m[1]),
    ).toEqual(["https://github.com/acme/shop/actions/runs/4242"]);
  });

  it("draws each lane, each mark with its values in a tooltip, the rollback and the operator", async () => {
    const release = reportHtml(reportModel(await releaseRecord(), 0), { generatedAt: 0 });
    expect(release.match(/<g class="lane" data-lane=/g)).toHaveLength(3);
    expect(release.match(/<g class="wave" data-wave="\d"/g)).toHaveLength(2);
    expect(release).toContain('data-event="operator"');
    const rolledBack = reportHtml(reportModel(await rolledBackRecord(), 0), {
      generatedAt: 0,
      health: undefined,
    });
    expect(rolledBack).toContain('data-event="rollback"');
    expect(rolledBack).toMatch(
      /<g class="mark" data-mark="fail" data-marks="1"><title>#3 \+8:00 alarms: fail at 50% \(bake\) — in ALARM: checkout-5xx/,
    );
  });

  it("every text colour holds WCAG AA (4.5:1) against the background it is drawn on", () => {
    for (const pair of TEXT_PAIRS)
      expect(contrast(COLORS[pair.fg], COLORS[pair.bg]), pair.what).toBeGreaterThanOrEqual(4.5);
    // The check itself: black on white is 21:1, a pale grey on white fails.
    expect(contrast("#000000", "#ffffff")).toBeCloseTo(21, 5);
    expect(contrast("#aaaaaa", "#ffffff")).toBeLessThan(4.5);
  });

  it("with metrics, the health table names each version", async () => {
    const model = reportModel(await promotedRecord(), 0);
    const lane = model.waves[0]?.lanes[0];
    if (!lane) throw new Error("no lane");
    const health = await laneHealth(lane, metricsByVersion({ percentiles: true }), healthWindow(model));
    const page = reportHtml(model, { generatedAt: 0, health: new Map([[lane.key, health]]) });
    expect(page).toContain('<tr data-health="stable"><td>v41 <span class="muted">stable</span></td>');
    expect(page).toContain('<tr data-health="new"><td>v42 <span class="muted">new</span></td>');
  });
});
