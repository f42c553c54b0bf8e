/**
 * Text from outside lambda-rollout (smoke responses, hook output, AWS error messages, alarm reasons)
 * made inert where lambda-rollout prints it inside a GitHub Actions job: the Action's log, and the CLI
 * run in a `run:` step.
 *
 * The runner reads every line of a step's stdout and stderr as a possible workflow command, by .NET's
 * rules, not JavaScript's (actions/runner: ProcessInvoker.StartReadStream, ActionCommand.TryParseV2 and
 * TryParse):
 * - a line ends at `\r`, `\n` or `\r\n` (StreamReader.ReadLine);
 * - `String.TrimStart()` drops every `char.IsWhiteSpace` character, which is the Unicode White_Space
 *   property: U+0085 (NEL), U+2028 and U+2029 included, which JavaScript's `\s` misses or treats as
 *   line ends (https://learn.microsoft.com/dotnet/api/system.char.iswhitespace);
 * - a trimmed line starting with `::` is a command (`::set-output`, `::add-mask`, `::stop-commands`);
 * - in the legacy syntax, `##[command]` anywhere in a line is one.
 * @actions/core escapes the data of the commands it writes, but `core.info` writes text as is.
 */

const ZERO_WIDTH_SPACE = "\u200B";
const LINE_BREAK = /(\r\n|\r|\n)/;
/** `::` after what the runner trims: the first colon, kept in group 1 with the whitespace before it. */
const LEADING_MARKER = /^(\p{White_Space}*:):/u;

/**
 * Breaks every command marker with a zero-width space: the line reads the same in the log, but the
 * runner no longer sees a command. U+200B is not White_Space, so it is not trimmed; and where the
 * runner's culture-sensitive `StartsWith`/`IndexOf` might skip it as an ignorable character, it reads
 * the command name at a fixed offset (2 after `::`, 3 after `##[`), which then starts with `:` or `[`
 * and names no command.
 */
export function inertLogText(text: string): string {
  return text
    .split(LINE_BREAK)
    .map((part) =>
      part.replace(LEADING_MARKER, `$1${ZERO_WIDTH_SPACE}:`).replaceAll("##[", `##${ZERO_WIDTH_SPACE}[`),
    )
    .join("");
}

/**
 * What decides how text written after `text` is read on the same line, as a short stand-in: the line
 * so far is blank (a `::` would lead it), blank then `:` (a `:` would complete a leading `::`), or
 * neither, where only its last two characters can begin a `##[`.
 */
function lineSoFar(text: string): string {
  const line = text.split(LINE_BREAK).at(-1) ?? "";
  if (/^\p{White_Space}*$/u.test(line)) return "";
  if (/^\p{White_Space}*:$/u.test(line)) return ":";
  return `x${line.slice(-2)}`;
}

/**
 * An output stream whose text cannot carry workflow commands, even when a marker is cut between two
 * writes: each write is made inert as the continuation of the line the previous writes left open.
 */
export function inertStream(out: TextStream): TextStream {
  let open = "";
  return {
    isTTY: out.isTTY,
    write(text: string) {
      const inert = inertLogText(open + text).slice(inertLogText(open).length);
      open = lineSoFar(open + text);
      return out.write(inert);
    },
  };
}

interface TextStream {
  write(text: string): unknown;
  isTTY?: boolean | undefined;
}

/**
 * JSON text with the legacy `##[` marker written as `#\u0023[`: the same value to any JSON parser, and
 * nothing the runner reads as a command, so NDJSON stays exact inside a GitHub Actions job. (A JSON
 * line starts with `{` and JSON.stringify escapes `\r` and `\n`, so `::` can never lead one.)
 */
export function inertJson(json: string): string {
  return json.replaceAll("##[", "#\\u0023[");
}
