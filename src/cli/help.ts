/**
 * The text after each command's options in `--help`: examples, then exit codes. One place, so every
 * command has both and they read alike (the reference in docs/reference/cli.md is checked against the
 * live help).
 */
import type { Command } from "commander";

export const DOCS_URL = "https://github.com/lambda-rollout/lambda-rollout#readme";

interface Help {
  /** Lines said before the examples (optional). */
  about?: string;
  /** `# what it does` then the command, per example. */
  examples: [comment: string, command: string][];
  exitCodes: string;
}

const TARGET_FLAGS = "--function NAME [--alias NAME] [--region R]  or  --config FILE --env NAME";

const HELP: Record<string, Help> = {
  "lambda-rollout": {
    about: `Quick start on the local emulator, the whole story on this machine, and every guide: ${DOCS_URL}`,
    examples: [
      ["build a deterministic zip", "lambda-rollout package --entry src/handler.ts --out dist/fn.zip"],
      [
        "canary: 10% for 5 minutes, rolled back if the alarm fires",
        "lambda-rollout deploy --function orders --zip dist/fn.zip --bucket my-artifacts \\\n    --strategy Canary10Percent5Minutes --alarm orders-errors",
      ],
      ["where is it, and end it either way", "lambda-rollout status --function orders"],
      ["", "lambda-rollout rollback --function orders   # or promote"],
      ["help on one command", "lambda-rollout deploy --help"],
    ],
    exitCodes:
      "0 promoted or nothing to do · 1 a gate failed, rolled back · 2 invalid input, nothing changed · 3 conflict (mid-roll-out or changed by someone else) · 4 AWS error, alias restored · 5 rollback failed (the message says what to run)",
  },
  deploy: {
    about: `While it runs, \`lambda-rollout promote\` (100% new) or \`rollback\` (100% stable) from any machine ends
it within one poll: promoted by an operator (exit 0) or rolled back by an operator (exit 1).`,
    examples: [
      [
        "canary 10% for 5 minutes, rolled back if the alarm fires",
        "lambda-rollout deploy --function orders --zip dist/orders.zip --bucket my-artifacts \\\n    --strategy Canary10Percent5Minutes --alarm orders-live-errors",
      ],
      [
        "everything from lambda-rollout.yml, the environment chosen by the branch",
        "lambda-rollout deploy --zip dist/orders.zip",
      ],
      [
        "shift to an already published version in custom steps; see the plan first",
        'lambda-rollout deploy --function orders --version 42 --steps "10%:2m,50%:5m" --dry-run',
      ],
      [
        "tell a Slack channel (incoming webhook) how it goes; a failed notification is only a warning",
        'lambda-rollout deploy --zip dist/orders.zip --notify "$SLACK_WEBHOOK_URL"',
      ],
      [
        "wait at 10% for a human: lambda-rollout approve --function orders (from any machine)",
        'lambda-rollout deploy --function orders --version 42 --steps "10%:10m" --manual-approval',
      ],
    ],
    exitCodes: `0 promoted, noop or started (--detach) · 1 gate failed, no approval in time or an operator's rollback; rolled back · 2 invalid input · 3 conflict, or a followed execution no longer followed (signal) and still running · 4 AWS error, alias restored · 5 rollback failed (the message says what to run)`,
  },
  status: {
    about: `Takes ${TARGET_FLAGS}. Reads AWS only, from any machine.`,
    examples: [
      ["one function", "lambda-rollout status --function orders --alias live --region eu-west-1"],
      [
        "the environment's function, or every function of a release",
        "lambda-rollout status --config lambda-rollout.yml --env production",
      ],
      ["for scripts", "lambda-rollout status --function orders --json | jq .inProgress"],
    ],
    exitCodes:
      "0 status shown (split or not) · 2 invalid input, or the function or alias does not exist · 4 AWS error",
  },
  rollback: {
    about: `Takes ${TARGET_FLAGS}. After a finished roll-out there is nothing to undo: it names the version the release replaced and the \`deploy --version N\` that returns to it through the same gates.`,
    examples: [
      ["one function", "lambda-rollout rollback --function orders --alias live"],
      ["every function of a release", "lambda-rollout rollback --config lambda-rollout.yml --env production"],
    ],
    exitCodes:
      "0 rolled back, or nothing to roll back (noop) · 2 invalid input · 3 conflict · 4 AWS error · 5 the release could not be restored everywhere (the message says what to run)",
  },
  promote: {
    about: `Takes ${TARGET_FLAGS}.`,
    examples: [
      ["one function", "lambda-rollout promote --function orders --alias live"],
      ["every function of a release", "lambda-rollout promote --config lambda-rollout.yml --env production"],
    ],
    exitCodes:
      "0 promoted, or nothing to promote (noop) · 2 invalid input · 3 conflict · 4 AWS error, or a release wave that was never published (run deploy again, or rollback)",
  },
  prune: {
    about: `Never deleted: the newest N versions; every version any alias routes to (both sides of a weighted alias); the version each alias's live version replaced (the rollback target); both versions of a roll-out in progress. A version already gone counts as done, so running it twice is safe.`,
    examples: [
      ["see first", "lambda-rollout prune --function orders --keep 5 --dry-run"],
      ["keep = prune.keep of the environment", "lambda-rollout prune --env production"],
    ],
    exitCodes: `0 pruned (or nothing to prune) · 2 invalid input (e.g. --keep 0) · 4 AWS error (what was deleted before it is reported; run again, it is idempotent)`,
  },
  approve: {
    about: "The waiting deploy sees the approval at its next poll and promotes; `rollback` stops it instead.",
    examples: [
      ["one function", "lambda-rollout approve --function orders --alias live"],
      [
        "the environment's function, or every waiting function of a release (functions:)",
        "lambda-rollout approve --config lambda-rollout.yml --env production",
      ],
    ],
    exitCodes: `0 approved (or already approved) · 2 invalid input · 3 nothing is awaiting approval (no roll-out, one still baking an earlier step, or a wait that ended; nothing was changed) · 4 AWS error`,
  },
  history: {
    about: `Takes ${TARGET_FLAGS}, and the ledger of the deploy (its configuration, or --ledger-bucket). With an id: that roll-out's whole timeline.`,
    examples: [
      ["the alias's roll-outs, newest first", "lambda-rollout history --function orders"],
      [
        "every function of a release environment",
        "lambda-rollout history --config lambda-rollout.yml --env production --limit 50",
      ],
      [
        "one roll-out: shifts, gate verdicts with values, operator actions",
        "lambda-rollout history r-mhx1k2ab-9f3c --config lambda-rollout.yml --env production",
      ],
      [
        "the same as one HTML page",
        "lambda-rollout history r-mhx1k2ab-9f3c --env production --html > report.html",
      ],
    ],
    exitCodes: "0 listed · 2 invalid input, no ledger configured, or no such roll-out · 4 AWS error",
  },
  preview: {
    about:
      "Reads Lambda, CloudWatch and the ledger with the same validation as deploy; writes nothing, uploads nothing. `lambda-rollout iam-policy --preview` prints the read-only policy it needs.",
    examples: [
      [
        "what the production deploy of this package would do",
        "lambda-rollout preview --config lambda-rollout.yml --env production --zip dist/orders.zip",
      ],
      [
        "as a pull-request comment, with the policy diff",
        "lambda-rollout preview --env production --format markdown --policy ci-policy.json > preview.md",
      ],
    ],
    exitCodes:
      "0 previewed (a function mid-roll-out or locked is reported, not an error) · 2 invalid input, as deploy would refuse it · 4 AWS error",
  },
  report: {
    about: "The page needs no network and runs no script: open it anywhere, attach it to a ticket.",
    examples: [
      [
        "from the environment's ledger",
        "lambda-rollout report r-mhx1k2ab-9f3c --env production --out report.html",
      ],
      [
        "from a ledger named by hand",
        "lambda-rollout report r-mhx1k2ab-9f3c --ledger-bucket my-artifacts --region eu-west-1",
      ],
    ],
    exitCodes: "0 written · 2 invalid input, no ledger configured, or no such roll-out · 4 AWS error",
  },
  unlock: {
    about: `Takes ${TARGET_FLAGS}. A lock whose runner died is taken over by the next deploy once its lease ran out and the alias is whole; rollback and promote free it too. Use unlock when you know the holder is gone sooner.`,
    examples: [["free the lock of orders:live", "lambda-rollout unlock --function orders --alias live"]],
    exitCodes: "0 unlocked (or not locked) · 2 invalid input or no ledger configured · 4 AWS error",
  },
  package: {
    about:
      "Writes <file>.mjs at the zip's root (Handler <file>.<export>; default: handler.handler) and checks that the entry exports the function the Handler names.",
    examples: [
      [
        "the default Handler, handler.handler",
        "lambda-rollout package --entry src/handler.ts --out dist/fn.zip",
      ],
      [
        "a function whose Handler is index.main",
        "lambda-rollout package --entry src/main.ts --out dist/fn.zip --handler index.main",
      ],
      [
        "for scripts",
        "lambda-rollout package --entry src/handler.ts --out dist/fn.zip --json | jq -r .codeSha256",
      ],
    ],
    exitCodes: "0 written · 2 invalid input (entry missing, build error, no such export, unwritable --out)",
  },
  "iam-policy": {
    examples: [
      ["from the configuration", "lambda-rollout iam-policy --config lambda-rollout.yml --env production"],
      [
        "from flags",
        "lambda-rollout iam-policy --function orders --bucket my-artifacts --prefix artifacts \\\n    --alarm orders-errors --region eu-west-1 --account 123456789012",
      ],
    ],
    exitCodes: "0 printed · 2 invalid input (a required value is missing, or flags contradict an ARN)",
  },
  "state-machine": {
    examples: [
      [
        "write the definition the Terraform module also ships",
        "lambda-rollout state-machine > rollout.asl.json",
      ],
      [
        "the definition that runs a whole release (functions:/waves:) of one region",
        "lambda-rollout state-machine --release > release.asl.json",
      ],
    ],
    exitCodes: "0 printed",
  },
  rehearse: {
    about: `The package as it is becomes the stable version, the same package failing --error-rate of its requests the new one, under synthetic load through a local API. With --config/--env, the environment's own plan and gates are rehearsed: its alarms (driven by the injected errors), its smoke invocations and its metric analysis. Needs python3 with moto[server]; nothing reaches AWS.`,
    examples: [
      [
        "the environment's plan and gates",
        "lambda-rollout rehearse --zip dist/fn.zip --config lambda-rollout.yml --env production",
      ],
      [
        "a plan of your own, a subtler failure",
        'lambda-rollout rehearse --zip dist/fn.zip --steps "10%:30s,50%:30s" --error-rate 5',
      ],
    ],
    exitCodes: `0 the gates caught the injected failure · 1 they did not · 2 invalid input (a plan with no step before 100%, no gate, an unknown handler, …) or the stable version fails on its own`,
  },
};

/** The help text after the options of `command` (by its name; the program's own for the top level). */
export function helpAfter(name: string): string {
  const help = HELP[name];
  if (!help) throw new Error(`no help for ${name}`);
  const examples = help.examples
    .map(([comment, command]) => `${comment ? `  # ${comment}\n` : ""}  ${command}`)
    .join("\n");
  return [
    help.about ? `\n${wrap(help.about)}` : "",
    `\nExamples:\n${examples}`,
    `\n${wrap(`Exit codes: ${help.exitCodes}`)}`,
  ]
    .filter(Boolean)
    .join("\n");
}

/** Breaks a paragraph into lines of at most 100 characters (commander wraps descriptions, not this). */
function wrap(text: string, width = 100): string {
  const lines: string[] = [];
  let line = "";
  for (const word of text.split(/\s+/)) {
    if (line && line.length + 1 + word.length > width) {
      lines.push(line);
      line = word;
    } else line = line ? `${line} ${word}` : word;
  }
  return [...lines, line].join("\n");
}

/** Adds the examples and exit codes to a command's help. */
export function withHelp(command: Command): Command {
  return command.addHelpText("after", helpAfter(command.name()));
}

/** The commands that have help texts (tests check that every command has one). */
export const HELP_NAMES = Object.keys(HELP);
