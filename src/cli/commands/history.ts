import { createAwsPorts } from "../../aws/index.js";
import { InputError } from "../../errors.js";
import type { MetricsPort } from "../../ports.js";
import { formatHistory, formatRecord, historyOf, recordById } from "../../rollout/ledger/history.js";
import { aliasKeyOf, describeLocation, type LedgerLocation } from "../../rollout/ledger/location.js";
import type { RolloutRecord } from "../../rollout/ledger/record.js";
import type { CliIo } from "../io.js";
import {
  awsLambda,
  awsLedgerStore,
  type LambdaFactory,
  type LedgerStoreFactory,
  ledgerFor,
  resolveTargets,
  type TargetFlags,
} from "./target.js";

export interface HistoryFlags extends TargetFlags {
  limit?: string;
  /** With an id: the roll-out's HTML report on stdout. */
  html?: boolean;
}

function parseLimit(text: string | undefined): number {
  if (text === undefined) return 20;
  if (!/^\d+$/.test(text.trim()) || Number(text) < 1)
    throw new InputError(`--limit must be a whole number of at least 1, not "${text}".`, {
      hint: "Pass how many roll-outs to list, newest first, e.g. --limit 50.",
    });
  return Number(text);
}

const noLedger = () =>
  new InputError("No ledger to read: history lives in the roll-out ledger.", {
    hint: "Pass --config/--env (the ledger is the environment's `ledger:`, or its artifact bucket), or --ledger-bucket BUCKET.",
  });

/** Where `history <id>` and `report <id>` find one roll-out's record. */
export async function recordOf(
  id: string,
  flags: TargetFlags,
  io: CliIo,
  lambdaFor: LambdaFactory = awsLambda,
  ledgerStoreFor: LedgerStoreFactory = awsLedgerStore,
): Promise<{ record: RolloutRecord; source: string }> {
  const byId = flags.function === undefined && flags.env === undefined && flags.config === undefined;
  // By id alone, only the ledger's location is needed.
  const location: LedgerLocation | undefined = byId
    ? flags.ledgerBucket
      ? { bucket: flags.ledgerBucket, prefix: flags.ledgerPrefix ?? "rollouts/" }
      : undefined
    : undefined;
  if (byId) {
    const access = ledgerFor(location, flags.region, io, ledgerStoreFor);
    if (!access) throw noLedger();
    const record = await recordById(access, id, [], { signal: io.signal });
    return { record, source: describeLocation(access.location) };
  }
  const { access, aliases } = await ledgerOfTargets(flags, io, lambdaFor, ledgerStoreFor);
  const record = await recordById(access, id, aliases, { signal: io.signal });
  return { record, source: describeLocation(access.location) };
}

/** The ledger of the target's aliases (one function, or every function of a release environment). */
async function ledgerOfTargets(
  flags: TargetFlags,
  io: CliIo,
  lambdaFor: LambdaFactory,
  ledgerStoreFor: LedgerStoreFactory,
) {
  const resolved = await resolveTargets(flags, io);
  const members =
    resolved.kind === "release"
      ? resolved.release.members
      : [
          {
            functionName: resolved.target.functionName,
            aliasName: resolved.target.aliasName,
            region: resolved.target.region,
          },
        ];
  const location = resolved.kind === "release" ? resolved.release.ledger : resolved.target.ledger;
  const access = ledgerFor(location, members[0]?.region, io, ledgerStoreFor);
  if (!access) throw noLedger();
  // The alias ARNs (account and region) come from Lambda: the ledger's keys are made of them.
  const aliases = await Promise.all(
    members.map(async (member) =>
      aliasKeyOf((await lambdaFor(member.region).getAlias(member.functionName, member.aliasName)).aliasArn),
    ),
  );
  return { access, aliases };
}

/**
 * `lambda-rollout history [ID]`: the roll-outs of a function's alias (or of every function of a release
 * environment), newest first; with an id, that roll-out's whole timeline (with --html, its report).
 */
export async function historyCommand(
  id: string | undefined,
  flags: HistoryFlags,
  io: CliIo,
  lambdaFor: LambdaFactory = awsLambda,
  ledgerStoreFor: LedgerStoreFactory = awsLedgerStore,
): Promise<number> {
  const limit = parseLimit(flags.limit);
  const now = Date.now();
  if (flags.html && id === undefined)
    throw new InputError("--html draws one roll-out: pass its id.", {
      hint: "lambda-rollout history ID --html > report.html (list the ids with `lambda-rollout history`).",
    });
  if (id !== undefined) {
    const { record, source } = await recordOf(id, flags, io, lambdaFor, ledgerStoreFor);
    if (flags.html) {
      io.stdout.write(await reportFor(record, source, io, now));
      return 0;
    }
    io.stdout.write(flags.json ? `${JSON.stringify(record)}\n` : `${formatRecord(record, now)}\n`);
    return 0;
  }
  const { access, aliases } = await ledgerOfTargets(flags, io, lambdaFor, ledgerStoreFor);
  const records = await historyOf(access, aliases, limit, { signal: io.signal });
  io.stdout.write(
    flags.json
      ? `${JSON.stringify({ type: "history", rollouts: records })}\n`
      : `${formatHistory(records, now)}\n`,
  );
  return 0;
}

/** The HTML report of a record, with each version's health read from CloudWatch in its region. */
export async function reportFor(
  record: RolloutRecord,
  source: string,
  io: CliIo,
  now: number,
): Promise<string> {
  const { renderReport } = await import("../../report/index.js");
  const metrics = new Map<string, MetricsPort>();
  return renderReport(record, {
    now,
    signal: io.signal,
    source: `${source} (record ${record.id})`,
    metricsFor: (region) => {
      let found = metrics.get(region);
      if (!found) {
        found = createAwsPorts({ region, env: io.env }).metrics;
        metrics.set(region, found);
      }
      return found;
    },
  });
}
