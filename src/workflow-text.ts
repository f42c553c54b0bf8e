/**
 * Text from outside lambda-rollout (smoke responses, hook output, AWS error messages, alarm reasons)
 * made inert where
 * lambda-rollout prints it inside a GitHub Actions job: the Action's log, and the CLI run in a `run:` step.
 *
 * The runner reads every line of a step's output as a possible workflow command: a line that starts
 * with `::` after leading whitespace (`::set-output`, `::add-mask`, `::stop-commands`), and, in the
 * legacy syntax, `##[command]` anywhere in a line (actions/runner ActionCommand.TryParseV2/TryParse).
 * @actions/core escapes the data of the commands it writes, but `core.info` writes text as is.
 */

const ZERO_WIDTH_SPACE = "\u200B";

/**
 * Breaks every command marker with a zero-width space: the line reads the same in the log, but the
 * runner (which trims only whitespace, and U+200B is not whitespace) no longer sees a command.
 */
export function inertLogText(text: string): string {
  return text
    .split(/(\r\n|\r|\n)/)
    .map((part) =>
      part.replace(/^(\s*)::/, `$1:${ZERO_WIDTH_SPACE}:`).replaceAll("##[", `##${ZERO_WIDTH_SPACE}[`),
    )
    .join("");
}

/**
 * An output stream whose text cannot carry workflow commands. Renderers write whole lines, so a
 * marker is never split across two writes.
 */
export function inertStream(out: TextStream): TextStream {
  return { isTTY: out.isTTY, write: (text: string) => out.write(inertLogText(text)) };
}

interface TextStream {
  write(text: string): unknown;
  isTTY?: boolean | undefined;
}

/**
 * JSON text with the legacy `##[` marker written as `#\u0023[`: the same value to any JSON parser, and
 * nothing the runner reads as a command, so NDJSON stays exact inside a GitHub Actions job.
 */
export function inertJson(json: string): string {
  return json.replaceAll("##[", "#\\u0023[");
}
