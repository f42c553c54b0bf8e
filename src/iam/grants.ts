/**
 * A canonical, order-free view of what a policy grants, so two documents written differently (the
 * TypeScript one and the one Terraform renders) can be compared for "same actions on same resources".
 */
import { InputError } from "../errors.js";

export interface Grant {
  effect: string;
  /** Lower-cased: IAM action names are case-insensitive. */
  action: string;
  resource: string;
  /** Canonical JSON of the statement's condition block (`{}` when none). */
  condition: string;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function strings(value: unknown, what: string): string[] {
  if (typeof value === "string") return [value];
  if (Array.isArray(value) && value.every((item): item is string => typeof item === "string")) return value;
  throw new InputError(`policy ${what} must be a string or a list of strings, got ${JSON.stringify(value)}`);
}

/** Condition values may be a string or a list; operators and keys are sorted; values sorted and unique. */
function canonicalCondition(value: unknown): string {
  if (value === undefined) return "{}";
  if (!isRecord(value))
    throw new InputError(`policy Condition must be an object, got ${JSON.stringify(value)}`);
  const operators = Object.keys(value).sort();
  const canonical: Record<string, Record<string, string[]>> = {};
  for (const operator of operators) {
    const keys = value[operator];
    if (!isRecord(keys)) throw new InputError(`policy Condition ${operator} must be an object`);
    const entry: Record<string, string[]> = {};
    for (const key of Object.keys(keys).sort()) {
      entry[key] = [...new Set(strings(keys[key], `Condition ${operator} ${key}`))].sort();
    }
    canonical[operator] = entry;
  }
  return JSON.stringify(canonical);
}

/** Expands every statement into one grant per action and resource; sorted and without duplicates. */
export function policyGrants(document: unknown): Grant[] {
  const parsed: unknown = typeof document === "string" ? JSON.parse(document) : document;
  if (!isRecord(parsed)) throw new InputError("a policy document must be a JSON object");
  const statements: unknown[] = Array.isArray(parsed.Statement) ? parsed.Statement : [parsed.Statement];
  const seen = new Map<string, Grant>();
  for (const statement of statements) {
    if (!isRecord(statement)) throw new InputError("each policy statement must be an object");
    if ("NotAction" in statement || "NotResource" in statement) {
      throw new InputError("NotAction/NotResource are not supported when comparing policies");
    }
    const effect = strings(statement.Effect, "Effect")[0] ?? "";
    const condition = canonicalCondition(statement.Condition);
    for (const action of strings(statement.Action, "Action")) {
      for (const resource of strings(statement.Resource, "Resource")) {
        const grant = { effect, action: action.toLowerCase(), resource, condition };
        seen.set(JSON.stringify(grant), grant);
      }
    }
  }
  return [...seen.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, grant]) => grant);
}
