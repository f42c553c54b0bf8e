/**
 * Fault schedules for the fault proxy: what to inject, for which operations, from which moment, and
 * one seeded PRNG per function so that each function's sequence of faults is reproducible.
 */
import {
  accessDeniedReply,
  preconditionFailedReply,
  type Reply,
  serverErrorReply,
  throttleReply,
} from "./aws-error-replies.js";
import { type Attribution, isWrite } from "./aws-requests.js";

/** Small, fast, seedable PRNG (mulberry32): the same seed gives the same fault sequence. */
export function mulberry32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** What the proxy injected. `outage-*` kinds are requests that fell inside an outage window. */
export type FaultKind =
  | "throttle"
  | "5xx"
  | "reset"
  | "lost-response"
  | "latency"
  | "outage-reset"
  | "outage-503"
  | "brownout-applied-unanswered"
  | "ledger-412"
  | "ledger-lost-response"
  | "ledger-outage"
  | "ledger-refused";

export const FAULT_KINDS: readonly FaultKind[] = [
  "throttle",
  "5xx",
  "reset",
  "lost-response",
  "latency",
  "outage-reset",
  "outage-503",
  "brownout-applied-unanswered",
  "ledger-412",
  "ledger-lost-response",
  "ledger-outage",
  "ledger-refused",
];

export interface OutagePlan {
  /** The outage starts when the Nth UpdateAlias request of the function arrives (1 = the first; retries count). */
  atUpdateAlias: number;
  /** Delay after that request before the outage starts (0: that request is already inside it). */
  delayMs: number;
  durationMs: number;
  /**
   * `reset`: every request's connection is dropped; `503`: every request gets a service-shaped 503;
   * `brownout`: writes are applied but never answered, reads fail (reset or 503).
   */
  mode: "reset" | "503" | "brownout";
}

export interface FaultPlan {
  /** Seeds the per-request draws of this function's faults. */
  seed: number;
  /** Per-request probabilities; at most one of throttle/5xx/reset/lost-response applies to a request. */
  throttle?: number;
  error5xx?: number;
  reset?: number;
  lostResponse?: number;
  /** Probability of a delay before forwarding, uniform in [0, maxLatencyMs]. */
  latency?: number;
  maxLatencyMs?: number;
  /** Only these operations get per-request faults (all operations when absent). */
  operations?: readonly string[];
  /** Per-request faults start once this many UpdateAlias requests have been seen (0: at once). */
  afterUpdateAlias?: number;
  outage?: OutagePlan;
  /** Faults of the roll-out ledger's S3 requests only (drawn from a stream of their own). */
  ledger?: LedgerFaultPlan;
}

/** What the ledger's objects suffer: conditional writes refused, replies lost, S3 down or refusing. */
export interface LedgerFaultPlan {
  /** Probability that a PutObject answers 412 PreconditionFailed without reaching S3. */
  error412?: number;
  /** Probability that a PutObject is applied and its reply dropped. */
  lostResponse?: number;
  /** From the Nth ledger request on (1 = the first), every ledger request fails for `durationMs`. */
  outage?: { atRequest: number; durationMs: number; mode: "reset" | "503" };
  /** Every ledger request answers 403 AccessDenied (a policy without the ledger's grants). */
  refuse?: boolean;
}

/** Faults injected and requests seen, by kind and by operation. */
export class FaultStats {
  readonly faults = new Map<FaultKind, Map<string, number>>();
  readonly requests = new Map<string, number>();
  outagesStarted = 0;

  count(kind: FaultKind, operation: string): void {
    const byOperation = this.faults.get(kind) ?? new Map<string, number>();
    byOperation.set(operation, (byOperation.get(operation) ?? 0) + 1);
    this.faults.set(kind, byOperation);
  }

  seen(operation: string): void {
    this.requests.set(operation, (this.requests.get(operation) ?? 0) + 1);
  }

  total(kind: FaultKind): number {
    return [...(this.faults.get(kind)?.values() ?? [])].reduce((sum, n) => sum + n, 0);
  }

  /** `throttle 3 (GetAlias 2, UpdateAlias 1), reset 1 (PutObject 1)`: one line for a report. */
  describe(): string {
    const parts = FAULT_KINDS.filter((kind) => this.total(kind) > 0).map((kind) => {
      const ops = [...(this.faults.get(kind) ?? new Map<string, number>()).entries()]
        .map(([op, n]) => `${op} ${n}`)
        .join(", ");
      return `${kind} ${this.total(kind)} (${ops})`;
    });
    if (this.outagesStarted > 0) parts.push(`outages started ${this.outagesStarted}`);
    return parts.length > 0 ? parts.join("; ") : "no faults";
  }

  addTo(other: FaultStats): void {
    for (const [kind, byOperation] of this.faults) {
      for (const [operation, n] of byOperation) {
        for (let i = 0; i < n; i++) other.count(kind, operation);
      }
    }
    for (const [operation, n] of this.requests)
      other.requests.set(operation, (other.requests.get(operation) ?? 0) + n);
    other.outagesStarted += this.outagesStarted;
  }
}

export type Decision =
  | { action: "forward"; delayMs: number }
  | { action: "reply"; reply: Reply; kind: FaultKind; delayMs: number }
  | { action: "reset"; kind: FaultKind; delayMs: number }
  | { action: "lose"; kind: FaultKind; delayMs: number };

/** One function's schedule: its own PRNG, UpdateAlias counter, outage window and statistics. */
export class FunctionFaults {
  readonly stats = new FaultStats();
  private readonly random: () => number;
  private updateAliases = 0;
  private outageStart: number | undefined;
  private readonly ledgerRandom: () => number;
  private ledgerRequests = 0;
  private ledgerOutageStart: number | undefined;
  /** Whether the last ledger request was answered by S3 (false: a fault stood in for the answer). */
  ledgerAnsweredLast = true;

  constructor(
    readonly functionName: string,
    readonly plan: FaultPlan,
    readonly alarmNames: readonly string[],
  ) {
    this.random = mulberry32(plan.seed);
    this.ledgerRandom = mulberry32((plan.seed ^ 0x1ed9e7) >>> 0);
  }

  /** Decides this request's fate. Always draws the same number of values, so sequences stay aligned. */
  decide(attribution: Attribution, now: number): Decision {
    const decision = this.decideAny(attribution, now);
    if (attribution.ledger) this.ledgerAnsweredLast = decision.action === "forward";
    return decision;
  }

  /** A ledger request's own faults, before the function's: undefined to go on to those. */
  private ledgerFault(attribution: Attribution, now: number): Decision | undefined {
    const ledger = this.plan.ledger;
    if (!ledger) return undefined;
    const { operation, service } = attribution;
    this.ledgerRequests += 1;
    // One draw per ledger request, whatever happens to it, so the stream stays aligned.
    const pick = this.ledgerRandom();
    if (ledger.refuse) {
      this.stats.count("ledger-refused", operation);
      return { action: "reply", reply: accessDeniedReply(), kind: "ledger-refused", delayMs: 0 };
    }
    const { outage } = ledger;
    if (outage && this.ledgerOutageStart === undefined && this.ledgerRequests === outage.atRequest) {
      this.ledgerOutageStart = now;
      this.stats.outagesStarted += 1;
    }
    const start = this.ledgerOutageStart;
    if (outage && start !== undefined && now >= start && now < start + outage.durationMs) {
      this.stats.count("ledger-outage", operation);
      return outage.mode === "reset"
        ? { action: "reset", kind: "ledger-outage", delayMs: 0 }
        : { action: "reply", reply: serverErrorReply(service, 503), kind: "ledger-outage", delayMs: 0 };
    }
    if (operation !== "PutObject") return undefined;
    if (pick < (ledger.error412 ?? 0)) {
      this.stats.count("ledger-412", operation);
      return { action: "reply", reply: preconditionFailedReply(), kind: "ledger-412", delayMs: 0 };
    }
    if (pick < (ledger.error412 ?? 0) + (ledger.lostResponse ?? 0)) {
      this.stats.count("ledger-lost-response", operation);
      return { action: "lose", kind: "ledger-lost-response", delayMs: 0 };
    }
    return undefined;
  }

  private decideAny(attribution: Attribution, now: number): Decision {
    const { operation, service } = attribution;
    const { plan } = this;
    this.stats.seen(operation);
    const ledgerFault = attribution.ledger ? this.ledgerFault(attribution, now) : undefined;
    if (ledgerFault) return ledgerFault;
    if (operation === "UpdateAlias") {
      this.updateAliases += 1;
      if (plan.outage && this.outageStart === undefined && this.updateAliases === plan.outage.atUpdateAlias) {
        this.outageStart = now + plan.outage.delayMs;
        this.stats.outagesStarted += 1;
      }
    }
    const [pick, latencyChance, latencyAmount, status, outagePick] = [
      this.random(),
      this.random(),
      this.random(),
      this.random(),
      this.random(),
    ] as [number, number, number, number, number];
    if (plan.outage && this.outageStart !== undefined) {
      const { mode, durationMs } = plan.outage;
      if (now >= this.outageStart && now < this.outageStart + durationMs) {
        if (mode === "brownout" && isWrite(operation)) {
          this.stats.count("brownout-applied-unanswered", operation);
          return { action: "lose", kind: "brownout-applied-unanswered", delayMs: 0 };
        }
        const reset = mode === "reset" || (mode === "brownout" && outagePick < 0.5);
        if (reset) {
          this.stats.count("outage-reset", operation);
          return { action: "reset", kind: "outage-reset", delayMs: 0 };
        }
        this.stats.count("outage-503", operation);
        return { action: "reply", reply: serverErrorReply(service, 503), kind: "outage-503", delayMs: 0 };
      }
    }
    const active =
      this.updateAliases >= (plan.afterUpdateAlias ?? 0) &&
      (plan.operations === undefined || plan.operations.includes(operation));
    if (!active) return { action: "forward", delayMs: 0 };
    let delayMs = 0;
    if (latencyChance < (plan.latency ?? 0)) {
      delayMs = Math.round(latencyAmount * (plan.maxLatencyMs ?? 1_500));
      this.stats.count("latency", operation);
    }
    let threshold = plan.throttle ?? 0;
    if (pick < threshold) {
      this.stats.count("throttle", operation);
      return { action: "reply", reply: throttleReply(service), kind: "throttle", delayMs };
    }
    threshold += plan.error5xx ?? 0;
    if (pick < threshold) {
      this.stats.count("5xx", operation);
      return {
        action: "reply",
        reply: serverErrorReply(service, status < 0.5 ? 500 : 503),
        kind: "5xx",
        delayMs,
      };
    }
    threshold += plan.reset ?? 0;
    if (pick < threshold) {
      this.stats.count("reset", operation);
      return { action: "reset", kind: "reset", delayMs };
    }
    threshold += plan.lostResponse ?? 0;
    if (pick < threshold) {
      this.stats.count("lost-response", operation);
      return { action: "lose", kind: "lost-response", delayMs };
    }
    return { action: "forward", delayMs };
  }
}
