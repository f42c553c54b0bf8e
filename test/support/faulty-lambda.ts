/**
 * A LambdaPort in front of a FakeLambda that fails the n-th call as a generated scenario says: a 503
 * (transient), a throttle, a write applied with its reply lost (a read: a 503), an error no retry can
 * fix, or a SIGTERM as the call starts. Validation-only reads (ListAliases, provisioned concurrency,
 * scaling, durable executions) stay outside the sequence, which counts the roll-out's own calls.
 */
import { AwsError } from "../../src/errors.js";
import type {
  AliasRouting,
  AliasState,
  AliasUpdateOptions,
  CallOptions,
  CodeSource,
  DeleteVersionOutcome,
  FunctionState,
  InvokeResult,
  LambdaPort,
  ProvisionedConcurrency,
  RunningExecutions,
  ScalingConfig,
} from "../../src/ports.js";
import type { FakeLambda } from "./fakes.js";

export type Fault = "none" | "transient" | "throttle" | "lost" | "permanent" | "abort";

const WRITES = new Set(["updateAlias", "publishVersion", "updateFunctionCode"]);

/** A LambdaPort in front of an in-memory one that fails calls as the scenario says. */
export class FaultyLambda implements LambdaPort {
  private calls = 0;
  private updates = 0;
  constructor(
    private readonly inner: FakeLambda,
    private readonly faults: readonly Fault[],
    private readonly abort: () => void,
    /** Someone else's turn right before the run's n-th UpdateAlias (0-based) reaches Lambda. */
    private readonly beforeUpdate: (n: number) => Promise<void> = async () => {},
  ) {}

  private async call<T>(op: string, run: () => Promise<T>): Promise<T> {
    const fault = this.faults[this.calls++] ?? "none";
    if (fault === "abort") this.abort();
    if (fault === "transient" || (fault === "lost" && !WRITES.has(op))) {
      throw new AwsError(`${op}: HTTP 503`, { code: "ServiceUnavailable", status: 503, retryable: true });
    }
    if (fault === "throttle")
      throw new AwsError(`${op}: Rate exceeded`, {
        code: "TooManyRequestsException",
        status: 429,
        retryable: true,
      });
    if (fault === "permanent")
      throw new AwsError(`${op}: AccessDenied`, { code: "AccessDenied", status: 403 });
    const value = await run();
    if (fault === "lost")
      throw new AwsError(`${op}: socket hang up`, { code: "ECONNRESET", retryable: true });
    return value;
  }

  getAlias(f: string, a: string, _o?: CallOptions): Promise<AliasState> {
    return this.call("getAlias", () => this.inner.getAlias(f, a));
  }
  updateAlias(
    f: string,
    a: string,
    r: AliasRouting,
    rev: string,
    o?: AliasUpdateOptions,
  ): Promise<AliasState> {
    return this.call("updateAlias", async () => {
      await this.beforeUpdate(this.updates++);
      return await this.inner.updateAlias(f, a, r, rev, o);
    });
  }
  getFunction(f: string, q?: string, _o?: CallOptions): Promise<FunctionState> {
    return this.call("getFunction", () => this.inner.getFunction(f, q));
  }
  listVersions(_f: string): Promise<FunctionState[]> {
    return this.inner.listVersions();
  }
  // Validation-only reads, outside the fault sequence (which counts the roll-out's own calls).
  listAliases(f: string): Promise<AliasState[]> {
    return this.inner.listAliases(f);
  }
  deleteVersion(f: string, v: string): Promise<DeleteVersionOutcome> {
    return this.inner.deleteVersion(f, v);
  }
  getProvisionedConcurrency(f: string, q: string): Promise<ProvisionedConcurrency | undefined> {
    return this.inner.getProvisionedConcurrency(f, q);
  }
  getScalingConfig(f: string, v: string): Promise<ScalingConfig | undefined> {
    return this.inner.getScalingConfig(f, v);
  }
  putScalingConfig(f: string, v: string, s: ScalingConfig): Promise<string | undefined> {
    return this.inner.putScalingConfig(f, v, s);
  }
  runningDurableExecutions(f: string, v: string): Promise<RunningExecutions> {
    return this.inner.runningDurableExecutions(f, v);
  }
  updateFunctionCode(f: string, c: CodeSource, _o?: CallOptions): Promise<FunctionState> {
    return this.call("updateFunctionCode", () => this.inner.updateFunctionCode(f, c));
  }
  publishVersion(f: string, sha: string, d: string, _o?: CallOptions): Promise<FunctionState> {
    return this.call("publishVersion", () => this.inner.publishVersion(f, sha, d));
  }
  invoke(f: string, q: string, p: string, _o?: CallOptions): Promise<InvokeResult> {
    return this.call("invoke", () => this.inner.invoke(f, q, p));
  }
}
