/**
 * The roll-out ledger against moto (real S3 conditional writes: a second `If-None-Match: *` and a stale
 * `If-Match` answer 412), driven through the real binary, read back with a client of the test's own.
 */
import { GetObjectCommand, ListObjectsV2Command, PutObjectCommand } from "@aws-sdk/client-s3";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { aliasOf, clients, createTarget, runCli, startCli } from "../support/lambda-fixtures.js";
import { type Moto, startMoto } from "../support/moto.js";

let moto: Moto;
let counter = 0;
const uniqueName = (label: string) => `${label}-${++counter}`;

beforeAll(async () => {
  moto = await startMoto();
});
afterAll(async () => {
  await moto?.stop();
});

async function objectText(bucket: string, key: string): Promise<string | undefined> {
  try {
    const reply = await clients(moto).s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
    return await reply.Body?.transformToString();
  } catch {
    return undefined;
  }
}

async function keysUnder(bucket: string, prefix: string): Promise<string[]> {
  const reply = await clients(moto).s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix }));
  return (reply.Contents ?? []).map((item) => item.Key as string);
}

const headKeyOf = (name: string) => `rollouts/aliases/123456789012/us-east-1/${name}/live.json`;

describe("deploy keeps a record and holds the alias's lock", () => {
  test("a promoted deploy leaves its record (shifts, outcome, actor) and frees the lock", async () => {
    const target = await createTarget(moto, uniqueName("ledger-ok"));
    const run = await runCli(
      moto,
      [
        "deploy",
        "--function",
        target.name,
        "--zip",
        target.v2,
        "--bucket",
        target.bucket,
        "--steps",
        "50%:1s",
        "--interval",
        "500ms",
        "--json",
      ],
      undefined,
      {
        GITHUB_ACTIONS: "true",
        GITHUB_ACTOR: "octocat",
        GITHUB_REPOSITORY: "octo/shop",
        GITHUB_RUN_ID: "42",
        GITHUB_SHA: "abc123",
      },
    );
    expect(run.code, run.stderr).toBe(0);
    const result = run.events.at(-1) as { outcome: string; ledger: { id: string } };
    expect(result.outcome).toBe("promoted");
    const id = result.ledger.id;
    const record = JSON.parse((await objectText(target.bucket, `rollouts/records/${id}.json`)) ?? "{}");
    expect(record.outcome).toMatchObject({ outcome: "promoted", exitCode: 0 });
    expect(record.actor).toMatchObject({
      name: "octocat",
      repository: "octo/shop",
      runUrl: "https://github.com/octo/shop/actions/runs/42",
      commit: "abc123",
    });
    expect(record.targets).toEqual([
      expect.objectContaining({
        function: target.name,
        alias: "live",
        stableVersion: "1",
        newVersion: "2",
        state: "promoted",
      }),
    ]);
    const shifts = record.timeline.filter((entry: { type: string }) => entry.type === "shift");
    expect(shifts.map((entry: { weight: number }) => entry.weight)).toEqual([50, 100]);
    const head = JSON.parse((await objectText(target.bucket, headKeyOf(target.name))) ?? "{}");
    expect(head.holder).toBeNull();
    expect(head.recent.map((entry: { id: string }) => entry.id)).toEqual([id]);
  });

  test("a second deploy of the same alias, from another process, is exit 3 before it publishes anything", async () => {
    const target = await createTarget(moto, uniqueName("ledger-lock"));
    // The first one holds the alias through a pre-traffic hook that takes a few seconds.
    const first = startCli(moto, [
      "deploy",
      "--function",
      target.name,
      "--zip",
      target.v2,
      "--bucket",
      target.bucket,
      "--steps",
      "50%:1s",
      "--interval",
      "500ms",
      "--pre-traffic-hook",
      "sleep 3",
      "--json",
    ]);
    await first.waitFor((event) => event.type === "published");
    const second = await runCli(moto, [
      "deploy",
      "--function",
      target.name,
      "--zip",
      target.v3,
      "--bucket",
      target.bucket,
      "--strategy",
      "AllAtOnce",
      "--json",
    ]);
    expect(second.code, second.stderr).toBe(3);
    const result = second.events.at(-1) as { reason: string; hint: string };
    expect(result.reason).toMatch(/is locked by roll-out r-[0-9a-z]+-[0-9a-z]+, started by .* since/);
    expect(result.hint).toContain("lambda-rollout unlock");
    // Nothing of the second: its package was never uploaded, and no v3 exists.
    const packages = await keysUnder(target.bucket, "");
    expect(packages.filter((key) => key.endsWith(".zip"))).toHaveLength(1);
    const done = await first.done;
    expect(done.code, done.stderr).toBe(0);
    expect(await aliasOf(moto, target.name)).toEqual({ version: "2", weights: {} });
    // The lock is free again: a third deploy goes through.
    const third = await runCli(moto, [
      "deploy",
      "--function",
      target.name,
      "--zip",
      target.v3,
      "--bucket",
      target.bucket,
      "--strategy",
      "AllAtOnce",
      "--json",
    ]);
    expect(third.code, third.stderr).toBe(0);
    expect(await aliasOf(moto, target.name)).toEqual({ version: "3", weights: {} });
  });

  test("a ledger object that is not ours at the head key is exit 2 with nothing changed", async () => {
    const target = await createTarget(moto, uniqueName("ledger-foreign"));
    await clients(moto).s3.send(
      new PutObjectCommand({ Bucket: target.bucket, Key: headKeyOf(target.name), Body: "not json" }),
    );
    const run = await runCli(moto, [
      "deploy",
      "--function",
      target.name,
      "--zip",
      target.v2,
      "--bucket",
      target.bucket,
      "--strategy",
      "AllAtOnce",
      "--json",
    ]);
    expect(run.code).toBe(2);
    expect(await aliasOf(moto, target.name)).toEqual({ version: "1", weights: {} });
  });

  test("a missing ledger bucket is exit 2 before any change", async () => {
    const target = await createTarget(moto, uniqueName("ledger-nobucket"));
    const run = await runCli(moto, [
      "deploy",
      "--function",
      target.name,
      "--zip",
      target.v2,
      "--bucket",
      target.bucket,
      "--ledger-bucket",
      "no-such-ledger",
      "--strategy",
      "AllAtOnce",
      "--json",
    ]);
    expect(run.code, run.stderr).toBe(2);
    expect((run.events.at(-1) as { reason: string }).reason).toContain(
      "The ledger bucket no-such-ledger does not exist",
    );
    expect(await aliasOf(moto, target.name)).toEqual({ version: "1", weights: {} });
    expect((await keysUnder(target.bucket, "")).filter((key) => key.endsWith(".zip"))).toEqual([]);
  });
});
