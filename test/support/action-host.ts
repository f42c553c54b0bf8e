import type { ActionHost } from "../../src/action/run.js";

/**
 * An in-memory Action host: its log is everything the runner would show (annotations as `::warning …`
 * and `error: TITLE: …` lines), with the outputs, the job summaries and the values masked.
 */
export function memoryHost(inputs: Record<string, string>) {
  const log: string[] = [];
  const outputs: Record<string, string> = {};
  const summaries: string[] = [];
  const secrets: string[] = [];
  const actionHost: ActionHost = {
    readInput: (name) => inputs[name] ?? "",
    info: (message) => log.push(message),
    notice: (message) => log.push(`notice: ${message}`),
    warning: (message) => log.push(`::warning ${message}`),
    error: (message, title) => log.push(`error: ${title}: ${message}`),
    setOutput: (name, value) => {
      outputs[name] = value;
    },
    writeSummary: async (markdown) => {
      summaries.push(markdown);
    },
    setSecret: (value) => secrets.push(value),
  };
  return { actionHost, log, outputs, summaries, secrets };
}
