import { LambdaClient, ResourceConflictException, TooManyRequestsException } from "@aws-sdk/client-lambda";
import { mockClient } from "aws-sdk-client-mock";
import { AwsLambda } from "../../src/aws/lambda.js";
import { FakeClock } from "./fakes.js";

/** Shared fixtures of the Lambda adapter's `aws-sdk-client-mock` tests. */
export const meta = (status: number) => ({ httpStatusCode: status });

export const throttled = () =>
  new TooManyRequestsException({ message: "Rate exceeded", $metadata: meta(429), retryAfterSeconds: "1" });

export const busy = () =>
  new ResourceConflictException({
    message:
      "The operation cannot be performed at this time. An update is in progress for resource: arn:aws:lambda:us-east-1:123456789012:function:fn",
    $metadata: meta(409),
  });

/** A GetAlias/UpdateAlias reply: `live` on v3, revision rev-2, optionally weighted. */
export const alias = (weights?: Record<string, number>) => ({
  AliasArn: "arn:aws:lambda:us-east-1:123456789012:function:fn:live",
  Name: "live",
  FunctionVersion: "3",
  RevisionId: "rev-2",
  RoutingConfig: weights ? { AdditionalVersionWeights: weights } : undefined,
});

/** A mocked client, a fake clock and the adapter over both (no rate limit, deterministic jitter). */
export function mockedLambda() {
  const client = new LambdaClient({
    region: "us-east-1",
    credentials: { accessKeyId: "AKIAEXAMPLE", secretAccessKey: "s" },
  });
  const mock = mockClient(client);
  const clock = new FakeClock();
  const lambda = new AwsLambda(client, { clock, random: () => 0.5, rateLimit: false });
  return { client, mock, clock, lambda };
}
