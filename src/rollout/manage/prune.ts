/**
 * `prune`: delete old published versions to stay under Lambda's regional code-storage quota, without
 * ever deleting a version something may still need. The decision (`planPrune`) is pure: it reads the
 * versions and every alias of the function, once. `prune` then deletes what the plan allows, oldest
 * first, and reports what it deleted (or, with dryRun, would delete) and the code size reclaimed.
 *
 * Never deleted, besides the newest `keep` versions:
 * - a version any alias routes to, primary or weighted (every alias, not only the one we deploy);
 * - the version an alias's live version replaced: recorded in the alias description since this
 *   format (`(replaced v7)`), and in the description of every version lambda-rollout published
 *   (`(previous v7)`), so aliases promoted before the alias format recorded it are covered too;
 * - both versions of a roll-out the alias description says is in progress (`step 2/3, … to v8 from v7`),
 *   even when the routing no longer shows it (a split resolved by hand keeps its rollback target);
 * - with a ledger (ledger/), which does not depend on descriptions anyone can edit or that truncate:
 *   both versions of every unfinished roll-out or release holding an alias of the function (a final
 *   bake, a pre-traffic phase of `--version N`, a server-side execution), and the version each alias's
 *   last promotion replaced.
 * - of a durable function, a version durable executions still run on, or one that could not be checked
 *   (durable.ts: a separate input to the planner).
 */
import { AwsError, ConflictError, InputError, RolloutError } from "../../errors.js";
import type { AliasState, CallOptions, FunctionState, LambdaPort } from "../../ports.js";
import { versionsLedgerNeeds } from "../ledger/intent.js";
import type { LedgerAccess } from "../ledger/location.js";
import { DURABLE_RUNNING, durableVersionsToKeep } from "../prepare/durable.js";
import { previousVersionOf } from "../prepare/publish.js";
import { parseReplaced, parseStep } from "../progress.js";

export interface PruneRequest {
  functionName: string;
  /** How many of the newest published versions to keep regardless; at least 1. */
  keep: number;
  dryRun?: boolean | undefined;
}

export interface PruneCandidate {
  version: string;
  /** Bytes of code the version holds (CodeSize); 0 when Lambda did not say. */
  codeSize: number;
}

export interface ProtectedVersion {
  version: string;
  /** Why it stays, e.g. `alias live routes 10% to it`. */
  reasons: string[];
}

export interface PrunePlan {
  /** Older than the newest `keep` and protected by nothing: deleted oldest first. */
  delete: PruneCandidate[];
  /** Older than the newest `keep` but protected, with the reasons. */
  protected: ProtectedVersion[];
  /** The newest `keep` published versions. */
  newest: string[];
}

export interface PruneReport {
  type: "prune";
  function: string;
  keep: number;
  dryRun: boolean;
  /** Deleted now, or (dry run) would be deleted. */
  deleted: PruneCandidate[];
  /** Already gone when this run tried to delete it (someone else pruned meanwhile). */
  alreadyGone: string[];
  protected: ProtectedVersion[];
  /** Of `protected`, the versions kept because durable executions still run on them. */
  durable: string[];
  kept: string[];
  /** Deletions Lambda refused (an alias started to point at the version meanwhile) or that failed. */
  skipped: { version: string; reason: string }[];
  /** Sum of the deleted versions' CodeSize. */
  reclaimedBytes: number;
  /** True when a deletion failed for a reason other than "in use": exit 4. */
  failed: boolean;
  summary: string;
}

/** `keep` as the CLI and the configuration accept it: a whole number of at least 1. */
export function checkKeep(keep: number, source = "--keep"): number {
  if (!Number.isInteger(keep) || keep < 1) {
    throw new InputError(`${source} must be a whole number of at least 1, not ${String(keep)}.`, {
      hint: "Pass how many of the newest published versions to keep regardless, e.g. --keep 5.",
    });
  }
  return keep;
}

const numeric = (version: string) => /^\d+$/.test(version);

/** Every version the aliases need, with why. Pure. */
export function protectedVersions(aliases: AliasState[], versions: FunctionState[]): Map<string, string[]> {
  const reasons = new Map<string, string[]>();
  const add = (version: string | undefined, reason: string) => {
    if (version === undefined || !numeric(version)) return;
    reasons.set(version, [...(reasons.get(version) ?? []), reason]);
  };
  const descriptionOf = new Map(versions.map((v) => [v.version, v.description]));
  for (const alias of aliases) {
    const name = alias.aliasName;
    const routed = alias.additional ? [alias.version, alias.additional.version] : [alias.version];
    if (alias.additional) {
      add(alias.version, `alias ${name} routes ${Number((100 - alias.additional.weight).toFixed(4))}% to it`);
      add(alias.additional.version, `alias ${name} routes ${alias.additional.weight}% to it`);
    } else {
      add(alias.version, `alias ${name} points at it`);
    }
    add(
      parseReplaced(alias.description, alias.version),
      `alias ${name}'s live v${alias.version} replaced it`,
    );
    for (const version of routed) {
      add(
        previousVersionOf(descriptionOf.get(version)),
        `v${version} (routed by alias ${name}) was published to replace it`,
      );
    }
    const step = parseStep(alias.description);
    if (step) {
      add(
        step.fromVersion,
        `alias ${name} has a roll-out in progress from it (step ${step.step}/${step.steps})`,
      );
      add(step.toVersion, `alias ${name} has a roll-out in progress to it (step ${step.step}/${step.steps})`);
    }
  }
  return reasons;
}

/**
 * What `prune` would delete and keep, from the versions and aliases as listed. Pure. `running`: versions
 * durable executions still run on, with why they stay (durable.ts); `needed`: what the ledger's records
 * need, with why.
 */
export function planPrune(
  versions: FunctionState[],
  aliases: AliasState[],
  keep: number,
  running: ReadonlyMap<string, string> = new Map(),
  needed: ReadonlyMap<string, string[]> = new Map(),
): PrunePlan {
  checkKeep(keep);
  const published = versions
    .filter((v) => numeric(v.version))
    .sort((a, b) => Number(a.version) - Number(b.version));
  const cut = Math.max(0, published.length - keep);
  const older = published.slice(0, cut);
  const reasons = protectedVersions(aliases, versions);
  for (const [version, reason] of running) reasons.set(version, [...(reasons.get(version) ?? []), reason]);
  for (const [version, why] of needed) reasons.set(version, [...(reasons.get(version) ?? []), ...why]);
  return {
    delete: older
      .filter((v) => !reasons.has(v.version))
      .map((v) => ({ version: v.version, codeSize: v.codeSize ?? 0 })),
    protected: older
      .filter((v) => reasons.has(v.version))
      .map((v) => ({ version: v.version, reasons: reasons.get(v.version) ?? [] })),
    newest: published.slice(cut).map((v) => v.version),
  };
}

/** Lists, plans, and deletes (unless dryRun). Idempotent: a version already gone is fine. */
export async function prune(
  lambda: LambdaPort,
  request: PruneRequest,
  options: CallOptions = {},
  ledger?: LedgerAccess,
): Promise<PruneReport> {
  const keep = checkKeep(request.keep);
  const { functionName } = request;
  const dryRun = request.dryRun ?? false;
  const [versions, aliases] = await Promise.all([
    lambda.listVersions(functionName),
    lambda.listAliases(functionName, options),
  ]);
  const needed = ledger ? await versionsLedgerNeeds(ledger, functionName, aliases, options) : undefined;
  // Durable executions pin their version: asked only of what would otherwise be deleted.
  const candidates = planPrune(versions, aliases, keep, undefined, needed).delete.map((v) => v.version);
  const running = await durableVersionsToKeep(lambda, functionName, versions, candidates, options);
  const plan = planPrune(versions, aliases, keep, running, needed);
  const deleted: PruneCandidate[] = [];
  const alreadyGone: string[] = [];
  const skipped: PruneReport["skipped"] = [];
  let failed = false;
  for (const candidate of plan.delete) {
    if (dryRun) {
      deleted.push(candidate);
      continue;
    }
    if (failed) {
      skipped.push({ version: candidate.version, reason: "not tried after an earlier failure" });
      continue;
    }
    try {
      const outcome = await lambda.deleteVersion(functionName, candidate.version, options);
      if (outcome === "deleted") deleted.push(candidate);
      else alreadyGone.push(candidate.version);
    } catch (error) {
      // Lambda refuses to delete a version an alias points at: something started using it meanwhile.
      if (error instanceof ConflictError) {
        skipped.push({ version: candidate.version, reason: error.message });
        continue;
      }
      if (!(error instanceof RolloutError)) throw error;
      failed = true;
      skipped.push({ version: candidate.version, reason: error.message });
    }
  }
  const reclaimedBytes = deleted.reduce((sum, v) => sum + v.codeSize, 0);
  const report: PruneReport = {
    type: "prune",
    function: functionName,
    keep,
    dryRun,
    deleted,
    alreadyGone,
    protected: plan.protected,
    durable: [...running].filter(([, reason]) => reason === DURABLE_RUNNING).map(([version]) => version),
    kept: plan.newest,
    skipped,
    reclaimedBytes,
    failed,
    summary: "",
  };
  report.summary = summarize(report);
  return report;
}

/** Bytes as people read them: 1.4 MB, 12.0 KB, 900 B. */
export function formatBytes(bytes: number): string {
  if (bytes >= 1024 * 1024 * 1024) return `${(bytes / (1024 * 1024 * 1024)).toFixed(1)} GB`;
  if (bytes >= 1024 * 1024) return `${(bytes / (1024 * 1024)).toFixed(1)} MB`;
  if (bytes >= 1024) return `${(bytes / 1024).toFixed(1)} KB`;
  return `${bytes} B`;
}

const list = (versions: string[]) => versions.map((v) => `v${v}`).join(", ");

function summarize(report: PruneReport): string {
  const verb = report.dryRun ? "would delete" : "deleted";
  const done =
    report.deleted.length === 0
      ? `${report.function}: nothing to ${report.dryRun ? "delete" : "prune"}`
      : `${report.function}: ${verb} ${list(report.deleted.map((v) => v.version))} (${formatBytes(report.reclaimedBytes)} of code ${report.dryRun ? "would be " : ""}reclaimed)`;
  const parts = [
    done,
    `kept the newest ${report.keep}${report.kept.length ? ` (${list(report.kept)})` : ""}`,
  ];
  const inUse = report.protected.filter((p) => !report.durable.includes(p.version));
  if (inUse.length > 0) parts.push(`kept ${list(inUse.map((p) => p.version))} in use`);
  if (report.durable.length > 0)
    parts.push(
      `kept ${list(report.durable)}: durable executions still run on ${report.durable.length === 1 ? "it" : "them"}`,
    );
  if (report.alreadyGone.length > 0) parts.push(`${list(report.alreadyGone)} already gone`);
  if (report.skipped.length > 0) parts.push(`not deleted: ${list(report.skipped.map((s) => s.version))}`);
  return `${parts.join("; ")}.`;
}

/** An AwsError standing for a prune that could not finish (exit 4), naming what it did manage. */
export function pruneFailure(report: PruneReport): AwsError {
  const first = report.skipped.find((s) => s.reason !== "not tried after an earlier failure");
  return new AwsError(
    `Pruning ${report.function} stopped: ${first?.reason ?? "a deletion failed"}. ${report.summary}`,
    {
      context: { functionName: report.function },
      hint: "Fix the cause (often a missing lambda:DeleteFunction on FUNCTION:*; see `lambda-rollout iam-policy` with `prune:` configured) and run prune again: it is idempotent.",
    },
  );
}
