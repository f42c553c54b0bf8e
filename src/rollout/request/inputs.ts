/** What a user can say (flags, Action inputs), before the configuration is applied to it. */
import { InputError } from "../../errors.js";
import { parseDuration } from "../../plan/duration.js";

/**
 * What a user can say on the command line or as Action inputs, all optional. Values given here override
 * the configuration file's.
 */
export interface DeployInputs {
  config?: string | undefined;
  env?: string | undefined;
  function?: string | undefined;
  alias?: string | undefined;
  zip?: string | undefined;
  bucket?: string | undefined;
  prefix?: string | undefined;
  version?: string | undefined;
  strategy?: string | undefined;
  steps?: string | undefined;
  finalBake?: string | undefined;
  alarms?: string[] | undefined;
  interval?: string | undefined;
  /** JSON text, or `@FILE` to read it from a file. */
  smokePayloads?: string[] | undefined;
  preTrafficHooks?: string[] | undefined;
  postTrafficHooks?: string[] | undefined;
  hookTimeout?: string | undefined;
  /** How long a rollback keeps trying through throttling and outages (default 2m). */
  restoreTimeout?: string | undefined;
  region?: string | undefined;
  /** Webhook URLs (`--notify`, repeatable); replace the configuration's `notify:`. */
  notify?: string[] | undefined;
  /** Lambda control-plane budget per account and region, requests per second (1..15). */
  maxRps?: string | undefined;
  dryRun?: boolean | undefined;
  /** Alarms already in ALARM at the start do not block the roll-out (config `alarmsAlreadyFiring: ignore`). */
  allowFiringAlarms?: boolean | undefined;
  /** Wait for `lambda-rollout approve` before 100%; undefined leaves the configuration's choice. */
  manualApproval?: boolean | undefined;
  /** How long that wait may last (default 1h). */
  approvalTimeout?: string | undefined;
  /** `local` (default) or `stepfunctions`, with `stateMachine` and optionally `detach`. */
  engine?: string | undefined;
  stateMachine?: string | undefined;
  detach?: boolean | undefined;
  /** Where the ledger lives, overriding the configuration's `ledger:` (default: the artifact bucket). */
  ledgerBucket?: string | undefined;
  ledgerPrefix?: string | undefined;
  /** A roll-out with no gate is exit 2 (`--require-gates`); undefined leaves the configuration's choice. */
  requireGates?: boolean | undefined;
}

/** The single-valued inputs by their flag (and Action input) names, with the DeployInputs key each fills. */
const SCALAR_INPUTS = {
  config: "config",
  env: "env",
  function: "function",
  alias: "alias",
  zip: "zip",
  bucket: "bucket",
  prefix: "prefix",
  version: "version",
  strategy: "strategy",
  steps: "steps",
  "final-bake": "finalBake",
  interval: "interval",
  "hook-timeout": "hookTimeout",
  "restore-timeout": "restoreTimeout",
  "approval-timeout": "approvalTimeout",
  region: "region",
  "max-rps": "maxRps",
  engine: "engine",
  "state-machine": "stateMachine",
  "ledger-bucket": "ledgerBucket",
  "ledger-prefix": "ledgerPrefix",
} as const satisfies Record<string, keyof DeployInputs>;

type ScalarKey = (typeof SCALAR_INPUTS)[keyof typeof SCALAR_INPUTS];

/**
 * Reads every single-valued input through `read(name)` (name as in `--final-bake`), so the CLI and the
 * Action map the same names to the same keys. Empty strings count as not given.
 */
export function scalarInputs(read: (name: string) => string | undefined): Pick<DeployInputs, ScalarKey> {
  const inputs: Pick<DeployInputs, ScalarKey> = {};
  for (const [name, key] of Object.entries(SCALAR_INPUTS)) {
    const value = read(name);
    if (value !== undefined && value !== "") inputs[key] = value;
  }
  return inputs;
}

/** Manual approval: the flag wins over the configuration; a timeout without approval is a mistake. */
export function manualApprovalOf(
  inputs: DeployInputs,
  environment: { manualApproval: boolean; approvalTimeoutMs: number | undefined } | undefined,
  region: string | undefined,
): { timeoutMs: number | undefined; region: string | undefined } | undefined {
  const on = inputs.manualApproval ?? environment?.manualApproval ?? false;
  if (!on) {
    if (inputs.approvalTimeout === undefined) return undefined;
    throw new InputError("--approval-timeout was given without manual approval.", {
      hint: "Add --manual-approval (or manualApproval: true in the configuration), or drop --approval-timeout.",
    });
  }
  const timeoutMs =
    inputs.approvalTimeout !== undefined
      ? parseDuration(inputs.approvalTimeout, "--approval-timeout")
      : environment?.approvalTimeoutMs;
  return { timeoutMs, region };
}
