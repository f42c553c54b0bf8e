/**
 * The contract between the metrics AWS Lambda publishes and the metric gate that reads them: namespace,
 * metric names and the dimensions of one version's traffic through an alias. The local data plane
 * (`src/local/metrics-publisher.ts`) writes exactly these, so it is defined once, here, for both sides.
 */

export const LAMBDA_NAMESPACE = "AWS/Lambda";

/** The per-invocation metrics the gate reads (Duration is published as a distribution). */
export const LAMBDA_METRICS = {
  invocations: "Invocations",
  errors: "Errors",
  throttles: "Throttles",
  duration: "Duration",
} as const;

/** The three dimensions AWS uses for a version's metrics when it is invoked through an alias. */
export function versionDimensions(
  functionName: string,
  aliasName: string,
  version: string,
): Record<string, string> {
  return { ...aliasDimensions(functionName, aliasName), ExecutedVersion: version };
}

/** All versions' traffic through the alias, summed. */
export function aliasDimensions(functionName: string, aliasName: string): Record<string, string> {
  return { FunctionName: functionName, Resource: `${functionName}:${aliasName}` };
}

/** All of the function's traffic, summed. */
export function functionDimensions(functionName: string): Record<string, string> {
  return { FunctionName: functionName };
}
