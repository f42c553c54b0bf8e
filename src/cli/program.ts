/**
 * The command tree: every command's flags and help, and nothing else. A command's code is imported
 * only when that command runs (`commands/<name>.ts`), so `--help` and `deploy` do not load the emulator,
 * esbuild or the SDK clients that other commands need. Type-only imports below are erased.
 */
import { Command } from "commander";
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
import type { CliIo } from "./io.js";

const VERSION = "0.1.0";
/** The Lambda runtime `rehearse` emulates by default. */
const DEFAULT_REHEARSE_RUNTIME = LAMBDA_RUNTIME;

/** The chosen command, bound to its flags: loads its module, runs, returns the exit code or throws. */
export type CommandRun = () => Promise<number>;

const collect = (value: string, previous: string[] = []) => [...previous, value];

function createProgram(io: CliIo, choose: (run: CommandRun) => void): Command {
  const program = new Command("lambda-rollout")
    .description(
      "Ship AWS Lambda code safely: publish, shift the alias step by step, watch health, roll back.",
    )
    .version(VERSION, "-V, --cli-version", "print the lambda-rollout version")
    .option("--debug", "print stack traces of unexpected errors")
    .enablePositionalOptions();
  declareDeploy(program).action((flags: DeployFlags) =>
    choose(async () => (await import("./commands/deploy.js")).deployCommand(flags, io)),
  );
  declarePreview(program).action((flags: PreviewFlags) =>
    choose(async () => (await import("./commands/preview.js")).previewCommand(flags, io)),
  );
  declareTarget(
    program
      .command("status")
      .description("Show the alias's versions and weights, and whether a roll-out is in progress."),
  ).action((flags: TargetFlags) =>
    choose(async () => (await import("./commands/status.js")).statusCommand(flags, io)),
  );
  declareTarget(
    program
      .command("rollback")
      .description(
        "Undo a roll-out: 100% on the stable (primary) version, routing removed. A deploy still running ends rolled back (exit 1) within one poll.",
      ),
  ).action((flags: TargetFlags) =>
    choose(async () => (await import("./commands/rollback.js")).rollbackCommand(flags, io)),
  );
  declareTarget(
    program
      .command("promote")
      .description(
        "Finish a roll-out now: 100% on the new (additional) version, routing removed. A deploy still running ends promoted (exit 0) within one poll.",
      ),
  ).action((flags: TargetFlags) =>
    choose(async () => (await import("./commands/promote.js")).promoteCommand(flags, io)),
  );
  declarePrune(program).action((flags: PruneFlags) =>
    choose(async () => (await import("./commands/prune.js")).pruneCommand(flags, io)),
  );
  declareTarget(
    program
      .command("approve")
      .description(
        "Let a deploy waiting for manual approval (--manual-approval) go on to 100%; recorded in AWS, so it works from any machine.",
      ),
  )
    .addHelpText(
      "after",
      `
The waiting deploy sees the approval at its next poll and promotes; \`rollback\` stops it instead.
Exit codes: 0 approved (or already approved) · 2 invalid input · 3 nothing is awaiting approval
(no roll-out, one still baking an earlier step, or a wait that ended; nothing was changed) · 4 AWS error`,
    )
    .action((flags: TargetFlags) =>
      choose(async () => (await import("./commands/approve.js")).approveCommand(flags, io)),
    );
  declareTarget(
    program
      .command("history")
      .argument("[id]", "one roll-out's id (r-…): its whole timeline")
      .description(
        "What was deployed, when, by whom, and how it ended: the roll-outs of an alias (or of every function of a release environment), newest first, from the ledger.",
      )
      .option("--limit <n>", "how many roll-outs to list (default 20)")
      .option("--html", "with an id: the roll-out's report as one self-contained HTML page on stdout"),
  )
    .addHelpText(
      "after",
      `
Examples:
  lambda-rollout history --function orders             # the alias's roll-outs, newest first
  lambda-rollout history --config lambda-rollout.yml --env production --limit 50
  lambda-rollout history r-mhx1k2ab-9f3c --env production   # one roll-out: shifts, gate verdicts, operators
  lambda-rollout history r-mhx1k2ab-9f3c --env production --html > report.html

Exit codes: 0 listed · 2 invalid input, no ledger configured, or no such roll-out · 4 AWS error`,
    )
    .action((id: string | undefined, flags: HistoryFlags) =>
      choose(async () => (await import("./commands/history.js")).historyCommand(id, flags, io)),
    );
  declareTarget(
    program
      .command("report")
      .argument("<id>", "the roll-out's id (r-…), as `history` lists it")
      .description(
        "Draw one roll-out as a self-contained HTML page: traffic per version over time, gate verdicts with their values, each version's error rate and p99 from CloudWatch, operator actions and the outcome.",
      )
      .option("--out <file>", "where to write the page (default: ID.html)"),
  )
    .addHelpText(
      "after",
      `
The page needs no network and runs no script: open it anywhere, attach it to a ticket.

Examples:
  lambda-rollout report r-mhx1k2ab-9f3c --env production --out report.html
  lambda-rollout report r-mhx1k2ab-9f3c --ledger-bucket my-artifacts --region eu-west-1

Exit codes: 0 written · 2 invalid input, no ledger configured, or no such roll-out · 4 AWS error`,
    )
    .action((id: string, flags: ReportFlags) =>
      choose(async () => (await import("./commands/report.js")).reportCommand(id, flags, io)),
    );
  declareTarget(
    program
      .command("unlock")
      .description(
        "Free an alias's ledger lock by hand (a runner that died), after saying what held it. Routing is left as it is.",
      ),
  )
    .addHelpText(
      "after",
      `
A lock whose runner died is taken over by the next deploy once its lease ran out and the alias is
whole; rollback and promote free it too. Use unlock when you know the holder is gone sooner.

Example:
  lambda-rollout unlock --function orders --alias live

Exit codes: 0 unlocked (or not locked) · 2 invalid input or no ledger configured · 4 AWS error`,
    )
    .action((flags: TargetFlags) =>
      choose(async () => (await import("./commands/unlock.js")).unlockCommand(flags, io)),
    );
  declarePackage(program).action((flags: PackageFlags) =>
    choose(async () => (await import("./commands/package.js")).packageCommand(flags, io)),
  );
  declareIamPolicy(program).action((flags: IamPolicyFlags) =>
    choose(async () => (await import("./commands/iam-policy.js")).iamPolicyCommand(flags, io)),
  );
  program
    .command("state-machine")
    .description(
      "Print the Step Functions definition (ASL) that runs any roll-out server-side, for deploy --engine stepfunctions.",
    )
    .action(() => choose(async () => (await import("./commands/state-machine.js")).stateMachineCommand(io)));
  declareRehearse(program).action((flags: RehearseFlags) =>
    choose(async () => (await import("./commands/rehearse.js")).rehearseCommand(flags, io)),
  );
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
    .option(
      "--notify <url>",
      "POST JSON (Slack-style `text`) at the start, each shift, a rollback, an approval wait and the result (repeatable)",
      collect,
    )
    .option(
      "--manual-approval",
      "after the last step's bake, wait for `lambda-rollout approve` before 100% (gates keep polling)",
    )
    .option("--approval-timeout <duration>", "how long to wait for approval before rolling back (default 1h)")
    .option(
      "--max-rps <n>",
      "Lambda control-plane requests per second per account and region, all functions together (1-15, default 10)",
    )
    .option("--engine <engine>", "local (default: this process shifts) or stepfunctions (an execution does)")
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

  # tell a Slack channel (incoming webhook) how it goes; a failed notification is only a warning
  lambda-rollout deploy --zip dist/orders.zip --notify "$SLACK_WEBHOOK_URL"

  # wait at 10% for a human: lambda-rollout approve --function orders (from any machine)
  lambda-rollout deploy --function orders --version 42 --steps "10%:10m" --manual-approval

While it runs, \`lambda-rollout promote\` (100% new) or \`rollback\` (100% stable) from any machine ends
it within one poll: promoted by an operator (exit 0) or rolled back by an operator (exit 1).

Exit codes: 0 promoted, noop or started (--detach) · 1 gate failed, no approval in time or an operator's
rollback; rolled back · 2 invalid input · 3 conflict, or a followed execution no longer followed
(signal) and still running · 4 AWS error, alias restored · 5 rollback failed (the message says what
to run)`,
    );
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
    )
    .addHelpText(
      "after",
      `
Reads Lambda, CloudWatch and the ledger with the same validation as deploy; writes nothing, uploads
nothing. \`lambda-rollout iam-policy --preview\` prints the read-only policy it needs.

Examples:
  lambda-rollout preview --config lambda-rollout.yml --env production --zip dist/orders.zip
  lambda-rollout preview --env production --format markdown --policy ci-policy.json > preview.md

Exit codes: 0 previewed (a function mid-roll-out or locked is reported, not an error) · 2 invalid input,
as deploy would refuse it · 4 AWS error`,
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
    .option("--json", "one JSON object on stdout")
    .addHelpText(
      "after",
      `
Never deleted: the newest N versions; every version any alias routes to (both sides of a weighted
alias); the version each alias's live version replaced (the rollback target); both versions of a
roll-out in progress. A version already gone counts as done, so running it twice is safe.

Examples:
  lambda-rollout prune --function orders --keep 5 --dry-run
  lambda-rollout prune --env production            # keep = prune.keep of the environment

Exit codes: 0 pruned (or nothing to prune) · 2 invalid input (e.g. --keep 0) · 4 AWS error (what was
deleted before it is reported; run again, it is idempotent)`,
    );
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
    .option("--region <region>", "region (default: config, then AWS_REGION)")
    .option("--account <id>", "account id (default: *)")
    .option("--partition <name>", "AWS partition (default: aws)")
    .option("--ledger-bucket <bucket>", "S3 bucket of the roll-out ledger (default: the artifact bucket)")
    .option(
      "--ledger-prefix <prefix>",
      "key prefix of the ledger (default: rollouts/, under the artifact prefix)",
    )
    .option(
      "--state-machine <arn>",
      "state machine of --engine stepfunctions: adds StartExecution on it and Describe/GetHistory/Stop on its executions",
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
    .option("--runtime <runtime>", "Lambda runtime", DEFAULT_REHEARSE_RUNTIME)
    .option("--timeout <seconds>", "function timeout", "3")
    .option("--memory <mb>", "function memory size", "128")
    .option("--config <file>", "lambda-rollout.yml: plan and metrics of --env are rehearsed")
    .option("--env <name>", "environment in the config")
    .option("--strategy <preset>", "plan preset (instead of the config's)")
    .option("--steps <steps>", 'custom steps, e.g. "10%:1m,50%:1m"')
    .option("--error-rate <percent>", "share of requests the bad version fails", "20")
    .option("--latency <ms>", "latency added to every request of the bad version", "0")
    .option("--rps <n>", "synthetic requests per second", "20")
    .option("--interval <duration>", "health poll interval", "2s")
    .option("--period <seconds>", "metric period (the local publisher flushes every 1 s)", "5")
    .option("--max-bake <duration>", "cap on each step's bake, so long canaries rehearse quickly", "60s")
    .option("--path <path>", "request path and query for the load (repeatable)", collect)
    .option("--json", "print the report as JSON on stdout");
}
