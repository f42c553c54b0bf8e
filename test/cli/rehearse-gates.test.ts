/**
 * `rehearse` proves the configuration's own gates, says which it rehearses and where each came from,
 * and refuses a rehearsal that could prove nothing. Each test runs a real rehearsal: moto, the local
 * runtime and API, synthetic load (about 5-15 s each).
 */
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { strToU8, zipSync } from "fflate";
import { afterAll, beforeAll, expect, test } from "vitest";
import { packageFunction } from "../../src/artifact/package.js";
import { cliInProcess } from "../support/in-process-cli.js";

const EXAMPLE = join(import.meta.dirname, "../../examples/name-searcher");
let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "lr-rehearse-gates-"));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

function cli(args: string[], cwd: string) {
  return cliInProcess(args, { cwd, env: { ...process.env, GITHUB_REF_NAME: "main" } });
}

test("the example's production configuration: its alarms and smoke are the gates rehearsed, none added", async () => {
  const zip = join(dir, "name-searcher.zip");
  await packageFunction({ entry: join(EXAMPLE, "src/handler.ts"), out: zip });
  const result = await cli(
    [
      "rehearse",
      ...["--zip", zip, "--config", "lambda-rollout.yml", "--env", "production"],
      ...["--function-env", "TABLE_NAME=people", "--setup", "node scripts/seed.mjs --create people"],
      ...["--path", "/?name=John%20Doe", "--error-rate", "100"],
    ],
    EXAMPLE,
  );
  expect(result.stderr).toMatch(
    /alarms \[configuration\] name-searcher-production-live-errors, name-searcher-production-api-5xx \(environment "production"\): created in the emulator/,
  );
  expect(result.stderr).toContain('smoke [configuration] 1 invocation(s) (environment "production")');
  expect(result.stderr).not.toMatch(/^ {2}metrics /m);
  // The smoke invocation answered (404 from the seeded table) on the stable version, and the load did.
  expect(result.stderr).toMatch(/stable version v2: \d+ requests, 0 errors/);
  expect(result.stderr).toContain("gate alarms [pre-traffic, 0%]: ok — 2 alarm(s) not in ALARM");
  expect(result.stdout).toMatch(/^CAUGHT by smoke before any traffic moved/);
  expect(result.code).toBe(0);
}, 60_000);

test("an alarm is driven by the injected errors: the configured alarm catches the bad version at 10%", async () => {
  await writeFile(
    join(dir, "ok.zip"),
    zipSync({ "index.js": strToU8("exports.handler = async () => ({ statusCode: 200, body: 'ok' });") }),
  );
  await writeFile(
    join(dir, "alarms.yml"),
    'version: 1\nenvironments:\n  production: { function: fn, steps: "10%:30s", alarms: [fn-errors] }\n',
  );
  const result = await cli(
    [
      "rehearse",
      "--zip",
      "ok.zip",
      "--config",
      "alarms.yml",
      "--env",
      "production",
      "--error-rate",
      "50",
      "--json",
    ],
    dir,
  );
  const report = JSON.parse(result.stdout) as Record<string, unknown>;
  expect(report).toMatchObject({
    type: "rehearsal",
    caught: true,
    caughtBy: "alarms",
    caughtAtWeight: 10,
    stable: { errors: 0 },
    gates: [{ gate: "alarms", origin: "configuration", rehearsed: true }],
  });
  expect(result.code).toBe(0);
}, 60_000);

test("a stable version that fails on its own (no such export): exit 2, the default gate said to be one", async () => {
  await writeFile(
    join(dir, "main.zip"),
    zipSync({ "index.js": strToU8("exports.main = async () => ({ statusCode: 200 });") }),
  );
  const result = await cli(["rehearse", "--zip", "main.zip", "--steps", "10%:20s"], dir);
  expect(result.stderr).toContain(
    "metrics [default] errorRate max 5%, period 5 s (added by rehearse: no --config/--env given)",
  );
  expect(result.stderr).toMatch(
    /error: The stable version \(your package as it is\) fails in the rehearsal too: it fails 100% of requests \(first: Runtime\.HandlerNotFound: index\.handler is undefined or not exported\)\. A failing new version would prove nothing\./,
  );
  expect(result.stdout).toBe("");
  expect(result.code).toBe(2);
}, 60_000);
