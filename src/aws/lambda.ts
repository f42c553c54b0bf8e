import {
  type AliasConfiguration,
  type FunctionConfiguration,
  GetAliasCommand,
  GetFunctionCommand,
  InvokeCommand,
  LambdaClient,
  type LambdaClientConfig,
  ListVersionsByFunctionCommand,
  PublishVersionCommand,
  UpdateAliasCommand,
  UpdateFunctionCodeCommand,
  type UpdateFunctionCodeCommandInput,
} from "@aws-sdk/client-lambda";
import { AwsError, ConflictError, type ErrorContext, InputError, type RolloutError } from "../errors.js";
import type {
  AliasRouting,
  AliasState,
  CodeSource,
  FunctionState,
  InvokeResult,
  LambdaPort,
} from "../ports.js";
import type { SdkErrorInfo } from "./errors.js";
import { type AdapterOptions, AwsCaller, type Operation } from "./retry.js";

/** AWS stores weights as fractions; six decimals of a percent is far below anything meaningful. */
export function percentToFraction(percent: number): number {
  return Math.round(percent * 1e6) / 1e8;
}

export function fractionToPercent(fraction: number): number {
  return Math.round(fraction * 1e8) / 1e6;
}

const CONFLICT_HINT =
  "Run `lambda-rollout status` to see the alias, then `lambda-rollout rollback` or `lambda-rollout promote` to settle it before deploying again.";

type Translate = (info: SdkErrorInfo, error: unknown, attempts: number) => RolloutError | undefined;

function notFound(what: string, error: unknown, context: ErrorContext): InputError {
  return new InputError(`${what} does not exist.`, {
    cause: error,
    context,
    hint: "Check --function, --alias and --region (and AWS_PROFILE): the name must match the function in that account and region.",
  });
}

/** Shared mappings for every Lambda call about `functionName`. */
function lambdaErrors(functionName: string, context: ErrorContext, specific?: Translate): Translate {
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

function toFunctionState(config: FunctionConfiguration | undefined, functionName: string): FunctionState {
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
  };
}

function toAliasState(config: AliasConfiguration, functionName: string, aliasName: string): AliasState {
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
function validateRouting(routing: AliasRouting, context: ErrorContext): void {
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

export class AwsLambda implements LambdaPort {
  readonly client: LambdaClient;
  private readonly caller: AwsCaller;

  /**
   * @param client an SDK client, or config for one. Clients built here use `maxAttempts: 1` because
   *   retries happen in {@link AwsCaller}; a client passed in keeps its own setting.
   */
  constructor(client?: LambdaClient | LambdaClientConfig, options: AdapterOptions = {}) {
    this.client = client instanceof LambdaClient ? client : new LambdaClient({ maxAttempts: 1, ...client });
    this.caller = new AwsCaller(options);
  }

  async getAlias(functionName: string, aliasName: string): Promise<AliasState> {
    const context = { functionName, alias: aliasName };
    const result = await this.run(
      {
        operation: "GetAlias",
        resource: `alias ${aliasName} of function ${functionName}`,
        context,
        translate: lambdaErrors(functionName, context, (info, error) =>
          info.code === "ResourceNotFoundException" && !/function not found/i.test(info.message)
            ? notFound(`Alias ${aliasName} of Lambda function ${functionName}`, error, context)
            : undefined,
        ),
      },
      () => this.client.send(new GetAliasCommand({ FunctionName: functionName, Name: aliasName })),
    );
    return toAliasState(result, functionName, aliasName);
  }

  async updateAlias(
    functionName: string,
    aliasName: string,
    routing: AliasRouting,
    expectedRevisionId: string,
  ): Promise<AliasState> {
    const context = { functionName, alias: aliasName };
    validateRouting(routing, context);
    const weights: Record<string, number> = {};
    if (routing.additional)
      weights[routing.additional.version] = percentToFraction(routing.additional.weight);
    const result = await this.run(
      {
        operation: "UpdateAlias",
        resource: `alias ${aliasName} of function ${functionName}`,
        context,
        retryConflicts: true,
        translate: lambdaErrors(functionName, context, (info, error) => {
          if (info.code === "PreconditionFailedException") {
            return new ConflictError(
              `Alias ${aliasName} of Lambda function ${functionName} was changed by someone else since it was read (revision ${expectedRevisionId} is no longer current); nothing was written.`,
              { cause: error, context, hint: CONFLICT_HINT },
            );
          }
          if (info.code === "ResourceNotFoundException" && !/function not found/i.test(info.message)) {
            return notFound(`Alias ${aliasName} of Lambda function ${functionName}`, error, context);
          }
          return undefined;
        }),
      },
      () =>
        this.client.send(
          new UpdateAliasCommand({
            FunctionName: functionName,
            Name: aliasName,
            FunctionVersion: routing.version,
            // An empty map (not an omitted RoutingConfig, which AWS leaves untouched) removes the split.
            RoutingConfig: { AdditionalVersionWeights: weights },
            RevisionId: expectedRevisionId,
          }),
        ),
    );
    return toAliasState(result, functionName, aliasName);
  }

  async getFunction(functionName: string, qualifier?: string): Promise<FunctionState> {
    const context = { functionName };
    const name = qualifier ? `${functionName}:${qualifier}` : functionName;
    const result = await this.run(
      {
        operation: "GetFunction",
        resource: `function ${name}`,
        context,
        translate: lambdaErrors(functionName, context, (info, error) =>
          info.code === "ResourceNotFoundException" && qualifier
            ? notFound(`Lambda function ${functionName} (qualifier ${qualifier})`, error, context)
            : undefined,
        ),
      },
      () => this.client.send(new GetFunctionCommand({ FunctionName: functionName, Qualifier: qualifier })),
    );
    return toFunctionState(result.Configuration, functionName);
  }

  async listVersions(functionName: string): Promise<FunctionState[]> {
    const context = { functionName };
    const versions: FunctionState[] = [];
    let marker: string | undefined;
    do {
      const page = await this.run(
        {
          operation: "ListVersionsByFunction",
          resource: `function ${functionName}`,
          context,
          translate: lambdaErrors(functionName, context),
        },
        () =>
          this.client.send(
            new ListVersionsByFunctionCommand({ FunctionName: functionName, Marker: marker, MaxItems: 50 }),
          ),
      );
      for (const config of page.Versions ?? []) versions.push(toFunctionState(config, functionName));
      marker = page.NextMarker;
    } while (marker);
    return versions;
  }

  async updateFunctionCode(functionName: string, code: CodeSource): Promise<FunctionState> {
    const context = { functionName };
    const input: UpdateFunctionCodeCommandInput = { FunctionName: functionName, Publish: false };
    if ("zipFile" in code) input.ZipFile = code.zipFile;
    else {
      input.S3Bucket = code.s3Bucket;
      input.S3Key = code.s3Key;
      if (code.s3ObjectVersion) input.S3ObjectVersion = code.s3ObjectVersion;
    }
    const result = await this.run(
      {
        operation: "UpdateFunctionCode",
        resource: `function ${functionName}`,
        context,
        retryConflicts: true,
        translate: lambdaErrors(functionName, context),
      },
      () => this.client.send(new UpdateFunctionCodeCommand(input)),
    );
    return toFunctionState(result, functionName);
  }

  async publishVersion(
    functionName: string,
    codeSha256: string,
    description: string,
  ): Promise<FunctionState> {
    const context = { functionName };
    const result = await this.run(
      {
        operation: "PublishVersion",
        resource: `function ${functionName}`,
        context,
        retryConflicts: true,
        translate: lambdaErrors(functionName, context, (info, error) =>
          info.code === "PreconditionFailedException" ||
          (info.code === "InvalidParameterValueException" && /codesha256/i.test(info.message))
            ? new ConflictError(
                `The code of Lambda function ${functionName} changed before it could be published (expected CodeSha256 ${codeSha256}); someone else updated it. Nothing was published.`,
                {
                  cause: error,
                  context,
                  hint: "Run the deployment again once the other update is finished.",
                },
              )
            : undefined,
        ),
      },
      () =>
        this.client.send(
          new PublishVersionCommand({
            FunctionName: functionName,
            CodeSha256: codeSha256,
            Description: description,
          }),
        ),
    );
    return toFunctionState(result, functionName);
  }

  async invoke(functionName: string, qualifier: string, payload: string): Promise<InvokeResult> {
    const context = { functionName };
    const result = await this.run(
      {
        operation: "Invoke",
        resource: `function ${functionName}:${qualifier}`,
        context,
        // Invoke is data plane (own limits) and not idempotent: a 5xx may mean the code already ran.
        unlimited: true,
        retryTransient: false,
        translate: lambdaErrors(functionName, context, (info, error) =>
          info.code === "ResourceNotFoundException"
            ? notFound(`Lambda function ${functionName} (qualifier ${qualifier})`, error, context)
            : undefined,
        ),
      },
      () =>
        this.client.send(
          new InvokeCommand({
            FunctionName: functionName,
            Qualifier: qualifier,
            Payload: new TextEncoder().encode(payload),
          }),
        ),
    );
    return {
      statusCode: result.StatusCode ?? 0,
      functionError: result.FunctionError,
      payload: result.Payload ? new TextDecoder("utf-8").decode(result.Payload) : "",
      executedVersion: result.ExecutedVersion,
    };
  }

  private run<T>(op: Operation, send: () => Promise<T>): Promise<T> {
    return this.caller.run(op, send);
  }
}
