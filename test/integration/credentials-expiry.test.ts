/**
 * Credentials that stop working mid-roll-out, against moto with IAM enforcement switched on mid-run
 * (`/moto-api/reset-auth`, the runtime form of INITIAL_NO_AUTH_ACTION_COUNT): from then on every request
 * signed with the test keys is refused with InvalidClientTokenId, the rollback's included. The moto is
 * this file's own, since the switch is global to the server.
 */
import { ListVersionsByFunctionCommand } from "@aws-sdk/client-lambda";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { type JsonErrorProxy, startJsonErrorProxy } from "../support/json-error-proxy.js";
import { aliasOf, clients, createTarget, runCli, startCli } from "../support/lambda-fixtures.js";
import { type Moto, startMoto } from "../support/moto.js";

let moto: Moto;
let proxy: JsonErrorProxy;
let counter = 0;
const uniqueName = (label: string) => `${label}-${++counter}`;

/** `0`: every request from now on is authenticated (and the test keys exist in no IAM); `inf`: none is. */
async function enforceIam(on: boolean): Promise<void> {
  const response = await fetch(`${moto.endpoint}/moto-api/reset-auth`, {
    method: "POST",
    body: on ? "0" : "inf",
  });
  if (!response.ok) throw new Error(`reset-auth failed: HTTP ${response.status}`);
}

beforeAll(async () => {
  moto = await startMoto();
  proxy = await startJsonErrorProxy(moto.endpoint);
});
afterAll(async () => {
  await proxy?.stop();
  await moto?.stop();
});

const deployArgs = (target: { name: string; bucket: string }, zip: string, ...extra: string[]) => [
  "deploy",
  ...["--function", target.name, "--alias", "live", "--zip", zip, "--bucket", target.bucket, "--json"],
  ...extra,
];

describe("credentials that stop working mid-bake", () => {
  test("exit 5, outcome failed, the split named, and the exact command to run with fresh credentials", async () => {
    const target = await createTarget(moto, uniqueName("expiry"));
    const run = startCli(
      moto,
      deployArgs(target, target.v2, "--steps", "10%:60s", "--alarm", target.alarm, "--interval", "1s"),
      undefined,
      { AWS_ENDPOINT_URL: proxy.endpoint },
    );
    try {
      await run.waitFor((e) => e.type === "shift" && e.weight === 10);
      await enforceIam(true);
      const done = await run.done;
      expect(done.code, done.stderr).toBe(5);
      const result = done.events.at(-1);
      expect(result).toMatchObject({
        type: "result",
        outcome: "failed",
        exitCode: 5,
        fromVersion: "1",
        toVersion: "2",
      });
      expect(result?.reason).toMatch(/credentials expired or are no longer valid \(InvalidClientTokenId\)/);
      expect(result?.reason).toContain("It was left as this run last set it: 90% v1 / 10% v2.");
      expect(result?.hint).toContain(
        `With fresh AWS credentials, run:\nlambda-rollout rollback --function ${target.name} --alias live`,
      );
      expect(done.stderr).not.toMatch(/^\s+at /m);
    } finally {
      await enforceIam(false);
      await run.done;
    }
    // Independently, with IAM enforcement off again: the alias is split exactly as reported.
    expect(await aliasOf(moto, target.name)).toEqual({ version: "1", weights: { "2": 0.1 } });
    // And the command from the hint resolves it once credentials work again.
    const rollback = await runCli(moto, ["rollback", "--function", target.name, "--alias", "live", "--json"]);
    expect(rollback.code, rollback.stderr).toBe(0);
    expect(await aliasOf(moto, target.name)).toEqual({ version: "1", weights: {} });
  }, 60_000);
});

describe("credentials that cannot outlive the roll-out", () => {
  const soon = (minutes: number) => new Date(Date.now() + minutes * 60_000).toISOString();

  test("exit 2 before any write, with the numbers and the fixes; a dry run says the same", async () => {
    const target = await createTarget(moto, uniqueName("short"));
    // configure-aws-credentials' defaults: a one-hour session, exported as environment variables.
    const env = { AWS_SESSION_TOKEN: "session", AWS_CREDENTIAL_EXPIRATION: soon(60) };
    const args = deployArgs(
      target,
      target.v2,
      "--strategy",
      "Canary10Percent30Minutes",
      "--final-bake",
      "30m",
    );
    for (const extra of [[], ["--dry-run"]]) {
      const run = await runCli(moto, [...args, ...extra], undefined, env);
      expect(run.code, run.stderr).toBe(2);
      const result = run.events.at(-1);
      expect(result).toMatchObject({ outcome: "failed", exitCode: 2 });
      // 30 + 30 min of bakes, the 5-minute update wait, the 2-minute restore margin.
      expect(result?.reason).toMatch(/expire at \S+Z \(in 59 min\), but this roll-out may take up to 67 min/);
      expect(result?.reason).toContain("Nothing was changed.");
      expect(result?.hint).toContain("role-duration-seconds: 5400");
      expect(result?.hint).toContain("--engine stepfunctions");
    }
    expect(await aliasOf(moto, target.name)).toEqual({ version: "1", weights: {} });
    const versions = await clients(moto).lambda.send(
      new ListVersionsByFunctionCommand({ FunctionName: target.name }),
    );
    expect(versions.Versions?.map((v) => v.Version)).toEqual(["$LATEST", "1"]);
  }, 60_000);

  test("a session that outlives the worst case deploys, and the log says until when it is valid", async () => {
    const target = await createTarget(moto, uniqueName("long"));
    const env = { AWS_SESSION_TOKEN: "session", AWS_CREDENTIAL_EXPIRATION: soon(90) };
    const run = await runCli(moto, deployArgs(target, target.v2, "--steps", "10%:1s"), undefined, env);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toMatch(/AWS credentials from environment variables .* are valid until/);
  }, 60_000);
});
