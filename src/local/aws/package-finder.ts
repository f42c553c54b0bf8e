/**
 * Finds a version's deployment package by its CodeSha256, since the emulator does not serve code.
 *
 * Measured against moto 5.2.1: GetFunction's `Code.Location` is a fixed
 * `https://awslambda-<region>-tasks.s3...amazonaws.com/...` URL that is the same for every version and
 * downloads nothing (no such bucket in moto, no internet). So, in this order:
 * 1. packages registered by the caller (`register`), e.g. the demo's own builds;
 * 2. the content-addressed object `PREFIX/FUNCTION/SHA256HEX.zip` in the configured buckets, which is
 *    where `lambda-rollout deploy` uploads every release;
 * 3. any other object under `PREFIX/FUNCTION/` in those buckets whose SHA-256 matches (bounded);
 * 4. `Code.Location`, only when it is not the emulator's dead URL (real AWS serves a presigned URL).
 */
import { createHash } from "node:crypto";
import { GetObjectCommand, ListObjectsV2Command, type S3Client } from "@aws-sdk/client-s3";
import { artifactKeyPrefix } from "../../artifact/key.js";
import { InputError } from "../../errors.js";

export interface PackageSource {
  bucket: string;
  prefix?: string | undefined;
}

export function sha256Base64(bytes: Uint8Array): string {
  return createHash("sha256").update(bytes).digest("base64");
}

function isEmulatorDeadLink(location: string | undefined): boolean {
  return !location || /^https:\/\/awslambda-[a-z0-9-]+-tasks\.s3\./.test(location);
}

export class PackageFinder {
  private readonly packages = new Map<string, Uint8Array>();

  constructor(
    private readonly s3: S3Client,
    private readonly sources: PackageSource[] = [],
    /** Objects hashed per folder when the content-addressed key is absent. */
    private readonly maxObjectsToHash = 50,
  ) {}

  /** Makes a package findable by its CodeSha256; returns that hash. */
  register(bytes: Uint8Array): string {
    const sha = sha256Base64(bytes);
    this.packages.set(sha, bytes);
    return sha;
  }

  addSource(source: PackageSource): void {
    this.sources.push(source);
  }

  /** The package of `functionName:version` with CodeSha256 `sha`; InputError when it is nowhere. */
  async find(
    functionName: string,
    version: string,
    sha: string,
    location: string | undefined,
  ): Promise<Uint8Array> {
    const registered = this.packages.get(sha);
    if (registered) return registered;
    const hex = Buffer.from(sha, "base64").toString("hex");
    for (const source of this.sources) {
      const found = await this.findInBucket(source, functionName, sha, hex);
      if (found) return this.remember(found);
    }
    if (!isEmulatorDeadLink(location) && location) {
      const response = await fetch(location, { signal: AbortSignal.timeout(10_000) });
      if (response.ok) {
        const bytes = new Uint8Array(await response.arrayBuffer());
        if (sha256Base64(bytes) === sha) return this.remember(bytes);
      }
    }
    const looked = this.sources
      .map((s) => `s3://${s.bucket}/${artifactKeyPrefix(s.prefix, functionName)}`)
      .join(", ");
    throw new InputError(
      `Cannot find the deployment package of ${functionName}:${version} (CodeSha256 ${sha}).`,
      {
        hint:
          `Looked in registered packages${looked ? ` and ${looked}` : ""}. The emulator does not serve code: ` +
          "register the zip (registerPackage) or name the bucket and prefix it was uploaded to.",
      },
    );
  }

  private remember(bytes: Uint8Array): Uint8Array {
    this.packages.set(sha256Base64(bytes), bytes);
    return bytes;
  }

  private async readObject(bucket: string, key: string): Promise<Uint8Array | undefined> {
    try {
      const object = await this.s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
      return object.Body ? await object.Body.transformToByteArray() : undefined;
    } catch {
      return undefined;
    }
  }

  private async findInBucket(
    source: PackageSource,
    functionName: string,
    sha: string,
    hex: string,
  ): Promise<Uint8Array | undefined> {
    const dir = artifactKeyPrefix(source.prefix, functionName);
    const direct = await this.readObject(source.bucket, `${dir}${hex}.zip`);
    if (direct && sha256Base64(direct) === sha) return direct;
    const listing = await this.s3
      .send(new ListObjectsV2Command({ Bucket: source.bucket, Prefix: dir, MaxKeys: this.maxObjectsToHash }))
      .catch(() => undefined);
    for (const entry of listing?.Contents ?? []) {
      if (!entry.Key?.endsWith(".zip")) continue;
      const bytes = await this.readObject(source.bucket, entry.Key);
      if (bytes && sha256Base64(bytes) === sha) return bytes;
    }
    return undefined;
  }
}
