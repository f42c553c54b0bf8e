/**
 * Lambda Managed Instances: the scaling of one published version on a capacity provider. Scaling is per
 * version (PutFunctionScalingConfig with a version qualifier,
 * https://docs.aws.amazon.com/lambda/latest/dg/API_PutFunctionScalingConfig.html), so a new version does
 * not inherit the stable one's: the deploy copies it before any traffic (see rollout/managed.ts).
 */
import {
  GetFunctionScalingConfigCommand,
  type LambdaClient,
  PutFunctionScalingConfigCommand,
} from "@aws-sdk/client-lambda";
import type { CallOptions, ScalingConfig } from "../ports.js";
import { lambdaErrors, notFound } from "./lambda-mapping.js";
import type { AwsCaller, Operation } from "./retry.js";

/** The call on one version, a missing function or version being bad input that names it. */
function onVersion(operation: string, functionName: string, version: string): Operation {
  const context = { functionName };
  return {
    operation,
    resource: `${functionName}:${version}`,
    context,
    translate: lambdaErrors(functionName, context, (info, error) =>
      info.code === "ResourceNotFoundException"
        ? notFound(`Lambda function ${functionName} (version ${version})`, error, context)
        : undefined,
    ),
  };
}

/** The version's requested scaling (what its owner set), else what Lambda applied; undefined for none. */
export async function getScalingConfig(
  client: LambdaClient,
  caller: AwsCaller,
  functionName: string,
  version: string,
  options?: CallOptions,
): Promise<ScalingConfig | undefined> {
  const reply = await caller.run(
    onVersion("GetFunctionScalingConfig", functionName, version),
    (abortSignal) =>
      client.send(new GetFunctionScalingConfigCommand({ FunctionName: functionName, Qualifier: version }), {
        abortSignal,
      }),
    options,
  );
  const config = reply.RequestedFunctionScalingConfig ?? reply.AppliedFunctionScalingConfig;
  const scaling = { min: config?.MinExecutionEnvironments, max: config?.MaxExecutionEnvironments };
  return scaling.min === undefined && scaling.max === undefined ? undefined : scaling;
}

/**
 * Sets the version's scaling; returns the state Lambda reports (a version scaling up may leave `Active`
 * for a while). An update in progress (409) is retried like the other writes.
 */
export async function putScalingConfig(
  client: LambdaClient,
  caller: AwsCaller,
  functionName: string,
  version: string,
  scaling: ScalingConfig,
  options?: CallOptions,
): Promise<string | undefined> {
  const reply = await caller.run(
    { ...onVersion("PutFunctionScalingConfig", functionName, version), retryConflicts: true },
    (abortSignal) =>
      client.send(
        new PutFunctionScalingConfigCommand({
          FunctionName: functionName,
          Qualifier: version,
          FunctionScalingConfig: {
            MinExecutionEnvironments: scaling.min,
            MaxExecutionEnvironments: scaling.max,
          },
        }),
        { abortSignal },
      ),
    options,
  );
  return reply.FunctionState;
}
