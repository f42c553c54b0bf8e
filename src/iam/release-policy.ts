/**
 * The deployer policy of a release: exactly its functions (in their regions), their buckets and key
 * prefixes, and their alarms. Built from each function's own policy (policy.ts), merged statement by
 * statement, so a release grants nothing a deploy of each function alone would not.
 */
import { InputError } from "../errors.js";
import {
  type DeployerTarget,
  deployerPolicy,
  type PolicyDocument,
  type PolicyStatement,
  previewPolicy,
  type StateMachinePolicy,
  stateMachineRolePolicy,
} from "./policy.js";

const sorted = (values: Iterable<string>) => [...new Set(values)].sort();

/** A release writes its own record (`releases/ID.json`), where each function's deployer only reads. */
const releaseRecords = (statement: PolicyStatement): PolicyStatement => ({
  ...statement,
  Action: ["s3:GetObject", "s3:PutObject"],
});

/**
 * The statements of every target merged by Sid, in `order`: one statement per Sid with the union of
 * their resources; ListBucket statements one per bucket, with the prefixes of that bucket's targets.
 */
function mergeBySid(
  statements: PolicyStatement[],
  order: { sid: string; listing?: boolean; change?: (s: PolicyStatement) => PolicyStatement }[],
): PolicyStatement[] {
  const bySid = (sid: string) => statements.filter((statement) => statement.Sid === sid);
  const merged = (sid: string): PolicyStatement | undefined => {
    const all = bySid(sid);
    const first = all[0];
    if (!first) return undefined;
    return { ...first, Resource: sorted(all.flatMap((statement) => statement.Resource)) };
  };
  // ListBucket is granted per bucket, with the prefixes of that bucket's functions as its condition.
  const listingsOf = (sid: string): PolicyStatement[] => {
    const listings = new Map<string, Set<string>>();
    for (const statement of bySid(sid)) {
      const bucket = statement.Resource[0] as string;
      const prefixes = listings.get(bucket) ?? new Set<string>();
      for (const prefix of statement.Condition?.StringLike?.["s3:prefix"] ?? []) prefixes.add(prefix);
      listings.set(bucket, prefixes);
    }
    const buckets = sorted(listings.keys());
    return buckets.map(
      (bucket, index): PolicyStatement => ({
        Sid: buckets.length === 1 ? sid : `${sid}${index + 1}`,
        Effect: "Allow",
        Action: ["s3:ListBucket"],
        Resource: [bucket],
        Condition: { StringLike: { "s3:prefix": sorted(listings.get(bucket) ?? []) } },
      }),
    );
  };
  return order.flatMap(({ sid, listing, change }) => {
    if (listing) return listingsOf(sid);
    const statement = merged(sid);
    return statement ? [change ? change(statement) : statement] : [];
  });
}

function requireTargets(targets: DeployerTarget[]): void {
  if (targets.length === 0) throw new InputError("A release policy needs at least one function.");
}

export function releasePolicy(targets: DeployerTarget[]): PolicyDocument {
  requireTargets(targets);
  const statements = mergeBySid(
    targets.flatMap((target) => deployerPolicy(target).Statement),
    [
      { sid: "DeployFunction" },
      { sid: "ArtifactObjects" },
      { sid: "ArtifactListing", listing: true },
      { sid: "LedgerObjects" },
      { sid: "LedgerReleases", change: releaseRecords },
      { sid: "LedgerListing", listing: true },
      { sid: "ReadAlarms" },
      // --engine stepfunctions: start, follow and stop the release state machine's executions.
      { sid: "StartRollouts" },
      { sid: "FollowRollouts" },
      { sid: "ReadMetrics" },
    ],
  );
  return { Version: "2012-10-17", Statement: statements };
}

/**
 * The role of a release state machine (`state-machine --release`): each function's own role grants
 * (stateMachineRolePolicy) merged by Sid: GetAlias/UpdateAlias on every function's alias, InvokeFunction
 * on their published versions only (aliases, `$LATEST` and unqualified ARNs denied), DescribeAlarms on
 * their alarms. Nothing a single function's machine could not do for that function.
 */
export function releaseStateMachineRolePolicy(targets: DeployerTarget[]): StateMachinePolicy {
  requireTargets(targets);
  const statements = mergeBySid(
    targets.flatMap((target) => stateMachineRolePolicy(target).Statement as PolicyStatement[]),
    [{ sid: "ShiftAlias" }, { sid: "SmokeVersions" }, { sid: "OnlyVersions" }, { sid: "ReadAlarms" }],
  );
  return { Version: "2012-10-17", Statement: statements as StateMachinePolicy["Statement"] };
}

/** What `preview` of a release reads: each function's read-only grants, merged as above. */
export function releasePreviewPolicy(targets: DeployerTarget[]): PolicyDocument {
  requireTargets(targets);
  const statements = mergeBySid(
    targets.flatMap((target) => previewPolicy(target).Statement),
    [
      { sid: "PreviewFunction" },
      { sid: "LedgerRead" },
      { sid: "LedgerReleases" },
      { sid: "LedgerListing", listing: true },
      { sid: "ReadAlarms" },
    ],
  );
  return { Version: "2012-10-17", Statement: statements };
}
