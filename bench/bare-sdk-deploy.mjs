// The floor of a deploy for issue 10 (bench/deploy-floor.bench.ts): the four writes an all-at-once
// deploy cannot do without, from a fresh Node process, with the AWS SDK as installed (not bundled).
// No hash, no checks, no waiting (moto applies code updates at once; AWS would need a wait).
//   node bench/bare-sdk-deploy.mjs FUNCTION ZIP BUCKET [ALIAS]
// Region, credentials and endpoint come from the environment (AWS_REGION, AWS_ENDPOINT_URL, ...).
import { readFile } from "node:fs/promises";
import {
  LambdaClient,
  PublishVersionCommand,
  UpdateAliasCommand,
  UpdateFunctionCodeCommand,
} from "@aws-sdk/client-lambda";
import { PutObjectCommand, S3Client } from "@aws-sdk/client-s3";

const [FunctionName, zip, Bucket, Name = "live"] = process.argv.slice(2);
if (!FunctionName || !zip || !Bucket)
  throw new Error("usage: bare-sdk-deploy.mjs FUNCTION ZIP BUCKET [ALIAS]");

const Key = `bare/${FunctionName}/${Date.now()}.zip`;
const s3 = new S3Client({ forcePathStyle: true });
const lambda = new LambdaClient({});
await s3.send(new PutObjectCommand({ Bucket, Key, Body: await readFile(zip) }));
await lambda.send(new UpdateFunctionCodeCommand({ FunctionName, S3Bucket: Bucket, S3Key: Key }));
const { Version } = await lambda.send(new PublishVersionCommand({ FunctionName }));
await lambda.send(new UpdateAliasCommand({ FunctionName, Name, FunctionVersion: Version }));
process.stdout.write(`${FunctionName}:${Name} → ${Version}\n`);
