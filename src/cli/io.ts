/** The process as the CLI sees it; tests pass in-memory streams. */
export interface OutputStream {
  write(text: string): unknown;
  isTTY?: boolean | undefined;
}

export interface CliIo {
  stdout: OutputStream;
  stderr: OutputStream;
  env: NodeJS.ProcessEnv;
  cwd: string;
  /** Aborted on SIGINT/SIGTERM: the engine rolls back. */
  signal?: AbortSignal | undefined;
}
