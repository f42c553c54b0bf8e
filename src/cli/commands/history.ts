import { InputError } from "../../errors.js";
import { formatHistory, formatRecord, historyOf, recordById } from "../../rollout/ledger/history.js";
import { aliasKeyOf, type LedgerLocation } from "../../rollout/ledger/location.js";
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

/**
 * `lambda-rollout history [ID]`: the roll-outs of a function's alias (or of every function of a release
 * environment), newest first; with an id, that roll-out's whole timeline.
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
  if (
    id !== undefined &&
    flags.function === undefined &&
    flags.env === undefined &&
    flags.config === undefined
  ) {
    // By id, only the ledger's location is needed.
    const location: LedgerLocation | undefined = flags.ledgerBucket
      ? { bucket: flags.ledgerBucket, prefix: flags.ledgerPrefix ?? "rollouts/" }
      : undefined;
    if (!location) throw noLedger();
    const access = ledgerFor(location, flags.region, io, ledgerStoreFor);
    if (!access) throw noLedger();
    const record = await recordById(access, id, [], { signal: io.signal });
    io.stdout.write(flags.json ? `${JSON.stringify(record)}\n` : `${formatRecord(record, now)}\n`);
    return 0;
  }
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
  if (id !== undefined) {
    const record = await recordById(access, id, aliases, { signal: io.signal });
    io.stdout.write(flags.json ? `${JSON.stringify(record)}\n` : `${formatRecord(record, now)}\n`);
    return 0;
  }
  const records = await historyOf(access, aliases, limit, { signal: io.signal });
  io.stdout.write(
    flags.json
      ? `${JSON.stringify({ type: "history", rollouts: records })}\n`
      : `${formatHistory(records, now)}\n`,
  );
  return 0;
}
