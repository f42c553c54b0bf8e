import {
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
import { ConflictError } from "../errors.js";
import {
  type AliasRouting,
  type AliasState,
  type AliasUpdateOptions,
  type CallOptions,
  type CodeSource,
  type DeleteVersionOutcome,
  type FunctionState,
  type InvokeResult,
  type LambdaPort,
  type ProvisionedConcurrency,
  type RunningExecutions,
  type ScalingConfig,
  sameRouting,
} from "../ports.js";
import * as capacity from "./lambda-capacity.js";
import * as durable from "./lambda-durable.js";
import {
  aliasChanged,
  lambdaErrors,
  notFound,
  percentToFraction,
  toAliasState,
  toFunctionState,
  validateRouting,
} from "./lambda-mapping.js";
import * as versions from "./lambda-versions.js";
import { type AdapterOptions, AwsCaller, clientDefaults, type Operation } from "./retry.js";
import { locating, type Whereabouts } from "./whereabouts.js";

/** A synchronous Invoke holds the socket silent until the function returns: up to 15 minutes. */
export const INVOKE_SOCKET_TIMEOUT_MS = 15 * 60_000 + 30_000;

export { fractionToPercent, percentToFraction } from "./lambda-mapping.js";

export class AwsLambda implements LambdaPort {
  readonly client: LambdaClient;
  /** Invoke waits silently for the function: it gets its own client with a long idle timeout. */
  private readonly invokeClient: LambdaClient;
  private readonly caller: AwsCaller;
  private readonly whereabouts: Whereabouts | undefined;

  /**
   * @param client an SDK client, or config for one. Clients built here use `maxAttempts: 1` because
   *   retries happen in {@link AwsCaller}; a client passed in keeps its own setting.
   */
  constructor(client?: LambdaClient | LambdaClientConfig, options: AdapterOptions = {}) {
    this.client = client instanceof LambdaClient ? client : new LambdaClient(clientDefaults(client));
    this.invokeClient =
      client instanceof LambdaClient
        ? client
        : new LambdaClient(clientDefaults(client, INVOKE_SOCKET_TIMEOUT_MS));
    this.caller = new AwsCaller(options);
    this.whereabouts = options.whereabouts;
  }

  async getAlias(functionName: string, aliasName: string, options?: CallOptions): Promise<AliasState> {
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
      (abortSignal) =>
        this.client.send(new GetAliasCommand({ FunctionName: functionName, Name: aliasName }), {
          abortSignal,
        }),
      options,
    );
    return toAliasState(result, functionName, aliasName);
  }

  async updateAlias(
    functionName: string,
    aliasName: string,
    routing: AliasRouting,
    expectedRevisionId: string,
    options?: AliasUpdateOptions,
  ): Promise<AliasState> {
    const context = { functionName, alias: aliasName };
    validateRouting(routing, context);
    const weights: Record<string, number> = {};
    if (routing.additional)
      weights[routing.additional.version] = percentToFraction(routing.additional.weight);
    const operation: Operation = {
      operation: "UpdateAlias",
      resource: `alias ${aliasName} of function ${functionName}`,
      context,
      retryConflicts: true,
      translate: lambdaErrors(functionName, context, (info, error, attempts) => {
        if (info.code === "PreconditionFailedException") {
          // After a lost reply, the retry can trip over our own first write: check before blaming others.
          return attempts > 1
            ? new PossiblyOwnWrite(error)
            : aliasChanged(functionName, aliasName, expectedRevisionId, error, context);
        }
        if (info.code === "ResourceNotFoundException" && !/function not found/i.test(info.message)) {
          return notFound(`Alias ${aliasName} of Lambda function ${functionName}`, error, context);
        }
        return undefined;
      }),
    };
    const command = new UpdateAliasCommand({
      FunctionName: functionName,
      Name: aliasName,
      FunctionVersion: routing.version,
      // An empty map (not an omitted RoutingConfig, which AWS leaves untouched) removes the split.
      RoutingConfig: { AdditionalVersionWeights: weights },
      RevisionId: expectedRevisionId,
      ...(options?.description === undefined ? {} : { Description: options.description.slice(0, 256) }),
    });
    try {
      return toAliasState(
        await this.caller.run(
          operation,
          (abortSignal) => this.client.send(command, { abortSignal }),
          options,
        ),
        functionName,
        aliasName,
      );
    } catch (error) {
      if (!(error instanceof PossiblyOwnWrite)) throw error;
      const current = await this.getAlias(functionName, aliasName, options);
      if (sameRouting(current, routing)) return current;
      throw aliasChanged(functionName, aliasName, expectedRevisionId, error.cause, context);
    }
  }

  async getFunction(functionName: string, qualifier?: string, options?: CallOptions): Promise<FunctionState> {
    const context = { functionName };
    const name = qualifier ? `${functionName}:${qualifier}` : functionName;
    const result = await this.run(
      {
        operation: "GetFunction",
        getFunctionBudget: true,
        resource: `function ${name}`,
        context,
        translate: lambdaErrors(functionName, context, (info, error) =>
          info.code === "ResourceNotFoundException" && qualifier
            ? notFound(`Lambda function ${functionName} (qualifier ${qualifier})`, error, context)
            : undefined,
        ),
      },
      (abortSignal) =>
        this.client.send(new GetFunctionCommand({ FunctionName: functionName, Qualifier: qualifier }), {
          abortSignal,
        }),
      options,
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

  listAliases(functionName: string, options?: CallOptions): Promise<AliasState[]> {
    return versions.listAliases(this.client, this.caller, functionName, options);
  }

  deleteVersion(functionName: string, version: string, options?: CallOptions): Promise<DeleteVersionOutcome> {
    return versions.deleteVersion(this.client, this.caller, functionName, version, options);
  }

  getProvisionedConcurrency(
    functionName: string,
    qualifier: string,
    options?: CallOptions,
  ): Promise<ProvisionedConcurrency | undefined> {
    return versions.getProvisionedConcurrency(this.client, this.caller, functionName, qualifier, options);
  }

  getScalingConfig(
    functionName: string,
    version: string,
    options?: CallOptions,
  ): Promise<ScalingConfig | undefined> {
    return capacity.getScalingConfig(this.client, this.caller, functionName, version, options);
  }

  putScalingConfig(
    functionName: string,
    version: string,
    scaling: ScalingConfig,
    options?: CallOptions,
  ): Promise<string | undefined> {
    return capacity.putScalingConfig(this.client, this.caller, functionName, version, scaling, options);
  }

  runningDurableExecutions(
    functionName: string,
    version: string,
    options?: CallOptions & { limit?: number | undefined },
  ): Promise<RunningExecutions> {
    return durable.runningDurableExecutions(this.client, this.caller, functionName, version, options);
  }

  async updateFunctionCode(
    functionName: string,
    code: CodeSource,
    options?: CallOptions,
  ): Promise<FunctionState> {
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
      (abortSignal) => this.client.send(new UpdateFunctionCodeCommand(input), { abortSignal }),
      options,
    );
    return toFunctionState(result, functionName);
  }

  async publishVersion(
    functionName: string,
    codeSha256: string,
    description: string,
    options?: CallOptions,
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
      (abortSignal) =>
        this.client.send(
          new PublishVersionCommand({
            FunctionName: functionName,
            CodeSha256: codeSha256,
            Description: description,
          }),
          { abortSignal },
        ),
      options,
    );
    return toFunctionState(result, functionName);
  }

  async invoke(
    functionName: string,
    qualifier: string,
    payload: string,
    options?: CallOptions,
  ): Promise<InvokeResult> {
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
      (abortSignal) =>
        this.invokeClient.send(
          new InvokeCommand({
            FunctionName: functionName,
            Qualifier: qualifier,
            Payload: new TextEncoder().encode(payload),
          }),
          { abortSignal },
        ),
      options,
    );
    return {
      statusCode: result.StatusCode ?? 0,
      functionError: result.FunctionError,
      payload: result.Payload ? new TextDecoder("utf-8").decode(result.Payload) : "",
      executedVersion: result.ExecutedVersion,
    };
  }

  private run<T>(
    op: Operation,
    send: (abortSignal: AbortSignal | undefined) => Promise<T>,
    options?: CallOptions,
  ): Promise<T> {
    return locating(this.caller.run(op, send, options), () => this.client.config.region(), this.whereabouts);
  }
}

/** Internal: a PreconditionFailed on a retried UpdateAlias, resolved by re-reading the alias. */
class PossiblyOwnWrite extends ConflictError {
  constructor(cause: unknown) {
    super("UpdateAlias precondition failed on a retry", { cause });
  }
}
