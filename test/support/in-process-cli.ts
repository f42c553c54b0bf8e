import { runCli } from "../../src/cli/main.js";

/** `lambda-rollout ARGS` in this process, from the sources: exit code and everything it printed. */
export async function cliInProcess(args: string[], options: { cwd: string; env?: NodeJS.ProcessEnv }) {
  let stdout = "";
  let stderr = "";
  const code = await runCli(args, {
    stdout: { write: (text: string) => (stdout += text) },
    stderr: { write: (text: string) => (stderr += text) },
    env: options.env ?? {},
    cwd: options.cwd,
  });
  return { code, stdout, stderr };
}
