/**
 * What separates a policy the CI identity has (a file) from the one `iam-policy` generates now: grants
 * to add (the deploy would be denied without them) and grants no longer needed. Compared grant by grant
 * (grants.ts), so statement layout, Sids and the order of lists do not count as changes.
 */
import { type Grant, policyGrants } from "./grants.js";

/** One grant as a reviewer reads it; the action spelled as in the document it comes from. */
export interface GrantLine {
  effect: string;
  action: string;
  resource: string;
  /** The statement's condition block as canonical JSON, when it has one. */
  condition?: string | undefined;
}

export interface PolicyDiff {
  /** Granted by the generated policy, missing from the file: the CI policy must grant them. */
  added: GrantLine[];
  /** In the file, not generated any more: no longer needed. */
  removed: GrantLine[];
  unchanged: number;
}

const keyOf = (grant: Grant) => JSON.stringify(grant);

/** Action names as the documents spell them, by their lower-cased form (IAM ignores the case). */
function spellings(documents: unknown[]): Map<string, string> {
  const names = new Map<string, string>();
  const visit = (value: unknown) => {
    if (typeof value === "string") names.set(value.toLowerCase(), value);
    else if (Array.isArray(value)) for (const item of value) visit(item);
  };
  for (const document of documents) {
    const parsed: unknown = typeof document === "string" ? JSON.parse(document) : document;
    const statements = (parsed as { Statement?: unknown }).Statement;
    for (const statement of Array.isArray(statements) ? statements : [statements])
      visit((statement as { Action?: unknown } | undefined)?.Action);
  }
  return names;
}

export function diffPolicies(current: unknown, generated: unknown): PolicyDiff {
  const before = policyGrants(current);
  const after = policyGrants(generated);
  // The generated spelling wins where both name an action.
  const spelled = spellings([current, generated]);
  const line = (grant: Grant): GrantLine => ({
    effect: grant.effect,
    action: spelled.get(grant.action) ?? grant.action,
    resource: grant.resource,
    ...(grant.condition === "{}" ? {} : { condition: grant.condition }),
  });
  const had = new Set(before.map(keyOf));
  const has = new Set(after.map(keyOf));
  return {
    added: after.filter((grant) => !had.has(keyOf(grant))).map(line),
    removed: before.filter((grant) => !has.has(keyOf(grant))).map(line),
    unchanged: after.filter((grant) => had.has(keyOf(grant))).length,
  };
}

/** One line of a `diff` block: `+ Allow lambda:UpdateAlias on arn:… (if {…})`. */
export function describeGrant(grant: GrantLine): string {
  return `${grant.effect} ${grant.action} on ${grant.resource}${grant.condition ? ` if ${grant.condition}` : ""}`;
}
