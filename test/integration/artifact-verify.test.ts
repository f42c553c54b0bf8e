import { readFile } from "node:fs/promises";
import { GetFunctionCommand } from "@aws-sdk/client-lambda";
import { PutObjectCommand } from "@aws-sdk/client-s3";
import { afterAll, beforeAll, expect, test } from "vitest";
import { sha256 } from "../../src/artifact/hash.js";
import { aliasOf, clients, createTarget, runCli } from "../support/lambda-fixtures.js";
import { type Moto, startMoto } from "../support/moto.js";

let moto: Moto;

beforeAll(async () => {
  moto = await startMoto();
});
afterAll(async () => {
  await moto?.stop();
});

test("an object already at the package's key is trusted only when its SHA-256 matches; otherwise uploaded again", async () => {
  const target = await createTarget(moto, "verify-upload");
  const digest = sha256(new Uint8Array(await readFile(target.v2)));
  // Someone (a broken earlier upload, another tool) left other bytes at the content-addressed key.
  const key = `builds/${target.name}/${digest.hex}.zip`;
  await clients(moto).s3.send(
    new PutObjectCommand({ Bucket: target.bucket, Key: key, Body: new TextEncoder().encode("not the zip") }),
  );
  const args = ["deploy", "--function", target.name, "--zip", target.v2, "--bucket", target.bucket];
  const run = await runCli(moto, [...args, "--prefix", "builds", "--json"]);
  expect(run.code, run.stderr).toBe(0);
  expect(run.events.find((event) => event.type === "artifact")).toMatchObject({
    key,
    uploaded: true,
    reason: expect.stringMatching(/no SHA-256 checksum/),
  });
  expect(run.stderr).toMatch(/uploaded s3:\/\/.* \(.*no SHA-256 checksum/);
  const live = await clients(moto).lambda.send(
    new GetFunctionCommand({ FunctionName: target.name, Qualifier: "2" }),
  );
  expect(live.Configuration?.CodeSha256).toBe(digest.base64);
  expect(await aliasOf(moto, target.name)).toEqual({ version: "2", weights: {} });
});
