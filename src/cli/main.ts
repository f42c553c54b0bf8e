/**
 * The CLI's entry point (bundled into dist/cli.mjs, run by bin/lambda-rollout.js): parse, run the
 * chosen command, and turn whatever it throws into an exit code, here and nowhere else.
 */
import { CommanderError } from "commander";
import { brokenInstallMessage } from "../../bin/broken-install.js";
import { ExitCode, RolloutError } from "../errors.js";
import { inertLogText, inertStream } from "../workflow-text.js";
import type { CliIo } from "./io.js";
import { BrokenInstall, parseCommandLine } from "./program.js";

/** Runs the CLI and returns the exit code; never calls process.exit. */
export async function runCli(argv: string[], cliIo: CliIo): Promise<number> {
  // --debug is accepted anywhere (`lambda-rollout deploy … --debug`), not only before the command.
  const debug = argv.includes("--debug");
  let io = cliIo;
  try {
    // In a GitHub Actions `run:` step every output line is read as a possible workflow command, and
    // lambda-rollout prints text from outside (AWS error messages, smoke responses, hook output).
    if (cliIo.env.GITHUB_ACTIONS === "true") io = inertIo(cliIo);
    const command = await parseCommandLine(
      argv.filter((arg) => arg !== "--debug"),
      io,
    );
    return command ? await command() : ExitCode.ok;
  } catch (error) {
    return exitCodeFor(error, io, debug);
  }
}

export { interruptionLine } from "./output/interruption.js";

/**
 * What the launcher prints when a bug escapes every catch (an uncaught exception or rejection): the
 * message, the stack with --debug. Its text can come from anywhere, so in a GitHub Actions job it is
 * made inert like every other line this process prints.
 */
export function crashLine(error: unknown, options: { debug: boolean; env: NodeJS.ProcessEnv }): string {
  const text = error instanceof Error ? (options.debug && error.stack) || error.message : String(error);
  const line = `\nerror: unexpected failure, rolling back: ${text}\n`;
  return options.env.GITHUB_ACTIONS === "true" ? inertLogText(line) : line;
}

function inertIo(io: CliIo): CliIo {
  return { ...io, stdout: inertStream(io.stdout), stderr: inertStream(io.stderr) };
}

/** The one catch: what each failure prints, and the exit code it ends with. */
function exitCodeFor(error: unknown, io: CliIo, debug: boolean): number {
  if (error instanceof CommanderError) {
    // Commander has printed the help, version or usage error. --help and --version end with code 0;
    // bad usage is invalid input.
    return error.exitCode === 0 ? ExitCode.ok : ExitCode.invalidInput;
  }
  if (error instanceof BrokenInstall) {
    // A command's chunk is missing or half-written: the same message and exit code as bin/ gives when
    // dist/cli.mjs itself cannot load.
    io.stderr.write(brokenInstallMessage(error.failure));
    return ExitCode.awsError;
  }
  if (error instanceof RolloutError) {
    io.stderr.write(`error: ${error.message}\n${error.hint ? `${error.hint}\n` : ""}`);
    return error.exitCode;
  }
  const message =
    error instanceof Error ? (debug ? (error.stack ?? error.message) : error.message) : String(error);
  io.stderr.write(
    `error: unexpected failure: ${message}\n${debug ? "" : "Run again with --debug for details.\n"}`,
  );
  return ExitCode.awsError;
}
