import {
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
  type S3ClientConfig,
} from "@aws-sdk/client-s3";
import { AwsError, InputError, NotFoundError, type RolloutError } from "../errors.js";
import type { ArtifactStore, StoredObject } from "../ports.js";
import type { SdkErrorInfo } from "./errors.js";
import { type AdapterOptions, AwsCaller, clientDefaults } from "./retry.js";
import { locating, type Whereabouts } from "./whereabouts.js";

function bucketErrors(bucket: string): (info: SdkErrorInfo, error: unknown) => RolloutError | undefined {
  return (info, error) =>
    info.code === "NoSuchBucket"
      ? new NotFoundError(`S3 bucket ${bucket} does not exist.`, {
          cause: error,
          hint: "Check --bucket (or artifact.bucket in the configuration) and the region. lambda-rollout never creates buckets: it must exist before deploying.",
        })
      : undefined;
}

/** Content-addressed artifact storage in S3. */
export class S3ArtifactStore implements ArtifactStore {
  readonly client: S3Client;
  private readonly caller: AwsCaller;
  private readonly whereabouts: Whereabouts | undefined;

  /**
   * @param client an SDK client, or config for one (built with `maxAttempts: 1`: retries happen in
   *   {@link AwsCaller}). S3 is not the Lambda control plane, so no rate limit unless one is given.
   */
  constructor(client?: S3Client | S3ClientConfig, options: AdapterOptions = {}) {
    this.client = client instanceof S3Client ? client : new S3Client(clientDefaults(client));
    this.caller = new AwsCaller(options, false);
    this.whereabouts = options.whereabouts;
  }

  /**
   * HeadObject with `ChecksumMode: ENABLED`, which returns the SHA-256 the object was uploaded with. It
   * needs no permission beyond s3:GetObject (plus kms:Decrypt for an SSE-KMS bucket). A HEAD reply has
   * no body, so its 404 cannot say whether the object or the whole bucket is missing
   * (https://docs.aws.amazon.com/AmazonS3/latest/API/API_HeadObject.html): on a 404, one
   * ListObjectsV2 of the key itself tells them apart (a missing bucket is NoSuchBucket, an InputError).
   * It is the s3:ListBucket the deployer policy grants on the key's prefix.
   */
  async head(bucket: string, key: string): Promise<StoredObject | undefined> {
    const resource = `s3://${bucket}/${key}`;
    try {
      const reply = await this.caller.run(
        {
          operation: "HeadObject",
          resource,
          translate: (info, error) => {
            // HEAD replies carry no body, so a missing object (and a missing bucket) is a bare 404.
            if (info.status === 404 || info.code === "NotFound" || info.code === "NoSuchKey") {
              return new NotFoundSignal(`${resource} does not exist`);
            }
            if (info.status === 403) {
              return new AwsError(`Access denied checking ${resource} (HTTP 403).`, {
                cause: error,
                code: info.code,
                status: 403,
                hint: "S3 answers 403 instead of 404 for a missing object unless the identity has s3:ListBucket on the bucket; grant s3:GetObject on the prefix and s3:ListBucket on the bucket.",
              });
            }
            return undefined;
          },
        },
        () => this.client.send(new HeadObjectCommand({ Bucket: bucket, Key: key, ChecksumMode: "ENABLED" })),
      );
      // A multipart upload's checksum is a checksum of checksums ("…-N"): not comparable to the package's.
      const composite = reply.ChecksumType === "COMPOSITE" || /-\d+$/.test(reply.ChecksumSHA256 ?? "");
      return { sha256Base64: composite ? undefined : reply.ChecksumSHA256 };
    } catch (error) {
      if (!(error instanceof NotFoundSignal)) throw error;
      await this.caller.run(
        { operation: "ListObjectsV2", resource: `s3://${bucket}/${key}`, translate: bucketErrors(bucket) },
        () => this.client.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: key, MaxKeys: 1 })),
      );
      return undefined;
    }
  }

  async put(bucket: string, key: string, body: Uint8Array, sha256Base64: string): Promise<void> {
    const putting = this.caller.run(
      { operation: "PutObject", resource: `s3://${bucket}/${key}`, translate: bucketErrors(bucket) },
      () =>
        this.client.send(
          new PutObjectCommand({
            Bucket: bucket,
            Key: key,
            Body: body,
            // The algorithm as well as the value: S3 then keeps the checksum, and HeadObject returns it.
            ChecksumAlgorithm: "SHA256",
            ChecksumSHA256: sha256Base64,
            ContentType: "application/zip",
          }),
        ),
    );
    await locating(putting, () => this.client.config.region(), this.whereabouts);
  }
}

/** Internal: lets the 404 of HeadObject escape the retry loop without being reported as an error. */
class NotFoundSignal extends InputError {}
