import type { Command } from "commander";
import { createAwsPorts } from "../aws/index.js";
import { RolloutError } from "../errors.js";
import type { LambdaPort } from "../ports.js";
import { resolveSplit, status } from "../rollout/manage.js";
import type { CommandResult } from "./deploy-command.js";
import { createSink } from "./deploy-command.js";
import { type CliIo, reportError } from "./io.js";

type LambdaFactory = (region: string | undefined) => LambdaPort;

const defaultLambda: LambdaFactory = (region) => createAwsPorts(region ? { region } : {}).lambda;

interface Flags {
  function: string;
  alias: string;
  region?: string;
  json?: boolean;
}

function target(command: Command): Command {
  return command
    .requiredOption("--function <name>", "Lambda function name or ARN")
    .option("--alias <name>", "alias that clients call", "live")
    .option("--region <region>", "AWS region (default: the SDK chain)")
    .option("--json", "machine-readable output on stdout");
}

/** `status`, `rollback` and `promote`: they need nothing but what is in AWS, from any machine. */
export function registerManageCommands(
  program: Command,
  io: CliIo,
  done: (result: CommandResult) => void,
  lambdaFor: LambdaFactory = defaultLambda,
): void {
  target(
    program
      .command("status")
      .description("Show the alias's versions and weights, and whether a roll-out is in progress."),
  ).action(async (flags: Flags) => {
    try {
      const report = await status(lambdaFor(flags.region), flags.function, flags.alias);
      if (flags.json) io.stdout.write(`${JSON.stringify(report)}\n`);
      else
        io.stdout.write(
          `${report.summary}\n${report.toVersionDescription ? `target v${report.toVersion}: ${report.toVersionDescription}\n` : ""}`,
        );
      done({ exitCode: 0 });
    } catch (error) {
      if (!(error instanceof RolloutError)) throw error;
      done({ exitCode: reportError(io.stderr, error) });
    }
  });
  for (const resolution of ["rollback", "promote"] as const) {
    const description =
      resolution === "rollback"
        ? "Undo an interrupted roll-out: 100% on the stable (primary) version, routing removed."
        : "Finish an interrupted roll-out: 100% on the new (additional) version, routing removed.";
    target(program.command(resolution).description(description)).action(async (flags: Flags) => {
      const sink = createSink(io, flags.json === true);
      const result = await resolveSplit(lambdaFor(flags.region), flags.function, flags.alias, resolution);
      sink.emit({ ...result, at: Date.now() });
      sink.close();
      done({ exitCode: result.exitCode });
    });
  }
}
