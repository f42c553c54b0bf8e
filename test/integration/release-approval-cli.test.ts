/**
 * Manual approval of a release through the real binary against moto: the release waits after its
 * last step's bake; `approve --config --env` from another process approves every waiting function;
 * the release then ships (exit 0).
 */
import { afterAll, beforeAll, expect, test } from "vitest";
import { runCli, startCli } from "../support/lambda-fixtures.js";
import { type Moto, startMoto } from "../support/moto.js";
import { createReleaseFunction, releaseAliasOf, writeReleaseConfig } from "../support/release-fixtures.js";

let moto: Moto;
beforeAll(async () => {
  moto = await startMoto({}, { guards: true });
});
afterAll(async () => {
  await moto?.stop();
});

test("a release with manualApproval waits for `approve --config --env`, then ships (exit 0)", async () => {
  const functions = [
    await createReleaseFunction(moto, "approval-a", "eu-west-1"),
    await createReleaseFunction(moto, "approval-b", "eu-west-1"),
  ];
  const dir = await writeReleaseConfig({
    functions,
    prefix: "approval",
    steps: "50%:1s",
    extra: ["    manualApproval: true", "    approvalTimeout: 2m"],
  });
  const args = (command: string) => [
    command,
    "--config",
    `${dir}/lambda-rollout.yml`,
    "--env",
    "production",
    "--json",
  ];
  const run = startCli(moto, args("deploy"), dir);
  await run.waitFor((e) => e.type === "awaiting_approval" && e.function === "approval-b");
  // Waiting: both still split, nothing moves without the approval.
  for (const fn of functions) expect((await releaseAliasOf(moto, fn)).weights).toEqual({ "2": 0.5 });
  const approved = await runCli(moto, args("approve"), dir);
  expect(approved.code, approved.stderr).toBe(0);
  expect(approved.events.at(-1)).toMatchObject({ outcome: "approved", exitCode: 0 });
  expect(String(approved.events.at(-1)?.reason)).toContain("approval-a [eu-west-1], approval-b [eu-west-1]");
  const done = await run.done;
  expect(done.code, done.stderr).toBe(0);
  expect(done.events.at(-1)).toMatchObject({ outcome: "promoted" });
  expect(done.events.filter((e) => e.type === "approved")).toHaveLength(2);
  for (const fn of functions) expect((await releaseAliasOf(moto, fn)).version).toBe("2");
}, 60_000);
