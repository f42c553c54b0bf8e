import { AwsError, ConflictError, InputError } from "../../src/errors.js";
import type {
  AlarmPort,
  AlarmState,
  AliasRouting,
  AliasState,
  AliasUpdateOptions,
  ArtifactStore,
  Clock,
  CodeSource,
  DeleteVersionOutcome,
  FunctionState,
  InvokeResult,
  LambdaPort,
  ProvisionedConcurrency,
  RunningExecutions,
  ScalingConfig,
} from "../../src/ports.js";

/**
 * Virtual time: `sleep` advances the clock at once, so a 30-minute bake takes microseconds. Every sleep
 * is recorded for assertions. With `advance: false` time stands still, as for callers that all start at
 * the same instant (rate-limiter tests).
 */
export class FakeClock implements Clock {
  time: number;
  readonly sleeps: number[] = [];
  private readonly advance: boolean;

  constructor(options: { time?: number; advance?: boolean } = {}) {
    this.time = options.time ?? 1_700_000_000_000;
    this.advance = options.advance ?? true;
  }
  now(): number {
    return this.time;
  }
  async sleep(ms: number, signal?: AbortSignal): Promise<void> {
    this.sleeps.push(ms);
    if (signal?.aborted) return;
    if (this.advance) this.time += ms;
    await Promise.resolve();
  }
}

type Operation =
  | "getAlias"
  | "updateAlias"
  | "getFunction"
  | "updateFunctionCode"
  | "publishVersion"
  | "invoke"
  | "listAliases"
  | "deleteVersion"
  | "getProvisionedConcurrency"
  | "getScalingConfig"
  | "putScalingConfig"
  | "runningDurableExecutions";

/** An in-memory Lambda with one function and one alias, recording every call, with fault injection. */
export class FakeLambda implements LambdaPort {
  readonly calls: { op: Operation; args: unknown[] }[] = [];
  versions: FunctionState[] = [];
  latest: FunctionState;
  alias: AliasState;
  /** Return an error to throw it from the matching call (`n` counts that operation's calls from 1). */
  failWhen: (op: Operation, n: number, args: unknown[]) => Error | undefined = () => undefined;
  /**
   * Return an error to throw it AFTER the matching write took effect: the request was applied, the
   * reply was lost (`n` counts that operation's calls from 1).
   */
  loseReplyWhen: (op: Operation, n: number, args: unknown[]) => Error | undefined = () => undefined;
  /** Polls of a new version's state that answer `Pending` before it is `Active` (SnapStart). */
  pendingPolls = 0;
  /** Set to `Failed` to make new versions fail to activate. */
  activation: "Active" | "Failed" = "Active";
  invokeResult: (version: string, payload: string) => InvokeResult = (_v, payload) => ({
    statusCode: 200,
    payload,
  });
  /** Aliases besides `alias` (ListAliases returns all of them). */
  otherAliases: AliasState[] = [];
  /** Provisioned concurrency per qualifier (alias name or version). */
  provisioned = new Map<string, ProvisionedConcurrency>();
  /** Scaling per version (Lambda Managed Instances). */
  scaling = new Map<string, ScalingConfig>();
  /** Durable executions still running, per version. */
  durableRunning = new Map<string, number>();
  private revision = 1;

  constructor(
    readonly functionName = "fn",
    readonly aliasName = "live",
    options: { stableVersions?: number; aliasOn?: string; handler?: string } = {},
  ) {
    this.latest = {
      functionName,
      version: "$LATEST",
      codeSha256: "sha-0",
      handler: options.handler ?? "handler.handler",
      runtime: "nodejs20.x",
      lastUpdateStatus: "Successful",
    };
    for (let i = 1; i <= (options.stableVersions ?? 1); i++) {
      this.versions.push({ ...this.latest, version: String(i), codeSha256: `sha-${i}` });
    }
    this.latest.codeSha256 = `sha-${options.stableVersions ?? 1}`;
    this.alias = {
      functionName,
      aliasName,
      aliasArn: `arn:aws:lambda:us-east-1:123456789012:function:${functionName}:${aliasName}`,
      version: options.aliasOn ?? String(options.stableVersions ?? 1),
      revisionId: "rev-1",
    };
  }

  private record(op: Operation, args: unknown[]): void {
    this.calls.push({ op, args });
    const error = this.failWhen(op, this.count(op), args);
    if (error) throw error;
  }

  private count(op: Operation): number {
    return this.calls.filter((call) => call.op === op).length;
  }

  /** Throws the lost-reply error for the call just applied, if any. */
  private reply<T>(op: Operation, args: unknown[], value: T): T {
    const lost = this.loseReplyWhen(op, this.count(op), args);
    if (lost) throw lost;
    return value;
  }

  /** Simulates an edit that changes only the RevisionId (a description edited by hand or Terraform). */
  touchRevision(): void {
    this.alias = { ...this.alias, revisionId: `rev-${++this.revision}` };
  }

  writes(): AliasRouting[] {
    return this.calls.filter((c) => c.op === "updateAlias").map((c) => c.args[0] as AliasRouting);
  }

  /** Simulates another writer changing the alias. */
  setRouting(routing: AliasRouting): void {
    this.alias = {
      ...this.alias,
      version: routing.version,
      additional: routing.additional,
      revisionId: `rev-${++this.revision}`,
    };
  }

  async getAlias(functionName: string, aliasName: string): Promise<AliasState> {
    this.record("getAlias", [functionName, aliasName]);
    if (functionName !== this.functionName) throw new InputError(`Function not found: ${functionName}`);
    if (aliasName !== this.aliasName) throw new InputError(`Alias not found: ${functionName}:${aliasName}`);
    return { ...this.alias };
  }

  async updateAlias(
    _f: string,
    _a: string,
    routing: AliasRouting,
    expectedRevisionId: string,
    options?: AliasUpdateOptions,
  ): Promise<AliasState> {
    const args = [routing, expectedRevisionId, options?.description];
    this.record("updateAlias", args);
    if (expectedRevisionId !== this.alias.revisionId)
      throw new ConflictError("PreconditionFailed: revision changed");
    this.setRouting(routing);
    if (options?.description !== undefined) this.alias.description = options.description;
    return this.reply("updateAlias", args, { ...this.alias });
  }

  async getFunction(functionName: string, qualifier?: string): Promise<FunctionState> {
    this.record("getFunction", [functionName, qualifier]);
    if (functionName !== this.functionName) throw new InputError(`Function not found: ${functionName}`);
    if (qualifier === undefined || qualifier === "$LATEST") return { ...this.latest };
    const version = this.versions.find((v) => v.version === qualifier);
    if (!version) throw new InputError(`Version not found: ${functionName}:${qualifier}`);
    if (version.state === "Pending") {
      if (this.pendingPolls > 0) this.pendingPolls -= 1;
      else version.state = this.activation;
    }
    return { ...version };
  }

  async listVersions(): Promise<FunctionState[]> {
    return [...this.versions];
  }

  async listAliases(functionName: string): Promise<AliasState[]> {
    this.record("listAliases", [functionName]);
    return [{ ...this.alias }, ...this.otherAliases.map((alias) => ({ ...alias }))];
  }

  /** As Lambda: refuses a version an alias points at; a version already gone is "absent". */
  async deleteVersion(functionName: string, version: string): Promise<DeleteVersionOutcome> {
    this.record("deleteVersion", [functionName, version]);
    const users = [this.alias, ...this.otherAliases].filter(
      (alias) => alias.version === version || alias.additional?.version === version,
    );
    if (users.length > 0) {
      throw new ConflictError(
        `Unable to delete version because the following aliases reference it: [${users.map((a) => a.aliasName).join(", ")}]`,
      );
    }
    const before = this.versions.length;
    this.versions = this.versions.filter((v) => v.version !== version);
    return this.versions.length < before ? "deleted" : "absent";
  }

  async getProvisionedConcurrency(
    functionName: string,
    qualifier: string,
  ): Promise<ProvisionedConcurrency | undefined> {
    this.record("getProvisionedConcurrency", [functionName, qualifier]);
    return this.provisioned.get(qualifier);
  }

  async getScalingConfig(functionName: string, version: string): Promise<ScalingConfig | undefined> {
    this.record("getScalingConfig", [functionName, version]);
    const scaling = this.scaling.get(version);
    return scaling && { ...scaling };
  }

  /** As Lambda: the version starts (or stops) execution environments; it answers with the version's state. */
  async putScalingConfig(
    functionName: string,
    version: string,
    scaling: ScalingConfig,
  ): Promise<string | undefined> {
    this.record("putScalingConfig", [functionName, version, scaling]);
    this.scaling.set(version, { ...scaling });
    return this.versions.find((v) => v.version === version)?.state;
  }

  async runningDurableExecutions(
    functionName: string,
    version: string,
    options?: { limit?: number | undefined },
  ): Promise<RunningExecutions> {
    this.record("runningDurableExecutions", [functionName, version]);
    const running = this.durableRunning.get(version) ?? 0;
    const limit = options?.limit ?? 1000;
    return { count: Math.min(running, limit), more: running > limit };
  }

  async updateFunctionCode(functionName: string, code: CodeSource): Promise<FunctionState> {
    this.record("updateFunctionCode", [functionName, code]);
    const key = "s3Key" in code ? code.s3Key : "inline";
    this.latest = {
      ...this.latest,
      codeSha256: this.shaFor?.(key) ?? this.latest.codeSha256,
      lastUpdateStatus: "Successful",
    };
    return { ...this.latest, lastUpdateStatus: "InProgress" };
  }
  /** Maps an uploaded S3 key to the CodeSha256 Lambda would compute. */
  shaFor: ((key: string) => string) | undefined;

  async publishVersion(
    functionName: string,
    codeSha256: string,
    description: string,
  ): Promise<FunctionState> {
    const args = [functionName, codeSha256, description];
    this.record("publishVersion", args);
    if (codeSha256 !== this.latest.codeSha256)
      throw new AwsError("PreconditionFailed: CodeSha256 does not match");
    const version: FunctionState = {
      ...this.latest,
      version: String(this.versions.length + 1),
      description,
      state: this.pendingPolls > 0 || this.activation !== "Active" ? "Pending" : "Active",
    };
    this.versions.push(version);
    return this.reply("publishVersion", args, { ...version });
  }

  async invoke(_functionName: string, qualifier: string, payload: string): Promise<InvokeResult> {
    this.record("invoke", [qualifier, payload]);
    return this.invokeResult(qualifier, payload);
  }
}

export class FakeAlarms implements AlarmPort {
  states = new Map<string, AlarmState["state"]>();
  failReads = false;
  constructor(names: string[] = []) {
    for (const name of names) this.states.set(name, "OK");
  }
  async describeAlarms(names: string[]): Promise<AlarmState[]> {
    if (this.failReads) throw new AwsError("AccessDenied: cloudwatch:DescribeAlarms");
    return names.flatMap((name) => {
      const state = this.states.get(name);
      return state ? [{ name, state }] : [];
    });
  }
}

export class FakeArtifacts implements ArtifactStore {
  readonly objects = new Map<string, Uint8Array>();
  /** The SHA-256 (base64) each object was uploaded with, as S3 keeps it; absent for unchecked uploads. */
  readonly checksums = new Map<string, string>();
  /** Buckets that do not exist: head and put answer as the S3 adapter does (InputError, exit 2). */
  readonly missingBuckets = new Set<string>();
  readonly calls: { op: "head" | "put"; bucket: string; key: string }[] = [];
  private assertBucket(bucket: string): void {
    if (this.missingBuckets.has(bucket)) throw new InputError(`S3 bucket ${bucket} does not exist.`);
  }
  async head(bucket: string, key: string): Promise<{ sha256Base64: string | undefined } | undefined> {
    this.calls.push({ op: "head", bucket, key });
    this.assertBucket(bucket);
    const id = `${bucket}/${key}`;
    return this.objects.has(id) ? { sha256Base64: this.checksums.get(id) } : undefined;
  }
  async put(bucket: string, key: string, body: Uint8Array, sha256Base64: string): Promise<void> {
    this.calls.push({ op: "put", bucket, key });
    this.assertBucket(bucket);
    this.objects.set(`${bucket}/${key}`, body);
    this.checksums.set(`${bucket}/${key}`, sha256Base64);
  }
}
