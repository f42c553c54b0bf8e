import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { Logger } from "@aws-lambda-powertools/logger";
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { freePort, type Moto, startMoto } from "../../../test/support/moto.js";
import { createHandler } from "../src/app.js";
import { lambdaContext, nameQuery } from "./events.js";

const TABLE = "people";
const SEED = fileURLToPath(new URL("../scripts/seed.mjs", import.meta.url));
const silent = () => new Logger({ serviceName: "name-searcher-test", logLevel: "SILENT" });

function documentClient(endpoint: string): DynamoDBDocumentClient {
  return DynamoDBDocumentClient.from(
    new DynamoDBClient({
      endpoint,
      region: "us-east-1",
      credentials: { accessKeyId: "test", secretAccessKey: "test" },
      maxAttempts: 1,
      requestHandler: { connectionTimeout: 500, requestTimeout: 1_000 },
    }),
  );
}

describe("against DynamoDB in moto", () => {
  let moto: Moto;

  beforeAll(async () => {
    moto = await startMoto();
    // The seed script creates the table and writes the people through the standard SDK chain
    // (AWS_ENDPOINT_URL), as a user would run it.
    await promisify(execFile)(process.execPath, [SEED, "--create", TABLE], {
      env: { ...process.env, ...moto.env },
    });
  });

  afterAll(async () => {
    await moto?.stop();
  });

  it("answers 200 with the seeded record for John Doe", async () => {
    const handler = createHandler({
      client: documentClient(moto.endpoint),
      logger: silent(),
      tableName: TABLE,
    });

    const response = await handler(nameQuery("John Doe"), lambdaContext());

    expect(response.statusCode).toBe(200);
    expect(response.headers).toEqual({ "content-type": "application/json" });
    expect(JSON.parse(response.body)).toEqual({
      name: "John Doe",
      email: "john.doe@example.com",
      city: "Springfield",
    });
  });

  it("finds a non-ASCII name sent percent-encoded", async () => {
    const handler = createHandler({
      client: documentClient(moto.endpoint),
      logger: silent(),
      tableName: TABLE,
    });

    const response = await handler(nameQuery("Zo%C3%AB%20%C3%98degaard"), lambdaContext());

    expect(response.statusCode).toBe(200);
    expect(JSON.parse(response.body)).toMatchObject({ name: "Zoë Ødegaard", city: "Tromsø" });
  });

  it("answers 404 with an empty body for an unknown name", async () => {
    const handler = createHandler({
      client: documentClient(moto.endpoint),
      logger: silent(),
      tableName: TABLE,
    });

    expect(await handler(nameQuery("Nobody Atall"), lambdaContext())).toEqual({ statusCode: 404, body: "" });
  });

  it("answers 500 without internals when the table does not exist", async () => {
    const logger = silent();
    const errors = vi.spyOn(logger, "error");
    const handler = createHandler({
      client: documentClient(moto.endpoint),
      logger,
      tableName: "no-such-table",
    });

    const response = await handler(nameQuery("John Doe"), lambdaContext("req-missing-table"));

    expect(response.statusCode).toBe(500);
    expect(JSON.parse(response.body)).toEqual({
      error: "Internal server error",
      requestId: "req-missing-table",
    });
    expect(errors).toHaveBeenCalledOnce();
  });

  it("wires the exported `handler` from TABLE_NAME and the standard SDK chain", async () => {
    vi.resetModules();
    for (const [key, value] of Object.entries({
      ...moto.env,
      TABLE_NAME: TABLE,
      POWERTOOLS_LOG_LEVEL: "SILENT",
    })) {
      vi.stubEnv(key, value);
    }
    try {
      const { handler } = await import("../src/handler.js");
      const response = await handler(nameQuery("山田 太郎"), lambdaContext());

      expect(response.statusCode).toBe(200);
      expect(JSON.parse(response.body)).toMatchObject({ name: "山田 太郎", city: "東京" });
    } finally {
      vi.unstubAllEnvs();
    }
  });
});

describe("with DynamoDB unreachable", () => {
  it("answers 500 quickly, logs the cause and returns no internals", async () => {
    // A port that was free a moment ago: nothing listens, so the connection is refused at once.
    const closed = `http://127.0.0.1:${await freePort()}`;
    const logger = silent();
    const errors = vi.spyOn(logger, "error");
    const handler = createHandler({ client: documentClient(closed), logger, tableName: TABLE });

    const started = Date.now();
    const response = await handler(nameQuery("John Doe"), lambdaContext("req-down"));

    expect(Date.now() - started).toBeLessThan(5_000);
    expect(response.statusCode).toBe(500);
    expect(JSON.parse(response.body)).toEqual({ error: "Internal server error", requestId: "req-down" });
    expect(response.body).not.toMatch(/127\.0\.0\.1|ECONNREFUSED|people|dynamodb/i);
    expect(errors).toHaveBeenCalledWith(
      "DynamoDB lookup failed",
      expect.objectContaining({ code: "ECONNREFUSED" }),
    );
  });
});
