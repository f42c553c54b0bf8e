/**
 * Action inputs → the same DeployInputs the CLI builds from its flags. Only the Action's own encoding
 * of lists and booleans is decided here; every meaning is the library's.
 */
import { InputError } from "../errors.js";
import { type DeployInputs, scalarInputs } from "../rollout/request/request.js";

/** Reads one input by its action.yml name; "" when not given (as @actions/core's getInput). */
export type InputReader = (name: string) => string;

/** `INPUT_<NAME>` as the runner sets it: upper case, spaces as underscores, hyphens kept. */
export function envInputReader(env: NodeJS.ProcessEnv): InputReader {
  return (name) => (env[`INPUT_${name.replace(/ /g, "_").toUpperCase()}`] ?? "").trim();
}

/** Alarm names: one per line or separated by commas (names cannot contain either). */
export function splitList(text: string): string[] {
  return text
    .split(/[\n,]/)
    .map((item) => item.trim())
    .filter((item) => item.length > 0);
}

/**
 * Smoke payloads: the whole input when it is one JSON document (which may span lines) or one `@FILE`;
 * otherwise one JSON document or `@FILE` per line. Each is validated by the library.
 */
export function splitPayloads(text: string): string[] {
  if (text === "") return [];
  if (!text.includes("\n")) return [text];
  try {
    JSON.parse(text);
    return [text];
  } catch {
    return text
      .split("\n")
      .map((line) => line.trim())
      .filter((line) => line.length > 0);
  }
}

const TRUE = ["true", "True", "TRUE"];
const FALSE = ["false", "False", "FALSE", ""];

export function parseBoolean(name: string, text: string): boolean {
  if (TRUE.includes(text)) return true;
  if (FALSE.includes(text)) return false;
  throw new InputError(`Input ${name} must be true or false, not "${text}".`);
}

export function readInputs(read: InputReader): DeployInputs {
  const alarms = splitList(read("alarms"));
  const smokePayloads = splitPayloads(read("smoke-payload"));
  const lines = (name: string) => {
    const list = read(name)
      .split("\n")
      .map((line) => line.trim())
      .filter((line) => line.length > 0);
    return list.length > 0 ? list : undefined;
  };
  return {
    ...scalarInputs(read),
    preTrafficHooks: lines("pre-traffic-hooks"),
    postTrafficHooks: lines("post-traffic-hooks"),
    notify: lines("notify"),
    alarms: alarms.length > 0 ? alarms : undefined,
    smokePayloads: smokePayloads.length > 0 ? smokePayloads : undefined,
    dryRun: parseBoolean("dry-run", read("dry-run")),
    allowFiringAlarms: parseBoolean("allow-firing-alarms", read("allow-firing-alarms")),
    // Empty leaves the configuration's choice; "false" turns it off for this run.
    manualApproval:
      read("manual-approval") === "" ? undefined : parseBoolean("manual-approval", read("manual-approval")),
    detach: parseBoolean("detach", read("detach")),
  };
}
