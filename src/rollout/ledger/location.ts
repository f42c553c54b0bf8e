/**
 * Where the ledger lives and what its keys are. By default under `<artifact prefix>/rollouts/` in the
 * artifact bucket (versioned, already granted to the deployer); `ledger: { bucket, prefix }` in the
 * configuration, or --ledger-bucket/--ledger-prefix, put it elsewhere (a roll-out of `--version N` has
 * no artifact bucket).
 */
import { InputError } from "../../errors.js";
import type { LedgerStore } from "../../ports.js";
import type { Actor } from "./record.js";

export interface LedgerLocation {
  bucket: string;
  /** Ends with `/` (or is empty: the bucket's root). */
  prefix: string;
}

/** The alias a head belongs to, from its ARN (account and region make the key unique across both). */
/** What a run needs to use the ledger: where it is, how to reach it, who is asking. */
export interface LedgerAccess {
  store: LedgerStore;
  location: LedgerLocation;
  actor: Actor;
}

export interface AliasKey {
  function: string;
  region: string;
  account: string;
  alias: string;
}

const slash = (prefix: string) => (prefix === "" || prefix.endsWith("/") ? prefix : `${prefix}/`);

/** The ledger location from explicit settings, else the artifact bucket's `rollouts/`; else none. */
export function ledgerLocation(
  ledger: { bucket?: string | undefined; prefix?: string | undefined } | undefined,
  artifact: { bucket: string; prefix?: string | undefined } | undefined,
): LedgerLocation | undefined {
  if (ledger?.bucket) return { bucket: ledger.bucket, prefix: slash(ledger.prefix ?? "rollouts/") };
  if (ledger?.prefix !== undefined)
    throw new InputError("--ledger-prefix (ledger.prefix) needs a ledger bucket.", {
      hint: "Pass --ledger-bucket BUCKET too, or set ledger: { bucket, prefix } in the configuration.",
    });
  // Trimmed as the artifact keys' prefix is (artifact/key.ts), so `a/` and `/a` land in one place.
  if (artifact)
    return {
      bucket: artifact.bucket,
      prefix: `${slash((artifact.prefix ?? "").replace(/^\/+|\/+$/g, ""))}rollouts/`,
    };
  return undefined;
}

export const describeLocation = (location: LedgerLocation) => `s3://${location.bucket}/${location.prefix}`;

const ALIAS_ARN = /^arn:aws[a-z-]*:lambda:([a-z0-9-]+):(\d{12}):function:([A-Za-z0-9_-]+):([A-Za-z0-9_-]+)$/;

/** Reads an alias ARN (as GetAlias returns it). */
export function aliasKeyOf(aliasArn: string): AliasKey {
  const m = ALIAS_ARN.exec(aliasArn);
  if (!m) throw new TypeError(`not an alias ARN: ${aliasArn}`);
  return { region: m[1] as string, account: m[2] as string, function: m[3] as string, alias: m[4] as string };
}

export const headKey = (location: LedgerLocation, key: AliasKey) =>
  `${location.prefix}aliases/${key.account}/${key.region}/${key.function}/${key.alias}.json`;

/**
 * Where a record lives, relative to the ledger's prefix: a one-function roll-out's under its alias's
 * account, region and function (so a deployer's policy reaches its own function's records only), a
 * release's under `releases/`. Heads name the path of every record they list.
 */
export function recordPath(kind: "rollout" | "release", id: string, alias: AliasKey | undefined): string {
  if (kind === "release" || !alias) return `releases/${id}.json`;
  return `records/${alias.account}/${alias.region}/${alias.function}/${id}.json`;
}

export const recordKey = (location: LedgerLocation, path: string) => `${location.prefix}${path}`;

/** A roll-out id as `history <id>` takes it: `r-` and base-36 digits (progress.ts newReleaseId). */
export const ROLLOUT_ID = /^r-[0-9a-z]+-[0-9a-z]+$/;
