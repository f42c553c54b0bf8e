/** Pure translations between Lambda's API shapes and the port's, and Lambda-specific error mapping. */
import type { AliasConfiguration, FunctionConfiguration } from "@aws-sdk/client-lambda";
import {
  AwsError,
  ConflictError,
  type ErrorContext,
  InputError,
  NotFoundError,
  type RolloutError,
} from "../errors.js";
import type { AliasRouting, AliasState, FunctionState } from "../ports.js";
import type { SdkErrorInfo } from "./errors.js";

/** AWS stores weights as fractions; six decimals of a percent is far below anything meaningful. */
export function percentToFraction(percent: number): number {
  return Math.round(percent * 1e6) / 1e8;
}

export function fractionToPercent(fraction: number): number {
  return Math.round(fraction * 1e8) / 1e6;
}

export const CONFLICT_HINT =
  "Run `lambda-rollout status` to see the alias, then `lambda-rollout rollback` or `lambda-rollout promote` to settle it before deploying again.";

export type Translate = (info: SdkErrorInfo, error: unknown, attempts: number) => RolloutError | undefined;

export function notFound(what: string, error: unknown, context: ErrorContext): NotFoundError {
  return new NotFoundError(`${what} does not exist.`, {
    cause: error,
    context,
    hint: "Check the name, the region, the account (AWS_PROFILE) and the configuration file (--config, --env): they must name a function and alias that exist there. lambda-rollout never creates functions or aliases; Terraform (or your own tooling) does.",
  });
}

/** Shared mappings for every Lambda call about `functionName`. */
export function lambdaErrors(functionName: string, context: ErrorContext, specific?: Translate): Translate {
  return (info, error, attempts) => {
    const mapped = specific?.(info, error, attempts);
    if (mapped) return mapped;
    if (info.code === "ResourceNotFoundException") {
      return notFound(`Lambda function ${functionName}`, error, context);
    }
    if (info.code === "ResourceConflictException") {
      return new AwsError(
        `Another update is in progress on Lambda function ${functionName} (still busy after ${attempts} attempts).`,
        {
          cause: error,
          context,
          code: info.code,
          status: info.status ?? 409,
          retryable: true,
          hint: "Wait until the function's LastUpdateStatus is Successful (another deployment or a Terraform apply may be running), then run again.",
        },
      );
    }
    return undefined;
  };
}

export function toFunctionState(
  config: FunctionConfiguration | undefined,
  functionName: string,
): FunctionState {
  return {
    functionName: config?.FunctionName ?? functionName,
    version: config?.Version ?? "$LATEST",
    codeSha256: config?.CodeSha256 ?? "",
    handler: config?.Handler,
    runtime: config?.Runtime,
    state: config?.State,
    stateReason: config?.StateReason,
    lastUpdateStatus: config?.LastUpdateStatus,
    lastUpdateStatusReason: config?.LastUpdateStatusReason,
    description: config?.Description,
    revisionId: config?.RevisionId,
    codeSize: config?.CodeSize,
    configuration: config ? configurationOf(config) : undefined,
    capacityProvider:
      config?.CapacityProviderConfig?.LambdaManagedInstancesCapacityProviderConfig?.CapacityProviderArn,
    durable: config?.DurableConfig ? true : undefined,
  };
}

/** Canonical text of a value: objects with sorted keys, so equal settings compare equal. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(",")}]`;
  if (value !== null && typeof value === "object") {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonical(v)}`).join(",")}}`;
  }
  return JSON.stringify(value) ?? "null";
}

const sorted = (items: string[] | undefined) => (items ? [...items].sort() : undefined);

/**
 * The settings PublishVersion freezes into a version besides the code. Read-only and per-version
 * fields (state, revision, SnapStart's optimization status, the description we write) are left out, so
 * a version published from `$LATEST` compares equal to `$LATEST` until someone changes a setting.
 */
export function configurationOf(config: FunctionConfiguration): Record<string, string> {
  const settings: Record<string, unknown> = {
    Runtime: config.Runtime,
    Handler: config.Handler,
    MemorySize: config.MemorySize,
    Timeout: config.Timeout,
    Role: config.Role,
    Environment: config.Environment?.Variables ?? {},
    Layers: (config.Layers ?? []).map((layer) => layer.Arn),
    VpcConfig: config.VpcConfig?.VpcId
      ? {
          SubnetIds: sorted(config.VpcConfig.SubnetIds),
          SecurityGroupIds: sorted(config.VpcConfig.SecurityGroupIds),
          Ipv6AllowedForDualStack: config.VpcConfig.Ipv6AllowedForDualStack,
        }
      : undefined,
    DeadLetterConfig: config.DeadLetterConfig?.TargetArn,
    TracingConfig: config.TracingConfig?.Mode,
    KMSKeyArn: config.KMSKeyArn,
    EphemeralStorage: config.EphemeralStorage?.Size,
    Architectures: config.Architectures,
    FileSystemConfigs: config.FileSystemConfigs,
    ImageConfig: config.ImageConfigResponse?.ImageConfig,
    SnapStart: config.SnapStart?.ApplyOn,
    LoggingConfig: config.LoggingConfig,
    // Where it runs (Lambda Managed Instances) and whether it is durable are part of what a version is.
    CapacityProviderConfig: config.CapacityProviderConfig,
    DurableConfig: config.DurableConfig,
  };
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(settings)) {
    if (value !== undefined) out[name] = canonical(value);
  }
  return out;
}

export function toAliasState(
  config: AliasConfiguration,
  functionName: string,
  aliasName: string,
): AliasState {
  // AWS allows one extra version; a 0 weight routes nothing, so it is reported as "not split".
  const extra = Object.entries(config.RoutingConfig?.AdditionalVersionWeights ?? {}).find(([, w]) => w > 0);
  return {
    functionName,
    aliasName: config.Name ?? aliasName,
    aliasArn: config.AliasArn ?? "",
    revisionId: config.RevisionId ?? "",
    description: config.Description,
    version: config.FunctionVersion ?? "",
    additional: extra ? { version: extra[0], weight: fractionToPercent(extra[1]) } : undefined,
  };
}

/** Checked here too because moto (and a misbehaving caller) accept weights AWS would reject or misuse. */
export function validateRouting(routing: AliasRouting, context: ErrorContext): void {
  const extra = routing.additional;
  if (!extra) return;
  const problem =
    !Number.isFinite(extra.weight) || extra.weight <= 0 || extra.weight >= 100
      ? `weight ${extra.weight}% is outside (0, 100)`
      : extra.version === routing.version
        ? `version ${extra.version} is both primary and additional`
        : extra.version === "$LATEST" || routing.version === "$LATEST"
          ? "a weighted alias cannot route to $LATEST"
          : undefined;
  if (problem) throw new InputError(`Invalid alias routing: ${problem}.`, { context });
}

/** Whether the alias already routes exactly as requested (e.g. our own write whose reply was lost). */
export function aliasChanged(
  functionName: string,
  aliasName: string,
  expectedRevisionId: string,
  error: unknown,
  context: ErrorContext,
): ConflictError {
  return new ConflictError(
    `Alias ${aliasName} of Lambda function ${functionName} was changed by someone else since it was read (revision ${expectedRevisionId} is no longer current); nothing was written.`,
    { cause: error, context, hint: CONFLICT_HINT },
  );
}
