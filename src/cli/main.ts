import { Command, CommanderError } from "commander";
import { ExitCode } from "../errors.js";
import { type CommandResult, registerDeployCommand } from "./deploy-command.js";
import { registerIamPolicyCommand } from "./iam-policy-command.js";
import type { CliIo } from "./io.js";
import { registerManageCommands } from "./manage-commands.js";
import { registerPackageCommand } from "./package-command.js";
import { registerRehearseCommand } from "./rehearse-command.js";

const VERSION = "0.1.0";

/** Builds the command tree. Exported so tests drive the CLI in-process. */
export function createProgram(io: CliIo, done: (result: CommandResult) => void): Command {
  const program = new Command("lambda-rollout")
    .description(
      "Ship AWS Lambda code safely: publish, shift the alias step by step, watch health, roll back.",
    )
    .version(VERSION, "-V, --cli-version", "print the lambda-rollout version")
    .option("--debug", "print stack traces of unexpected errors")
    .enablePositionalOptions()
    .showHelpAfterError("(run with --help for usage)")
    .exitOverride()
    .configureOutput({
      writeOut: (text) => io.stdout.write(text),
      writeErr: (text) => io.stderr.write(text),
    });
  registerDeployCommand(program, io, done);
  registerManageCommands(program, io, done);
  registerPackageCommand(program, io, done);
  registerIamPolicyCommand(program, io, done);
  registerRehearseCommand(program, io, done);
  for (const command of program.commands) {
    command.exitOverride().showHelpAfterError("(run with --help for usage)");
    command.configureOutput({
      writeOut: (text) => io.stdout.write(text),
      writeErr: (text) => io.stderr.write(text),
    });
  }
  return program;
}

/** Runs the CLI and returns the exit code; never calls process.exit. */
export async function run(argv: string[], io: CliIo): Promise<number> {
  let exitCode: number = ExitCode.ok;
  const program = createProgram(io, (result) => {
    exitCode = result.exitCode;
  });
  // --debug is accepted anywhere (`lambda-rollout deploy … --debug`), not only before the command.
  const debug = argv.includes("--debug");
  try {
    await program.parseAsync(
      argv.filter((arg) => arg !== "--debug"),
      { from: "user" },
    );
    return exitCode;
  } catch (error) {
    if (error instanceof CommanderError) {
      // --help and --version end here with code 0; bad usage is invalid input.
      return error.exitCode === 0 ? ExitCode.ok : ExitCode.invalidInput;
    }
    const message =
      error instanceof Error ? (debug ? (error.stack ?? error.message) : error.message) : String(error);
    io.stderr.write(
      `error: unexpected failure: ${message}\n${debug ? "" : "Run again with --debug for details.\n"}`,
    );
    return ExitCode.awsError;
  }
}
