import type { Command } from "commander";
import type { StampedEvent } from "../rollout/events.js";
import { scalarInputs } from "../rollout/request.js";
import { deployFromInputs, type RunOptions } from "../run.js";
import type { CliIo } from "./io.js";
import { ndjsonRenderer, plainRenderer, ttyRenderer } from "./render.js";

const collect = (value: string, previous: string[] = []) => [...previous, value];

export interface CommandResult {
  exitCode: number;
}

/** Routes engine events: progress to stderr (live view on a TTY), NDJSON to stdout with --json. */
export function createSink(
  io: CliIo,
  json: boolean,
): { emit: (event: StampedEvent) => void; close: () => void } {
  const live = io.stderr.isTTY && !io.env.CI ? ttyRenderer(io.stderr) : undefined;
  const progress = live ? live.render : plainRenderer(io.stderr);
  const ndjson = json ? ndjsonRenderer(io.stdout) : undefined;
  return {
    emit(event) {
      progress(event);
      ndjson?.(event);
    },
    close: () => live?.close(),
  };
}

export function registerDeployCommand(
  program: Command,
  io: CliIo,
  done: (result: CommandResult) => void,
  runOptions: Omit<RunOptions, "emit" | "signal" | "env" | "cwd"> = {},
): void {
  program
    .command("deploy")
    .description("Publish a version and shift the alias to it step by step, rolling back on any failed gate.")
    .option("--function <name>", "Lambda function name or ARN")
    .option("--alias <name>", "alias that clients call (default: live)")
    .option("--zip <file>", "deployment package to upload and publish")
    .option("--bucket <bucket>", "S3 bucket for the package (content-addressed key)")
    .option("--prefix <prefix>", "key prefix inside the bucket")
    .option("--version <n>", "an already published version to shift to, instead of --zip")
    .option("--strategy <preset>", "AllAtOnce, Canary10Percent5Minutes, Linear10PercentEvery1Minute, …")
    .option("--steps <steps>", 'custom steps, e.g. "10%:5m,50%:5m"; 100% follows the last')
    .option("--final-bake <duration>", "bake after 100% with the same gates, e.g. 5m")
    .option("--alarm <name>", "CloudWatch alarm that fails the roll-out when in ALARM (repeatable)", collect)
    .option("--interval <duration>", "health poll interval during bakes (default 10s)")
    .option(
      "--smoke-payload <json|@file>",
      "invoke the new version with this event before traffic (repeatable)",
      collect,
    )
    .option(
      "--pre-traffic-hook <command>",
      "command run before any traffic moves; non-zero exit stops (repeatable)",
      collect,
    )
    .option(
      "--post-traffic-hook <command>",
      "command run right after 100%; non-zero exit rolls back (repeatable)",
      collect,
    )
    .option("--hook-timeout <duration>", "how long a hook may run (default 5m)")
    .option(
      "--restore-timeout <duration>",
      "how long a rollback keeps retrying through AWS throttling and outages before exit 5 (default 2m)",
    )
    .option("--config <file>", "lambda-rollout.yml (default: ./lambda-rollout.yml when --function is absent)")
    .option("--env <name>", "environment from the config (default: chosen by branch)")
    .option("--region <region>", "AWS region (default: the SDK chain)")
    .option("--json", "NDJSON events on stdout, ending with the result line")
    .option("--dry-run", "validate and print the plan; change nothing")
    .addHelpText(
      "after",
      `
Examples:
  # canary 10% for 5 minutes, rolled back if the alarm fires
  lambda-rollout deploy --function orders --zip dist/orders.zip --bucket my-artifacts \\
    --strategy Canary10Percent5Minutes --alarm orders-live-errors

  # everything from lambda-rollout.yml, the environment chosen by the branch
  lambda-rollout deploy --zip dist/orders.zip

  # shift to an already published version in custom steps; see the plan first
  lambda-rollout deploy --function orders --version 42 --steps "10%:2m,50%:5m" --dry-run

Exit codes: 0 promoted or noop · 1 gate failed, rolled back · 2 invalid input · 3 conflict ·
4 AWS error, alias restored · 5 rollback failed (the message says what to run)`,
    )
    .action(async (flags: Record<string, string | string[] | boolean | undefined>) => {
      const sink = createSink(io, flags.json === true);
      const list = (key: string) => (Array.isArray(flags[key]) ? (flags[key] as string[]) : undefined);
      // commander names `--final-bake` finalBake
      const camel = (name: string) =>
        name.replace(/-([a-z])/g, (_match, letter: string) => letter.toUpperCase());
      const result = await deployFromInputs(
        {
          ...scalarInputs((name) => {
            const value = flags[camel(name)];
            return typeof value === "string" ? value : undefined;
          }),
          alarms: list("alarm"),
          smokePayloads: list("smokePayload"),
          preTrafficHooks: list("preTrafficHook"),
          postTrafficHooks: list("postTrafficHook"),
          dryRun: flags.dryRun === true,
        },
        { ...runOptions, env: io.env, cwd: io.cwd, emit: sink.emit, signal: io.signal },
      );
      sink.close();
      done({ exitCode: result.exitCode });
    });
}
