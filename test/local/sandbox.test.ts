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
