import type { Artifact } from "../../artifact/inspect.js";
import { artifactKey } from "../../artifact/key.js";
import { AwsError } from "../../errors.js";
import type { ArtifactStore, Clock, FunctionState, LambdaPort, StoredObject } from "../../ports.js";
import type { RolloutEvent } from "../events.js";

export interface PublishRequest {
  functionName: string;
  source: { bucket: string; prefix?: string | undefined };
  artifact: Artifact;
  stableVersion: string;
  /** `$LATEST`'s CodeSha256 as validated: when it is the package's already, only the settings changed. */
  latestCodeSha256?: string | undefined;
  updateTimeoutMs?: number | undefined;
  /** The release (and its wave) this version belongs to, recorded in its description (see release.ts). */
  release?: VersionRelease | undefined;
  /** What validation found at the package's key (checkPackage); read here when absent. */
  checked?: CheckedPackage | undefined;
}

/** The package's key in the artifact bucket, and what S3 holds there already. */
export interface CheckedPackage {
  key: string;
  stored: StoredObject | undefined;
}

/**
 * Reads what S3 holds at the package's key. Validation calls it before the first write of a deploy
 * (the ledger's lock, a baseline, the upload), so a missing bucket is bad input with nothing changed
 * (exit 2), and publishPackage then uses its answer instead of asking again.
 */
export async function checkPackage(
  artifacts: ArtifactStore,
  functionName: string,
  source: { bucket: string; prefix?: string | undefined },
  artifact: Artifact,
): Promise<CheckedPackage> {
  const key = artifactKey(source.prefix, functionName, artifact.digest.hex);
  return { key, stored: await artifacts.head(source.bucket, key) };
}

export interface PublishPorts {
  lambda: LambdaPort;
  artifacts: ArtifactStore;
  clock: Clock;
  emit: (event: RolloutEvent) => void;
  signal?: AbortSignal | undefined;
  /**
   * Brings the published version to `Active`; default: waitForActive within the update timeout. A
   * function on Lambda Managed Instances waits longer and is scaled first (see managed.ts).
   */
  activate?: ((version: FunctionState) => Promise<FunctionState>) | undefined;
}

export const DEFAULT_UPDATE_TIMEOUT_MS = 5 * 60_000;

const POLL_MS = 1_000;

/** What a published version says about itself; `status` and `rollback` read it back from AWS. */
/** A release's id and the wave a version ships in. */
export interface VersionRelease {
  id: string;
  wave: number;
  waves: number;
}

export function versionDescription(
  sha256Hex: string,
  previousVersion: string,
  release?: VersionRelease,
): string {
  const tag = release === undefined ? "" : ` release=${release.id} wave=${release.wave}/${release.waves}`;
  return `lambda-rollout: ${sha256Hex.slice(0, 12)} (previous v${previousVersion})${tag}`;
}

/** The release a version was published for, from its description; undefined for other versions. */
export function releaseOfVersion(description: string | undefined): VersionRelease | undefined {
  const m = / release=(r-[0-9a-z]+-[0-9a-z]+) wave=(\d+)\/(\d+)$/.exec(description ?? "");
  return m ? { id: m[1] as string, wave: Number(m[2]), waves: Number(m[3]) } : undefined;
}

/** What the version published from `$LATEST` before a first release says about itself. */
export const BASELINE_DESCRIPTION =
  "lambda-rollout: baseline, published from $LATEST before the first release";

/** The version a lambda-rollout release replaced, from its description; undefined for other versions. */
export function previousVersionOf(description: string | undefined): string | undefined {
  return /^lambda-rollout: [0-9a-f]{12} \(previous v(\d+|\$LATEST)\)(?: release=\S+)?$/.exec(
    description ?? "",
  )?.[1];
}

/**
 * Uploads the package (unless present), updates `$LATEST` from S3, waits for the update to settle and
 * publishes a version guarded by the CodeSha256 the update produced. Returns the new version, Active.
 */
export async function publishPackage(request: PublishRequest, ports: PublishPorts): Promise<FunctionState> {
  const { lambda, artifacts, clock, emit, signal } = ports;
  const { functionName, artifact } = request;
  const bucket = request.source.bucket;
  // The key names the content, but only S3's own checksum proves the object holds it.
  const { key, stored } =
    request.checked ?? (await checkPackage(artifacts, functionName, request.source, artifact));
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

  const timeoutMs = request.updateTimeoutMs ?? DEFAULT_UPDATE_TIMEOUT_MS;
  // Same code in `$LATEST` already (only its settings changed): publishing it is all there is to do.
  if (request.latestCodeSha256 !== artifact.digest.base64) {
    const updated = await lambda.updateFunctionCode(
      functionName,
      { s3Bucket: bucket, s3Key: key },
      { signal },
    );
    if (updated.codeSha256 && updated.codeSha256 !== artifact.digest.base64) {
      throw new AwsError(
        `Lambda reports CodeSha256 ${updated.codeSha256} for ${functionName} after the update, but the package has ${artifact.digest.base64}.`,
        { hint: `Check that nothing else writes s3://${bucket}/${key}.` },
      );
    }
    // The update's own reply may already say it settled (small packages, emulators): no need to poll.
    if (updated.lastUpdateStatus !== "Successful") {
      await waitForUpdate(lambda, clock, functionName, timeoutMs, signal);
    }
  }
  const version = await lambda.publishVersion(
    functionName,
    artifact.digest.base64,
    versionDescription(artifact.digest.hex, request.stableVersion, request.release),
    { signal },
  );
  emit({ type: "published", version: version.version, codeSha256: version.codeSha256 });
  if (ports.activate) return await ports.activate(version);
  return await waitForActive(lambda, clock, version, timeoutMs, signal);
}

/** How long and how to wait for a version to become `Active`. */
export interface ActivationWait {
  timeoutMs: number;
  /** When the wait ends; default now + timeoutMs (a second wait may share the first one's deadline). */
  deadline?: number | undefined;
  /** Time between polls; default 1 s. */
  pollMs?: number | undefined;
  /** Told after each poll that found the version not yet Active, with how long it has waited. */
  onPending?: ((state: FunctionState, waitedMs: number) => void) | undefined;
  /** What to check when the version fails to activate or times out. */
  hint?: string | undefined;
}

/**
 * A new version may start `Pending` (SnapStart takes a snapshot first): it cannot serve until it is
 * `Active`, so smoke checks and traffic wait for that, bounded, and a `Failed` version stops the run.
 */
export async function waitForActive(
  lambda: LambdaPort,
  clock: Clock,
  version: FunctionState,
  wait: number | ActivationWait,
  signal?: AbortSignal,
): Promise<FunctionState> {
  const { functionName } = version;
  const { timeoutMs, pollMs, onPending, hint } = typeof wait === "number" ? { timeoutMs: wait } : wait;
  const started = clock.now();
  const deadline = (typeof wait === "number" ? undefined : wait.deadline) ?? started + timeoutMs;
  let state = version;
  for (;;) {
    if (state.state === undefined || state.state === "Active" || state.state === "Inactive") return state;
    if (state.state === "Failed") {
      throw new AwsError(
        `Version ${state.version} of ${functionName} failed to become Active: ${state.stateReason ?? "no reason given"}.`,
        {
          context: { functionName },
          hint: `${hint ?? "Fix the function's configuration (SnapStart, layers, VPC) and deploy again."} The alias was not moved to it.`,
        },
      );
    }
    if (clock.now() >= deadline) {
      throw new AwsError(
        `Version ${state.version} of ${functionName} was still ${state.state} after ${Math.round((clock.now() - started) / 1000)} s.`,
        {
          context: { functionName },
          hint: `${hint ?? "Check the version in the Lambda console."} The alias was not moved to it.`,
        },
      );
    }
    onPending?.(state, clock.now() - started);
    await clock.sleep(Math.min(pollMs ?? POLL_MS, Math.max(0, deadline - clock.now())), signal);
    if (signal?.aborted) return state;
    state = await lambda.getFunction(functionName, state.version, { signal });
  }
}

/** Polls until `LastUpdateStatus` is `Successful`; fails clearly on `Failed` or when the bound is hit. */
export async function waitForUpdate(
  lambda: LambdaPort,
  clock: Clock,
  functionName: string,
  timeoutMs: number,
  signal?: AbortSignal,
): Promise<FunctionState> {
  const deadline = clock.now() + timeoutMs;
  for (;;) {
    const state = await lambda.getFunction(functionName, undefined, { signal });
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
    await clock.sleep(POLL_MS, signal);
  }
}
