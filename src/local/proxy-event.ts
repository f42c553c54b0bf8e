/**
 * API Gateway REST API proxy integration, payload format 1.0, in both directions: an HTTP request
 * becomes the event a Lambda handler receives; the handler's JSON result becomes the HTTP response.
 * Pure, so every field is unit-tested.
 */
import type { APIGatewayProxyEvent } from "aws-lambda";

export interface IncomingRequest {
  method: string;
  /** Path and query as sent, e.g. `/search?name=John%20Doe`. */
  url: string;
  /** Node's `rawHeaders`: name, value, name, value... with the client's casing. */
  rawHeaders: string[];
  body: Buffer;
  sourceIp: string;
}

export interface EventOptions {
  requestId: string;
  stage: string;
  apiId: string;
  now: Date;
}

const TEXT_TYPES = /^(text\/|application\/(json|xml|x-www-form-urlencoded|javascript)|[^;]*\+(json|xml))/i;

function grouped(pairs: [string, string][]): Record<string, string[]> | null {
  if (pairs.length === 0) return null;
  const out: Record<string, string[]> = {};
  for (const [name, value] of pairs) {
    const list = out[name] ?? [];
    list.push(value);
    out[name] = list;
  }
  return out;
}

/** API Gateway's single-value maps keep the last value of a repeated name. */
function lastValues(multi: Record<string, string[]> | null): Record<string, string> | null {
  if (!multi) return null;
  return Object.fromEntries(Object.entries(multi).map(([k, v]) => [k, v[v.length - 1] ?? ""]));
}

function formatRequestTime(now: Date): string {
  // API Gateway's format: 09/Apr/2015:12:34:56 +0000
  const month = now.toLocaleString("en-US", { month: "short", timeZone: "UTC" });
  const pad = (n: number) => String(n).padStart(2, "0");
  return (
    `${pad(now.getUTCDate())}/${month}/${now.getUTCFullYear()}:` +
    `${pad(now.getUTCHours())}:${pad(now.getUTCMinutes())}:${pad(now.getUTCSeconds())} +0000`
  );
}

export function buildProxyEvent(request: IncomingRequest, options: EventOptions): APIGatewayProxyEvent {
  const url = new URL(request.url, "http://localhost");
  const path = decodeURIComponent(url.pathname);
  const headerPairs: [string, string][] = [];
  for (let i = 0; i + 1 < request.rawHeaders.length; i += 2) {
    headerPairs.push([request.rawHeaders[i] ?? "", request.rawHeaders[i + 1] ?? ""]);
  }
  const multiValueHeaders = grouped(headerPairs) ?? {};
  const headers = lastValues(multiValueHeaders) ?? {};
  const multiValueQuery = grouped([...url.searchParams.entries()]);
  const contentType = Object.entries(headers).find(([k]) => k.toLowerCase() === "content-type")?.[1] ?? "";
  const hasBody = request.body.length > 0;
  // Without binary media types configured, API Gateway passes text; anything else arrives base64.
  const isBase64Encoded = hasBody && contentType !== "" && !TEXT_TYPES.test(contentType);
  const body = hasBody ? request.body.toString(isBase64Encoded ? "base64" : "utf8") : null;
  const proxy = path.replace(/^\/+/, "");
  const userAgent = Object.entries(headers).find(([k]) => k.toLowerCase() === "user-agent")?.[1] ?? null;
  return {
    resource: "/{proxy+}",
    path,
    httpMethod: request.method.toUpperCase(),
    headers,
    multiValueHeaders,
    queryStringParameters: lastValues(multiValueQuery),
    multiValueQueryStringParameters: multiValueQuery,
    pathParameters: proxy ? { proxy } : null,
    stageVariables: null,
    body,
    isBase64Encoded,
    requestContext: {
      accountId: "123456789012",
      apiId: options.apiId,
      authorizer: null,
      domainName: "127.0.0.1",
      httpMethod: request.method.toUpperCase(),
      path: `/${options.stage}${path}`,
      protocol: "HTTP/1.1",
      requestId: options.requestId,
      requestTime: formatRequestTime(options.now),
      requestTimeEpoch: options.now.getTime(),
      resourceId: "local",
      resourcePath: "/{proxy+}",
      stage: options.stage,
      identity: {
        accessKey: null,
        accountId: null,
        apiKey: null,
        apiKeyId: null,
        caller: null,
        clientCert: null,
        cognitoAuthenticationProvider: null,
        cognitoAuthenticationType: null,
        cognitoIdentityId: null,
        cognitoIdentityPoolId: null,
        principalOrgId: null,
        sourceIp: request.sourceIp,
        user: null,
        userAgent,
        userArn: null,
      },
    },
  };
}

export interface HttpResponse {
  statusCode: number;
  headers: Record<string, string | string[]>;
  body: Buffer;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

export const INTERNAL_ERROR: HttpResponse = {
  statusCode: 502,
  headers: { "content-type": "application/json" },
  body: Buffer.from('{"message": "Internal server error"}'),
};

/**
 * The handler's result as API Gateway would return it; `undefined` when it is not a valid proxy
 * response (API Gateway then answers 502 "Malformed Lambda proxy response").
 */
export function parseProxyResult(payload: string): HttpResponse | undefined {
  let value: unknown;
  try {
    value = JSON.parse(payload);
  } catch {
    return undefined;
  }
  if (!isRecord(value)) return undefined;
  const statusCode = typeof value.statusCode === "string" ? Number(value.statusCode) : value.statusCode;
  if (
    typeof statusCode !== "number" ||
    !Number.isInteger(statusCode) ||
    statusCode < 100 ||
    statusCode > 599
  ) {
    return undefined;
  }
  const headers: Record<string, string | string[]> = {};
  if (value.headers !== undefined && value.headers !== null) {
    if (!isRecord(value.headers)) return undefined;
    for (const [k, v] of Object.entries(value.headers)) headers[k.toLowerCase()] = String(v);
  }
  if (value.multiValueHeaders !== undefined && value.multiValueHeaders !== null) {
    if (!isRecord(value.multiValueHeaders)) return undefined;
    for (const [k, v] of Object.entries(value.multiValueHeaders)) {
      if (!Array.isArray(v)) return undefined;
      headers[k.toLowerCase()] = v.map(String);
    }
  }
  const rawBody = value.body;
  if (rawBody !== undefined && rawBody !== null && typeof rawBody !== "string") return undefined;
  const body = Buffer.from(rawBody ?? "", value.isBase64Encoded === true ? "base64" : "utf8");
  return { statusCode, headers, body };
}
