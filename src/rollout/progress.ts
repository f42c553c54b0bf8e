/**
 * Progress lives in AWS, not in this process: every UpdateAlias also writes the alias description, so
 * `status` on any machine can say which step a roll-out is at, and the next deploy can tell what the
 * live version is (its code and settings) without reading it again.
 *
 * Formats (Lambda allows 256 characters):
 *   lambda-rollout: step 2/3, 50% to v8 from v7 since 2026-11-27T05:50:00Z
 *   lambda-rollout: v8 live since 2026-11-27T05:58:00Z [code=<base64 sha256> config=<16 hex>]
 * A server-side roll-out (Step Functions) writes the same, followed by ` [execution=<execution ARN>]`,
 * so `status`, `rollback` and `promote` find the execution from the alias alone.
 */
import { createHash } from "node:crypto";

const PREFIX = "lambda-rollout:";

/** What a version is made of, as far as "is this release already live?" needs to know. */
export interface VersionRecord {
  version: string;
  codeSha256: string;
  /** {@link configurationFingerprint} of the settings PublishVersion captured. */
  config: string;
}

export interface StepProgress {
  step: number;
  steps: number;
  weight: number;
  toVersion: string;
  fromVersion: string;
  since: string;
  /** The Step Functions execution running this roll-out, for a server-side one. */
  execution?: string;
}

/** A short, stable digest of a version's settings (see FunctionState.configuration). */
export function configurationFingerprint(configuration: Record<string, string> | undefined): string {
  const entries = Object.entries(configuration ?? {}).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return createHash("sha256").update(JSON.stringify(entries)).digest("hex").slice(0, 16);
}

const iso = (ms: number) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, "Z");

export function stepDescription(progress: Omit<StepProgress, "since">, now: number): string {
  const { step, steps, weight, toVersion, fromVersion } = progress;
  return `${PREFIX} step ${step}/${steps}, ${weight}% to v${toVersion} from v${fromVersion} since ${iso(now)}`;
}

export function liveDescription(record: VersionRecord | undefined, version: string, now: number): string {
  return `${PREFIX} v${version} live since ${iso(now)}${liveFacts(record, version)}`;
}

const EXECUTION = "(?: \\[execution=(arn:[^\\s\\]]+)\\])?";
const STEP = new RegExp(
  `^lambda-rollout: step (\\d+)\\/(\\d+), ([\\d.]+)% to v(\\d+) from v(\\d+|\\$LATEST) since (\\S+)${EXECUTION}$`,
);
const LIVE = new RegExp(
  `^lambda-rollout: v(\\d+) live since \\S+ \\[code=([A-Za-z0-9+/=]{44}) config=([0-9a-f]{16})\\]${EXECUTION}$`,
);
const EXECUTION_SUFFIX = / \[execution=(arn:[^\s\]]+)\]$/;

/** The ` [code=... config=...]` part of a live description, or "" without a record of that version. */
export function liveFacts(record: VersionRecord | undefined, version: string): string {
  return record && record.version === version ? ` [code=${record.codeSha256} config=${record.config}]` : "";
}

/** The Step Functions execution that wrote the description, when one did. */
export function executionOf(description: string | undefined): string | undefined {
  return EXECUTION_SUFFIX.exec(description ?? "")?.[1];
}

export function parseStep(description: string | undefined): StepProgress | undefined {
  const m = STEP.exec(description ?? "");
  if (!m) return undefined;
  return {
    step: Number(m[1]),
    steps: Number(m[2]),
    weight: Number(m[3]),
    toVersion: m[4] as string,
    fromVersion: m[5] as string,
    since: m[6] as string,
    ...(m[7] ? { execution: m[7] } : {}),
  };
}

/** The live version's record, when this tool wrote it with the routing that is still in place. */
export function parseLive(description: string | undefined, aliasVersion: string): VersionRecord | undefined {
  const m = LIVE.exec(description ?? "");
  if (!m || m[1] !== aliasVersion) return undefined;
  return { version: m[1], codeSha256: m[2] as string, config: m[3] as string };
}
