/**
 * What the alias serves now, and how a release relates to it: the noop decision, what changes, and
 * pinning an alias that still points at `$LATEST` to a baseline version.
 */
import type { Artifact } from "../../artifact/inspect.js";
import { ConflictError } from "../../errors.js";
import {
  type AliasState,
  type CallOptions,
  configurationChanges,
  type FunctionState,
  type LambdaPort,
} from "../../ports.js";
import { type CommandVia, suggestedCommand } from "../commands.js";
import { AliasWriter, describeRouting, regionWords } from "../engine/alias-writer.js";
import { configurationFingerprint, liveDescription, type VersionRecord } from "../progress.js";
import { BASELINE_DESCRIPTION } from "./publish.js";

/** One setting PublishVersion captures, as the live version has it and as `$LATEST` has it now. */
export interface SettingChange {
  name: string;
  /** Canonical text (lambda-mapping.ts configurationOf); undefined when that side does not set it. */
  from: string | undefined;
  to: string | undefined;
}

/** What deploying a package would change against what the alias serves (see compareWithLive). */
export type LiveComparison =
  | { kind: "noop"; reason: string; live: FunctionState | undefined }
  | {
      kind: "release";
      /** The changes in words, for the plan line: `code; configuration: MemorySize`. */
      changes: string;
      pinOnly: boolean;
      record: VersionRecord | undefined;
      /** The package differs from the live version's code. */
      code: boolean;
      /** The settings that differ, by name, sorted (empty when they are the same). */
      settings: SettingChange[];
      /** The version the alias serves, as read from Lambda (`$LATEST` itself when it points there); undefined when its record answered. */
      live: FunctionState | undefined;
    };

/**
 * What deploying `artifact` would change, against what the alias serves now: its record in the alias
 * description when it has one (no extra call), else the live version read from Lambda. Noop when the
 * code and the settings `PublishVersion` would capture are both what is live.
 */
export async function compareWithLive(
  lambda: LambdaPort,
  alias: AliasState,
  latest: FunctionState,
  artifact: Artifact,
  recorded: VersionRecord | undefined,
  call: CallOptions,
): Promise<LiveComparison> {
  const onLatest = alias.version === "$LATEST";
  let live: FunctionState | undefined = onLatest
    ? latest
    : recorded
      ? undefined
      : await lambda.getFunction(alias.functionName, alias.version, call);
  const sameCode = (live?.codeSha256 ?? recorded?.codeSha256) === artifact.digest.base64;
  const sameSettings = live
    ? configurationChanges(live, latest).length === 0
    : recorded?.config === configurationFingerprint(latest.configuration);
  if (sameCode && sameSettings && !onLatest) {
    return {
      kind: "noop",
      reason: `${alias.functionName}:${alias.aliasName} already serves this package with the current configuration (v${alias.version}, CodeSha256 ${artifact.digest.base64}).`,
      live,
    };
  }
  // Settings changed: read the live version after all, to say which.
  if (!sameSettings && !live) live = await lambda.getFunction(alias.functionName, alias.version, call);
  const names = live ? configurationChanges(live, latest) : [];
  const settings = names.map((name) => ({
    name,
    from: live?.configuration?.[name],
    to: latest.configuration?.[name],
  }));
  // Through `$LATEST` already: pinning it is the whole release.
  const pinOnly = sameCode && sameSettings;
  const changes = pinOnly
    ? "none: $LATEST already holds this package; the alias is pinned to it, nothing else moves"
    : [sameCode ? "" : "code", names.length > 0 ? `configuration: ${names.join(", ")}` : ""]
        .filter(Boolean)
        .join("; ");
  return {
    kind: "release",
    changes,
    pinOnly,
    record: live && !onLatest ? recordOf(live) : undefined,
    code: !sameCode,
    settings,
    live,
  };
}

/**
 * Publishes `$LATEST` as a version (guarded by the CodeSha256 validation read) and points the alias at
 * it. Clients see the same code; the release then has a published version to fall back to. `activate`
 * (Lambda Managed Instances) brings the version to Active before the alias moves to it.
 */
export async function pinBaseline(
  lambda: LambdaPort,
  alias: AliasState,
  latest: FunctionState,
  now: number,
  call: CallOptions & { activate?: ((version: FunctionState) => Promise<FunctionState>) | undefined },
): Promise<{ alias: AliasState; record: VersionRecord }> {
  const { activate, ...options } = call;
  const published = await lambda.publishVersion(
    alias.functionName,
    latest.codeSha256,
    BASELINE_DESCRIPTION,
    options,
  );
  const baseline = activate ? await activate(published) : published;
  const record = recordOf(baseline);
  // Guarded by the RevisionId validation read, like every write of a roll-out: a description edited
  // meanwhile is carried on through, anyone else's routing is a conflict (exit 3).
  const pinned = await new AliasWriter(lambda, alias).write(
    { version: baseline.version },
    { signal: options.signal, description: liveDescription(record, baseline.version, now) },
  );
  return { alias: pinned, record };
}

/** What a version is made of, for the alias description (see progress.ts). */
export function recordOf(version: FunctionState): VersionRecord {
  return {
    version: version.version,
    codeSha256: version.codeSha256,
    config: configurationFingerprint(version.configuration),
  };
}

export function isSplit(alias: AliasState): boolean {
  return alias.additional !== undefined;
}

/** `via.region`: named in the message, and `--region` in the hint (a release's functions). */
export function midRolloutError(alias: AliasState, via?: CommandVia): ConflictError {
  const words = regionWords(via?.region);
  return new ConflictError(
    `Alias ${alias.functionName}:${alias.aliasName}${words.in} is mid-roll-out (${describeRouting(alias)}); this run changed nothing.`,
    {
      context: { functionName: alias.functionName, alias: alias.aliasName },
      hint: `Inspect it with \`${suggestedCommand("status", alias.functionName, alias.aliasName, via)}\`, then finish it with \`promote\` or undo it with \`rollback\`.`,
    },
  );
}
