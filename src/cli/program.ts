/**
 * The command tree: every command's flags and help, and nothing else. A command's code is imported
 * only when that command runs (`commands/<name>.ts`), so `--help` and `deploy` do not load the emulator,
 * esbuild or the SDK clients that other commands need. Type-only imports below are erased.
 */
import { Command, CommanderError, Option } from "commander";
import { LAMBDA_RUNTIME } from "../artifact/runtime.js";
import type { DeployFlags } from "./commands/deploy.js";
import type { HistoryFlags } from "./commands/history.js";
import type { IamPolicyFlags } from "./commands/iam-policy.js";
import type { PackageFlags } from "./commands/package.js";
import type { PreviewFlags } from "./commands/preview.js";
import type { PruneFlags } from "./commands/prune.js";
import type { RehearseFlags } from "./commands/rehearse.js";
import type { ReportFlags } from "./commands/report.js";
import type { TargetFlags } from "./commands/target.js";
import { withHelp } from "./help.js";
import type { CliIo } from "./io.js";

const VERSION = "0.1.0";
/** The Lambda runtime `rehearse` emulates by default. */
const DEFAULT_REHEARSE_RUNTIME = LAMBDA_RUNTIME;

/** The chosen command, bound to its flags: loads its module, runs, returns the exit code or throws. */
export type CommandRun = () => Promise<number>;

const collect = (value: string, previous: string[] = []) => [...previous, value];

/** A command's module that would not load: the installation is broken, not the command (main.ts). */
export class BrokenInstall extends Error {
  constructor(readonly failure: unknown) {
    super("a module of lambda-rollout could not be loaded", { cause: failure });
    this.name = "BrokenInstall";
  }
}

/** Imports a command's module (a chunk of the bundle); a failure to load it is a BrokenInstall. */
async function load<T>(importing: () => Promise<T>): Promise<T> {
  try {
    return await importing();
  } catch (error) {
    throw new BrokenInstall(error);
  }
}

function createProgram(io: CliIo, choose: (run: CommandRun) => void): Command {
  const program = new Command("lambda-rollout")
    .description(
      "Ship AWS Lambda code safely: publish, shift the alias step by step, watch health, roll back.",
    )
    .version(VERSION, "-V, --version", "print the lambda-rollout version")
    // The name it had before `--version` (deploy's `--version <n>` is another option: options before the
    // command belong to the program, after it to the command).
    .addOption(new Option("--cli-version").hideHelp())
    .on("option:cli-version", () => {
      io.stdout.write(`${VERSION}\n`);
      throw new CommanderError(0, "commander.version", VERSION);
    })
    .option("--debug", "print stack traces of unexpected errors")
    .enablePositionalOptions();
  withHelp(program);
  declareDeploy(program).action((flags: DeployFlags) =>
    choose(async () => (await load(() => import("./commands/deploy.js"))).deployCommand(flags, io)),
  );
  declarePreview(program).action((flags: PreviewFlags) =>
    choose(async () => (await load(() => import("./commands/preview.js"))).previewCommand(flags, io)),
  );
  declareTarget(
    program
      .command("status")
      .description("Show the alias's versions and weights, and whether a roll-out is in progress."),
  ).action((flags: TargetFlags) =>
    choose(async () => (await load(() => import("./commands/status.js"))).statusCommand(flags, io)),
  );
  declareTarget(
    program
      .command("rollback")
      .description(
        "Undo a roll-out: 100% on the stable (primary) version, routing removed. A deploy still running ends rolled back (exit 1) within one poll.",
      ),
  ).action((flags: TargetFlags) =>
    choose(async () => (await load(() => import("./commands/rollback.js"))).rollbackCommand(flags, io)),
  );
  declareTarget(
    program
      .command("promote")
      .description(
        "Finish a roll-out now: 100% on the new (additional) version, routing removed. A deploy still running ends promoted (exit 0) within one poll.",
      ),
  ).action((flags: TargetFlags) =>
    choose(async () => (await load(() => import("./commands/promote.js"))).promoteCommand(flags, io)),
  );
  declarePrune(program).action((flags: PruneFlags) =>
    choose(async () => (await load(() => import("./commands/prune.js"))).pruneCommand(flags, io)),
  );
  declareTarget(
    program
      .command("approve")
      .description(
        "Let a deploy waiting for manual approval (--manual-approval) go on to 100%; recorded in AWS, so it works from any machine.",
      ),
  ).action((flags: TargetFlags) =>
    choose(async () => (await load(() => import("./commands/approve.js"))).approveCommand(flags, io)),
  );
  declareTarget(
    program
      .command("history")
      .argument("[id]", "one roll-out's id (r-…): its whole timeline")
      .description(
        "What was deployed, when, by whom, and how it ended: the roll-outs of an alias (or of every function of a release environment), newest first, from the ledger.",
      )
      .option("--limit <n>", "how many roll-outs to list (default: 20)")
      .option("--html", "with an id: the roll-out's report as one self-contained HTML page on stdout"),
  ).action((id: string | undefined, flags: HistoryFlags) =>
    choose(async () => (await load(() => import("./commands/history.js"))).historyCommand(id, flags, io)),
  );
  declareTarget(
    program
      .command("report")
      .argument("<id>", "the roll-out's id (r-…), as `history` lists it")
      .description(
        "Draw one roll-out as a self-contained HTML page: traffic per version over time, gate verdicts with their values, each version's error rate and p99 from CloudWatch, operator actions and the outcome.",
      )
      .option("--out <file>", "where to write the page (default: ID.html)"),
  ).action((id: string, flags: ReportFlags) =>
    choose(async () => (await load(() => import("./commands/report.js"))).reportCommand(id, flags, io)),
  );
  declareTarget(
    program
      .command("unlock")
      .description(
        "Free an alias's ledger lock by hand (a runner that died), after saying what held it. Routing is left as it is.",
      ),
  ).action((flags: TargetFlags) =>
    choose(async () => (await load(() => import("./commands/unlock.js"))).unlockCommand(flags, io)),
  );
  declarePackage(program).action((flags: PackageFlags) =>
    choose(async () => (await load(() => import("./commands/package.js"))).packageCommand(flags, io)),
  );
  declareIamPolicy(program).action((flags: IamPolicyFlags) =>
    choose(async () => (await load(() => import("./commands/iam-policy.js"))).iamPolicyCommand(flags, io)),
  );
  withHelp(program.command("state-machine"))
    .description(
      "Print the Step Functions definition (ASL) that runs any roll-out server-side, for deploy --engine stepfunctions.",
    )
    .option("--release", "the definition that runs a whole release (functions:/waves:) of one region")
    .action((flags: { release?: boolean }) =>
      choose(async () =>
        (await load(() => import("./commands/state-machine.js"))).stateMachineCommand(io, flags),
      ),
    );
  declareRehearse(program).action((flags: RehearseFlags) =>
    choose(async () => (await load(() => import("./commands/rehearse.js"))).rehearseCommand(flags, io)),
  );
  for (const command of program.commands) if (command.name() !== "state-machine") withHelp(command);
  for (const command of [program, ...program.commands]) {
    command.exitOverride().showHelpAfterError("(run with --help for usage)");
    command.configureOutput({
      writeOut: (text) => io.stdout.write(text),
      writeErr: (text) => io.stderr.write(text),
    });
  }
  return program;
}

/**
 * Parses the command line and returns the command it asks for, not yet loaded. `--help`, `--version`
 * and bad usage throw commander's CommanderError (after printing), as `exitOverride` makes them.
 */
export async function parseCommandLine(argv: string[], io: CliIo): Promise<CommandRun | undefined> {
  let chosen: CommandRun | undefined;
  const program = createProgram(io, (run) => {
    chosen = run;
  });
  await program.parseAsync(argv, { from: "user" });
  return chosen;
}

function declareDeploy(program: Command): Command {
  return program
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
    .option(
      "--allow-firing-alarms",
      "alarms already in ALARM at the start do not block the roll-out until they leave ALARM; needs smoke, a hook or metrics",
    )
    .option("--interval <duration>", "health poll interval during bakes (default: 10s)")
    .option(
      "--require-gates",
      "refuse (exit 2) a roll-out with no alarm, smoke, hook or metric gate instead of warning (config requireGates: true)",
    )
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
    .option("--hook-timeout <duration>", "how long a hook may run (default: 5m)")
    .option(
      "--restore-timeout <duration>",
      "how long a rollback keeps retrying through AWS throttling and outages before exit 5 (default: 2m)",
    )
    .option(
      "--notify <url>",
      "POST JSON (Slack-style `text`) at the start, each shift, a rollback, an approval wait and the result (repeatable)",
      collect,
    )
    .option(
      "--manual-approval",
      "after the last step's bake, wait for `lambda-rollout approve` before 100% (gates keep polling)",
    )
    .option(
      "--approval-timeout <duration>",
      "how long to wait for approval before rolling back (default: 1h)",
    )
    .option(
      "--max-rps <n>",
      "Lambda control-plane requests per second per account and region, all functions together, 1-15 (default: 10)",
    )
    .option(
      "--engine <engine>",
      "local: this process shifts the alias; stepfunctions: an execution does (default: local)",
    )
    .option(
      "--state-machine <arn>",
      "state machine for --engine stepfunctions (lambda-rollout state-machine)",
    )
    .option("--detach", "with --engine stepfunctions: return once the execution started (outcome started)")
    .option("--ledger-bucket <bucket>", "S3 bucket of the roll-out ledger (default: the artifact bucket)")
    .option(
      "--ledger-prefix <prefix>",
      "key prefix of the ledger (default: rollouts/, under the artifact prefix)",
    )
    .option("--config <file>", "lambda-rollout.yml (default: ./lambda-rollout.yml when --function is absent)")
    .option("--env <name>", "environment from the config (default: chosen by branch)")
    .option("--region <region>", "AWS region (default: the SDK chain)")
    .option("--json", "NDJSON events on stdout, ending with the result line")
    .option("--dry-run", "validate and print the plan; change nothing");
}

/** Where the ledger is, for the commands that read it. */
function ledgerOptions(command: Command): Command {
  return command
    .option("--ledger-bucket <bucket>", "S3 bucket of the roll-out ledger (default: the artifact bucket)")
    .option(
      "--ledger-prefix <prefix>",
      "key prefix of the ledger (default: rollouts/, under the artifact prefix)",
    );
}

function declarePreview(program: Command): Command {
  const command = program
    .command("preview")
    .description(
      "Say what a deploy would do, changing nothing: per function the code and settings that change (or noop), the plan and its worst case against the credentials, the ledger's lock, and the IAM policy diff.",
    )
    .option("--config <file>", "lambda-rollout.yml (default: ./lambda-rollout.yml when --function is absent)")
    .option("--env <name>", "environment from the config (default: chosen by branch)")
    .option("--zip <file>", "the package a single-function environment would ship (a release names its own)")
    .option("--function <name>", "Lambda function name or ARN (overrides the configuration)")
    .option("--alias <name>", "alias that clients call (default: live)")
    .option("--bucket <bucket>", "S3 bucket for the package")
    .option("--prefix <prefix>", "key prefix inside the bucket")
    .option("--strategy <preset>", "a plan preset instead of the configuration's")
    .option("--steps <steps>", 'custom steps instead of the configuration\'s, e.g. "10%:5m,50%:5m"')
    .option("--final-bake <duration>", "bake after 100% with the same gates, e.g. 5m")
    .option("--alarm <name>", "CloudWatch alarm gate (repeatable)", collect)
    .option("--region <region>", "AWS region (default: the environment's, then the SDK chain)");
  return ledgerOptions(command)
    .option(
      "--format <format>",
      "text (default), markdown (GitHub-flavoured, for a pull-request comment) or json",
    )
    .option(
      "--policy <file>",
      "the IAM policy your CI identity has: show what `iam-policy` would add to it or drop",
    );
}

/** The flags of `status`, `rollback`, `promote` and `approve`: they need nothing but what is in AWS. */
function declareTarget(command: Command): Command {
  return command
    .option("--function <name>", "Lambda function name or ARN (or take it from --config/--env)")
    .option("--alias <name>", "alias that clients call (default: live, or the environment's)")
    .option("--region <region>", "AWS region (default: the environment's, then the SDK chain)")
    .option("--config <file>", "lambda-rollout.yml (default: ./lambda-rollout.yml when --function is absent)")
    .option("--env <name>", "environment from the config (default: chosen by branch)")
    .option("--ledger-bucket <bucket>", "S3 bucket of the roll-out ledger (default: the artifact bucket)")
    .option(
      "--ledger-prefix <prefix>",
      "key prefix of the ledger (default: rollouts/, under the artifact prefix)",
    )
    .option("--json", "machine-readable output on stdout");
}

function declarePrune(program: Command): Command {
  return program
    .command("prune")
    .description(
      "Delete published versions older than the newest N, except any version an alias (or a rollback) may need.",
    )
    .option("--function <name>", "Lambda function name or ARN (or take it from --config/--env)")
    .option(
      "--keep <n>",
      "how many of the newest published versions to keep (default: the config's prune.keep)",
    )
    .option("--region <region>", "AWS region (default: the environment's, then the SDK chain)")
    .option("--config <file>", "lambda-rollout.yml (default: ./lambda-rollout.yml when --function is absent)")
    .option("--env <name>", "environment from the config (default: chosen by branch)")
    .option("--dry-run", "say what would be deleted and reclaimed; delete nothing")
    .option("--ledger-bucket <bucket>", "S3 bucket of the roll-out ledger (default: the artifact bucket)")
    .option(
      "--ledger-prefix <prefix>",
      "key prefix of the ledger (default: rollouts/, under the artifact prefix)",
    )
    .option("--json", "one JSON object on stdout");
}

function declarePackage(program: Command): Command {
  return (
    program
      .command("package")
      .description(
        "Bundle a handler with esbuild and write a deterministic zip (same sources, same bytes, same CodeSha256).",
      )
      // Not requiredOption: the command reports a missing flag as invalid input (exit 2).
      .option("--entry <file>", "handler source, TypeScript or JavaScript (required)")
      .option("--out <file>", "zip to write, e.g. dist/function.zip (required)")
      .option(
        "--handler <file.export>",
        "the function's Handler setting: the bundle is written as <file>.mjs and must export <export> (default: handler.handler)",
      )
      .option("--json", "print one JSON object instead of text")
  );
}

function declareIamPolicy(program: Command): Command {
  return program
    .command("iam-policy")
    .description(
      "Print the IAM policy that lets lambda-rollout deploy, roll back and report on one function, and nothing else.",
    )
    .option("--function <name>", "Lambda function name or ARN")
    .option("--alias <name>", "alias that lambda-rollout shifts (default: live)")
    .option("--bucket <bucket>", "artifact bucket")
    .option("--prefix <prefix>", "artifact key prefix (artifacts go to PREFIX/FUNCTION/SHA256.zip)")
    .option("--alarm <name>", "alarm read as a health gate (repeatable)", collect)
    .option("--region <region>", "region (default: the environment's, then AWS_REGION)")
    .option("--account <id>", "account id (default: *)")
    .option("--partition <name>", "AWS partition (default: aws)")
    .option("--ledger-bucket <bucket>", "S3 bucket of the roll-out ledger (default: the artifact bucket)")
    .option(
      "--ledger-prefix <prefix>",
      "key prefix of the ledger (default: rollouts/, under the artifact prefix)",
    )
    .option(
      "--state-machine <arn>",
      "state machine of --engine stepfunctions: adds DescribeStateMachine and StartExecution on it, Describe/GetHistory/Stop on its executions",
    )
    .option(
      "--preview",
      "the read-only policy `preview` needs (a pull request's job), instead of the deployer's",
    )
    .option("--config <file>", "lambda-rollout.yml (default: ./lambda-rollout.yml when --function is absent)")
    .option("--env <name>", "environment from the config (default: chosen by branch)");
}

function declareRehearse(program: Command): Command {
  return program
    .command("rehearse")
    .description(
      "Rehearse a roll-out locally (emulator + local API + synthetic load) with an injected failure: would the gates catch it, at which step, how fast?",
    )
    .requiredOption("--zip <file>", "your function's deployment package (Node.js)")
    .option(
      "--handler <handler>",
      "Handler setting, file.export (default: handler.handler or index.handler, by the zip)",
    )
    .addOption(defaulted("--runtime <runtime>", "Lambda runtime", DEFAULT_REHEARSE_RUNTIME))
    .addOption(defaulted("--timeout <seconds>", "function timeout", "3"))
    .addOption(defaulted("--memory <mb>", "function memory size", "128"))
    .option("--config <file>", "lambda-rollout.yml: the plan and gates of --env are rehearsed")
    .option("--env <name>", "environment in the config (default: chosen by branch)")
    .option("--strategy <preset>", "plan preset, instead of the config's (default: Canary10Percent5Minutes)")
    .option("--steps <steps>", 'custom steps, e.g. "10%:1m,50%:1m"')
    .addOption(defaulted("--error-rate <percent>", "share of requests the bad version fails", "20"))
    .addOption(defaulted("--latency <ms>", "latency added to every request of the bad version", "0"))
    .addOption(defaulted("--rps <n>", "synthetic requests per second", "20"))
    .addOption(defaulted("--interval <duration>", "health poll interval", "2s"))
    .addOption(defaulted("--period <seconds>", "metric period (the local publisher flushes every 1 s)", "5"))
    .addOption(
      defaulted("--max-bake <duration>", "cap on each step's bake, so long canaries rehearse quickly", "60s"),
    )
    .option("--path <path>", "request path and query for the load (repeatable)", collect)
    .option("--function-env <key=value>", "an environment variable of the function (repeatable)", collect)
    .option(
      "--setup <command>",
      "shell command run before the function exists, AWS_ENDPOINT_URL pointing at the emulator, e.g. to create a table (repeatable)",
      collect,
    )
    .option("--json", "print the report as JSON on stdout");
}

/** An option with a default, shown as every other default is: `(default: VALUE)`, never quoted. */
function defaulted(flags: string, description: string, value: string): Option {
  return new Option(flags, description).default(value, value);
}
