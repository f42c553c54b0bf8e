import { readFile } from "node:fs/promises";
import { LineCounter, parseDocument } from "yaml";
import { InputError } from "../errors.js";
import { describeIssue, formatPath } from "./problems.js";
import { releaseProblems } from "./release.js";
import { type Config, configSchema } from "./schema.js";

export const CONFIG_FILE_NAMES = ["lambda-rollout.yml", "lambda-rollout.yaml", "lambda-rollout.json"];

/** An invalid configuration file (exit 2). `problems` holds one line per problem. */
export class ConfigError extends InputError {
  readonly problems: readonly string[];
  readonly fileName: string;
  constructor(fileName: string, problems: readonly string[]) {
    const count = problems.length === 1 ? "1 problem" : `${problems.length} problems`;
    super(`Invalid configuration ${fileName} (${count}):\n${problems.map((p) => `  - ${p}`).join("\n")}`, {
      hint: "Fix every listed key; the JSON Schema in schema/lambda-rollout.schema.json lets editors check the file as you type.",
    });
    this.problems = problems;
    this.fileName = fileName;
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** Rules across keys, checked on the raw data so they are reported together with the schema's problems. */
function crossKeyProblems(raw: unknown): string[] {
  if (!isRecord(raw)) return [];
  const problems: string[] = [];
  const scopes: Array<[string[], unknown]> = [[["defaults"], raw.defaults]];
  if (isRecord(raw.environments)) {
    for (const [name, environment] of Object.entries(raw.environments)) {
      scopes.push([["environments", name], environment]);
      problems.push(...releaseProblems(["environments", name], environment, raw.defaults));
    }
    if (Object.keys(raw.environments).length === 0) {
      problems.push("environments: {} is not allowed; define at least one environment.");
    }
  }
  for (const [path, scope] of scopes) {
    if (isRecord(scope) && scope.strategy !== undefined && scope.steps !== undefined) {
      problems.push(
        `${formatPath(path)}: both "strategy" and "steps" are set; use one of them (a preset name or custom steps).`,
      );
    }
  }
  return problems;
}

/**
 * Parses and validates a configuration file's text (YAML, or JSON, which YAML 1.2 reads as well).
 * Pure. Throws a ConfigError listing every problem at once.
 */
export function parseConfig(text: string, fileName: string): Config {
  const lines = new LineCounter();
  const document = parseDocument(text, { prettyErrors: false, uniqueKeys: true, lineCounter: lines });
  if (document.errors.length > 0) {
    throw new ConfigError(
      fileName,
      document.errors.map((error) => {
        const position = lines.linePos(error.pos[0]);
        const where = `line ${position.line}, column ${position.col}`;
        return `${where}: ${error.message.split("\n")[0]}`;
      }),
    );
  }
  const raw: unknown = document.toJS();
  if (raw === undefined || raw === null) {
    throw new ConfigError(fileName, [
      "(top level): the file is empty; expected version: 1 and environments.",
    ]);
  }
  const result = configSchema.safeParse(raw);
  const problems = result.success
    ? []
    : result.error.issues.flatMap((issue) => describeIssue(issue, configSchema, raw));
  problems.push(...crossKeyProblems(raw));
  if (problems.length > 0 || !result.success) throw new ConfigError(fileName, problems);
  return result.data;
}

/**
 * Reads and parses a configuration file. A missing file is an InputError naming the path. `shownAs` is
 * the path as the user wrote it (messages use it; `path` may have been resolved against a directory).
 */
export async function loadConfig(
  path: string,
  shownAs: string = path,
  readText: (path: string) => Promise<string> = (file) => readFile(file, "utf8"),
): Promise<Config> {
  let text: string;
  try {
    text = await readText(path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const why = code === "ENOENT" ? "does not exist" : `cannot be read (${code ?? String(error)})`;
    throw new InputError(`Configuration file ${shownAs} ${why}.`, {
      cause: error,
      hint: `Create it (see examples/name-searcher/lambda-rollout.yml) or pass --config with the right path.`,
    });
  }
  return parseConfig(text, shownAs);
}
