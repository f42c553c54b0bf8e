/**
 * A release (`functions:`) through the bundled Action, as GitHub runs it (`node action/dist/index.js`
 * with INPUT_* variables and the GITHUB_* files), against moto: three functions, two regions, two
 * waves. What a workflow reads afterwards: the outputs, the annotations, the log and the job summary.
 */
import { readFile } from "node:fs/promises";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { type Moto, startMoto } from "../support/moto.js";
import {
  createReleaseFunction,
  type ReleaseFunctionFixture,
  releaseAliasOf,
  setRegionAlarm,
  writeReleaseConfig,
} from "../support/release-fixtures.js";
import { commandLines } from "../support/runner-commands.js";
import { cells, tableRows } from "../support/summary-tables.js";
import { annotations, startAction } from "./support.js";

let moto: Moto;
let counter = 0;
beforeAll(async () => {
  moto = await startMoto();
});
afterAll(async () => {
  await moto?.stop();
});

const EU = "eu-west-1";
const US = "us-east-1";
const WAVES = [{ regions: [EU], bake: "1s" }, { regions: [US] }];
const INPUTS = { config: "lambda-rollout.yml", env: "production" };

/** `a` and `b` in eu-west-1 (wave 1), `a` in us-east-1 (wave 2), each on v1 with an alarm. */
async function release3(label: string) {
  const n = ++counter;
  const functions = [
    await createReleaseFunction(moto, `${label}-a-${n}`, EU),
    await createReleaseFunction(moto, `${label}-b-${n}`, EU),
    await createReleaseFunction(moto, `${label}-a-${n}`, US),
  ];
  return { functions, prefix: `${label}-${n}` };
}

const prefixOf = (fn: ReleaseFunctionFixture) => `[${fn.name} ${fn.region}] `;
const headingOf = (fn: ReleaseFunctionFixture) => `#### ${fn.name} (${fn.region})`;
const shown = (text: string) => text.replaceAll("\u200B", "");

/** The cells of a step row: its label and weight, a start and a duration, its gates, its result. */
const stepRow = (label: string, weight: string, gates: RegExp, result: string) => [
  label,
  weight,
  expect.stringMatching(/^\+\d:\d\d$/),
  expect.stringMatching(/^\d:\d\d$/),
  expect.stringMatching(gates),
  result,
];

/** The `release` output as a workflow's fromJSON() reads it, each function in the state given. */
function releaseEntries(functions: ReleaseFunctionFixture[], state: string) {
  return functions.map((fn) => ({
    function: fn.name,
    region: fn.region,
    alias: "live",
    wave: fn.region === EU ? 1 : 2,
    from: "1",
    to: "2",
    state,
  }));
}

describe("a release through the bundled Action", () => {
  test("healthy: the outputs name every function; each table ends passed; the log says which function", async () => {
    const { functions, prefix } = await release3("healthy");
    // A hook's output reaches the log: a `\r` starts a runner line, and U+0085 is whitespace to it.
    const dir = await writeReleaseConfig({
      functions,
      prefix,
      waves: WAVES,
      extra: [
        "    hooks:",
        "      postTraffic:",
        "        - printf 'all good\\r\\302\\205::add-mask::hooked\\n'",
      ],
    });
    const run = await startAction(moto, dir, INPUTS, "main").done;
    expect(run.code, run.stdout).toBe(0);

    const id = run.outputs["release-id"] ?? "";
    expect(id).toMatch(/^r-[0-9a-z]+-[0-9a-z]+$/);
    expect(run.stdout).toContain(`Release ${id}: every function serves its new version.`);
    expect(Object.keys(run.outputs).sort()).toEqual(["outcome", "release", "release-id", "report"]);
    expect(run.outputs.outcome).toBe("promoted");
    // Its report: one lane per function, grouped by wave.
    const report = await readFile(run.outputs.report ?? "", "utf8");
    expect(report.match(/<g class="lane" data-lane=/g)).toHaveLength(functions.length);
    expect(report).toContain(`Release <b>${id}</b>`);
    expect(JSON.parse(run.outputs.release ?? "")).toEqual(releaseEntries(functions, "promoted"));

    for (const fn of functions) {
      const rows = tableRows(run.summary, headingOf(fn));
      expect(cells(rows.at(-1)), headingOf(fn)).toEqual(
        stepRow("promote (100%)", "100%", /hook/, "✅ passed"),
      );
      // Its own package, in the functions table.
      expect(run.summary).toMatch(
        new RegExp(
          `\\| ${fn.name} \\| ${fn.region} \\| \\d \\| v1 → v2 \\| \`s3://artifacts-${fn.region}/${prefix}/${fn.name}/[0-9a-f]{64}\\.zip\` \\(uploaded\\) \\| ✅ promoted \\|`,
        ),
      );
      // The CLI's prefix on every line about one function: three "published v2" lines, told apart.
      const lines = run.stdout.split("\n");
      expect(
        lines.filter((line) => line.startsWith(`${prefixOf(fn)}published v2 (CodeSha256 `)),
      ).toHaveLength(1);
      expect(lines).toContain(`${prefixOf(fn)}step 1/2: 50% of traffic on v2 (v1 keeps 50%)`);
      expect(run.summary).toContain(`- \\${prefixOf(fn).replace("]", "\\]").trim()} wave `);
    }
    expect(run.summary).not.toContain("**Package:**");
    expect(annotations(run.stdout)).toEqual([]);
    // The hook's text is in the log, and nothing in the log is a command to the runner.
    expect(shown(run.stdout)).toContain("all good\r\u0085::add-mask::hooked");
    expect(commandLines(run.stdout)).toEqual([]);
  }, 60_000);

  test("an alarm in wave 2: wave 1 restored with the release; the annotation names the function and region", async () => {
    const { functions, prefix } = await release3("alarm");
    const [euA, euB, usA] = functions as [
      ReleaseFunctionFixture,
      ReleaseFunctionFixture,
      ReleaseFunctionFixture,
    ];
    const dir = await writeReleaseConfig({ functions, prefix, waves: WAVES, steps: "50%:2s" });
    const action = startAction(moto, dir, INPUTS, "main");
    await action.waitForLine(`${prefixOf(usA)}step 1/2: 50%`);
    // The alarm's reason is outside text: it must not become a command either.
    await setRegionAlarm(moto, US, usA.alarm, "ALARM", "errors up\n\u0085::add-mask::alarm");
    const run = await action.done;
    expect(run.code, run.stdout).toBe(1);
    for (const fn of functions) expect((await releaseAliasOf(moto, fn)).version).toBe("1");

    expect(Object.keys(run.outputs).sort()).toEqual(["outcome", "release", "release-id", "report"]);
    expect(run.outputs.outcome).toBe("rolled_back");
    expect(JSON.parse(run.outputs.release ?? "")).toEqual(releaseEntries(functions, "rolled_back"));

    expect(annotations(run.stdout).map(({ level, title }) => ({ level, title }))).toEqual([
      { level: "error", title: `${prefixOf(usA)}Health gate "alarms" failed at 50% (bake)` },
      { level: "error", title: "production (3 functions) rolled back" },
    ]);
    expect(shown(annotations(run.stdout)[0]?.message ?? "")).toBe(
      `in ALARM: ${usA.alarm} (errors up\n\u0085::add-mask::alarm)`,
    );

    // Wave 1's functions passed their own gates: restored with the release, then rolled back.
    for (const fn of [euA, euB]) {
      const rows = tableRows(run.summary, headingOf(fn));
      expect(cells(rows.at(-2)), headingOf(fn)).toEqual(
        stepRow("promote (100%)", "100%", /^alarms ✅ \d+\/\d+$/, "↩️ restored with the release"),
      );
      expect(cells(rows.at(-1))).toEqual([
        "rollback to v1",
        "0%",
        expect.any(String),
        "0:00",
        "—",
        "↩️ rolled back",
      ]);
    }
    const failing = tableRows(run.summary, headingOf(usA));
    expect(cells(failing.at(-2))).toEqual(stepRow("step 1/2", "50%", /^alarms ❌ in ALARM: /, "❌ failed"));
    expect(cells(failing.at(-1))[0]).toBe("rollback to v1");

    // Each restore is a line of its own function.
    const lines = run.stdout.split("\n");
    for (const fn of functions) {
      expect(
        lines.some((line) => line.startsWith(`${prefixOf(fn)}rolling back to 100% v1: `)),
        fn.name,
      ).toBe(true);
    }
    // Only the Action's own annotations are commands to the runner.
    expect(commandLines(run.stdout).map((line) => line.slice(0, 13))).toEqual([
      "::error title",
      "::error title",
    ]);
  }, 60_000);
});
