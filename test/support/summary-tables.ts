/** Reading the Markdown tables of a job summary (src/action/summary.ts) in tests. */

/** The rows of the table under `heading` (e.g. `#### a (eu-west-1)`), header and rule left out. */
export function tableRows(summary: string, heading: string): string[] {
  const section = summary.split(`${heading}\n\n`)[1];
  if (section === undefined) throw new Error(`no "${heading}" in the summary:\n${summary}`);
  return (section.split("\n\n")[0] ?? "").split("\n").slice(2);
}

/** The cells of a table row, trimmed. */
export function cells(row: string | undefined): string[] {
  return (row ?? "")
    .replace(/^\| | \|$/g, "")
    .split(" | ")
    .map((cell) => cell.trim());
}
