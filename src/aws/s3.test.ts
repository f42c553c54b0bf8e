import {
  HeadObjectCommand,
  ListObjectsV2Command,
  NoSuchBucket,
  NotFound,
  PutObjectCommand,
  S3Client,
} from "@aws-sdk/client-s3";
import { mockClient } from "aws-sdk-client-mock";
import { beforeEach, expect, test } from "vitest";
import { FakeClock } from "../../test/support/fakes.js";
import { AwsError, InputError } from "../errors.js";
import { S3ArtifactStore } from "./s3.js";

const newMock = (c: S3Client) => mockClient(c);
let mock: ReturnType<typeof newMock>;
let store: S3ArtifactStore;
let clock: FakeClock;

beforeEach(() => {
  const client = new S3Client({
    region: "us-east-1",
    credentials: { accessKeyId: "a", secretAccessKey: "b" },
  });
  mock = newMock(client);
  clock = new FakeClock();
  store = new S3ArtifactStore(client, { clock, random: () => 0 });
});

test("head asks S3 for the stored checksum (ChecksumMode ENABLED) and returns it", async () => {
  mock
    .on(HeadObjectCommand)
    .resolves({ ContentLength: 10, ChecksumSHA256: "q1w2e3=", ChecksumType: "FULL_OBJECT" });
  expect(await store.head("b", "p/fn/abc.zip")).toEqual({ sha256Base64: "q1w2e3=" });
  expect(mock.commandCalls(HeadObjectCommand)[0]?.args[0].input).toEqual({
    Bucket: "b",
    Key: "p/fn/abc.zip",
    ChecksumMode: "ENABLED",
  });
});

test("an object stored without a SHA-256 checksum (or with a composite one) has none to compare", async () => {
  mock.on(HeadObjectCommand).resolvesOnce({ ChecksumCRC32: "VbyAHQ==" }).resolves({
    ChecksumSHA256: "q1w2e3=-3",
    ChecksumType: "COMPOSITE",
  });
  expect(await store.head("b", "k")).toEqual({ sha256Base64: undefined });
  expect(await store.head("b", "k")).toEqual({ sha256Base64: undefined });
});

test("HeadObject 404 in a bucket that exists means the object does not, without retries", async () => {
  mock
    .on(HeadObjectCommand)
    .rejects(new NotFound({ message: "NotFound", $metadata: { httpStatusCode: 404 } }));
  mock.on(ListObjectsV2Command).resolves({ KeyCount: 0 });
  expect(await store.head("b", "k")).toBeUndefined();
  expect(mock.commandCalls(HeadObjectCommand)).toHaveLength(1);
  // The one request that tells a missing object from a missing bucket: the key itself, as a prefix.
  expect(mock.commandCalls(ListObjectsV2Command).map((c) => c.args[0].input)).toEqual([
    { Bucket: "b", Prefix: "k", MaxKeys: 1 },
  ]);
});

test("HeadObject 404 in a bucket that does not exist is an InputError naming the bucket (exit 2)", async () => {
  mock
    .on(HeadObjectCommand)
    .rejects(new NotFound({ message: "NotFound", $metadata: { httpStatusCode: 404 } }));
  mock.on(ListObjectsV2Command).rejects(
    new NoSuchBucket({
      message: "The specified bucket does not exist",
      $metadata: { httpStatusCode: 404 },
    }),
  );
  const error = await store.head("artifacts-x", "k").catch((e: unknown) => e);
  expect(error).toBeInstanceOf(InputError);
  expect((error as InputError).message).toBe("S3 bucket artifacts-x does not exist.");
  expect((error as InputError).exitCode).toBe(2);
});

test("HeadObject 403 is an AwsError that explains the ListBucket permission", async () => {
  mock
    .on(HeadObjectCommand)
    .rejects(Object.assign(new Error("Forbidden"), { name: "403", $metadata: { httpStatusCode: 403 } }));
  const error = (await store.head("b", "k").catch((e: unknown) => e)) as AwsError;
  expect(error).toBeInstanceOf(AwsError);
  expect(error.status).toBe(403);
  expect(error.hint).toMatch(/s3:ListBucket/);
});

test("HeadObject 503 SlowDown is retried", async () => {
  const slowDown = Object.assign(new Error("Slow down"), {
    name: "SlowDown",
    $metadata: { httpStatusCode: 503 },
  });
  mock.on(HeadObjectCommand).rejectsOnce(slowDown).resolves({ ChecksumSHA256: "x=" });
  expect(await store.head("b", "k")).toEqual({ sha256Base64: "x=" });
  expect(mock.commandCalls(HeadObjectCommand)).toHaveLength(2);
});

test("put sends the SHA-256 checksum (and its algorithm, so S3 stores it) and the zip content type", async () => {
  mock.on(PutObjectCommand).resolves({});
  const body = new Uint8Array([80, 75, 5, 6]);
  await store.put("b", "p/fn/abc.zip", body, "q1w2e3=");
  expect(mock.commandCalls(PutObjectCommand)[0]?.args[0].input).toEqual({
    Bucket: "b",
    Key: "p/fn/abc.zip",
    Body: body,
    ChecksumAlgorithm: "SHA256",
    ChecksumSHA256: "q1w2e3=",
    ContentType: "application/zip",
  });
});

test("put into a missing bucket is an InputError naming the bucket", async () => {
  mock.on(PutObjectCommand).rejects(
    new NoSuchBucket({
      message: "The specified bucket does not exist",
      $metadata: { httpStatusCode: 404 },
    }),
  );
  const error = await store.put("artifacts-x", "k", new Uint8Array(), "x").catch((e: unknown) => e);
  expect(error).toBeInstanceOf(InputError);
  expect((error as InputError).message).toContain("artifacts-x");
});
