import type { Command } from "commander";
import { createAwsPorts } from "../aws/index.js";
import { checkAliasName, resolveFunctionTarget } from "../config/function-name.js";
import { environmentFromFlags } from "../config/index.js";
import { InputError, RolloutError } from "../errors.js";
import type { LambdaPort } from "../ports.js";
import { failedResult } from "../rollout/events.js";
import { resolveSplit, status } from "../rollout/manage.js";
import type { CommandResult } from "./deploy-command.js";
import { createSink } from "./deploy-command.js";
import { type CliIo, reportError } from "./io.js";

type LambdaFactory = (region: string | undefined) => LambdaPort;

const defaultLambda: LambdaFactory = (region) => createAwsPorts(region ? { region } : {}).lambda;

interface Flags {
  function?: string;
  alias?: string;
  region?: string;
  config?: string;
  env?: string;
  json?: boolean;
}

interface Target {
  functionName: string;
  aliasName: string;
  region: string | undefined;
}

function targetOptions(command: Command): Command {
  return command
    .option("--function <name>", "Lambda function name or ARN (or take it from --config/--env)")
    .option("--alias <name>", "alias that clients call (default: live, or the environment's)")
    .option("--region <region>", "AWS region (default: the environment's, then the SDK chain)")
    .option("--config <file>", "lambda-rollout.yml (default: ./lambda-rollout.yml when --function is absent)")
    .option("--env <name>", "environment from the config (default: chosen by branch)")
    .option("--json", "machine-readable output on stdout");
}

/** The function and alias from flags, else from the configuration's environment (as `deploy` picks it). */
async function resolveTarget(flags: Flags, io: CliIo): Promise<Target> {
  const resolution = await environmentFromFlags(flags, { cwd: io.cwd, env: io.env });
  if (resolution?.kind === "noop") {
    throw new InputError(resolution.message, { hint: "Pass --env NAME or --function NAME." });
  }
  const environment = resolution?.environment;
  // As for deploy: an ARN becomes the bare name, and says which region to call.
  const target = resolveFunctionTarget({
    flagFunction: flags.function,
    configFunction: environment?.function,
    flagRegion: flags.region,
    configRegion: environment?.region,
    configSource: environment ? `environment "${environment.name}"` : undefined,
  });
  if (!target) {
    throw new InputError("No function given.", {
      hint: "Pass --function NAME, or --env NAME with a lambda-rollout.yml (or --config FILE).",
    });
  }
  return {
    functionName: target.name,
    aliasName: checkAliasName(
      flags.alias ?? environment?.alias ?? "live",
      flags.alias !== undefined ? "--alias" : `alias of environment "${environment?.name}"`,
    ),
    region: target.region,
  };
}

/** `status`, `rollback` and `promote`: they need nothing but what is in AWS, from any machine. */
export function registerManageCommands(
  program: Command,
  io: CliIo,
  done: (result: CommandResult) => void,
  lambdaFor: LambdaFactory = defaultLambda,
): void {
  targetOptions(
    program
      .command("status")
      .description("Show the alias's versions and weights, and whether a roll-out is in progress."),
  ).action(async (flags: Flags) => {
    try {
      const target = await resolveTarget(flags, io);
      const report = await status(lambdaFor(target.region), target.functionName, target.aliasName);
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
    targetOptions(program.command(resolution).description(description)).action(async (flags: Flags) => {
      const sink = createSink(io, flags.json === true);
      let result: Awaited<ReturnType<typeof resolveSplit>>;
      try {
        const target = await resolveTarget(flags, io);
        result = await resolveSplit(
          lambdaFor(target.region),
          target.functionName,
          target.aliasName,
          resolution,
        );
      } catch (error) {
        if (!(error instanceof RolloutError)) throw error;
        result = failedResult({ function: flags.function ?? "", alias: flags.alias ?? "" }, error);
      }
      sink.emit({ ...result, at: Date.now() });
      sink.close();
      done({ exitCode: result.exitCode });
    });
  }
}
