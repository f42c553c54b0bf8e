/**
 * The report in a real browser: headless Chromium (Debian's `chromium`) opens the page of three
 * roll-outs the engine recorded (promoted; rolled back by an alarm; a release of three functions in two
 * waves) and the test reads what it rendered: the timeline's SVG laid out and visible, a lane per
 * function, the marks and events, no console error (a CSP violation would be one), nothing fetched,
 * and the text contrast of what is on screen. One browser for the three pages.
 *
 * Screenshots: LAMBDA_ROLLOUT_SCREENSHOTS=1 writes them to docs/img/ (the README's pictures); otherwise
 * to a temporary directory.
 */
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { renderReport } from "../../src/report/index.js";
import type { RolloutRecord } from "../../src/rollout/ledger/record.js";
import { type Browser, CHROMIUM_MISSING, chromiumPath, launchChromium } from "../support/chromium.js";
import {
  promotedRecord,
  releaseRecord,
  rolledBackRecord,
  type VersionNumbers,
  versionMetrics,
} from "../support/report-records.js";

const DOCS_IMG = join(import.meta.dirname, "../../docs/img");
const WIDTH = 1100;

let browser: Browser;
let dir: string;

beforeAll(async () => {
  const binary = chromiumPath();
  if (!binary) throw new Error(CHROMIUM_MISSING);
  browser = await launchChromium(binary);
  dir = await mkdtemp(join(tmpdir(), "lr-report-browser-"));
}, 30_000);

afterAll(async () => {
  await browser?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

interface Rendered {
  svg: { width: number; height: number; display: string; visibility: string; opacity: string } | null;
  lanes: { lane: string; height: number; marks: string[]; events: string[]; traffic: number }[];
  waves: string[];
  operators: number;
  verdicts: string[];
  health: string[];
  timelineBottom: number;
  /** Text drawn with too little contrast: what, its colour, its background, the ratio. */
  lowContrast: string[];
}

/**
 * Read from the rendered page. Contrast is measured on what the browser computed: each HTML element's
 * own text against the first opaque background behind it; SVG text against the fill it is drawn on
 * (a weight label against both traffic areas, other text against its wave's band or the card).
 */
const READ_PAGE = `(() => {
  const parse = (c) => { const m = c.match(/rgba?\\(([^)]+)\\)/); if (!m) return null; const [r, g, b, a] = m[1].split(",").map(Number); return { r, g, b, a: a === undefined ? 1 : a }; };
  const lum = ({ r, g, b }) => { const f = (v) => { v /= 255; return v <= 0.04045 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; }; return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b); };
  const ratio = (a, b) => { const [x, y] = [lum(a), lum(b)].sort((p, q) => q - p); return (x + 0.05) / (y + 0.05); };
  const backgroundOf = (el) => { for (let e = el; e; e = e.parentElement) { const c = parse(getComputedStyle(e).backgroundColor); if (c && c.a > 0) return c; } return { r: 255, g: 255, b: 255, a: 1 }; };
  const fillOf = (selector) => parse(getComputedStyle(document.querySelector(selector)).fill);
  const lowContrast = [];
  const check = (what, fg, bg) => { if (fg && bg && ratio(fg, bg) < 4.5) lowContrast.push(what + " " + JSON.stringify(fg) + " on " + JSON.stringify(bg) + ": " + ratio(fg, bg).toFixed(2)); };
  for (const el of document.body.querySelectorAll("*")) {
    if (el.closest("svg")) continue;
    const own = [...el.childNodes].some((n) => n.nodeType === 3 && n.textContent.trim());
    if (own) check(el.tagName + "." + el.className + " '" + el.textContent.trim().slice(0, 30) + "'", parse(getComputedStyle(el).color), backgroundOf(el));
  }
  const card = backgroundOf(document.querySelector("#timeline"));
  for (const text of document.querySelectorAll("svg text")) {
    if (!text.textContent.trim()) continue;
    const fill = parse(getComputedStyle(text).fill);
    const label = "svg text." + text.getAttribute("class") + " '" + text.textContent.trim().slice(0, 30) + "'";
    if (text.classList.contains("glyph")) continue; // drawn on its mark's own colour, checked below
    if (text.classList.contains("weight")) { check(label, fill, fillOf(".stable-area")); check(label, fill, fillOf(".next-area")); continue; }
    check(label, fill, text.closest("g.wave") ? fillOf(".wave-band") : card);
  }
  for (const shape of document.querySelectorAll(".mark-shape")) check("glyph on " + shape.getAttribute("class"), fillOf(".glyph"), parse(getComputedStyle(shape).fill));
  const svg = document.querySelector("svg.timeline");
  const box = svg && svg.getBoundingClientRect();
  const style = svg && getComputedStyle(svg);
  return {
    svg: svg && { width: box.width, height: box.height, display: style.display, visibility: style.visibility, opacity: style.opacity },
    lanes: [...document.querySelectorAll("g.lane")].map((g) => ({
      lane: g.dataset.lane,
      height: g.getBoundingClientRect().height,
      marks: [...g.querySelectorAll("g.mark")].map((m) => m.dataset.mark),
      events: [...g.querySelectorAll("[data-event]")].map((e) => e.dataset.event),
      traffic: g.querySelector(".next-area").getBoundingClientRect().width,
    })),
    waves: [...document.querySelectorAll("g.wave")].map((g) => g.dataset.wave),
    operators: document.querySelectorAll('svg [data-event="operator"]').length,
    verdicts: [...document.querySelectorAll("tr[data-verdict]")].map((tr) => tr.dataset.verdict),
    health: [...document.querySelectorAll("tr[data-health]")].map((tr) => [...tr.cells].map((td) => td.textContent.trim()).join(" | ")),
    timelineBottom: document.querySelector("#timeline").getBoundingClientRect().bottom + window.scrollY,
    lowContrast,
  };
})()`;

const healthy = (stable: string, next: string): Record<string, VersionNumbers> => ({
  [stable]: { Invocations: 38_412, Errors: 41, Duration: 212 },
  [next]: { Invocations: 9_876, Errors: 9, Duration: 204 },
});

async function open(name: string, record: RolloutRecord, metrics: Record<string, VersionNumbers>) {
  const page = await browser.page(WIDTH, 2);
  const file = join(dir, `${name}.html`);
  await writeFile(
    file,
    await renderReport(record, {
      now: Date.parse(record.endedAt ?? record.startedAt),
      metricsFor: () => versionMetrics(metrics),
      source: `s3://artifacts/rollouts/ (record ${record.id})`,
    }),
  );
  const url = pathToFileURL(file).href;
  await page.goto(url);
  const rendered = await page.evaluate<Rendered>(READ_PAGE);
  // The header and the timeline: what the README shows.
  const png = await page.screenshot(Math.ceil(rendered.timelineBottom + 20));
  const target = process.env.LAMBDA_ROLLOUT_SCREENSHOTS === "1" ? DOCS_IMG : dir;
  await mkdir(target, { recursive: true });
  await writeFile(join(target, `report-${name}.png`), png);
  return { rendered, log: page.log, url, png };
}

function expectWellFormed(result: Awaited<ReturnType<typeof open>>) {
  const { rendered, log, url, png } = result;
  expect(rendered.svg).toMatchObject({ display: "block", visibility: "visible", opacity: "1" });
  expect(rendered.svg?.width).toBeGreaterThan(900);
  expect(rendered.svg?.height).toBeGreaterThan(150);
  for (const lane of rendered.lanes) {
    expect(lane.height, lane.lane).toBeGreaterThan(60);
    expect(lane.traffic, lane.lane).toBeGreaterThan(100);
  }
  expect(log.errors).toEqual([]);
  expect(log.requests).toEqual([url]);
  expect(rendered.lowContrast).toEqual([]);
  expect(png.subarray(1, 4).toString()).toBe("PNG");
}

describe("the report in headless Chromium", () => {
  it("a promoted canary: one lane, its marks ok and inconclusive, the promotion, each version's health", async () => {
    const result = await open("promoted", await promotedRecord(), healthy("41", "42"));
    expectWellFormed(result);
    const { rendered } = result;
    expect(rendered.lanes.map((lane) => lane.lane)).toEqual(["orders-api@us-east-1"]);
    expect(new Set(rendered.lanes[0]?.marks)).toEqual(new Set(["pass", "inconclusive"]));
    expect(rendered.lanes[0]?.events).toEqual(["promoted"]);
    expect(rendered.verdicts.filter((v) => v === "inconclusive")).toHaveLength(3);
    expect(rendered.health).toEqual([
      "v41 stable | 38,412 | 41 | 0.11% | 212 ms",
      "v42 new | 9,876 | 9 | 0.09% | 204 ms",
    ]);
  });

  it("rolled back by an alarm: the failed mark and the rollback on the lane", async () => {
    const result = await open("rolled-back", await rolledBackRecord(), {
      "41": { Invocations: 21_004, Errors: 12, Duration: 188 },
      "42": { Invocations: 5_230, Errors: 418, Duration: 1_240 },
    });
    expectWellFormed(result);
    const { rendered } = result;
    expect(rendered.lanes.map((lane) => lane.lane)).toEqual(["checkout@us-east-1"]);
    expect(rendered.lanes[0]?.marks).toEqual(["pass", "pass", "fail"]);
    expect(rendered.lanes[0]?.events).toEqual(["rollback"]);
    expect(rendered.verdicts).toEqual(["pass", "pass", "fail"]);
    expect(rendered.health[1]).toBe("v42 new | 5,230 | 418 | 7.99% | 1,240 ms");
  });

  it("a release of three functions: a lane each, grouped in two waves, and the operator's promotion", async () => {
    const result = await open("release", await releaseRecord(), healthy("1", "2"));
    expectWellFormed(result);
    const { rendered } = result;
    expect(rendered.waves).toEqual(["1", "2"]);
    expect(rendered.lanes.map((lane) => lane.lane)).toEqual([
      "orders-api@eu-west-1",
      "orders-worker@eu-west-1",
      "orders-api@us-east-1",
    ]);
    for (const lane of rendered.lanes) expect(lane.marks.length, lane.lane).toBeGreaterThan(0);
    expect(rendered.lanes.map((lane) => lane.events)).toEqual([["promoted"], ["promoted"], ["promoted"]]);
    expect(rendered.operators).toBe(1);
    expect(rendered.health).toHaveLength(6);
  });

  it("without Chromium the suite fails, naming the package and how .ci/run installs it", () => {
    expect(chromiumPath({ PATH: "/nonexistent" })).toBeUndefined();
    expect(CHROMIUM_MISSING).toContain("Debian's `chromium` package (apt-get install -y chromium)");
  });

  it("keeps a screenshot of each case in docs/img/ for the README", async () => {
    for (const name of ["promoted", "rolled-back", "release"]) {
      const png = await readFile(join(DOCS_IMG, `report-${name}.png`));
      expect(png.subarray(1, 4).toString(), name).toBe("PNG");
      expect(png.length, name).toBeGreaterThan(20_000);
    }
  });
});
