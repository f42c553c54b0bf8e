export { inertLogText } from "../workflow-text.js";

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
