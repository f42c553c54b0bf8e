/**
 * The small interfaces the engine depends on. `src/aws/` implements them with the AWS SDK; tests use
 * in-memory fakes. Nothing here imports the SDK.
 */

/** Routing of a weighted alias: the primary version, plus at most one extra version with a weight. */
export interface AliasRouting {
  /** Primary version (a number as a string, or `$LATEST`). */
  version: string;
  /** The second version and its share of traffic in percent (0 < weight < 100); absent when not split. */
  additional?: { version: string; weight: number } | undefined;
}

/** True when both route the same versions with the same weights. */
export function sameRouting(a: AliasRouting, b: AliasRouting): boolean {
  return (
    a.version === b.version &&
    a.additional?.version === b.additional?.version &&
    a.additional?.weight === b.additional?.weight
  );
}

export interface AliasState extends AliasRouting {
  functionName: string;
  aliasName: string;
  aliasArn: string;
  revisionId: string;
  description?: string | undefined;
}

/**
 * Per-call options. `signal` cancels the call and its retries (a cancelled roll-out must not wait on a
 * stalled request); calls made while restoring the alias get a deadline signal instead of the run's.
 */
export interface CallOptions {
  signal?: AbortSignal | undefined;
}

/** UpdateAlias options: besides cancelling, the description to write with the routing. */
export interface AliasUpdateOptions extends CallOptions {
  description?: string | undefined;
}

export interface FunctionState {
  functionName: string;
  /** `$LATEST` or a published version number. */
  version: string;
  /** Base64 SHA-256 of the deployment package, as Lambda reports it. */
  codeSha256: string;
  handler?: string | undefined;
  runtime?: string | undefined;
  state?: string | undefined;
  stateReason?: string | undefined;
  lastUpdateStatus?: string | undefined;
  lastUpdateStatusReason?: string | undefined;
  description?: string | undefined;
  revisionId?: string | undefined;
  /** Size of the deployment package in bytes (what counts against the regional code-storage quota). */
  codeSize?: number | undefined;
  /**
   * What PublishVersion captures besides the code, one entry per setting (`Environment`, `Layers`,
   * `MemorySize`, ...), each a canonical string, so two versions compare setting by setting.
   */
  configuration?: Record<string, string> | undefined;
  /**
   * ARN of the capacity provider the function runs on (Lambda Managed Instances), from its
   * `CapacityProviderConfig`; undefined on Lambda's default compute.
   */
  capacityProvider?: string | undefined;
  /** True for a durable function (`DurableConfig`): each execution stays on the version that started it. */
  durable?: boolean | undefined;
}

/** The settings that differ between two functions' configurations, by name, sorted. */
export function configurationChanges(a: FunctionState, b: FunctionState): string[] {
  const left = a.configuration ?? {};
  const right = b.configuration ?? {};
  const names = new Set([...Object.keys(left), ...Object.keys(right)]);
  return [...names].filter((name) => left[name] !== right[name]).sort();
}

export type CodeSource =
  | { s3Bucket: string; s3Key: string; s3ObjectVersion?: string }
  | { zipFile: Uint8Array };

export interface InvokeResult {
  statusCode: number;
  /** Set when the function threw (`Unhandled`) or Lambda reported an error (`Handled`). */
  functionError?: string | undefined;
  payload: string;
  executedVersion?: string | undefined;
}

/** Provisioned concurrency configured on an alias or version. */
export interface ProvisionedConcurrency {
  requested: number;
  allocated?: number | undefined;
  status?: string | undefined;
}

/**
 * Scaling of one version on Lambda Managed Instances: how many execution environments it keeps at least
 * and may have at most. Either may be unset (Lambda's default then applies).
 */
export interface ScalingConfig {
  min?: number | undefined;
  max?: number | undefined;
}

/** Durable executions still running on a version, counted up to a limit (`more`: the count stopped there). */
export interface RunningExecutions {
  count: number;
  more: boolean;
}

/** What DeleteFunction on a version did: deleted it, or found it already gone (both are fine). */
export type DeleteVersionOutcome = "deleted" | "absent";

/** Lambda control plane and invocation, as far as lambda-rollout uses them. */
export interface LambdaPort {
  /** Throws InputError (exit 2) when the function or alias does not exist. */
  getAlias(functionName: string, aliasName: string, options?: CallOptions): Promise<AliasState>;
  /**
   * Sets the alias routing. `expectedRevisionId` is a precondition: when the alias changed since it was
   * read, throws ConflictError (exit 3) and writes nothing.
   */
  updateAlias(
    functionName: string,
    aliasName: string,
    routing: AliasRouting,
    expectedRevisionId: string,
    options?: AliasUpdateOptions,
  ): Promise<AliasState>;
  /** Throws InputError when the function (or qualifier) does not exist. */
  getFunction(functionName: string, qualifier?: string, options?: CallOptions): Promise<FunctionState>;
  listVersions(functionName: string): Promise<FunctionState[]>;
  /** Every alias of the function, with its routing and description. */
  listAliases(functionName: string, options?: CallOptions): Promise<AliasState[]>;
  /**
   * Deletes one published version (never the function: anything but a version number is refused
   * before any call). Throws ConflictError when Lambda refuses because an alias still points at it.
   */
  deleteVersion(functionName: string, version: string, options?: CallOptions): Promise<DeleteVersionOutcome>;
  /** The provisioned concurrency configured on `qualifier` (an alias or a version), or undefined. */
  getProvisionedConcurrency(
    functionName: string,
    qualifier: string,
    options?: CallOptions,
  ): Promise<ProvisionedConcurrency | undefined>;
  /**
   * The scaling a Managed Instances version was given (as requested, else as applied), or undefined when
   * it has none of its own.
   */
  getScalingConfig(
    functionName: string,
    version: string,
    options?: CallOptions,
  ): Promise<ScalingConfig | undefined>;
  /** Sets a Managed Instances version's scaling; returns the version's state Lambda reports right after. */
  putScalingConfig(
    functionName: string,
    version: string,
    scaling: ScalingConfig,
    options?: CallOptions,
  ): Promise<string | undefined>;
  /** The durable executions of `version` that are still running, counted up to `limit` (default 1000). */
  runningDurableExecutions(
    functionName: string,
    version: string,
    options?: CallOptions & { limit?: number | undefined },
  ): Promise<RunningExecutions>;
  /** Starts a code update of `$LATEST`; returns the state right after the call (usually InProgress). */
  updateFunctionCode(functionName: string, code: CodeSource, options?: CallOptions): Promise<FunctionState>;
  /** Publishes `$LATEST` as a version; `codeSha256` guards against publishing code someone else uploaded. */
  publishVersion(
    functionName: string,
    codeSha256: string,
    description: string,
    options?: CallOptions,
  ): Promise<FunctionState>;
  invoke(
    functionName: string,
    qualifier: string,
    payload: string,
    options?: CallOptions,
  ): Promise<InvokeResult>;
}

/** What the store knows of an object already at a key. */
export interface StoredObject {
  /**
   * The full-object SHA-256 (base64) S3 recorded when the object was uploaded with one; undefined when
   * it was uploaded without (or as a multipart upload, whose checksum is composite).
   */
  sha256Base64: string | undefined;
}

export interface ArtifactStore {
  /** The object at `key`, or undefined when there is none. */
  head(bucket: string, key: string): Promise<StoredObject | undefined>;
  /** Uploads with a content checksum so S3 rejects a corrupted upload, and keeps it for `head`. */
  put(bucket: string, key: string, body: Uint8Array, sha256Base64: string): Promise<void>;
}

export type AlarmStateValue = "OK" | "ALARM" | "INSUFFICIENT_DATA";

export interface AlarmState {
  name: string;
  state: AlarmStateValue;
  reason?: string | undefined;
}

export interface AlarmPort {
  /** Returns the alarms found; names that do not exist are simply absent from the result. */
  describeAlarms(names: string[], options?: CallOptions): Promise<AlarmState[]>;
}

/** One query of a metric math alarm: a metric's statistic, or an expression over other ids. */
export interface AlarmQuery {
  /** Starts with a lowercase letter (CloudWatch's rule for ids). */
  id: string;
  expression?: string | undefined;
  metric?:
    | { namespace: string; metricName: string; dimensions: Record<string, string>; stat: string }
    | undefined;
  /** The one expression the alarm watches. */
  returnData: boolean;
  label?: string | undefined;
}

/** A metric math alarm lambda-rollout creates for one roll-out and deletes when it ends. */
export interface MetricMathAlarm {
  name: string;
  description: string;
  queries: AlarmQuery[];
  periodSeconds: number;
  evaluationPeriods: number;
  datapointsToAlarm: number;
  /** The watched expression breaches when it is greater than this. */
  threshold: number;
  /** Periods with no data (too few invocations) read as OK. */
  treatMissingData: "notBreaching";
}

/** An alarm found by its name's prefix, with what its description says. */
export interface ListedAlarm {
  name: string;
  description: string | undefined;
  /** When its configuration was last written (PutMetricAlarm). */
  updatedAt: Date | undefined;
}

/** The alarms lambda-rollout owns (server-side metric gates): created, listed by prefix, deleted. */
export interface OwnedAlarmsPort {
  putMetricMathAlarm(alarm: MetricMathAlarm, options?: CallOptions): Promise<void>;
  /** Metric alarms whose name starts with `prefix` (all pages). */
  listAlarms(prefix: string, options?: CallOptions): Promise<ListedAlarm[]>;
  /** Deletes the named alarms; names that do not exist are no error. */
  deleteAlarms(names: string[], options?: CallOptions): Promise<void>;
}

export interface MetricQuery {
  id: string;
  namespace: string;
  metricName: string;
  dimensions: Record<string, string>;
  /** `Sum`, `Average`, `Maximum`, `SampleCount`, or a percentile such as `p99`. */
  stat: string;
}

export interface MetricsPort {
  /** Aggregates each query over [start, end) into one number; `undefined` when there are no data points. */
  getMetrics(
    queries: MetricQuery[],
    start: Date,
    end: Date,
    periodSeconds: number,
    options?: CallOptions,
  ): Promise<Record<string, number | undefined>>;
}

/** What the engine needs to know about the AWS credentials in use before it starts changing things. */
export interface CredentialsLifetime {
  /** When they stop working; undefined for long-lived keys, or when nothing says. */
  expiration?: Date | undefined;
  /** True when the provider fetches new credentials by itself before these expire. */
  refreshable: boolean;
  /** Where they come from, for messages (e.g. "environment variables (AWS_ACCESS_KEY_ID, ...)"). */
  source: string;
  /** Something that could defeat the check or the renewal, worth a warning. */
  caveat?: string | undefined;
}

export interface CredentialsPort {
  /** Resolves the credentials as the next AWS call would (renewing them if due) and describes them. */
  lifetime(): Promise<CredentialsLifetime>;
}

/** Time, injected so bakes and polls are tested with a fake clock. */
export interface Clock {
  now(): number;
  /** Resolves after `ms`, or early (without throwing) when `signal` aborts. */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  sleep: (ms, signal) =>
    new Promise<void>((resolve) => {
      if (signal?.aborted) return resolve();
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        signal?.removeEventListener("abort", done);
        resolve();
      }
      signal?.addEventListener("abort", done, { once: true });
    }),
};

/** A Step Functions execution as lambda-rollout reads it (status as AWS spells it). */
export interface ExecutionState {
  executionArn: string;
  /** RUNNING, SUCCEEDED, FAILED, TIMED_OUT, ABORTED, PENDING_REDRIVE. */
  status: string;
  error?: string | undefined;
  cause?: string | undefined;
  startDate?: Date | undefined;
  stopDate?: Date | undefined;
  /** The execution input, JSON text. */
  input?: string | undefined;
}

/** One history event, flattened to what the follower reads. */
export interface ExecutionEvent {
  id: number;
  /** `TaskStateExited`, `WaitStateEntered`, `ExecutionFailed`, ... */
  type: string;
  timestamp: number;
  /** The state entered or exited. */
  stateName?: string | undefined;
  /** The state's input (entered) or output (exited), JSON text. */
  data?: string | undefined;
  error?: string | undefined;
  cause?: string | undefined;
}

/** A state machine as DescribeStateMachine reports it. */
export interface StateMachineState {
  stateMachineArn: string;
  /** ACTIVE or DELETING. */
  status: string;
}

/** Step Functions, as far as server-side roll-outs use it. */
export interface StepFunctionsPort {
  /**
   * A read before any write: InputError when the machine does not exist, or is in another region than
   * the functions this port's clients reach.
   */
  describeStateMachine(stateMachineArn: string, options?: CallOptions): Promise<StateMachineState>;
  /** Throws ConflictError when an execution of that name exists, InputError for an unknown machine. */
  startExecution(
    stateMachineArn: string,
    name: string,
    input: string,
    options?: CallOptions,
  ): Promise<{ executionArn: string; startDate: Date }>;
  describeExecution(executionArn: string, options?: CallOptions): Promise<ExecutionState>;
  /** The events with an id greater than `afterId`, oldest first, from as many pages as that takes. */
  historySince(executionArn: string, afterId: number, options?: CallOptions): Promise<ExecutionEvent[]>;
  /** Stops a running execution; one that already ended is left as it is. */
  stopExecution(executionArn: string, error: string, cause: string, options?: CallOptions): Promise<void>;
}

/** An object of the ledger (ledger/): its text and the ETag a conditional write must name. */
export interface LedgerObject {
  body: string;
  etag: string;
}

/**
 * The roll-out ledger's storage: S3 objects written with conditional requests, the way Terraform's S3
 * backend locks its state (If-None-Match: * to create, If-Match: ETag to replace). A lost race is a
 * LedgerRaceError (errors.ts), never a silent overwrite.
 */
export interface LedgerStore {
  /** The object at `key`, or undefined when there is none. InputError when the bucket does not exist. */
  get(bucket: string, key: string, options?: CallOptions): Promise<LedgerObject | undefined>;
  /** Creates `key` only when it does not exist; returns the new ETag. */
  create(bucket: string, key: string, body: string, options?: CallOptions): Promise<string>;
  /** Replaces `key` only when its ETag is still `etag`; returns the new ETag. */
  replace(bucket: string, key: string, body: string, etag: string, options?: CallOptions): Promise<string>;
  /** Every key under `prefix` (all pages). */
  list(bucket: string, prefix: string, options?: CallOptions): Promise<string[]>;
}
