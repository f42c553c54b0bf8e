import { environmentFromFlags } from "../../config/index.js";
import { ExitCode, InputError } from "../../errors.js";
import { checkKeep, formatBytes, type PruneReport, prune, pruneFailure } from "../../rollout/manage/prune.js";
import type { CliIo } from "../io.js";
import { sweepEndedAlarms } from "./owned-alarms.js";
import {
  awsLambda,
  awsLedgerStore,
  type LambdaFactory,
  type LedgerStoreFactory,
  ledgerFor,
  resolveTarget,
} from "./target.js";

export interface PruneFlags {
  function?: string;
  region?: string;
  config?: string;
  env?: string;
  keep?: string;
  dryRun?: boolean;
  json?: boolean;
  ledgerBucket?: string;
  ledgerPrefix?: string;
}

/** `--keep` as typed: digits only, so `1.5`, `-1`, `0` and `5x` are all refused (exit 2). */
function parseKeep(text: string): number {
  if (!/^\d+$/.test(text.trim())) {
    throw new InputError(`--keep must be a whole number of at least 1, not "${text}".`, {
      hint: "Pass how many of the newest published versions to keep regardless, e.g. --keep 5.",
    });
  }
  return checkKeep(Number(text));
}

/**
 * `lambda-rollout prune`: deletes published versions older than the newest N that no alias needs, and
 * says what it deleted (or, with --dry-run, would delete) and how much code storage that reclaims.
 */
export async function pruneCommand(
  flags: PruneFlags,
  io: CliIo,
  lambdaFor: LambdaFactory = awsLambda,
  ledgerStoreFor: LedgerStoreFactory = awsLedgerStore,
  alarmFactories: Parameters<typeof sweepEndedAlarms>[2] = {},
): Promise<number> {
  const keepFlag = flags.keep === undefined ? undefined : parseKeep(flags.keep);
  const resolution = await environmentFromFlags(flags, { cwd: io.cwd, env: io.env });
  const target = await resolveTarget(flags, io, resolution);
  const environment = resolution?.kind === "environment" ? resolution.environment : undefined;
  const keep = keepFlag ?? environment?.prune?.keep;
  if (keep === undefined) {
    throw new InputError("prune needs --keep N (how many of the newest versions to keep).", {
      hint: "Pass --keep 5, or set prune: { keep: 5 } for the environment in lambda-rollout.yml.",
    });
  }
  const report = await prune(
    lambdaFor(target.region, target.whereabouts),
    { functionName: target.functionName, keep, dryRun: flags.dryRun === true },
    { signal: io.signal },
    ledgerFor(target.ledger, target.region, io, ledgerStoreFor),
  );
  // An environment rolled out server-side may hold alarms of ended roll-outs (any alias of the function).
  if (environment?.engine === "stepfunctions" && !flags.dryRun)
    await sweepEndedAlarms(io, { functionName: target.functionName, region: target.region }, alarmFactories);
  if (flags.json) io.stdout.write(`${JSON.stringify(report)}\n`);
  else io.stdout.write(describe(report));
  for (const skipped of report.skipped)
    io.stderr.write(`warning: v${skipped.version} not deleted: ${skipped.reason}\n`);
  if (report.failed) {
    const error = pruneFailure(report);
    io.stderr.write(`error: ${error.message}\n${error.hint ? `${error.hint}\n` : ""}`);
    return ExitCode.awsError;
  }
  return ExitCode.ok;
}

function describe(report: PruneReport): string {
  const verb = report.dryRun ? "would delete" : "deleted";
  const lines = [
    ...report.deleted.map((v) => `${verb} v${v.version} (${formatBytes(v.codeSize)})`),
    ...report.protected.map((p) => `kept v${p.version}: ${p.reasons.join("; ")}`),
    report.summary,
  ];
  return `${lines.join("\n")}\n`;
}
