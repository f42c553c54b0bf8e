/**
 * Durable functions: a durable execution stays on the version that started it and may run for up to a
 * year (https://docs.aws.amazon.com/lambda/latest/dg/durable-invoking.html), so neither a rollback nor a
 * prune may pretend the version is unused. ListDurableExecutionsByFunction with the version as qualifier
 * and status RUNNING (https://docs.aws.amazon.com/lambda/latest/api/API_ListDurableExecutionsByFunction.html)
 * counts them.
 */
import { type LambdaClient, ListDurableExecutionsByFunctionCommand } from "@aws-sdk/client-lambda";
import type { CallOptions, RunningExecutions } from "../ports.js";
import { lambdaErrors } from "./lambda-mapping.js";
import type { AwsCaller } from "./retry.js";

/** AWS returns at most 1000 executions a page. */
const PAGE = 1000;

export async function runningDurableExecutions(
  client: LambdaClient,
  caller: AwsCaller,
  functionName: string,
  version: string,
  options?: CallOptions & { limit?: number | undefined },
): Promise<RunningExecutions> {
  const limit = Math.max(1, options?.limit ?? PAGE);
  const context = { functionName };
  let count = 0;
  let marker: string | undefined;
  do {
    const page = await caller.run(
      {
        operation: "ListDurableExecutionsByFunction",
        resource: `${functionName}:${version}`,
        context,
        translate: lambdaErrors(functionName, context),
      },
      (abortSignal) =>
        client.send(
          new ListDurableExecutionsByFunctionCommand({
            FunctionName: functionName,
            Qualifier: version,
            Statuses: ["RUNNING"],
            MaxItems: Math.min(PAGE, limit - count),
            Marker: marker,
          }),
          { abortSignal },
        ),
      options,
    );
    count += page.DurableExecutions?.length ?? 0;
    marker = page.NextMarker;
  } while (marker && count < limit);
  return { count: Math.min(count, limit), more: marker !== undefined };
}
