import { execFile } from "node:child_process";
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { aliasOf, createTarget, setAlarm } from "../support/lambda-fixtures.js";
import { type Moto, queueInvokeResults, startMoto } from "../support/moto.js";
import { commandLines } from "../support/runner-commands.js";
import { annotations, startAction } from "./support.js";

/** The report the Action writes (RUNNER_TEMP, else the workspace), named after the roll-out. */
const REPORT = /\/lambda-rollout-report-r-[0-9a-z]+-[0-9a-z]+\.html$/;

let moto: Moto;
let counter = 0;

beforeAll(async () => {
  moto = await startMoto();
});
afterAll(async () => {
  await moto?.stop();
});

/**
 * Two environments as in the article: production (`main`) moves in steps behind an alarm, staging
 * (`develop`) all at once. Returns the workspace holding lambda-rollout.yml and the packages.
 */
async function workspace(productionSteps: string) {
  counter += 1;
  const production = await createTarget(moto, `action-prod-${counter}`);
  const staging = await createTarget(moto, `action-staging-${counter}`);
  await writeFile(
    join(production.dir, "lambda-rollout.yml"),
    `version: 1
defaults:
  interval: 200ms
environments:
  production:
    function: ${production.name}
    artifact: { bucket: ${production.bucket}, prefix: builds }
    steps: "${productionSteps}"
    alarms: [${production.alarm}]
    branches: [main]
  staging:
    function: ${staging.name}
    artifact: { bucket: ${staging.bucket} }
    strategy: AllAtOnce
    branches: [develop]
`,
  );
  return { dir: production.dir, zip: production.v2, production, staging };
}

describe("the bundled Action, run as GitHub runs it, against moto", () => {
  test("the committed bundle is up to date with src/", async () => {
    const script = join(import.meta.dirname, "../../scripts/build-action.mjs");
    const { stdout } = await promisify(execFile)(process.execPath, [script, "--check"]);
    expect(stdout).toContain("is up to date");
  });

  test("develop deploys to staging all at once", async () => {
    const ws = await workspace("50%:1s");
    const run = await startAction(moto, ws.dir, { config: "lambda-rollout.yml", zip: ws.zip }, "develop")
      .done;
    expect(run.code, run.stdout).toBe(0);
    expect(run.outputs).toEqual({
      outcome: "promoted",
      version: "2",
      "previous-version": "1",
      report: expect.stringMatching(REPORT),
    });
    expect(run.stdout).toContain('Environment: staging (branch "develop" matches pattern "develop"');
    expect(run.stdout).toContain("step 1/1: 100% of traffic on v2");
    expect(await aliasOf(moto, ws.staging.name)).toEqual({ version: "2", weights: {} });
    expect(await aliasOf(moto, ws.production.name)).toEqual({ version: "1", weights: {} });
    expect(run.summary).toContain("| promote (100%) | 100% |");
  });

  test("main deploys to production in steps, with the step table and chart in the job summary", async () => {
    const ws = await workspace("50%:1s");
    const run = await startAction(moto, ws.dir, { config: "lambda-rollout.yml", zip: ws.zip }, "main").done;
    expect(run.code, run.stdout).toBe(0);
    expect(run.outputs).toEqual({
      outcome: "promoted",
      version: "2",
      "previous-version": "1",
      report: expect.stringMatching(REPORT),
    });
    expect(run.stdout).toContain("step 1/2: 50% of traffic on v2");
    expect(run.stdout).toContain("step 2/2: 100% of traffic on v2");
    expect(await aliasOf(moto, ws.production.name)).toEqual({ version: "2", weights: {} });
    expect(run.summary).toContain(`## lambda-rollout: ${ws.production.name}:live — ✅ promoted`);
    expect(run.summary).toContain("| Step | Weight | Started | Duration | Gates | Result |");
    expect(run.summary).toMatch(
      /\| step 1\/2 \| 50% \| \+0:\d\d \| 0:0[1-3] \| alarms ✅ \d+\/\d+ \| ✅ passed \|/,
    );
    expect(run.summary).toMatch(/\| promote \(100%\) \| 100% \|/);
    expect(run.summary).toContain("```mermaid\nxychart-beta\n");
    expect(run.summary).toMatch(/ {2}line \[0, .*50, .*100\]/);
    // The roll-out's report, from its ledger record, beside the chart.
    const report = await readFile(run.outputs.report ?? "", "utf8");
    expect(report).toContain(`<div class="head"><h1>${ws.production.name}:live · v1 → v2</h1>`);
    expect(report).toContain('data-lane="');
    expect(run.summary).toMatch(
      /📊 \*\*Report:\*\* `lambda-rollout-report-r-[0-9a-z-]+\.html` \(the `report` output\)/,
    );
  });

  test("an alarm going off during the bake fails the step and rolls the alias back", async () => {
    const ws = await workspace("50%:30s");
    const action = startAction(moto, ws.dir, { config: "lambda-rollout.yml", zip: ws.zip }, "main");
    await action.waitForLine("step 1/2: 50% of traffic on v2");
    await setAlarm(moto, ws.production.alarm, "ALARM");
    const run = await action.done;
    expect(run.code, run.stdout).toBe(1);
    expect(run.outputs).toEqual({
      outcome: "rolled_back",
      version: "2",
      "previous-version": "1",
      report: expect.stringMatching(REPORT),
    });
    expect(await aliasOf(moto, ws.production.name)).toEqual({ version: "1", weights: {} });
    expect(annotations(run.stdout)).toEqual([
      {
        level: "error",
        title: 'Health gate "alarms" failed at 50% (bake)',
        message: `in ALARM: ${ws.production.alarm} (set by test)`,
      },
      {
        level: "error",
        title: `${ws.production.name}:live rolled back`,
        message: `Health gate "alarms" failed at 50% (bake): in ALARM: ${ws.production.alarm} (set by test)`,
      },
    ]);
    expect(run.summary).toContain("↩️ rolled back");
    expect(run.summary).toMatch(/\| step 1\/2 \| 50% \|[^\n]*alarms ❌ [^\n]*ALARM[^\n]*\| ❌ failed \|/);
    expect(run.summary).toContain("| rollback to v1 | 0% |");
  });

  test("a failing smoke invocation fails before any traffic moves", async () => {
    const ws = await workspace("50%:1s");
    await queueInvokeResults(moto, [JSON.stringify({ statusCode: 500, body: "boom" })]);
    const run = await startAction(
      moto,
      ws.dir,
      { config: "lambda-rollout.yml", zip: ws.zip, "smoke-payload": '{"httpMethod":"GET"}' },
      "main",
    ).done;
    expect(run.code, run.stdout).toBe(1);
    expect(run.outputs.outcome).toBe("rolled_back");
    expect(run.stdout).not.toContain("% of traffic on v2");
    expect(await aliasOf(moto, ws.production.name)).toEqual({ version: "1", weights: {} });
    expect(run.summary).toMatch(
      /\| pre-traffic checks \| 0% \|[^\n]*smoke ❌ [^\n]*statusCode 500[^\n]*\| ❌ failed \|/,
    );
  });

  test("a branch without an environment is a noop naming the branch and the patterns", async () => {
    const ws = await workspace("50%:1s");
    const run = await startAction(moto, ws.dir, { config: "lambda-rollout.yml", zip: ws.zip }, "feature/x")
      .done;
    expect(run.code, run.stdout).toBe(0);
    expect(run.outputs).toEqual({ outcome: "noop", version: "", "previous-version": "" });
    expect(annotations(run.stdout)).toEqual([
      {
        level: "notice",
        title: "lambda-rollout: nothing to deploy",
        message: expect.stringMatching(
          /^Branch "feature\/x" deploys to no environment \(patterns: production: main; /,
        ),
      },
    ]);
    expect(run.summary).toContain("⏭️ nothing to deploy");
  });

  test("invalid configuration exits 2 with every problem in one annotation", async () => {
    const ws = await workspace("50%:1s");
    await writeFile(
      join(ws.dir, "bad.yml"),
      "version: 1\nenvironments:\n  p: { function: f, stratgy: AllAtOnce, finalBake: soon }\n",
    );
    const run = await startAction(moto, ws.dir, { config: "bad.yml", zip: ws.zip }, "main").done;
    expect(run.code).toBe(2);
    expect(run.outputs.outcome).toBe("failed");
    const [error] = annotations(run.stdout);
    expect(error?.title).toBe("lambda-rollout failed (exit 2)");
    expect(error?.message).toMatch(/^Invalid configuration bad\.yml \(2 problems\):\n/);
    expect(error?.message).toContain('environments.p.stratgy: unknown key; did you mean "strategy"?');
    expect(error?.message).toContain('environments.p.finalBake: Invalid duration "soon".');
  });

  test("text from the function cannot become workflow commands, in the log or the summary", async () => {
    const ws = await workspace("50%:1s");
    await writeFile(
      join(ws.dir, "smoke.yml"),
      `version: 1
environments:
  production:
    function: ${ws.production.name}
    artifact: { bucket: ${ws.production.bucket} }
    smoke: [{ payload: { httpMethod: GET }, expect: { body: { ok: true } } }]
    branches: [main]
`,
    );
    const hostile = [
      "nope",
      // Whitespace to .NET's TrimStart but not to JavaScript's `\s`; a `\r`, where the runner ends a line.
      "\u0085::add-mask::nel",
      "half\r::add-mask::cr",
      "::set-output name=injected::yes",
      "::add-mask::hunter2",
      "  ::stop-commands::zzz",
      "::error title=fake::forged annotation",
      "see ##[set-output name=legacy;]yes",
      "<img src=https://example.com/pixel.png> [click](https://example.com) **bold** | cell",
    ].join("\n");
    await queueInvokeResults(moto, [JSON.stringify({ statusCode: 200, body: hostile })]);
    const run = await startAction(moto, ws.dir, { config: "smoke.yml", zip: ws.zip }, "main").done;
    expect(run.code, run.stdout).toBe(1);
    expect(await aliasOf(moto, ws.production.name)).toEqual({ version: "1", weights: {} });
    // The text did reach the log (where zero-width spaces break its markers).
    expect(run.stdout.replaceAll("\u200B", "")).toContain("half\r::add-mask::cr");
    // Only the Action's own annotations are commands to the runner (split and trimmed its way).
    const commands = commandLines(run.stdout);
    expect(commands.length).toBeGreaterThan(0);
    for (const line of commands) expect(line).toMatch(/^::(error|warning|notice) title=[^:]*::/);
    expect(run.stdout).not.toContain("##[");
    expect(annotations(run.stdout).map((annotation) => annotation.title)).toEqual([
      'Health gate "smoke" failed at 0% (pre-traffic)',
      `${ws.production.name}:live rolled back`,
    ]);
    // The annotation still carries the text, escaped by the runner's own rules.
    // (Zero-width spaces break the command markers without changing what a reader sees.)
    expect(annotations(run.stdout)[0]?.message.replaceAll("\u200B", "")).toContain(
      "::set-output name=injected::yes",
    );
    expect(run.outputs).toEqual({
      outcome: "rolled_back",
      version: "2",
      "previous-version": "1",
      report: expect.stringMatching(REPORT),
    });
    // The summary shows the text, not markup: no live HTML tags, links or emphasis from the function.
    expect(run.summary).not.toMatch(/<img/i);
    expect(run.summary).not.toContain("[click](");
    expect(run.summary).not.toContain("**bold**");
    expect(run.summary).toContain("hunter2");
  });
});
