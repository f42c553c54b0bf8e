import type { LambdaClientConfig } from "@aws-sdk/client-lambda";
import { InputError } from "../errors.js";
import type {
  AlarmPort,
  ArtifactStore,
  Clock,
  CredentialsPort,
  LambdaPort,
  LedgerStore,
  MetricsPort,
  OwnedAlarmsPort,
  StepFunctionsPort,
} from "../ports.js";
import { DEFAULT_MAX_RPS, parseMaxRps, sharedBudget } from "./budget.js";
import { CloudWatchAlarms, CloudWatchMetrics } from "./cloudwatch.js";
import { CloudWatchOwnedAlarms } from "./cloudwatch-owned.js";
import { SdkCredentials } from "./credentials.js";
import { AwsLambda } from "./lambda.js";
import type { AdapterOptions, RateLimit } from "./retry.js";
import { S3ArtifactStore } from "./s3.js";
import { S3LedgerStore } from "./s3-ledger.js";
import { AwsStepFunctions } from "./stepfunctions.js";
import type { Whereabouts } from "./whereabouts.js";

export {
  ArrivalWindowLimiter,
  DEFAULT_MAX_RPS,
  type Limiter,
  MAX_RPS,
  parseMaxRps,
  sharedBudget,
} from "./budget.js";
export { aggregate, CloudWatchAlarms, CloudWatchMetrics } from "./cloudwatch.js";
export { describeCredentials, SdkCredentials } from "./credentials.js";
export { AwsLambda, fractionToPercent, percentToFraction } from "./lambda.js";
export {
  type AdapterOptions,
  defaultRateLimit,
  defaultRetryPolicy,
  type RateLimit,
  type RetryPolicy,
  TokenBucket,
} from "./retry.js";
export { S3ArtifactStore } from "./s3.js";
export { S3LedgerStore } from "./s3-ledger.js";
export { AwsStepFunctions } from "./stepfunctions.js";

export interface AwsPortsOptions {
  /** Overrides AWS_REGION / the profile's region. */
  region?: string;
  /** Overrides AWS_ENDPOINT_URL (e.g. a moto server). */
  endpoint?: string;
  /** Retries after the first attempt for throttling and transient errors (default 4). */
  maxRetries?: number;
  /**
   * Lambda control-plane rate limit of these adapters alone; `false` disables it. Without it, the
   * adapters share the account and region's budget (budget.ts) with every other adapter of the process.
   */
  rateLimit?: RateLimit | false;
  /** The shared budget in requests per second (1..15, default 10). */
  maxRps?: number;
  clock?: Clock;
  /**
   * A credentials provider (a function the SDK calls again before what it returned expires). Default:
   * the SDK's standard chain, which renews web-identity, SSO and assumed-role credentials by itself.
   * Never a resolved set of keys: those could not be renewed during a long roll-out.
   */
  credentials?: Extract<NonNullable<LambdaClientConfig["credentials"]>, (...args: never[]) => unknown>;
  /** The environment the SDK chain reads (default process.env); used to describe env credentials. */
  env?: Record<string, string | undefined>;
  /**
   * Where the target came from (`configuration F, environment "E"`, or no configuration) and its
   * account when known: said, with region and endpoint, in "does not exist" errors.
   */
  whereabouts?: Pick<Whereabouts, "origin" | "account">;
}

export interface AwsPorts {
  lambda: LambdaPort;
  artifacts: ArtifactStore;
  alarms: AlarmPort;
  metrics: MetricsPort;
  /** Server-side roll-outs (`--engine stepfunctions`). */
  stepFunctions: StepFunctionsPort;
  /** The alarms of server-side metric gates, which lambda-rollout creates and deletes. */
  ownedAlarms: OwnedAlarmsPort;
  /** How long the credentials of these clients last and whether they renew. */
  credentials: CredentialsPort;
  /** The roll-out ledger's objects (conditional S3 writes). */
  ledgerStore: LedgerStore;
}

/**
 * Builds the adapters from the standard SDK chain (AWS_REGION, AWS_PROFILE, AWS_ENDPOINT_URL, ...).
 * Nothing is contacted here; a missing region surfaces as an InputError from the first call.
 */
export function createAwsPorts(options: AwsPortsOptions = {}): AwsPorts {
  if (
    options.maxRetries !== undefined &&
    !(Number.isInteger(options.maxRetries) && options.maxRetries >= 0)
  ) {
    throw new InputError(`maxRetries must be a whole number >= 0, got ${options.maxRetries}.`);
  }
  if (options.maxRps !== undefined) parseMaxRps(String(options.maxRps));
  const env = options.env ?? process.env;
  const shared = {
    // The SDK's own retries stay off (1 attempt) so that AwsCaller's bounded retries are the only ones.
    maxAttempts: 1,
    ...(options.region ? { region: options.region } : {}),
    ...(options.endpoint ? { endpoint: options.endpoint } : {}),
    ...(options.credentials ? { credentials: options.credentials } : {}),
  };
  // Emulators and custom endpoints (moto, LocalStack, MinIO) serve buckets by path, not by host name.
  const customEndpoint = options.endpoint || env.AWS_ENDPOINT_URL || env.AWS_ENDPOINT_URL_S3;
  const adapter: AdapterOptions = {
    whereabouts: { ...options.whereabouts, endpoint: options.endpoint ?? env.AWS_ENDPOINT_URL },
  };
  if (options.maxRetries !== undefined) adapter.retry = { maxAttempts: options.maxRetries + 1 };
  if (options.clock) adapter.clock = options.clock;
  const lambdaOptions: AdapterOptions = { ...adapter };
  if (options.rateLimit !== undefined) lambdaOptions.rateLimit = options.rateLimit;
  else {
    // One budget per account and region for the whole process: a release's functions share it.
    const account = env.AWS_PROFILE ?? env.AWS_ACCESS_KEY_ID ?? "default";
    const region = options.region ?? env.AWS_REGION ?? env.AWS_DEFAULT_REGION ?? "default";
    const budget = sharedBudget(account, region, options.maxRps ?? DEFAULT_MAX_RPS, options.clock);
    lambdaOptions.limiter = budget.controlPlane;
    lambdaOptions.getFunctionLimiter = budget.getFunction;
  }

  const lambda = new AwsLambda(shared, lambdaOptions);
  return {
    lambda,
    artifacts: new S3ArtifactStore({ ...shared, forcePathStyle: Boolean(customEndpoint) }, adapter),
    // The ledger's bucket may be in another region than the functions: S3 says where, the SDK follows.
    ledgerStore: new S3LedgerStore(
      { ...shared, forcePathStyle: Boolean(customEndpoint), followRegionRedirects: true },
      adapter,
    ),
    alarms: new CloudWatchAlarms(shared, adapter),
    metrics: new CloudWatchMetrics(shared, adapter),
    stepFunctions: new AwsStepFunctions(shared, adapter),
    ownedAlarms: new CloudWatchOwnedAlarms(shared, adapter),
    // The Lambda client's own provider: the lifetime is read exactly as its next call would see it.
    credentials: new SdkCredentials(
      () => lambda.client.config.credentials(),
      env,
      options.credentials === undefined,
    ),
  };
}
