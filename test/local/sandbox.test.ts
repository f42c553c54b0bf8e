import { strToU8, zipSync } from "fflate";
import { afterAll, beforeAll, expect, test } from "vitest";
import { type Sandbox, startSandbox } from "../../src/local/sandbox.js";
import { buildPlan } from "../../src/plan/plan.js";

const MISLEADING = {
  AWS_ENDPOINT_URL: "http://127.0.0.1:9",
  AWS_REGION: "eu-west-3",
  AWS_DEFAULT_REGION: "eu-west-3",
  AWS_ACCESS_KEY_ID: "AKIAWRONGWRONGWRONG0",
  AWS_SECRET_ACCESS_KEY: "wrong",
};
const saved: Record<string, string | undefined> = {};
let before: NodeJS.ProcessEnv;
let sandbox: Sandbox | undefined;

beforeAll(() => {
  // The caller's own AWS settings point elsewhere: the sandbox must use only the emulator's.
  for (const [name, value] of Object.entries(MISLEADING)) {
    saved[name] = process.env[name];
    process.env[name] = value;
  }
  before = { ...process.env };
});

afterAll(async () => {
  await sandbox?.stop();
  for (const [name, value] of Object.entries(saved)) {
    if (value === undefined) delete process.env[name];
    else process.env[name] = value;
  }
});

test("a sandbox talks to its emulator explicitly, leaves process.env alone, and its first release replaces the placeholder", async () => {
  sandbox = await startSandbox({ functionName: "sbx", aliasName: "live", handler: "index.handler" });
  const zip = zipSync({
    "index.js": strToU8("exports.handler = async () => ({ statusCode: 200, body: 'released' });"),
  });
  const placeholder = await fetch(`${sandbox.url}/`);
  expect(placeholder.status).toBe(503);

  const first = await sandbox.release({
    label: "first",
    zip,
    plan: buildPlan({ strategy: "AllAtOnce" }),
    intervalMs: 1000,
  });
  expect(first.result.outcome).toBe("promoted");
  // Version 1 is the placeholder, published as the baseline when the alias left $LATEST.
  expect(first.version).toBe("2");
  const answer = await fetch(`${sandbox.url}/`);
  expect([answer.status, await answer.text(), answer.headers.get("x-executed-version")]).toEqual([
    200,
    "released",
    "2",
  ]);
  expect(process.env).toEqual(before);
}, 60_000);

test("stopping a sandbox interrupts a release under way, which restores the alias before the emulator stops", async () => {
  const other = await startSandbox({ functionName: "sbx-stop", aliasName: "live", handler: "index.handler" });
  const zip = (body: string) =>
    zipSync({ "index.js": strToU8(`exports.handler = async () => ({ statusCode: 200, body: '${body}' });`) });
  try {
    await other.release({
      label: "first",
      zip: zip("one"),
      plan: buildPlan({ strategy: "AllAtOnce" }),
      intervalMs: 500,
    });
    let stopping: Promise<void> | undefined;
    const report = await other.release({
      label: "long",
      zip: zip("two"),
      plan: buildPlan({ steps: "10%:10m" }),
      intervalMs: 500,
      onEvent: (event) => {
        if (event.type === "shift") stopping ??= other.stop();
      },
    });
    await stopping;
    expect(report.result.outcome).toBe("rolled_back");
    expect(report.result.reason).toMatch(/interrupt|abort|cancel/i);
  } finally {
    await other.stop();
  }
}, 30_000);
