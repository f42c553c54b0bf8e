import { status } from "../../rollout/manage/manage.js";
import { type ReleaseStatus, releaseStatus } from "../../rollout/manage/release-status.js";
import { releaseExecution } from "../../rollout/manage/server-side-manage.js";
import type { CliIo } from "../io.js";
import { sweepEndedAlarms } from "./owned-alarms.js";
import {
  awsLambda,
  awsLedgerStore,
  awsStepFunctions,
  type LambdaFactory,
  type LedgerStoreFactory,
  ledgerFor,
  resolveTargets,
  type StepFunctionsFactory,
  type TargetFlags,
} from "./target.js";

/** One line per function: where it is, its routing, and what the newest release did to it. */
export function formatReleaseStatus(report: ReleaseStatus): string {
  const rows = report.functions.map((row) => {
    const wave = row.wave === null ? "" : ` wave ${row.wave}`;
    const versions = row.toVersion ? ` (v${row.fromVersion ?? "?"} → v${row.toVersion})` : "";
    return `  ${row.function}${row.region ? ` [${row.region}]` : ""}:${row.alias} ${row.routing} — ${row.state}${wave}${versions}`;
  });
  return [report.summary, ...rows].join("\n");
}

/** `lambda-rollout status`: the alias's versions and weights, read from AWS alone. */
export async function statusCommand(
  flags: TargetFlags,
  io: CliIo,
  lambdaFor: LambdaFactory = awsLambda,
  stepFunctionsFor: StepFunctionsFactory = awsStepFunctions,
  ledgerStoreFor: LedgerStoreFactory = awsLedgerStore,
): Promise<number> {
  const resolved = await resolveTargets(flags, io);
  if (resolved.kind === "release") {
    const { members, ledger, targetFlags } = resolved.release;
    const read = await releaseStatus(
      members,
      lambdaFor,
      targetFlags,
      ledgerFor(ledger, members[0]?.region, io, ledgerStoreFor),
    );
    // A server-side release: the execution that runs it, as `status` of one function reports it.
    const execution = await releaseExecution(
      members.map((member) => ({
        ...member,
        lambda: lambdaFor(member.region),
        stepFunctions: stepFunctionsFor(member.region),
      })),
    );
    const report = {
      ...read,
      execution,
      summary: execution
        ? `${read.summary} Step Functions execution ${execution.arn}: ${execution.status}.`
        : read.summary,
    };
    if (flags.json) io.stdout.write(`${JSON.stringify(report)}\n`);
    else io.stdout.write(`${formatReleaseStatus(report)}\n`);
    return 0;
  }
  const target = resolved.target;
  const report = await status(
    lambdaFor(target.region, target.whereabouts),
    target.functionName,
    target.aliasName,
    target.via,
    stepFunctionsFor(target.region),
    ledgerFor(target.ledger, target.region, io, ledgerStoreFor),
  );
  // A server-side roll-out of this alias may have left its metric gate's alarm (detached, or killed).
  if (report.execution) await sweepEndedAlarms(io, target, { stepFunctionsFor });
  if (flags.json) io.stdout.write(`${JSON.stringify(report)}\n`);
  else
    io.stdout.write(
      `${report.summary}\n${report.toVersionDescription ? `target v${report.toVersion}: ${report.toVersionDescription}\n` : ""}`,
    );
  return 0;
}
