/**
 * The shipped bundles, run by each Node.js major users run them on: the CLI (bin/lambda-rollout.js →
 * dist/cli.mjs, Node ≥ 20 on laptops and CI) and the Action (action/dist/index.js, node24 on GitHub's
 * runners), under the Node running the tests (20 on this project's machines) and the official 22 and 24
 * binaries from the npm registry (test/support/node-binaries.ts). Each deploys against moto, is
 * promoted, then rolls back when an alarm goes off. When a binary cannot be installed, the tests of that
 * version fail with the reason; none is skipped.
 */
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { annotations, startAction } from "../action/support.js";
import { aliasOf, createTarget, runCli, setAlarm, startCli } from "../support/lambda-fixtures.js";
import { type Moto, startMoto } from "../support/moto.js";
import { ensureNode, TESTED_NODE_VERSIONS } from "../support/node-binaries.js";

/** Node version → its binary, or why it could not be installed (each test of that version fails with it). */
const binaries = new Map<string, string | Error>([[process.versions.node, process.execPath]]);
let moto: Moto;
let counter = 0;

beforeAll(async () => {
  // Both at once: the first run installs them (~15 s each), later runs find them in the cache.
  const installs = await Promise.allSettled(TESTED_NODE_VERSIONS.map((version) => ensureNode(version)));
  installs.forEach((install, i) => {
    const version = TESTED_NODE_VERSIONS[i] as string;
    if (binaries.has(version)) return;
    binaries.set(version, install.status === "fulfilled" ? install.value : (install.reason as Error));
  });
  moto = await startMoto();
}, 300_000);

afterAll(async () => {
  await moto?.stop();
});

// What each bundle must not print: the SDK's Node-version notice (both bundles silence it themselves,
// so it is unset here) and Node's deprecation or experimental warnings, which newer majors add.
const QUIET = { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: undefined };
const NOISE = /DeprecationWarning|ExperimentalWarning|NodeVersionSupport|support for Node\.js/i;

const versions = [process.versions.node, ...TESTED_NODE_VERSIONS.filter((v) => v !== process.versions.node)];

describe.each(versions)("Node %s", (version) => {
  const node = () => {
    const binary = binaries.get(version);
    if (binary instanceof Error) throw binary;
    if (binary === undefined) throw new Error(`Node ${version} was not installed`);
    return binary;
  };

  test("the CLI bundle deploys step by step, then rolls back when the alarm goes off", async () => {
    const binary = node();
    const target = await createTarget(moto, `node${version.split(".")[0]}-cli-${++counter}`);
    const deploy = (zip: string, steps: string) => [
      ...["deploy", "--function", target.name, "--alias", "live", "--zip", zip, "--bucket", target.bucket],
      ...["--steps", steps, "--alarm", target.alarm, "--interval", "100ms", "--json"],
    ];

    const promoted = await runCli(moto, deploy(target.v2, "50%:300ms"), undefined, QUIET, { node: binary });
    expect(promoted.code, promoted.stderr).toBe(0);
    expect(promoted.events.filter((e) => e.type === "shift").map((e) => e.weight)).toEqual([50, 100]);
    expect(promoted.events.at(-1)).toMatchObject({ outcome: "promoted", fromVersion: "1", toVersion: "2" });
    expect(await aliasOf(moto, target.name)).toEqual({ version: "2", weights: {} });
    expect(promoted.stderr).not.toMatch(NOISE);

    const cli = startCli(moto, deploy(target.v3, "50%:30s"), undefined, QUIET, { node: binary });
    await cli.waitFor((e) => e.type === "shift" && e.weight === 50);
    expect(await aliasOf(moto, target.name)).toEqual({ version: "2", weights: { "3": 0.5 } });
    await setAlarm(moto, target.alarm, "ALARM");
    const rolledBack = await cli.done;
    expect(rolledBack.code, rolledBack.stderr).toBe(1);
    expect(rolledBack.events.at(-1)).toMatchObject({
      outcome: "rolled_back",
      fromVersion: "2",
      toVersion: "3",
      reason: expect.stringContaining(target.alarm),
    });
    expect(await aliasOf(moto, target.name)).toEqual({ version: "2", weights: {} });
    expect(rolledBack.stderr).not.toMatch(NOISE);
  });

  test("the Action bundle sets its outputs and job summary when promoted and when rolled back", async () => {
    const binary = node();
    const target = await createTarget(moto, `node${version.split(".")[0]}-action-${++counter}`);
    await writeFile(
      join(target.dir, "lambda-rollout.yml"),
      [
        "version: 1",
        "defaults: { interval: 100ms }",
        "environments:",
        `  production: { function: ${target.name}, artifact: { bucket: ${target.bucket} }, alarms: [${target.alarm}], branches: [main] }`,
      ].join("\n"),
    );
    const options = { node: binary, env: QUIET };
    const inputs = (zip: string, steps: string) => ({ config: "lambda-rollout.yml", zip, steps });

    const promoted = await startAction(moto, target.dir, inputs(target.v2, "50%:300ms"), "main", options)
      .done;
    expect(promoted.code, promoted.stdout).toBe(0);
    // The report of the roll-out, drawn by this Node.js too.
    expect(promoted.outputs).toEqual({
      outcome: "promoted",
      version: "2",
      "previous-version": "1",
      report: expect.stringMatching(/lambda-rollout-report-r-[0-9a-z-]+\.html$/),
    });
    expect(promoted.summary).toContain(`## lambda-rollout: ${target.name}:live — ✅ promoted`);
    expect(promoted.summary).toMatch(/\| step 1\/2 \| 50% \|[^\n]*alarms ✅[^\n]*\| ✅ passed \|/);
    expect(promoted.summary).toContain("```mermaid\nxychart-beta\n");
    expect(await aliasOf(moto, target.name)).toEqual({ version: "2", weights: {} });
    expect(promoted.stdout).not.toMatch(NOISE);

    const action = startAction(moto, target.dir, inputs(target.v3, "50%:30s"), "main", options);
    await action.waitForLine("step 1/2: 50% of traffic on v3");
    await setAlarm(moto, target.alarm, "ALARM");
    const rolledBack = await action.done;
    expect(rolledBack.code, rolledBack.stdout).toBe(1);
    expect(rolledBack.outputs).toEqual({
      outcome: "rolled_back",
      version: "3",
      "previous-version": "2",
      report: expect.stringMatching(/lambda-rollout-report-r-[0-9a-z-]+\.html$/),
    });
    expect(annotations(rolledBack.stdout).map((a) => a.title)).toContain(`${target.name}:live rolled back`);
    expect(rolledBack.summary).toContain("↩️ rolled back");
    expect(rolledBack.summary).toMatch(/\| step 1\/2 \| 50% \|[^\n]*alarms ❌[^\n]*\| ❌ failed \|/);
    expect(rolledBack.summary).toContain("| rollback to v2 | 0% |");
    expect(await aliasOf(moto, target.name)).toEqual({ version: "2", weights: {} });
    expect(rolledBack.stdout).not.toMatch(NOISE);
  });
});
