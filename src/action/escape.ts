/**
 * Text from outside lambda-rollout (smoke responses, hook output, AWS error messages, alarm reasons)
 * made inert where the Action prints it.
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
 * Text shown in the Markdown job summary as text: one line, no HTML tags, no links, images, emphasis,
 * code or math. Markdown lets any ASCII punctuation be escaped with a backslash; escaping `[` and `!`
 * is enough to stop links and images, so parentheses stay readable. `<`, `>` and `&` become entities.
 */
export function markdownText(text: string): string {
  return text
    .replace(/\r\n|\r|\n/g, " ")
    .replace(/&/g, "&amp;")
    .replace(/</g, "&lt;")
    .replace(/>/g, "&gt;")
    .replace(/[\\`*_[\]#!|~$]/g, "\\$&");
}
