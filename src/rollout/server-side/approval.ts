/**
 * Manual approval of a server-side roll-out. The execution (definition.ts approvalStates) waits in a
 * loop of bounded `.waitForTaskToken` waits, each writing its fresh task token into the ledger beside
 * the roll-out's record (`records/…/ID.approval.json`, as `[token, since, execution, timeoutSeconds,
 * pollSeconds]`). `approve` reads the token there and sends SendTaskSuccess; `status` reads it to say
 * until when the roll-out waits. Without an open server-side roll-out waiting, both fall back to the
 * local engine's approval (engine/approval.ts), which reads the alias description.
 */
import { ConflictError, ExitCode } from "../../errors.js";
import type { LambdaPort, StepFunctionsPort } from "../../ports.js";
import { type CommandVia, suggestedCommand } from "../commands.js";
import { describeRouting } from "../engine/alias-writer.js";
import { operatorCommand } from "../engine/approval.js";
import { failedResult, type ResultEvent } from "../events.js";
import { type AliasIntent, intentOf, recordAction } from "../ledger/intent.js";
import { type LedgerAccess, type LedgerLocation, recordKey } from "../ledger/location.js";
import { describeActor } from "../ledger/record.js";
import { executionOf } from "../progress.js";

/** Where the execution of the roll-out recorded at `recordPath` writes its approval token. */
export function approvalLocation(location: LedgerLocation, recordPath: string) {
  return {
    bucket: location.bucket,
    key: recordKey(location, recordPath.replace(/\.json$/, ".approval.json")),
  };
}

export interface ApprovalToken {
  token: string;
  /** When the wait for approval began (ISO 8601). */
  since: string;
  executionArn: string;
  timeoutSeconds: number;
  pollSeconds: number;
  /** When the wait ends with a rollback: `since` plus the timeout (the gate checks between waits add a little). */
  until: string;
}

/** The object the execution wrote, or undefined when it is not one. */
export function parseApprovalToken(body: string): ApprovalToken | undefined {
  let value: unknown;
  try {
    value = JSON.parse(body);
  } catch {
    return undefined;
  }
  if (!Array.isArray(value) || value.length < 5) return undefined;
  const [token, since, executionArn, timeoutSeconds, pollSeconds] = value as unknown[];
  if (typeof token !== "string" || typeof since !== "string" || typeof executionArn !== "string")
    return undefined;
  if (typeof timeoutSeconds !== "number" || typeof pollSeconds !== "number") return undefined;
  const start = Date.parse(since);
  if (Number.isNaN(start)) return undefined;
  const until = new Date(start + timeoutSeconds * 1000).toISOString();
  return { token, since, executionArn, timeoutSeconds, pollSeconds, until };
}

/**
 * The token of the server-side roll-out holding the alias, when `executionArn` (the execution that
 * owns the alias: the record's, else the description's while a follower has not written it yet) wrote
 * it; undefined when no server-side roll-out holds the alias or its execution has not begun waiting.
 */
async function waitingToken(
  intent: AliasIntent,
  executionArn: string | undefined,
): Promise<ApprovalToken | undefined> {
  const open = intent.open;
  const record = intent.head?.head.holder?.record;
  if (open?.engine !== "stepfunctions" || !executionArn || !record) return undefined;
  const { bucket, key } = approvalLocation(intent.access.location, record);
  const found = await intent.access.store.get(bucket, key);
  const token = found ? parseApprovalToken(found.body) : undefined;
  return token?.executionArn === executionArn ? token : undefined;
}

/** `status`: a running server-side roll-out that waits for approval, with the commands. */
export async function serverSideApprovalStatus(
  intent: AliasIntent,
  executionArn: string,
  functionName: string,
  aliasName: string,
  via: CommandVia,
): Promise<{ state: "awaiting"; until: string; approveCommand: string; rollbackCommand: string } | null> {
  const token = await waitingToken(intent, executionArn).catch(() => undefined);
  if (!token) return null;
  return {
    state: "awaiting",
    until: token.until,
    approveCommand: operatorCommand("approve", functionName, aliasName, via),
    rollbackCommand: operatorCommand("rollback", functionName, aliasName, via),
  };
}

export interface ServerSideApprovalPorts {
  lambda: LambdaPort;
  stepFunctions: StepFunctionsPort;
  ledger: LedgerAccess;
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
}

/**
 * `approve` of a server-side roll-out: sends SendTaskSuccess with the token the execution wrote, then
 * watches until the execution has left the wait (the alias is whole, or the execution ended). A wait
 * that timed out between the read and the send makes the token stale (TaskTimedOut): the next wait
 * writes a fresh one within one poll interval, which is read and sent. Undefined when no server-side
 * roll-out waits for approval: the caller then approves as for a local roll-out.
 */
export async function approveServerSide(
  ports: ServerSideApprovalPorts,
  functionName: string,
  aliasName: string,
  via: CommandVia = {},
): Promise<ResultEvent | undefined> {
  const { lambda, stepFunctions, ledger } = ports;
  const now = ports.now ?? Date.now;
  const sleep = ports.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  const base = { type: "result" as const, function: functionName, alias: aliasName };
  try {
    const alias = await lambda.getAlias(functionName, aliasName);
    const intent = await intentOf(ledger, alias, now());
    const owner = intent.open?.executionArn ?? executionOf(alias.description);
    let token = await waitingToken(intent, owner);
    if (!token || !alias.additional) return undefined;
    const { executionArn } = token;
    const execution = await stepFunctions.describeExecution(executionArn);
    if (execution.status !== "RUNNING") return undefined;
    const versions = { fromVersion: alias.version, toVersion: alias.additional.version };
    const status = suggestedCommand("status", functionName, aliasName, via);
    const approvedAt = new Date(now()).toISOString();
    const output = JSON.stringify({ approvedBy: describeActor(ledger.actor), approvedAt });
    // Three poll intervals and half a minute: a stale token is replaced within one interval.
    const deadline = now() + (3 * token.pollSeconds + 30) * 1000;
    let sent: string | undefined;
    let tried: string | undefined;
    for (;;) {
      // Each token once: a stale one is replaced by the next wait's, read below.
      if (token && token.token !== tried) {
        tried = token.token;
        if ((await stepFunctions.sendTaskSuccess(token.token, output)) === "sent") sent = token.token;
      }
      const live = await lambda.getAlias(functionName, aliasName);
      const state = (await stepFunctions.describeExecution(executionArn)).status;
      if (sent && (!live.additional || state !== "RUNNING")) {
        await recordAction(intent, {
          name: "approve",
          detail: `approved v${versions.toVersion} at ${alias.additional.weight}% (execution ${executionArn})`,
          now: now(),
        }).catch(() => {});
        const promoted = !live.additional && live.version === versions.toVersion;
        return {
          ...base,
          ...versions,
          outcome: "approved",
          reason: `Approved at ${approvedAt}: execution ${executionArn} ${promoted ? `promoted v${versions.toVersion}` : `went on (${state}); the alias serves ${describeRouting(live)}`}. Follow it with \`${status}\`.`,
          hint: null,
          exitCode: ExitCode.ok,
          executionArn,
        };
      }
      if (state !== "RUNNING" || now() >= deadline) {
        if (sent)
          return {
            ...base,
            ...versions,
            outcome: "approved",
            reason: `Approved at ${approvedAt}: execution ${executionArn} received the approval and has not promoted yet. Follow it with \`${status}\`.`,
            hint: null,
            exitCode: ExitCode.ok,
            executionArn,
          };
        throw new ConflictError(
          `Nothing to approve: execution ${executionArn} stopped waiting for approval (${state}) before the approval reached it. Nothing was changed.`,
          { hint: `\`${status}\` shows where it is.` },
        );
      }
      await sleep(1000);
      token = await waitingToken(intent, executionArn);
    }
  } catch (error) {
    return failedResult(base, error);
  }
}
