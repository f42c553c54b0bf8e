/**
 * Lambda entry point. Handler setting: `handler.handler` (the bundle is `handler.mjs` at the root of
 * the zip built by `lambda-rollout package --entry src/handler.ts`).
 */
import { Logger } from "@aws-lambda-powertools/logger";
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { createHandler } from "./app.js";

// Module scope runs once per execution environment: the client (and its TLS connections) and the
// logger are reused by every invocation the container serves.
const logger = new Logger({ serviceName: "name-searcher" });

const client = DynamoDBDocumentClient.from(
  new DynamoDBClient({
    // A lookup is one small GetItem: fail fast and answer 500 well before the function's timeout,
    // rather than letting Lambda kill the invocation with no response and no log of the cause.
    maxAttempts: 2,
    requestHandler: { connectionTimeout: 1_000, requestTimeout: 2_000 },
  }),
);

export const handler = createHandler({ client, logger, tableName: process.env.TABLE_NAME });
