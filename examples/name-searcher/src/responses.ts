import type { APIGatewayProxyResult } from "aws-lambda";

const JSON_HEADERS = { "content-type": "application/json" } as const;

export function found(record: Record<string, unknown>): APIGatewayProxyResult {
  return { statusCode: 200, headers: { ...JSON_HEADERS }, body: JSON.stringify(record) };
}

/** The article's contract: an unknown name is a 404 with an empty body, not an error document. */
export function notFound(): APIGatewayProxyResult {
  return { statusCode: 404, body: "" };
}

export function badRequest(message: string): APIGatewayProxyResult {
  return { statusCode: 400, headers: { ...JSON_HEADERS }, body: JSON.stringify({ error: message }) };
}

export function methodNotAllowed(): APIGatewayProxyResult {
  return {
    statusCode: 405,
    headers: { ...JSON_HEADERS, allow: "GET" },
    body: JSON.stringify({ error: "Method not allowed; use GET." }),
  };
}

/**
 * Deliberately generic: table names, ARNs and SDK messages stay in the logs. The request id lets a
 * caller quote something we can find there.
 */
export function internalError(requestId: string): APIGatewayProxyResult {
  return {
    statusCode: 500,
    headers: { ...JSON_HEADERS },
    body: JSON.stringify({ error: "Internal server error", requestId }),
  };
}
