/**
 * `preview`: what a deploy of this configuration would do, read from AWS and changing nothing. It runs
 * the deploy's own validation (release-prepare.ts validate, with a one-function request for a single
 * deploy) and comparison with what is live (live.ts), the worst case a deploy checks the credentials
 * against (lifetime.ts), and what the ledger says of each alias (lock, roll-out in progress). Bad input
 * is the deploy's InputError (exit 2); an alias mid-roll-out or locked is reported, not refused.
 */

import { InputError } from "../errors.js";
import { assertFiringAlarmsAllowed } from "../health/firing-alarms.js";
import { mayExtend } from "../health/gates.js";
import { describePlan, type Plan } from "../plan/plan.js";
import type { CallOptions, Clock, CredentialsPort, LedgerStore } from "../ports.js";
import { DEFAULT_INTERVAL_MS, type DeployRequest, isSplit, worstCaseOf } from "../rollout/deploy/deploy.js";
import type { RegionPorts } from "../rollout/deploy/release.js";
import { releaseWorstCase } from "../rollout/deploy/release.js";
import { describeRouting } from "../rollout/engine/alias-writer.js";
import { assertApprovable, DEFAULT_APPROVAL_TIMEOUT_MS } from "../rollout/engine/approval.js";
import { aliasKeyOf, type LedgerAccess } from "../rollout/ledger/location.js";
import { aliasLedger } from "../rollout/ledger/read.js";
import { gateSummary } from "../rollout/ledger/record.js";
import { judgeLifetime, suggestedSessionSeconds, type WorstCase } from "../rollout/prepare/lifetime.js";
import type { SettingChange } from "../rollout/prepare/live.js";
import { type Checked, perRegion, validate } from "../rollout/prepare/release-prepare.js";
import type { ReleaseFunction, ReleaseRequest } from "../rollout/request/release-request.js";
import { assertRunsServerSide } from "../stepfunctions/input.js";

/** What preview needs of one region: the deploy's adapters (reads only) and the ledger's store. */
export interface PreviewRegionPorts extends RegionPorts {
  ledgerStore?: LedgerStore | undefined;
}

/** One setting's change; an environment's values are never shown, only which variables changed. */
export interface SettingPreview {
  name: string;
  from: string | undefined;
  to: string | undefined;
}

export interface FunctionPreview {
  function: string;
  alias: string;
  region: string | null;
  account: string | null;
  /** 1-based wave among the configured waves (a single function: 1). */
  wave: number;
  /** How the alias routes now, e.g. `v3` or `v3 (90%) + v4 (10%)`. */
  routing: string;
  change: "noop" | "code" | "configuration" | "code and configuration" | "pin";
  /** The version the alias serves (its record, else Lambda) and the package to ship. */
  code: {
    changed: boolean;
    from: { version: string; codeSha256: string | undefined; bytes: number | undefined };
    to: { codeSha256: string; bytes: number };
  };
  settings: SettingPreview[];
  gates: string[];
  /**
   * Its alarms in ALARM now: a deploy's first gate fails on them (unless `alarmsAlreadyFiring: ignore`,
   * then `ignored` is true).
   */
  firing: { alarms: string[]; ignored: boolean };
  /** The ledger's word on the alias; null without a ledger. */
  ledger: {
    lock: { id: string; by: string; since: string; leaseUntil: string; expired: boolean } | null;
    /** The holder's record has no outcome yet: a roll-out in progress (or one whose runner died). */
    running: { id: string; startedAt: string; plan: string } | null;
  } | null;
  /** Why a deploy would stop at this function before changing anything, with its exit code. */
  blocked: { exitCode: number; reason: string } | null;
}

export interface PreviewWave {
  wave: number;
  regions: string[] | null;
  bakeMs: number;
  /** Functions of this wave that would move. */
  functions: string[];
}

/** One line of the plan as a timeline: at `atMs` after the start, `weight` percent for `bakeMs`. */
export interface PlanRow {
  atMs: number;
  wave: number;
  what: "step" | "promote" | "final bake" | "wave bake";
  weight: number;
  bakeMs: number;
}

export interface CredentialsPreview {
  source: string;
  expiration: string | null;
  refreshable: boolean;
  /** fits: they outlive the worst case; renews: their provider renews them; too_short: deploy refuses (exit 2). */
  verdict: "fits" | "renews" | "too_short" | "unknown";
  /** A role session long enough for the worst case and the job's earlier steps, in seconds. */
  suggestedSessionSeconds: number;
}

export interface Preview {
  kind: "rollout" | "release";
  /** The function, or the release environment's name. */
  name: string;
  environment: { name: string; reason: string } | null;
  plan: { description: string; strategy: string; rows: PlanRow[] };
  waves: PreviewWave[];
  /** Null when nothing would move (every function a noop). */
  worstCase: WorstCase | null;
  credentials: CredentialsPreview | null;
  functions: FunctionPreview[];
  /** Messages the deploy's validation gave on the way (e.g. a check it could not make). */
  warnings: string[];
}

export interface PreviewTarget {
  kind: "rollout" | "release";
  request: ReleaseRequest;
  /** The single deploy's request, for its own checks (manual approval, engine, provisioned concurrency). */
  single?: DeployRequest | undefined;
  environment: { name: string; reason: string } | undefined;
}

export interface PreviewPorts extends CallOptions {
  portsFor: (region: string | undefined) => PreviewRegionPorts;
  clock: Clock;
  /** The ledger (one per run, in the first function's region), when one is configured. */
  ledger: LedgerAccess | undefined;
}

/**
 * A single deploy as a release of one, so both take the one validation path. Only packages are
 * previewed: a `--version` deploy has nothing to compare but versions already in AWS.
 */
export function singleTarget(
  request: DeployRequest,
  region: string | undefined,
  environment: { name: string; reason: string } | undefined,
): PreviewTarget {
  if (!("zip" in request.source)) {
    throw new InputError("preview compares a package with what is live: --version cannot be previewed.", {
      hint: "Pass --zip FILE (and --bucket, or artifact.bucket in the configuration).",
    });
  }
  const { zip, bucket, prefix } = request.source;
  const spec: ReleaseFunction = {
    path: request.functionName,
    functionName: request.functionName,
    aliasName: request.aliasName,
    region,
    zip,
    bucket,
    prefix,
    alarms: request.alarms,
    alarmReadFailure: request.alarmReadFailure,
    alarmsAlreadyFiring: request.alarmsAlreadyFiring,
    smoke: request.smoke,
    hooks: request.hooks,
    metrics: request.metrics,
  };
  return {
    kind: "rollout",
    request: {
      name: request.functionName,
      functions: [spec],
      waves: [{ regions: undefined, bakeMs: 0 }],
      plan: request.plan,
      intervalMs: request.intervalMs,
      updateTimeoutMs: request.updateTimeoutMs,
      restoreTimeoutMs: request.restoreTimeoutMs,
    },
    single: request,
    environment,
  };
}

/** The plan as a timeline, wave after wave (each wave runs the whole plan, then its bake). */
export function planRows(plan: Plan, waves: { bakeMs: number }[]): PlanRow[] {
  const rows: PlanRow[] = [];
  let at = 0;
  for (const [index, wave] of waves.entries()) {
    const number = index + 1;
    for (const step of plan.steps) {
      rows.push({ atMs: at, wave: number, what: "step", weight: step.weight, bakeMs: step.bakeMs });
      at += step.bakeMs;
    }
    rows.push({ atMs: at, wave: number, what: "promote", weight: 100, bakeMs: 0 });
    if (plan.finalBakeMs > 0) {
      rows.push({ atMs: at, wave: number, what: "final bake", weight: 100, bakeMs: plan.finalBakeMs });
      at += plan.finalBakeMs;
    }
    if (wave.bakeMs > 0) {
      rows.push({ atMs: at, wave: number, what: "wave bake", weight: 100, bakeMs: wave.bakeMs });
      at += wave.bakeMs;
    }
  }
  return rows;
}

/** Environment variables may hold secrets: which ones changed is shown, never a value. */
export function showSetting(change: SettingChange): SettingPreview {
  if (change.name !== "Environment") return { ...change };
  const parse = (text: string | undefined): Record<string, unknown> => {
    try {
      const value: unknown = JSON.parse(text ?? "{}");
      return value && typeof value === "object" ? (value as Record<string, unknown>) : {};
    } catch {
      return {};
    }
  };
  const before = parse(change.from);
  const after = parse(change.to);
  const names = [...new Set([...Object.keys(before), ...Object.keys(after)])].sort();
  const added = names.filter((name) => !(name in before));
  const removed = names.filter((name) => !(name in after));
  const changed = names.filter(
    (name) => name in before && name in after && JSON.stringify(before[name]) !== JSON.stringify(after[name]),
  );
  const list = (label: string, items: string[]) => (items.length > 0 ? [`${label} ${items.join(", ")}`] : []);
  return {
    name: "Environment",
    from: undefined,
    to:
      [...list("added", added), ...list("changed", changed), ...list("removed", removed)].join("; ") ||
      "changed",
  };
}

function changeKind(item: Checked): FunctionPreview["change"] {
  const compared = item.compared;
  if (compared.kind === "noop") return "noop";
  if (compared.pinOnly) return "pin";
  if (compared.code && compared.settings.length > 0) return "code and configuration";
  return compared.code ? "code" : "configuration";
}

async function ledgerOf(
  access: LedgerAccess | undefined,
  item: Checked,
  now: number,
  call: CallOptions,
): Promise<FunctionPreview["ledger"]> {
  if (!access) return null;
  const { head, open } = await aliasLedger(access, aliasKeyOf(item.alias.aliasArn), call);
  const holder = head?.head.holder ?? null;
  return {
    lock: holder
      ? {
          id: holder.id,
          by: holder.actor.name,
          since: holder.since,
          leaseUntil: holder.leaseUntil,
          expired: Date.parse(holder.leaseUntil) <= now,
        }
      : null,
    running: open && !open.outcome ? { id: open.id, startedAt: open.startedAt, plan: open.plan } : null,
  };
}

/** Why a deploy would stop at this alias before any write (exit 3), as the deploy says it. */
function blockedBy(item: Checked, ledger: FunctionPreview["ledger"]): FunctionPreview["blocked"] {
  if (isSplit(item.alias))
    return {
      exitCode: 3,
      reason: `mid-roll-out (${describeRouting(item.alias)}): finish it with \`promote\` or undo it with \`rollback\` first`,
    };
  const lock = ledger?.lock;
  if (lock && !lock.expired && !item.unchanged)
    return {
      exitCode: 3,
      reason: `locked by roll-out ${lock.id} (${lock.by}, lease until ${lock.leaseUntil})`,
    };
  return null;
}

function accountOf(aliasArn: string): string | null {
  try {
    return aliasKeyOf(aliasArn).account;
  } catch {
    return null;
  }
}

async function describeFunction(item: Checked, ports: PreviewPorts, now: number): Promise<FunctionPreview> {
  const call = { signal: ports.signal };
  const compared = item.compared;
  let live = compared.live;
  // The live version's size is only in Lambda (its record in the description has the digest only).
  if (!live && item.alias.version !== "$LATEST")
    live = await item.ports.lambda.getFunction(item.spec.functionName, item.alias.version, call);
  const ledger = await ledgerOf(ports.ledger, item, now, call);
  const alarms = item.spec.alarms ?? [];
  const states = alarms.length > 0 ? await item.ports.alarms.describeAlarms(alarms, call) : [];
  const settings = compared.kind === "release" ? compared.settings.map(showSetting) : [];
  return {
    function: item.spec.functionName,
    alias: item.spec.aliasName,
    region: item.spec.region ?? null,
    account: accountOf(item.alias.aliasArn),
    wave: item.wave + 1,
    routing: describeRouting(item.alias),
    change: changeKind(item),
    code: {
      changed: compared.kind === "release" && compared.code,
      from: {
        version: item.alias.version,
        codeSha256: live?.codeSha256 ?? item.stableRecord?.codeSha256,
        bytes: live?.codeSize,
      },
      to: { codeSha256: item.artifact.digest.base64, bytes: item.artifact.bytes.length },
    },
    settings,
    gates: gateSummary(item.spec),
    firing: {
      alarms: states.filter((alarm) => alarm.state === "ALARM").map((alarm) => alarm.name),
      ignored: item.spec.alarmsAlreadyFiring === "ignore",
    },
    ledger,
    blocked: blockedBy(item, ledger),
  };
}

async function credentialsOf(
  credentials: CredentialsPort | undefined,
  worst: WorstCase | null,
  now: number,
): Promise<CredentialsPreview | null> {
  if (!credentials || !worst) return null;
  const judged = judgeLifetime(await credentials.lifetime(), worst, now);
  return {
    source: judged.lifetime.source,
    expiration: judged.verdict === "unknown" ? null : judged.expiration.toISOString(),
    refreshable: judged.lifetime.refreshable,
    verdict: judged.verdict,
    suggestedSessionSeconds: suggestedSessionSeconds(worst),
  };
}

/** Reads AWS (and the ledger) for every function of the target; writes nothing anywhere. */
export async function preview(target: PreviewTarget, ports: PreviewPorts): Promise<Preview> {
  const { request, single } = target;
  const { signal } = ports;
  const now = ports.clock.now();
  const warnings: string[] = [];
  if (single) {
    // The single deploy's own refusals (deploy.ts), before any call.
    if (single.manualApproval) assertApprovable(single.plan);
    if (single.engine)
      assertRunsServerSide(single.engine, single, {
        plan: single.plan,
        intervalMs: single.intervalMs ?? DEFAULT_INTERVAL_MS,
        customGates: 0,
        approval: single.manualApproval && {
          timeoutMs: single.manualApproval.timeoutMs ?? DEFAULT_APPROVAL_TIMEOUT_MS,
          ledger: ports.ledger !== undefined,
        },
      });
    assertFiringAlarmsAllowed(single);
  }
  const portsOf = perRegion(ports.portsFor);
  // Provisioned concurrency is one of validate()'s checks, for a single deploy and a release alike.
  const checked = await validate(request, portsOf, signal, {
    tolerateSplit: true,
    unlabelled: single !== undefined,
    warn: (message) => warnings.push(message),
  });
  const functions = await Promise.all(checked.map((item) => describeFunction(item, ports, now)));
  const moving = checked.filter((item) => !item.unchanged);
  const worstCase =
    moving.length === 0
      ? null
      : single
        ? worstCaseOf(single, single.plan, {
            snapStart: moving[0]?.latest.configuration?.SnapStart?.includes("PublishedVersions") ?? false,
            extends: mayExtend(single),
          })
        : releaseWorstCase(request, moving);
  const credentials = await credentialsOf(
    checked.find((item) => item.ports.credentials)?.ports.credentials,
    worstCase,
    now,
  );
  const waves = request.waves.map(
    (wave, index): PreviewWave => ({
      wave: index + 1,
      regions: wave.regions ?? null,
      bakeMs: wave.bakeMs,
      functions: moving.filter((item) => item.wave === index).map((item) => item.spec.functionName),
    }),
  );
  return {
    kind: target.kind,
    name: request.name,
    environment: target.environment ?? null,
    plan: {
      description: describePlan(request.plan),
      strategy: request.plan.strategy,
      rows: planRows(
        request.plan,
        waves.filter((wave) => wave.functions.length > 0),
      ),
    },
    waves,
    worstCase,
    credentials,
    functions,
    warnings,
  };
}
