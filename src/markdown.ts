/**
 * Text shown in GitHub-flavoured Markdown (a job summary, a pull-request comment) as text: one line, no
 * HTML tags, no links, images, emphasis, code or math. Markdown lets any ASCII punctuation be escaped
 * with a backslash; escaping `[` and `!` is enough to stop links and images, so parentheses stay
 * readable. `<`, `>` and `&` become entities.
 */
export function markdownText(text: string): string {
  return text
    .replace(/\r\n|\r|\n/g, " ")
    .replace(/&/g, "&amp;")
    .replace(/</g, "&lt;")
    .replace(/>/g, "&gt;")
    .replace(/[\\`*_[\]#!|~$]/g, "\\$&");
}

/**
 * A code span of outside text, at most `max` characters: backticks cannot end it early (they are
 * dropped) and it stays one line. In a table cell a `|` would end the cell even inside the span, so
 * there it is escaped, as GFM's table extension asks.
 */
export function codeSpan(text: string, options: { max?: number; inTable?: boolean } = {}): string {
  const max = options.max ?? 200;
  const flat = text.replace(/[`\r\n]/g, " ");
  const cut = flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
  return `\`${options.inTable ? cut.replaceAll("|", "\\|") : cut}\``;
}
