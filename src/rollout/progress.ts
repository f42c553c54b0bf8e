/**
 * Progress lives in AWS, not in this process: every UpdateAlias also writes the alias description, so
 * `status` on any machine can say which step a roll-out is at, and the next deploy can tell what the
 * live version is (its code and settings) without reading it again.
 *
 * Formats (Lambda allows 256 characters):
 *   lambda-rollout: step 2/3, 50% to v8 from v7 since 2026-11-27T05:50:00Z
 *   lambda-rollout: step 2/3, 50% to v8 from v7 since 2026-11-27T05:50:00Z; awaiting approval until <time>
 *   lambda-rollout: step 2/3, 50% to v8 from v7 since 2026-11-27T05:50:00Z; approved at <time>
 *   lambda-rollout: v8 live since 2026-11-27T05:58:00Z (replaced v7) [code=<base64 sha256> config=<16 hex>]
 *
 * `(replaced v7)` names the version the live one took over from, so `prune` never deletes the version a
 * rollback would return to. Descriptions written before it existed (no `(replaced …)`) still parse.
 *
 * A release (many functions as one unit) appends its tag, so any machine can find every function the
 * release moved and the version each served before it, from AWS alone:
 *   lambda-rollout: step 2/3, 50% to v8 from v7 since 2026-11-27T05:50:00Z release=r-mhx1k2ab-9f3c wave=2/2
 *   lambda-rollout: v8 live since 2026-11-27T05:58:00Z (replaced v7) [code=… config=…] release=r-mhx1k2ab-9f3c wave=1/2 from=v7
 * Readers of the older formats still match: the tag is optional.
 *
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
  /** Manual approval (see approval.ts): the deploy waits until `until`, or someone approved `at`. */
  approval?: { state: "awaiting"; until: string } | { state: "approved"; at: string } | undefined;
  /** The Step Functions execution running this roll-out, for a server-side one. */
  execution?: string;
}

/** A short, stable digest of a version's settings (see FunctionState.configuration). */
export function configurationFingerprint(configuration: Record<string, string> | undefined): string {
  const entries = Object.entries(configuration ?? {}).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return createHash("sha256").update(JSON.stringify(entries)).digest("hex").slice(0, 16);
}

const iso = (ms: number) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, "Z");

/** Which release wrote a description: its id, the function's wave, and the version it replaced. */
export interface ReleaseTag {
  id: string;
  wave: number;
  waves: number;
  /** The version the function served before the release. */
  fromVersion: string;
}

const tagText = (tag: ReleaseTag | undefined, withFrom: boolean) =>
  tag ? ` release=${tag.id} wave=${tag.wave}/${tag.waves}${withFrom ? ` from=v${tag.fromVersion}` : ""}` : "";

export function stepDescription(
  progress: Omit<StepProgress, "since">,
  now: number,
  tag?: ReleaseTag,
): string {
  const { step, steps, weight, toVersion, fromVersion, approval } = progress;
  const suffix =
    approval?.state === "awaiting"
      ? `; awaiting approval until ${approval.until}`
      : approval?.state === "approved"
        ? `; approved at ${approval.at}`
        : "";
  return `${PREFIX} step ${step}/${steps}, ${weight}% to v${toVersion} from v${fromVersion} since ${iso(now)}${suffix}${tagText(tag, false)}`;
}

/** An epoch time as the description writes it (whole seconds, UTC). */
export const descriptionTime = iso;

export function liveDescription(
  record: VersionRecord | undefined,
  version: string,
  now: number,
  replaced?: string | undefined,
  tag?: ReleaseTag,
): string {
  const before = replaced !== undefined && /^\d+$/.test(replaced) ? ` (replaced v${replaced})` : "";
  return `${PREFIX} v${version} live since ${iso(now)}${before}${liveFacts(record, version)}${tagText(tag, true)}`;
}

/** A new release id: sortable by start time (base-36 milliseconds), unique enough across machines. */
export function newReleaseId(now: number, random: () => number = Math.random): string {
  const suffix = Math.floor(random() * 36 ** 4)
    .toString(36)
    .padStart(4, "0");
  return `r-${now.toString(36).padStart(9, "0")}-${suffix}`;
}

const EXECUTION = "(?: \\[execution=(arn:[^\\s\\]]+)\\])?";
const RELEASE_ID = "r-[0-9a-z]+-[0-9a-z]+";
const TAG = `(?: release=(${RELEASE_ID}) wave=(\\d+)/(\\d+))?`;
// Groups: step, steps, weight, to, from, since, awaiting until, approved at, release id, wave, waves,
// execution.
const STEP = new RegExp(
  `^lambda-rollout: step (\\d+)/(\\d+), ([\\d.]+)% to v(\\d+) from v(\\d+|\\$LATEST) since (\\S+?)(?:; awaiting approval until (\\S+?)|; approved at (\\S+?))?${TAG}${EXECUTION}$`,
);
// Groups: version, code, config, release id, wave, waves, from, execution.
const LIVE = new RegExp(
  `^lambda-rollout: v(\\d+) live since \\S+(?: \\(replaced v\\d+\\))?(?: \\[code=([A-Za-z0-9+/=]{44}) config=([0-9a-f]{16})\\])?${TAG}(?: from=v(\\d+|\\$LATEST))?${EXECUTION}$`,
);
const REPLACED = /^lambda-rollout: v(\d+) live since \S+ \(replaced v(\d+)\)/;
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
    approval: m[7] ? { state: "awaiting", until: m[7] } : m[8] ? { state: "approved", at: m[8] } : undefined,
    ...(m[12] ? { execution: m[12] } : {}),
  };
}

/** The live version's record, when this tool wrote it with the routing that is still in place. */
export function parseLive(description: string | undefined, aliasVersion: string): VersionRecord | undefined {
  const m = LIVE.exec(description ?? "");
  if (!m || m[1] !== aliasVersion || m[2] === undefined) return undefined;
  return { version: m[1], codeSha256: m[2], config: m[3] as string };
}

/** Where a release left one alias, read from its description and checked against its routing. */
export type ReleaseMark =
  | { phase: "shifting"; tag: ReleaseTag; toVersion: string }
  | { phase: "live"; tag: ReleaseTag; toVersion: string };

/**
 * The release tag of an alias, believed only when the description describes the routing in place: a
 * split from `fromVersion` to `toVersion`, or 100% on the version the release made live.
 */
export function parseReleaseMark(
  description: string | undefined,
  routing: { version: string; additional?: { version: string; weight: number } | undefined },
): ReleaseMark | undefined {
  const step = STEP.exec(description ?? "");
  if (step) {
    const [, , , , to, from, , , , id, wave, waves] = step;
    if (id === undefined || routing.additional?.version !== to || routing.version !== from) return undefined;
    const tag = { id, wave: Number(wave), waves: Number(waves), fromVersion: from as string };
    return { phase: "shifting", tag, toVersion: to as string };
  }
  const live = LIVE.exec(description ?? "");
  if (live) {
    const [, version, , , id, wave, waves, from] = live;
    if (id === undefined || from === undefined || routing.additional || routing.version !== version)
      return undefined;
    return {
      phase: "live",
      tag: { id, wave: Number(wave), waves: Number(waves), fromVersion: from },
      toVersion: version as string,
    };
  }
  return undefined;
}

/**
 * The version the live one replaced, when this tool wrote it and `aliasVersion` is still the live one
 * (undefined for descriptions written before the format recorded it, or edited by hand).
 */
export function parseReplaced(description: string | undefined, aliasVersion: string): string | undefined {
  const m = REPLACED.exec(description ?? "");
  if (m) return m[1] === aliasVersion ? m[2] : undefined;
  // A release's live description names it too (`from=v7`).
  const live = LIVE.exec(description ?? "");
  return live && live[1] === aliasVersion && live[7] !== undefined && /^\d+$/.test(live[7])
    ? live[7]
    : undefined;
}
