/** What the Action runs with: its host (the runner) and the library's options. */
import type { RunOptions } from "../run.js";
import type { InputReader } from "./inputs.js";

/** What the Action needs from the runner; @actions/core in production (see ./host.ts). */
export interface ActionHost {
  readInput: InputReader;
  info(message: string): void;
  notice(message: string, title?: string): void;
  warning(message: string, title?: string): void;
  /** An error annotation on the run. */
  error(message: string, title?: string): void;
  setOutput(name: string, value: string): void;
  /** Appends Markdown to the job summary; a no-op outside GitHub Actions. */
  writeSummary(markdown: string): Promise<void>;
  /** Masks a value in the rest of the job's log (webhook URLs are secrets). */
  setSecret?(value: string): void;
}

export type ActionOptions = Omit<RunOptions, "emit">;
