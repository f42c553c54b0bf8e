/** A one-function deploy as data (request.ts builds it from flags and the configuration). */
import type { GateSpecs } from "../../health/gates.js";
import type { Plan } from "../../plan/plan.js";
import type { StepFunctionsEngine } from "../../stepfunctions/input.js";
import type { CommandVia } from "../commands.js";
import type { ManagedInstancesOptions } from "../prepare/managed.js";

export const DEFAULT_INTERVAL_MS = 10_000;

export type DeploySource = { zip: string; bucket: string; prefix?: string | undefined } | { version: string };

/** A deploy, as data: what to ship where, the plan, and the gates as specs (built in health/gates.ts). */
export interface DeployRequest extends GateSpecs {
  functionName: string;
  aliasName: string;
  source: DeploySource;
  plan: Plan;
  /** Health poll interval; default 10 s. */
  intervalMs?: number | undefined;
  /** Bound on waiting for `LastUpdateStatus=Successful` and for a new version to be `Active`; default 5 min. */
  updateTimeoutMs?: number | undefined;
  /** How long restoring the alias keeps trying through throttling and outages; default 2 min. */
  restoreTimeoutMs?: number | undefined;
  dryRun?: boolean | undefined;
  /** After a successful promotion, prune versions older than the newest `keep` (see prune.ts). */
  prune?: { keep: number } | undefined;
  /**
   * Wait for `lambda-rollout approve` before the shift to 100% (see approval.ts): for `timeoutMs`
   * (default 1h), then roll back. `region` only goes into the approve command the run prints.
   */
  manualApproval?: { timeoutMs?: number | undefined; region?: string | undefined } | undefined;
  /** Run the plan in Step Functions instead of this process (server-side.ts); default: here. */
  engine?: StepFunctionsEngine | undefined;
  /** For a function on a capacity provider (Lambda Managed Instances): see managed.ts. */
  managedInstances?: ManagedInstancesOptions | undefined;
  /** Only for the commands the run prints (the adapters carry the region they call). */
  region?: string | undefined;
  /** A roll-out with no gate is refused (exit 2) instead of warned about (health/gateless.ts). */
  requireGates?: boolean | undefined;
  /**
   * How the user named the target (`--config F --env E`, or the region given): the commands the run
   * suggests (status, approve, rollback) name it the same way. Default: `--function`, `--alias` and
   * the manual approval's region.
   */
  via?: CommandVia | undefined;
}
