export { markdownText } from "../markdown.js";
export { inertLogText } from "../workflow-text.js";
