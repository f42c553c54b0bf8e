/**
 * Lambda calls that look after versions and aliases rather than roll them out: listing aliases,
 * deleting old versions (`prune`) and reading an alias's provisioned concurrency (validation). Kept out
 * of lambda.ts so that file stays about the roll-out itself; AwsLambda delegates here.
 */
import {
  DeleteFunctionCommand,
  GetProvisionedConcurrencyConfigCommand,
  type LambdaClient,
  ListAliasesCommand,
} from "@aws-sdk/client-lambda";
import { ConflictError } from "../errors.js";
import type { AliasState, CallOptions, DeleteVersionOutcome, ProvisionedConcurrency } from "../ports.js";
import { lambdaErrors, toAliasState } from "./lambda-mapping.js";
import type { AwsCaller } from "./retry.js";

/** A published version number; anything else must never reach DeleteFunction (see deleteVersion). */
const VERSION_NUMBER = /^[1-9]\d*$/;

export async function listAliases(
  client: LambdaClient,
  caller: AwsCaller,
  functionName: string,
  options?: CallOptions,
): Promise<AliasState[]> {
  const context = { functionName };
  const aliases: AliasState[] = [];
  let marker: string | undefined;
  do {
    const page = await caller.run(
      {
        operation: "ListAliases",
        resource: `function ${functionName}`,
        context,
        translate: lambdaErrors(functionName, context),
      },
      (abortSignal) =>
        client.send(new ListAliasesCommand({ FunctionName: functionName, Marker: marker, MaxItems: 50 }), {
          abortSignal,
        }),
      options,
    );
    for (const alias of page.Aliases ?? []) aliases.push(toAliasState(alias, functionName, alias.Name ?? ""));
    marker = page.NextMarker;
  } while (marker);
  return aliases;
}

/**
 * DeleteFunction with a version qualifier. Without a qualifier DeleteFunction deletes the whole
 * function with every version and alias, so anything but a version number is refused here, before any
 * call. A version already gone is "absent": pruning twice is the same as pruning once.
 */
export async function deleteVersion(
  client: LambdaClient,
  caller: AwsCaller,
  functionName: string,
  version: string,
  options?: CallOptions,
): Promise<DeleteVersionOutcome> {
  if (!VERSION_NUMBER.test(version)) {
    throw new TypeError(`refusing to delete "${version}" of ${functionName}: not a published version number`);
  }
  const context = { functionName };
  try {
    await caller.run(
      {
        operation: "DeleteFunction",
        resource: `version ${version} of function ${functionName}`,
        context,
        // A 409 here means an alias points at the version (or an update is running): not retried, reported.
        retryConflicts: false,
        translate: (info, error) => {
          if (info.code === "ResourceNotFoundException") return new NotThere(error);
          if (info.code === "ResourceConflictException") {
            return new ConflictError(
              `Lambda refused to delete version ${version} of ${functionName}: ${info.message}`,
              { cause: error, context },
            );
          }
          return lambdaErrors(functionName, context)(info, error, 1);
        },
      },
      (abortSignal) =>
        client.send(new DeleteFunctionCommand({ FunctionName: functionName, Qualifier: version }), {
          abortSignal,
        }),
      options,
    );
  } catch (error) {
    if (error instanceof NotThere) return "absent";
    throw error;
  }
  return "deleted";
}

/**
 * The provisioned concurrency configured on an alias or version, or undefined when there is none
 * (Lambda answers ProvisionedConcurrencyConfigNotFoundException). Any other 404 is read the same way:
 * the function and alias are checked by GetAlias alongside this call, and emulators that do not model
 * provisioned concurrency (moto) answer 404 for the whole API, which means there is none to find.
 */
export async function getProvisionedConcurrency(
  client: LambdaClient,
  caller: AwsCaller,
  functionName: string,
  qualifier: string,
  options?: CallOptions,
): Promise<ProvisionedConcurrency | undefined> {
  const context = { functionName };
  try {
    const reply = await caller.run(
      {
        operation: "GetProvisionedConcurrencyConfig",
        resource: `${functionName}:${qualifier}`,
        context,
        translate: (info, error) =>
          info.code === "ProvisionedConcurrencyConfigNotFoundException" || info.status === 404
            ? new NotThere(error)
            : lambdaErrors(functionName, context)(info, error, 1),
      },
      (abortSignal) =>
        client.send(
          new GetProvisionedConcurrencyConfigCommand({ FunctionName: functionName, Qualifier: qualifier }),
          { abortSignal },
        ),
      options,
    );
    return {
      requested: reply.RequestedProvisionedConcurrentExecutions ?? 0,
      allocated: reply.AllocatedProvisionedConcurrentExecutions,
      status: reply.Status,
    };
  } catch (error) {
    if (error instanceof NotThere) return undefined;
    throw error;
  }
}

/** Internal: "not there", turned into a value by the callers above. */
class NotThere extends ConflictError {
  constructor(cause: unknown) {
    super("not found", { cause });
  }
}
