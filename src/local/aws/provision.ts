/**
 * Emulator set-up for `rehearse` (and the demo): an execution role, the releases bucket, the function
 * and its alias, as Terraform would create them before the first release.
 */
import {
  CreateAliasCommand,
  CreateFunctionCommand,
  LambdaClient,
  type Runtime,
} from "@aws-sdk/client-lambda";
import { CreateBucketCommand, S3Client } from "@aws-sdk/client-s3";
import { LAMBDA_RUNTIME } from "../../artifact/bundle.js";
import { type EmulatorConnection, sdkConfig } from "./connection.js";

export interface ProvisionSpec {
  functionName: string;
  aliasName: string;
  handler: string;
  zip: Uint8Array;
  runtime?: string | undefined;
  timeoutSeconds?: number | undefined;
  memoryMb?: number | undefined;
  environment?: Record<string, string> | undefined;
  bucket?: string | undefined;
}

export async function provisionFunction(connection: EmulatorConnection, spec: ProvisionSpec): Promise<void> {
  const config = sdkConfig(connection);
  const lambda = new LambdaClient({ maxAttempts: 1, ...config });
  // moto creates a function only when its execution role exists in its IAM. Loaded here, on demand:
  // nothing else needs the IAM client, so loading the rest of the local tooling does not pay for it.
  const { CreateRoleCommand, IAMClient } = await import("@aws-sdk/client-iam");
  const iam = new IAMClient({ ...config, region: await lambda.config.region() });
  const role = await iam
    .send(new CreateRoleCommand({ RoleName: `${spec.functionName}-exec`, AssumeRolePolicyDocument: "{}" }))
    .then((r) => r.Role?.Arn);
  if (spec.bucket) {
    // Emulators serve buckets by path, not by host name.
    const s3 = new S3Client({ maxAttempts: 1, ...config, forcePathStyle: true });
    await s3.send(new CreateBucketCommand({ Bucket: spec.bucket }));
  }
  await lambda.send(
    new CreateFunctionCommand({
      FunctionName: spec.functionName,
      Runtime: (spec.runtime ?? LAMBDA_RUNTIME) as Runtime,
      Role: role ?? `arn:aws:iam::123456789012:role/${spec.functionName}-exec`,
      Handler: spec.handler,
      Code: { ZipFile: spec.zip },
      Timeout: spec.timeoutSeconds ?? 3,
      MemorySize: spec.memoryMb ?? 128,
      Environment: { Variables: spec.environment ?? {} },
    }),
  );
  // On $LATEST, as Terraform creates it: the first release then moves it all at once.
  await lambda.send(
    new CreateAliasCommand({
      FunctionName: spec.functionName,
      Name: spec.aliasName,
      FunctionVersion: "$LATEST",
    }),
  );
}
