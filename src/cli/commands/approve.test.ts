import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect, test } from "vitest";
import { FakeLambda } from "../../../test/support/fakes.js";
import type { CliIo } from "../io.js";
import { approveCommand } from "./approve.js";
import type { TargetFlags } from "./target.js";

/** Runs `approve` in-process against a fake Lambda whose alias awaits approval (or not). */
async function approve(flags: TargetFlags, options: { waiting: boolean; cwd?: string; suffix?: string }) {
  let stdout = "";
  let stderr = "";
  const lambda = new FakeLambda("orders", "live", { stableVersions: 2, aliasOn: "1" });
  if (options.waiting) {
    lambda.setRouting({ version: "1", additional: { version: "2", weight: 10 } });
    lambda.alias.description = `lambda-rollout: step 1/2, 10% to v2 from v1 since 2026-01-01T00:00:00Z; awaiting approval until ${new Date(Date.now() + 3_600_000).toISOString()}${options.suffix ?? ""}`;
  }
  const io: CliIo = {
    stdout: { write: (text: string) => (stdout += text) },
    stderr: { write: (text: string) => (stderr += text) },
    env: {},
    cwd: options.cwd ?? tmpdir(),
  };
  const regions: (string | undefined)[] = [];
  const code = await approveCommand(flags, io, (region) => {
    regions.push(region);
    return lambda;
  });
  return { code, stdout, stderr, lambda, regions };
}

test("approve records the approval and prints a result line; --json is NDJSON", async () => {
  const run = await approve({ function: "orders", json: true }, { waiting: true });
  expect(run.code).toBe(0);
  expect(JSON.parse(run.stdout.trim())).toMatchObject({ type: "result", outcome: "approved", exitCode: 0 });
  expect(run.lambda.alias.description).toMatch(/; approved at \S+$/);
  expect(run.lambda.alias.additional).toEqual({ version: "2", weight: 10 });
});

test("approve with nothing awaiting approval: exit 3 and the message, nothing written", async () => {
  const run = await approve({ function: "orders" }, { waiting: false });
  expect(run.code).toBe(3);
  expect(run.stderr).toContain("Nothing to approve: orders:live is not awaiting approval");
  expect(run.lambda.writes()).toEqual([]);
});

test("approve --config/--env takes the function, alias and region from the environment", async () => {
  const dir = await mkdtemp(join(tmpdir(), "lr-approve-"));
  await writeFile(
    join(dir, "lambda-rollout.yml"),
    "version: 1\nenvironments:\n  production:\n    function: orders\n    region: eu-west-1\n",
  );
  const run = await approve({ env: "production" }, { waiting: true, cwd: dir });
  expect(run.code).toBe(0);
  expect(run.regions).toEqual(["eu-west-1"]);
});

test("bad input is exit 2 before any AWS call", async () => {
  const run = await approve({ function: "bad name" }, { waiting: true });
  expect(run.code).toBe(2);
  expect(run.regions).toEqual([]);
});

test("approve --config/--env of a release approves every waiting function, its release mark kept", async () => {
  const cwd = await mkdtemp(join(tmpdir(), "lr-approve-release-"));
  await writeFile(
    join(cwd, "lambda-rollout.yml"),
    [
      "version: 1",
      "environments:",
      "  production:",
      "    region: eu-west-1",
      "    artifact: { bucket: artifacts }",
      "    functions: [{ function: orders, zip: a.zip }]",
    ].join("\n"),
  );
  const mark = " release=r-mhx1k2ab-9f3c wave=1/1";
  const run = await approve({ env: "production", json: true }, { waiting: true, cwd, suffix: mark });
  expect(run.code).toBe(0);
  expect(JSON.parse(run.stdout.trim())).toMatchObject({
    outcome: "approved",
    function: "production (1 functions)",
    reason: expect.stringMatching(/^Approved: orders \[eu-west-1\]; the release ships the wave/),
  });
  expect(run.regions).toContain("eu-west-1");
  expect(run.lambda.alias.description).toMatch(/; approved at \S+ release=r-mhx1k2ab-9f3c wave=1\/1$/);

  const idle = await approve({ env: "production" }, { waiting: false, cwd });
  expect(idle.code).toBe(3);
  expect(idle.stderr).toContain("Nothing to approve: no function of production is awaiting approval.");
  expect(idle.lambda.writes()).toEqual([]);
});
