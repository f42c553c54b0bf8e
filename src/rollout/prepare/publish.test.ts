import { describe, expect, test } from "vitest";
import { FakeArtifacts, FakeClock, FakeLambda } from "../../../test/support/fakes.js";
import { sha256 } from "../../artifact/hash.js";
import type { RolloutEvent } from "../events.js";
import { publishPackage } from "./publish.js";

const bytes = new TextEncoder().encode("the package");
const digest = sha256(bytes);
/** As FakeArtifacts names objects: BUCKET/PREFIX/FUNCTION/SHA256.zip. */
const key = `artifacts/builds/fn/${digest.hex}.zip`;

/** Publishes `bytes` with whatever is already stored at its key; returns the artifact event and the puts. */
async function publishWith(stored?: { body: Uint8Array; sha256Base64?: string }) {
  const lambda = new FakeLambda("fn", "live");
  lambda.shaFor = () => digest.base64;
  const artifacts = new FakeArtifacts();
  if (stored) {
    artifacts.objects.set(key, stored.body);
    if (stored.sha256Base64 !== undefined) artifacts.checksums.set(key, stored.sha256Base64);
  }
  const puts: string[] = [];
  const put = artifacts.put.bind(artifacts);
  artifacts.put = async (...args) => {
    puts.push(`${args[0]}/${args[1]}`);
    await put(...args);
  };
  const events: RolloutEvent[] = [];
  await publishPackage(
    {
      functionName: "fn",
      source: { bucket: "artifacts", prefix: "builds" },
      artifact: { bytes, digest, entries: [] } as never,
      stableVersion: "1",
    },
    { lambda, artifacts, clock: new FakeClock(), emit: (event) => events.push(event) },
  );
  return { event: events.find((e) => e.type === "artifact"), puts, artifacts };
}

describe("an upload is skipped only when the stored object's checksum matches the package", () => {
  test("absent: uploaded", async () => {
    const { event, puts } = await publishWith();
    expect(puts).toEqual([key]);
    expect(event).toMatchObject({ uploaded: true });
    expect(event).not.toHaveProperty("reason");
  });

  test("present with the package's SHA-256: not uploaded again", async () => {
    const { event, puts } = await publishWith({ body: bytes, sha256Base64: digest.base64 });
    expect(puts).toEqual([]);
    expect(event).toMatchObject({ uploaded: false });
  });

  test("present without a SHA-256 checksum: uploaded again, saying why", async () => {
    const { event, puts, artifacts } = await publishWith({ body: new Uint8Array([1, 2, 3]) });
    expect(puts).toEqual([key]);
    expect(event).toMatchObject({ uploaded: true, reason: expect.stringMatching(/no SHA-256 checksum/) });
    expect(artifacts.objects.get(key)).toEqual(bytes);
  });

  test("present with another SHA-256 (corrupted or overwritten): uploaded again, saying why", async () => {
    const { event, puts } = await publishWith({ body: new Uint8Array([1]), sha256Base64: "b3RoZXI=" });
    expect(puts).toEqual([key]);
    expect(event).toMatchObject({
      uploaded: true,
      reason: expect.stringMatching(/checksum mismatch.*b3RoZXI=/),
    });
  });
});
