/**
 * The ledger is the source of truth for intent, the alias for routing: what `status`, `rollback`,
 * `promote`, `approve` and `prune` need to know of a roll-out (its versions, whether it still runs,
 * who holds the alias) comes from the record the alias's lock names, never from the alias description
 * (256 characters, editable by anyone). This module reads that, and writes an operator's action back.
 */
import type { AliasState, CallOptions, ExecutionState } from "../../ports.js";
import type { VersionRecord } from "../progress.js";
import { aliasKeyOf, type LedgerAccess } from "./location.js";
import type { HeldHead } from "./lock.js";
import { aliasLedger, lastPromotion, recordOperatorAction } from "./read.js";
import {
  describeActor,
  type Holder,
  iso,
  type RecordOutcome,
  type RecordTarget,
  type RolloutRecord,
} from "./record.js";

export interface AliasIntent {
  access: LedgerAccess;
  head: HeldHead | undefined;
  /** The record of the roll-out holding the alias, while it has no outcome. */
  open: RolloutRecord | undefined;
  /** This alias in the open record. */
  target: RecordTarget | undefined;
  /** The holder's lease ran out: its runner is gone (or a detached execution's bound passed). */
  expired: boolean;
  /** The newest finished roll-out that made a version of this alias live, and what it replaced. */
  lastPromotion: { record: RolloutRecord; from: string; to: string } | undefined;
}

export async function intentOf(
  access: LedgerAccess,
  alias: AliasState,
  now: number,
  options: CallOptions = {},
): Promise<AliasIntent> {
  const key = aliasKeyOf(alias.aliasArn);
  const { head, open } = await aliasLedger(access, key, options);
  const unfinished = open && !open.outcome ? open : undefined;
  const target = unfinished?.targets.find((t) => t.aliasArn === alias.aliasArn);
  const holder = head?.head.holder;
  return {
    access,
    head,
    open: unfinished,
    target,
    expired: holder ? Date.parse(holder.leaseUntil) <= now : false,
    lastPromotion: await lastPromotion(access, head, key.function, options),
  };
}

/** What `status --json` says of the ledger. */
export interface LedgerStatus {
  /** The record of the roll-out holding the lock, when one does. */
  record: string | null;
  lock: (Holder & { by: string; expired: boolean }) | null;
  rollout: {
    id: string;
    kind: RolloutRecord["kind"];
    startedAt: string;
    by: string;
    plan: string;
    engine: RolloutRecord["engine"];
    executionArn: string | null;
    stableVersion: string | null;
    newVersion: string | null;
    lastShift: { weight: number; at: string } | null;
  } | null;
  last: { id: string; from: string; to: string; endedAt: string | null } | null;
}

export function ledgerStatus(intent: AliasIntent): LedgerStatus {
  const holder = intent.head?.head.holder ?? null;
  const open = intent.open;
  const shifts = (open?.timeline ?? []).filter(
    (e): e is Extract<typeof e, { type: "shift" }> =>
      e.type === "shift" && (e.function === undefined || e.function === intent.target?.function),
  );
  const shift = shifts.at(-1);
  const { location } = intent.access;
  return {
    record: holder ? `s3://${location.bucket}/${location.prefix}${holder.record}` : null,
    lock: holder ? { ...holder, by: describeActor(holder.actor), expired: intent.expired } : null,
    rollout: open
      ? {
          id: open.id,
          kind: open.kind,
          startedAt: open.startedAt,
          by: describeActor(open.actor),
          plan: open.plan,
          engine: open.engine,
          executionArn: open.executionArn,
          stableVersion: intent.target?.stableVersion ?? null,
          newVersion: intent.target?.newVersion ?? null,
          lastShift: shift ? { weight: shift.weight, at: shift.at } : null,
        }
      : null,
    last: intent.lastPromotion
      ? {
          id: intent.lastPromotion.record.id,
          from: intent.lastPromotion.from,
          to: intent.lastPromotion.to,
          endedAt: intent.lastPromotion.record.endedAt,
        }
      : null,
  };
}

/**
 * Appends an operator's action to the open roll-out. With an outcome, a roll-out of this alias alone is
 * also ended: its outcome written (when it has none) and its lock freed. A release is only told: one alias does not
 * end it (`rollback --config … --env …` does).
 */
export async function recordAction(
  intent: AliasIntent,
  action: { name: string; detail: string; now: number; outcome?: RecordOutcome | undefined },
): Promise<void> {
  const holder = intent.head?.head.holder;
  if (!holder) return;
  const ends = intent.open?.kind !== "release" && action.outcome !== undefined;
  await recordOperatorAction(
    intent.access,
    holder,
    { ...action, actor: intent.access.actor, outcome: ends ? action.outcome : undefined },
    ends && intent.head ? [intent.head] : [],
  );
}

/**
 * The outcome a finished Step Functions execution stands for, for a record its follower never closed
 * (a detached roll-out); undefined while it runs.
 */
export function executionOutcome(
  execution: ExecutionState | undefined,
  now: number,
): RecordOutcome | undefined {
  if (!execution || execution.status === "RUNNING") return undefined;
  const at = iso(execution.stopDate?.getTime() ?? now);
  switch (execution.status) {
    case "SUCCEEDED":
      return { outcome: "promoted", exitCode: 0, reason: `Execution succeeded at ${at}.`, hint: null };
    case "ABORTED":
      return { outcome: "stopped", exitCode: 3, reason: `Execution stopped at ${at}.`, hint: null };
    case "FAILED":
      return execution.error === "lambda-rollout.ForeignChange"
        ? {
            outcome: "failed",
            exitCode: 3,
            reason: execution.cause ?? "Someone else changed the alias.",
            hint: null,
          }
        : {
            outcome: "rolled_back",
            exitCode: 1,
            reason:
              `Execution failed at ${at} (${execution.error ?? "error"}): ${execution.cause ?? ""}`.trim(),
            hint: null,
          };
    default:
      return {
        outcome: "failed",
        exitCode: 4,
        reason: `Execution ended ${execution.status} at ${at}.`,
        hint: null,
      };
  }
}

/** The live version's code and settings as the ledger's last promotion of it recorded them, if it did. */
export async function promotedFacts(
  ledger: LedgerAccess,
  alias: AliasState,
  now: number,
  options: { signal?: AbortSignal | undefined },
): Promise<VersionRecord | undefined> {
  const promoted = (await intentOf(ledger, alias, now, options)).lastPromotion;
  const target = promoted?.record.targets.find((t) => t.aliasArn === alias.aliasArn);
  if (promoted?.to !== alias.version || !target?.codeSha256 || !target.config) return undefined;
  return { version: alias.version, codeSha256: target.codeSha256, config: target.config };
}

/** The versions the ledger's records still need, for each alias of the function, with why. */
export async function versionsLedgerNeeds(
  ledger: LedgerAccess,
  functionName: string,
  aliases: AliasState[],
  options: CallOptions,
): Promise<Map<string, string[]>> {
  const needed = new Map<string, string[]>();
  const add = (version: string | null | undefined, reason: string) => {
    if (!version || !/^\d+$/.test(version)) return;
    needed.set(version, [...(needed.get(version) ?? []), reason]);
  };
  const intents = await Promise.all(aliases.map((alias) => intentOf(ledger, alias, Date.now(), options)));
  for (const [index, intent] of intents.entries()) {
    const name = aliases[index]?.aliasName;
    for (const target of intent.open?.targets ?? []) {
      if (target.function !== functionName) continue;
      const what = `${intent.open?.kind} ${intent.open?.id} on alias ${target.alias} is unfinished (ledger)`;
      add(target.stableVersion, `${what}: its stable version`);
      add(target.newVersion, `${what}: its new version`);
    }
    const last = intent.lastPromotion;
    if (last)
      add(
        last.from,
        `alias ${name}'s last roll-out (${last.record.id}) replaced it with v${last.to} (ledger)`,
      );
  }
  return needed;
}
