/**
 * How the GitHub runner finds workflow commands in a step's output, written from its source
 * (actions/runner) as an oracle for tests, independent of src/workflow-text.ts:
 *
 * - ProcessInvoker.StartReadStream reads stdout and stderr with StreamReader.ReadLine, which ends a
 *   line at `\r`, `\n` or `\r\n`;
 * - ActionCommand.TryParseV2 trims the line with .NET `String.TrimStart()` (every `char.IsWhiteSpace`
 *   character, i.e. the Unicode White_Space property, U+0085 and U+2028/U+2029 included) and takes
 *   it as a command when it then starts with `::`;
 * - ActionCommand.TryParse (legacy) takes `##[` anywhere in the line.
 *
 * The oracle is deliberately wider than the runner (it ignores whether a command name is registered
 * or a closing `::` / `]` follows): whatever it finds could become a command with the right tail.
 */

/** The lines the runner reads from `output`. */
export function runnerLines(output: string): string[] {
  return output.split(/\r\n|\r|\n/);
}

/** .NET `String.TrimStart()`: drops leading `char.IsWhiteSpace` characters (Unicode White_Space). */
export function runnerTrimStart(line: string): string {
  return line.replace(/^\p{White_Space}+/u, "");
}

/** Every code point in the Basic Multilingual Plane that .NET `char.IsWhiteSpace` accepts. */
export function runnerWhitespace(): string[] {
  const found: string[] = [];
  for (let code = 0; code <= 0xffff; code++) {
    const char = String.fromCharCode(code);
    if (/^\p{White_Space}$/u.test(char)) found.push(char);
  }
  return found;
}

/** The lines of `output` that the runner could take as a workflow command (trimmed, for `::`). */
export function commandLines(output: string): string[] {
  return runnerLines(output).flatMap((line) => {
    const trimmed = runnerTrimStart(line);
    return trimmed.startsWith("::") || line.includes("##[") ? [trimmed] : [];
  });
}
