/**
 * Turns zod issues into one line per problem: the key path, the bad value and what is allowed, e.g.
 * `environments.production.strategy: "Canary10Percent5Minute" is not allowed; did you mean …`.
 */
import * as z from "zod";

type Path = readonly PropertyKey[];

/** `environments.production.smoke[0].expect`; keys that are not identifiers are quoted. */
export function formatPath(path: Path): string {
  let text = "";
  for (const key of path) {
    if (typeof key === "number") text += `[${key}]`;
    else if (typeof key === "string" && /^[A-Za-z_$][\w$-]*$/.test(key)) text += text ? `.${key}` : key;
    else text += `[${JSON.stringify(String(key))}]`;
  }
  return text || "(top level)";
}

export function formatValue(value: unknown): string {
  if (value === undefined) return "nothing";
  // JSON has no Infinity or NaN (YAML's .inf, .nan): JSON.stringify would show them as null.
  if (typeof value === "number" && !Number.isFinite(value)) return String(value);
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

function valueAt(root: unknown, path: Path): unknown {
  let value = root;
  for (const key of path) {
    if (value === null || typeof value !== "object") return undefined;
    value = (value as Record<PropertyKey, unknown>)[key];
  }
  return value;
}

function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let diagonal = row[0] as number;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const above = row[j] as number;
      const cost = a[i - 1]?.toLowerCase() === b[j - 1]?.toLowerCase() ? 0 : 1;
      row[j] = Math.min(above + 1, (row[j - 1] as number) + 1, diagonal + cost);
      diagonal = above;
    }
  }
  return row[b.length] as number;
}

/** The closest allowed word, when it is close enough to be a likely typo. */
export function closest(word: string, allowed: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Number.POSITIVE_INFINITY;
  for (const candidate of allowed) {
    const distance = editDistance(word, candidate);
    if (distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  return bestDistance <= Math.max(2, Math.floor(word.length / 4)) ? best : undefined;
}

/** The object schema found at `path` inside `schema`, to list the keys it allows. */
function objectAt(schema: z.ZodType, path: Path): z.ZodObject | undefined {
  let current: z.ZodType | undefined = schema;
  const unwrap = (type: z.ZodType): z.ZodType => {
    if (type instanceof z.ZodOptional || type instanceof z.ZodDefault)
      return unwrap(type.unwrap() as z.ZodType);
    return type;
  };
  for (const key of path) {
    if (current === undefined) return undefined;
    const type = unwrap(current);
    if (type instanceof z.ZodObject) current = (type.shape as Record<string, z.ZodType>)[String(key)];
    else if (type instanceof z.ZodRecord) current = type.valueType as z.ZodType;
    else if (type instanceof z.ZodArray) current = type.element as z.ZodType;
    else if (type instanceof z.ZodUnion) {
      const options = type.options as readonly z.ZodType[];
      current = typeof key === "number" ? options.find((o) => unwrap(o) instanceof z.ZodArray) : undefined;
      if (current) current = (unwrap(current) as z.ZodArray).element as z.ZodType;
    } else return undefined;
  }
  const found = current && unwrap(current);
  return found instanceof z.ZodObject ? found : undefined;
}

const ARTICLE: Record<string, string> = {
  array: "a list",
  record: "a mapping",
  object: "a mapping",
  string: "a string",
  number: "a number",
  int: "an integer",
  boolean: "true or false",
};

function expectedText(expected: string): string {
  return ARTICLE[expected] ?? expected;
}

function quoteList(values: readonly unknown[]): string {
  return values.map((value) => formatValue(value)).join(", ");
}

/**
 * A union fails in every branch. When only one branch got past the type check (a list of steps with a
 * bad element, say), its problems are the ones the user needs; otherwise say which types are accepted.
 */
function unionProblems(issue: z.core.$ZodIssueInvalidUnion, schema: z.ZodType, root: unknown): string[] {
  const deep = issue.errors.filter(
    (branch) => !branch.every((inner) => inner.code === "invalid_type" && inner.path.length === 0),
  );
  if (deep.length === 1) {
    const branch = deep[0] as z.core.$ZodIssue[];
    return branch.flatMap((inner) =>
      describeIssue({ ...inner, path: [...issue.path, ...inner.path] } as z.core.$ZodIssue, schema, root),
    );
  }
  const expected = issue.errors
    .flat()
    .filter((inner): inner is z.core.$ZodIssueInvalidType => inner.code === "invalid_type")
    .map((inner) => expectedText(inner.expected));
  const value = valueAt(root, issue.path);
  const allowed = expected.length > 0 ? [...new Set(expected)].join(" or ") : "a different value";
  return [`${formatPath(issue.path)}: ${formatValue(value)} is not allowed; expected ${allowed}.`];
}

/** One or more lines (an unknown-keys issue yields one per key) for a zod issue. */
export function describeIssue(issue: z.core.$ZodIssue, schema: z.ZodType, root: unknown): string[] {
  const where = formatPath(issue.path);
  const value = valueAt(root, issue.path);
  switch (issue.code) {
    case "invalid_type":
      if (value === undefined) return [`${where}: missing; expected ${expectedText(issue.expected)}.`];
      return [`${where}: ${formatValue(value)} is not allowed; expected ${expectedText(issue.expected)}.`];
    case "invalid_value": {
      if (value === undefined) {
        return [
          `${where}: missing; expected ${issue.values.length > 1 ? "one of " : ""}${quoteList(issue.values)}.`,
        ];
      }
      const allowed = issue.values.map(String);
      const near = typeof value === "string" ? closest(value, allowed) : undefined;
      const hint = near ? `did you mean "${near}"? Allowed: ` : allowed.length > 1 ? "use one of " : "use ";
      return [`${where}: ${formatValue(value)} is not allowed; ${hint}${quoteList(issue.values)}.`];
    }
    case "unrecognized_keys": {
      const allowed = Object.keys(objectAt(schema, issue.path)?.shape ?? {});
      return issue.keys.map((key) => {
        const near = closest(key, allowed);
        const hint = near ? `did you mean "${near}"? Allowed keys: ` : "allowed keys: ";
        return `${formatPath([...issue.path, key])}: unknown key; ${hint}${allowed.join(", ")}.`;
      });
    }
    case "too_small":
    case "too_big": {
      const bound = issue.code === "too_small" ? issue.minimum : issue.maximum;
      const operator =
        issue.code === "too_small" ? (issue.inclusive ? "≥" : ">") : issue.inclusive ? "≤" : "<";
      if (issue.origin === "string" && issue.code === "too_small") {
        return [`${where}: ${formatValue(value)} is not allowed; it must not be empty.`];
      }
      const what = issue.origin === "array" ? "a list with a length" : `a ${issue.origin}`;
      return [`${where}: ${formatValue(value)} is not allowed; use ${what} ${operator} ${String(bound)}.`];
    }
    case "invalid_union":
      return unionProblems(issue, schema, root);
    case "custom":
      return [`${where}: ${issue.message}`];
    default:
      return [`${where}: ${formatValue(value)} is not allowed; ${issue.message}.`];
  }
}
