import type { Artifact } from "../artifact/inspect.js";
import { artifactKey } from "../artifact/key.js";
import { AwsError } from "../errors.js";
import type { ArtifactStore, Clock, FunctionState, LambdaPort } from "../ports.js";
import type { RolloutEvent } from "./events.js";

export interface PublishRequest {
  functionName: string;
  source: { bucket: string; prefix?: string | undefined };
  artifact: Artifact;
  stableVersion: string;
  updateTimeoutMs?: number | undefined;
}

export interface PublishPorts {
  lambda: LambdaPort;
  artifacts: ArtifactStore;
  clock: Clock;
  emit: (event: RolloutEvent) => void;
}

const POLL_MS = 1_000;

/** What a published version says about itself; `status` and `rollback` read it back from AWS. */
export function versionDescription(sha256Hex: string, previousVersion: string): string {
  return `lambda-rollout: ${sha256Hex.slice(0, 12)} (previous v${previousVersion})`;
}

/** The version a lambda-rollout release replaced, from its description; undefined for other versions. */
export function previousVersionOf(description: string | undefined): string | undefined {
  return /^lambda-rollout: [0-9a-f]{12} \(previous v(\d+|\$LATEST)\)$/.exec(description ?? "")?.[1];
}

/**
 * Uploads the package (unless present), updates `$LATEST` from S3, waits for the update to settle and
 * publishes a version guarded by the CodeSha256 the update produced. Returns the new version number.
 */
export async function publishPackage(request: PublishRequest, ports: PublishPorts): Promise<string> {
  const { lambda, artifacts, clock, emit } = ports;
  const { functionName, artifact } = request;
  const bucket = request.source.bucket;
  const key = artifactKey(request.source.prefix, functionName, artifact.digest.hex);
  // The key names the content, but only S3's own checksum proves the object holds it.
  const stored = await artifacts.head(bucket, key);
  const reason =
    stored === undefined
      ? undefined
      : stored.sha256Base64 === undefined
        ? "the object already there has no SHA-256 checksum to verify it against; uploaded again"
        : stored.sha256Base64 !== artifact.digest.base64
          ? `checksum mismatch: the object already there has SHA-256 ${stored.sha256Base64}, the package ${artifact.digest.base64}; uploaded again`
          : undefined;
  const upload = stored === undefined || reason !== undefined;
  if (upload) await artifacts.put(bucket, key, artifact.bytes, artifact.digest.base64);
  emit({
    type: "artifact",
    bucket,
    key,
    sha256: artifact.digest.hex,
    uploaded: upload,
    bytes: artifact.bytes.length,
    ...(reason === undefined ? {} : { reason }),
  });

  const updated = await lambda.updateFunctionCode(functionName, { s3Bucket: bucket, s3Key: key });
  if (updated.codeSha256 && updated.codeSha256 !== artifact.digest.base64) {
    throw new AwsError(
      `Lambda reports CodeSha256 ${updated.codeSha256} for ${functionName} after the update, but the package has ${artifact.digest.base64}.`,
      { hint: `Check that nothing else writes s3://${bucket}/${key}.` },
    );
  }
  // The update's own reply may already say it settled (small packages, emulators): no need to poll.
  if (updated.lastUpdateStatus !== "Successful") {
    await waitForUpdate(lambda, clock, functionName, request.updateTimeoutMs ?? 300_000);
  }
  const version = await lambda.publishVersion(
    functionName,
    artifact.digest.base64,
    versionDescription(artifact.digest.hex, request.stableVersion),
  );
  emit({ type: "published", version: version.version, codeSha256: version.codeSha256 });
  return version.version;
}

/** Polls until `LastUpdateStatus` is `Successful`; fails clearly on `Failed` or when the bound is hit. */
export async function waitForUpdate(
  lambda: LambdaPort,
  clock: Clock,
  functionName: string,
  timeoutMs: number,
): Promise<FunctionState> {
  const deadline = clock.now() + timeoutMs;
  for (;;) {
    const state = await lambda.getFunction(functionName);
    const status = state.lastUpdateStatus;
    if (status === undefined || status === "Successful") return state;
    if (status === "Failed") {
      throw new AwsError(
        `The code update of ${functionName} failed: ${state.lastUpdateStatusReason ?? "no reason given"}.`,
        {
          context: { functionName },
          hint: "Fix the package or the function's configuration; the alias was not changed.",
        },
      );
    }
    if (clock.now() >= deadline) {
      throw new AwsError(
        `The code update of ${functionName} did not finish within ${Math.round(timeoutMs / 1000)} s (LastUpdateStatus=${status}).`,
        {
          context: { functionName },
          hint: "Check the function in the Lambda console; the alias was not changed.",
        },
      );
    }
    await clock.sleep(POLL_MS);
  }
}
