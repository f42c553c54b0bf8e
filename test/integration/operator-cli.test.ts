/**
 * Day-2 operations against moto, process against process: a real `lambda-rollout deploy` bakes while
 * another `lambda-rollout` process promotes, rolls back or approves it. The alias is read back with a
 * client of the test's own.
 */
import { GetAliasCommand, PublishVersionCommand, UpdateFunctionCodeCommand } from "@aws-sdk/client-lambda";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import {
  aliasOf,
  clients,
  createTarget,
  packageBytes,
  runCli,
  startCli,
} from "../support/lambda-fixtures.js";
import { type Moto, startMoto } from "../support/moto.js";

let moto: Moto;
let counter = 0;
const uniqueName = (label: string) => `${label}-${++counter}`;

beforeAll(async () => {
  // Behind the guards proxy: UpdateAlias's RevisionId is enforced as Lambda enforces it.
  moto = await startMoto({}, { guards: true });
});
afterAll(async () => {
  await moto?.stop();
});

const deployArgs = (target: { name: string }, ...extra: string[]) => [
  "deploy",
  "--function",
  target.name,
  "--alias",
  "live",
  "--version",
  "2",
  "--interval",
  "500ms",
  "--json",
  ...extra,
];

/** A target whose v2 is published (package v2) while the alias serves v1, set up by the SDK. */
async function targetWithV2(label: string) {
  const target = await createTarget(moto, uniqueName(label));
  const { lambda } = clients(moto);
  await lambda.send(
    new UpdateFunctionCodeCommand({ FunctionName: target.name, ZipFile: packageBytes("v2") }),
  );
  const published = await lambda.send(new PublishVersionCommand({ FunctionName: target.name }));
  expect(published.Version).toBe("2");
  return target;
}

async function descriptionOf(name: string): Promise<string | undefined> {
  const alias = await clients(moto).lambda.send(new GetAliasCommand({ FunctionName: name, Name: "live" }));
  return alias.Description;
}

describe("a running deploy obeys promote and rollback from another process", () => {
  test("promote during a 60 s bake: the deploy ends promoted by an operator, exit 0, within a poll", async () => {
    const target = await targetWithV2("op-promote");
    const deploy = startCli(moto, deployArgs(target, "--steps", "10%:60s,50%:60s", "--final-bake", "60s"));
    await deploy.waitFor((e) => e.type === "shift" && e.weight === 10);
    const promote = await runCli(moto, ["promote", "--function", target.name, "--alias", "live", "--json"]);
    expect(promote.code, promote.stderr).toBe(0);
    const promotedAt = Date.now();
    const run = await deploy.done;
    expect(Date.now() - promotedAt).toBeLessThan(10_000);
    expect(run.code, run.stderr).toBe(0);
    const result = run.events.at(-1);
    expect(result).toMatchObject({ type: "result", outcome: "promoted", exitCode: 0, toVersion: "2" });
    expect(String(result?.reason)).toMatch(/^promoted by an operator: /);
    expect(String(result?.reason)).toContain("final bake did not run");
    expect(run.events.some((e) => e.type === "shift" && e.weight === 50)).toBe(false);
    expect(await aliasOf(moto, target.name)).toEqual({ version: "2", weights: {} });
    expect(await descriptionOf(target.name)).toMatch(/^lambda-rollout: v2 live since /);
  });

  test("rollback during a bake: the deploy ends rolled back by an operator, exit 1, and writes nothing", async () => {
    const target = await targetWithV2("op-rollback");
    const deploy = startCli(moto, deployArgs(target, "--steps", "10%:60s"));
    await deploy.waitFor((e) => e.type === "shift" && e.weight === 10);
    const rollback = await runCli(moto, ["rollback", "--function", target.name, "--json"]);
    expect(rollback.code, rollback.stderr).toBe(0);
    const run = await deploy.done;
    expect(run.code, run.stderr).toBe(1);
    expect(run.events.at(-1)).toMatchObject({ type: "result", outcome: "rolled_back", exitCode: 1 });
    expect(String(run.events.at(-1)?.reason)).toMatch(/^rolled back by an operator: /);
    expect(run.events.some((e) => e.type === "rollback")).toBe(false);
    expect(run.stderr).toContain("result: rolled_back");
    expect(await aliasOf(moto, target.name)).toEqual({ version: "1", weights: {} });
  });
});

describe("manual approval, process against process", () => {
  test("the deploy waits; status shows the approve command; approve lets it promote", async () => {
    const target = await targetWithV2("approve");
    const deploy = startCli(
      moto,
      deployArgs(target, "--steps", "10%:1s", "--manual-approval", "--approval-timeout", "2m"),
    );
    const waiting = await deploy.waitFor((e) => e.type === "awaiting_approval");
    const command = `lambda-rollout approve --function ${target.name} --alias live`;
    expect(waiting).toMatchObject({ weight: 10, toVersion: "2", fromVersion: "1", approveCommand: command });
    // Still waiting a few polls later: nothing moves without the approval.
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    expect(await aliasOf(moto, target.name)).toEqual({ version: "1", weights: { "2": 0.1 } });

    const status = await runCli(moto, ["status", "--function", target.name, "--json"]);
    expect(status.code, status.stderr).toBe(0);
    expect(JSON.parse(status.stdout)).toMatchObject({
      inProgress: true,
      approval: { state: "awaiting", approveCommand: command },
    });
    const human = await runCli(moto, ["status", "--function", target.name]);
    expect(human.stdout).toContain(`Approve it with \`${command}\``);
    expect(deploy.child.exitCode).toBeNull();

    // The exact command the deploy printed, run as printed.
    const approve = await runCli(moto, [...command.split(" ").slice(1), "--json"]);
    expect(approve.code, approve.stderr).toBe(0);
    expect(approve.events.at(-1)).toMatchObject({ type: "result", outcome: "approved", exitCode: 0 });
    const run = await deploy.done;
    expect(run.code, run.stderr).toBe(0);
    expect(run.events.at(-1)).toMatchObject({ outcome: "promoted", exitCode: 0, reason: null });
    expect(run.events.some((e) => e.type === "approved")).toBe(true);
    expect(await aliasOf(moto, target.name)).toEqual({ version: "2", weights: {} });

    // Nothing awaits approval any more: exit 3, a clear message, nothing changed.
    const again = await runCli(moto, ["approve", "--function", target.name]);
    expect(again.code).toBe(3);
    expect(again.stderr).toContain(`Nothing to approve: ${target.name}:live is not awaiting approval`);
    expect(await aliasOf(moto, target.name)).toEqual({ version: "2", weights: {} });
  });

  test("no approval within --approval-timeout: rolled back, exit 1, saying why", async () => {
    const target = await targetWithV2("approve-timeout");
    const run = await runCli(
      moto,
      deployArgs(target, "--steps", "10%:1s", "--manual-approval", "--approval-timeout", "2s"),
    );
    expect(run.code, run.stderr).toBe(1);
    expect(run.events.at(-1)).toMatchObject({ outcome: "rolled_back", exitCode: 1 });
    expect(String(run.events.at(-1)?.reason)).toContain("No approval within 2s (--approval-timeout)");
    expect(await aliasOf(moto, target.name)).toEqual({ version: "1", weights: {} });
  });
});
