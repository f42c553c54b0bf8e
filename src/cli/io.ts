import type { RolloutError } from "../errors.js";

/** The process as the CLI sees it; tests pass in-memory streams. */
export interface OutputStream {
  write(text: string): unknown;
  isTTY?: boolean | undefined;
  columns?: number | undefined;
}

export interface CliIo {
  stdout: OutputStream;
  stderr: OutputStream;
  env: NodeJS.ProcessEnv;
  cwd: string;
  /** Aborted on SIGINT/SIGTERM: the engine rolls back. */
  signal?: AbortSignal | undefined;
}

/** Prints an error as every command does (message, then the hint), and returns its exit code. */
export function reportError(stderr: OutputStream, error: RolloutError): number {
  stderr.write(`error: ${error.message}\n${error.hint ? `${error.hint}\n` : ""}`);
  return error.exitCode;
}
