import { Logger } from "@aws-lambda-powertools/logger";
import { DynamoDBClient, ResourceNotFoundException } from "@aws-sdk/client-dynamodb";
import { DynamoDBDocumentClient, GetCommand } from "@aws-sdk/lib-dynamodb";
import { mockClient } from "aws-sdk-client-mock";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { createHandler } from "../src/app.js";
import { lambdaContext, nameQuery, restEvent } from "./events.js";

const TABLE = "people";
const JOHN = { name: "John Doe", email: "john.doe@example.com", city: "Springfield" };

const documentClient = DynamoDBDocumentClient.from(new DynamoDBClient({ region: "us-east-1" }));
const dynamo = mockClient(DynamoDBDocumentClient);

function setup({ tableName }: { tableName: string | undefined } = { tableName: TABLE }) {
  const logger = new Logger({ serviceName: "name-searcher-test", logLevel: "SILENT" });
  const errors = vi.spyOn(logger, "error");
  const handler = createHandler({ client: documentClient, logger, tableName });
  return { handler, logger, errors };
}

beforeEach(() => dynamo.reset());
afterEach(() => vi.restoreAllMocks());

describe("GET /?name=", () => {
  it("answers 200 with the record as JSON when the name is found", async () => {
    dynamo.on(GetCommand, { TableName: TABLE, Key: { name: "John Doe" } }).resolves({ Item: JOHN });
    const { handler } = setup();

    const response = await handler(nameQuery("John Doe"), lambdaContext());

    expect(response.statusCode).toBe(200);
    expect(response.headers).toEqual({ "content-type": "application/json" });
    expect(JSON.parse(response.body)).toEqual(JOHN);
  });

  it("looks the name up once, by key attribute `name`, in TABLE_NAME", async () => {
    dynamo.on(GetCommand).resolves({ Item: JOHN });
    await setup().handler(nameQuery("John Doe"), lambdaContext());

    const calls = dynamo.commandCalls(GetCommand);
    expect(calls).toHaveLength(1);
    expect(calls[0]?.args[0].input).toEqual({ TableName: TABLE, Key: { name: "John Doe" } });
  });

  it("answers 404 with an empty body when the name is unknown", async () => {
    dynamo.on(GetCommand).resolves({});
    const response = await setup().handler(nameQuery("Nobody"), lambdaContext());

    expect(response).toEqual({ statusCode: 404, body: "" });
  });

  it.each([
    ["a value still percent-encoded", "Jos%C3%A9%20%C3%81lvarez", "José Álvarez"],
    ["a non-ASCII name", "山田 太郎", "山田 太郎"],
    ["a decomposed accent", "Jose\u0301 A\u0301lvarez", "José Álvarez"],
    ["a form-encoded space", "John+Doe", "John Doe"],
  ])("finds %s", async (_label, sent, stored) => {
    dynamo.on(GetCommand).resolves({});
    dynamo.on(GetCommand, { Key: { name: stored } }).resolves({ Item: { name: stored } });
    const response = await setup().handler(nameQuery(sent), lambdaContext());

    expect(response.statusCode).toBe(200);
    expect(JSON.parse(response.body)).toEqual({ name: stored });
  });

  it("reads the name from queryStringParameters alone (multi-value map absent)", async () => {
    dynamo.on(GetCommand).resolves({ Item: JOHN });
    const event = restEvent({
      queryStringParameters: { name: "John Doe" },
      multiValueQueryStringParameters: null,
    });

    expect((await setup().handler(event, lambdaContext())).statusCode).toBe(200);
  });

  it("serialises non-ASCII records as UTF-8 JSON", async () => {
    const record = { name: "Zoë Ødegaard", city: "Tromsø" };
    dynamo.on(GetCommand).resolves({ Item: record });
    const response = await setup().handler(nameQuery("Zoë Ødegaard"), lambdaContext());

    expect(JSON.parse(response.body)).toEqual(record);
  });
});

describe("bad requests", () => {
  it.each([
    ["no query string at all (null maps)", restEvent()],
    [
      "a query string without name",
      restEvent({ queryStringParameters: { q: "x" }, multiValueQueryStringParameters: { q: ["x"] } }),
    ],
    ["an empty name", nameQuery("")],
    ["a blank name", nameQuery("   ")],
    ["a name that is too long", nameQuery("x".repeat(201))],
    ["two different names", nameQuery("John Doe", "Jane Roe")],
    ["a control character", nameQuery("John\nDoe")],
  ])("answers 400 with a JSON error for %s, without calling DynamoDB", async (_label, event) => {
    const response = await setup().handler(event, lambdaContext());

    expect(response.statusCode).toBe(400);
    expect(response.headers).toEqual({ "content-type": "application/json" });
    expect(JSON.parse(response.body)).toEqual({ error: expect.stringContaining("'name'") });
    expect(dynamo.calls()).toHaveLength(0);
  });

  it.each(["POST", "PUT", "DELETE", "PATCH", "HEAD", "OPTIONS"])(
    "answers 405 with Allow: GET to %s",
    async (httpMethod) => {
      const response = await setup().handler({ ...nameQuery("John Doe"), httpMethod }, lambdaContext());

      expect(response.statusCode).toBe(405);
      expect(response.headers).toMatchObject({ allow: "GET" });
      expect(dynamo.calls()).toHaveLength(0);
    },
  );
});

describe("failures", () => {
  it("answers 500 with a generic error and logs the cause when DynamoDB fails", async () => {
    const cause = new ResourceNotFoundException({
      message: "Requested resource not found: Table: people-secret-prod not found",
      $metadata: {},
    });
    dynamo.on(GetCommand).rejects(cause);
    const { handler, errors } = setup();

    const response = await handler(nameQuery("John Doe"), lambdaContext("req-42"));

    expect(response.statusCode).toBe(500);
    expect(JSON.parse(response.body)).toEqual({ error: "Internal server error", requestId: "req-42" });
    expect(response.body).not.toMatch(/people|Table|ResourceNotFound|secret/);
    expect(errors).toHaveBeenCalledWith("DynamoDB lookup failed", cause);
  });

  it("logs non-Error rejections as errors too", async () => {
    dynamo.on(GetCommand).rejects("socket hang up");
    const { handler, errors } = setup();

    expect((await handler(nameQuery("John Doe"), lambdaContext())).statusCode).toBe(500);
    expect(errors).toHaveBeenCalledWith("DynamoDB lookup failed", expect.any(Error));
  });

  it("answers 500 and logs when TABLE_NAME is not configured", async () => {
    const { handler, errors } = setup({ tableName: undefined });

    const response = await handler(nameQuery("John Doe"), lambdaContext());

    expect(response.statusCode).toBe(500);
    expect(errors).toHaveBeenCalledWith(expect.stringContaining("TABLE_NAME"));
    expect(dynamo.calls()).toHaveLength(0);
  });
});

describe("logs", () => {
  it("writes structured JSON lines carrying the Lambda and API Gateway request ids", async () => {
    dynamo.on(GetCommand).resolves({});
    const lines: string[] = [];
    vi.spyOn(process.stdout, "write").mockImplementation((chunk: string | Uint8Array) => {
      lines.push(String(chunk));
      return true;
    });
    const logger = new Logger({ serviceName: "name-searcher", logLevel: "INFO" });
    const handler = createHandler({ client: documentClient, logger, tableName: TABLE });

    await handler(nameQuery("Nobody"), lambdaContext("req-7"));
    await handler(nameQuery("Nobody"), lambdaContext("req-8"));

    const records = lines.map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(records).toHaveLength(2);
    expect(records[0]).toMatchObject({
      level: "INFO",
      message: "name not found",
      service: "name-searcher",
      function_request_id: "req-7",
      apiRequestId: "api-request-1",
    });
    expect(records[1]).toMatchObject({ function_request_id: "req-8" });
  });
});
