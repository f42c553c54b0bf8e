import {
  GetObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
  type S3ClientConfig,
} from "@aws-sdk/client-s3";
import { AwsError, InputError, LedgerRaceError, type RolloutError } from "../errors.js";
import type { CallOptions, LedgerObject, LedgerStore } from "../ports.js";
import type { SdkErrorInfo } from "./errors.js";
import { type AdapterOptions, AwsCaller, clientDefaults } from "./retry.js";

/**
 * The roll-out ledger in S3 (rollout/ledger). Conditional writes as S3 documents them: `If-None-Match: *`
 * creates an object only where none is (412 PreconditionFailed, or 409 ConditionalRequestConflict
 * while another create of the same key is in flight), `If-Match: <ETag>` replaces it only while it is
 * unchanged (412). https://docs.aws.amazon.com/AmazonS3/latest/userguide/conditional-writes.html
 */
export class S3LedgerStore implements LedgerStore {
  readonly client: S3Client;
  private readonly caller: AwsCaller;

  constructor(client?: S3Client | S3ClientConfig, options: AdapterOptions = {}) {
    this.client = client instanceof S3Client ? client : new S3Client(clientDefaults(client));
    this.caller = new AwsCaller(options, false);
  }

  async get(bucket: string, key: string, options: CallOptions = {}): Promise<LedgerObject | undefined> {
    try {
      return await this.caller.run(
        {
          operation: "GetObject",
          resource: `s3://${bucket}/${key}`,
          translate: (info, error) =>
            info.code === "NoSuchKey" || (info.status === 404 && info.code !== "NoSuchBucket")
              ? new Absent(key)
              : ledgerErrors(bucket, key)(info, error),
        },
        async (abortSignal) => {
          const reply = await this.client.send(new GetObjectCommand({ Bucket: bucket, Key: key }), {
            abortSignal,
          });
          const body = (await reply.Body?.transformToString("utf8")) ?? "";
          return { body, etag: reply.ETag ?? "" };
        },
        options,
      );
    } catch (error) {
      if (error instanceof Absent) return undefined;
      throw error;
    }
  }

  create(bucket: string, key: string, body: string, options: CallOptions = {}): Promise<string> {
    return this.put(bucket, key, body, { IfNoneMatch: "*" }, options);
  }

  replace(
    bucket: string,
    key: string,
    body: string,
    etag: string,
    options: CallOptions = {},
  ): Promise<string> {
    return this.put(bucket, key, body, { IfMatch: etag }, options);
  }

  async list(bucket: string, prefix: string, options: CallOptions = {}): Promise<string[]> {
    const keys: string[] = [];
    let token: string | undefined;
    do {
      const page = await this.caller.run(
        {
          operation: "ListObjectsV2",
          resource: `s3://${bucket}/${prefix}`,
          translate: ledgerErrors(bucket, prefix),
        },
        (abortSignal) =>
          this.client.send(
            new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, ContinuationToken: token }),
            { abortSignal },
          ),
        options,
      );
      for (const item of page.Contents ?? []) if (item.Key) keys.push(item.Key);
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
    return keys;
  }

  private async put(
    bucket: string,
    key: string,
    body: string,
    condition: { IfNoneMatch: string } | { IfMatch: string },
    options: CallOptions,
  ): Promise<string> {
    const reply = await this.caller.run(
      {
        operation: "PutObject",
        resource: `s3://${bucket}/${key}`,
        translate: (info, error) =>
          info.status === 412 ||
          info.code === "PreconditionFailed" ||
          info.code === "ConditionalRequestConflict"
            ? new LedgerRaceError(key)
            : ledgerErrors(bucket, key)(info, error),
      },
      (abortSignal) =>
        this.client.send(
          new PutObjectCommand({
            Bucket: bucket,
            Key: key,
            Body: body,
            ContentType: "application/json",
            ...condition,
          }),
          { abortSignal },
        ),
      options,
    );
    return reply.ETag ?? "";
  }
}

/** A missing bucket is the user's to fix (exit 2); access denied names the grants the ledger needs. */
function ledgerErrors(bucket: string, key: string) {
  return (info: SdkErrorInfo, error: unknown): RolloutError | undefined => {
    if (info.code === "NoSuchBucket")
      return new InputError(`The ledger bucket ${bucket} does not exist.`, {
        cause: error,
        hint: "Create it (the Terraform module does), or point the ledger elsewhere: `ledger: { bucket, prefix }` in the configuration or --ledger-bucket.",
      });
    if (info.code === "AccessDenied" || info.status === 403)
      return new InputError(`Access denied to the ledger at s3://${bucket}/${key} (HTTP 403).`, {
        cause: error,
        hint: "The CI identity needs s3:GetObject and s3:PutObject on the ledger prefix and s3:ListBucket on the bucket: see `lambda-rollout iam-policy`.",
      });
    return undefined;
  };
}

/** Internal: lets a 404 escape the retry loop as "no such object". */
class Absent extends AwsError {
  constructor(key: string) {
    super(`${key} does not exist`);
  }
}
