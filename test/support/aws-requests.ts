/**
 * Which AWS service, operation and Lambda function an SDK request is for, read from the request alone
 * (URL, signing scope, CloudWatch body), so the fault proxy can keep each function's faults apart.
 */
import type { IncomingMessage } from "node:http";

export type Service = "lambda" | "s3" | "cloudwatch" | "other";

export interface Attribution {
  service: Service;
  /** AWS operation name, e.g. `UpdateAlias`, `PutObject`, `DescribeAlarms`. */
  operation: string;
  functionName?: string | undefined;
  alarmNames?: string[] | undefined;
  /**
   * An object of the roll-out ledger (src/rollout/ledger/location.ts): an alias's head (its lock),
   * named by function, or a roll-out's record, named by id only (the proxy learns whose it is).
   */
  ledger?: { kind: "head" } | { kind: "record"; id: string } | undefined;
}

/** Ledger keys: `…/aliases/ACCOUNT/REGION/FUNCTION/ALIAS.json` and `…/records/ID.json`. */
const LEDGER_HEAD = /\/aliases\/\d{12}\/[a-z0-9-]+\/([^/]+)\/[^/]+\.json$/;
// A one-function roll-out's record sits under its function (records/ACCOUNT/REGION/FUNCTION/ID.json),
// a release's under releases/ID.json.
const LEDGER_RECORD = /\/(?:records\/\d{12}\/[a-z0-9-]+\/([^/]+)|releases)\/(r-[0-9a-z]+-[0-9a-z]+)\.json$/;

const LAMBDA_PATH = /^\/\d{4}-\d{2}-\d{2}\/functions(?:\/([^/?]+))?(?:\/([^/?]+))?(?:\/([^/?]+))?/;

function lambdaOperation(method: string, resource: string | undefined, hasName: boolean): string {
  if (!hasName) return method === "POST" ? "CreateFunction" : "ListFunctions";
  switch (resource) {
    case undefined:
      return method === "DELETE" ? "DeleteFunction" : "GetFunction";
    case "aliases":
      return method === "PUT" ? "UpdateAlias" : method === "DELETE" ? "DeleteAlias" : "GetAlias";
    case "aliases-collection":
      return method === "POST" ? "CreateAlias" : "ListAliases";
    case "versions":
      return method === "POST" ? "PublishVersion" : "ListVersionsByFunction";
    case "code":
      return "UpdateFunctionCode";
    case "configuration":
      return method === "PUT" ? "UpdateFunctionConfiguration" : "GetFunctionConfiguration";
    case "invocations":
      return "Invoke";
    default:
      return `Lambda:${method}:${resource}`;
  }
}

/** The signing scope names the service: `Credential=KEY/DATE/REGION/SERVICE/aws4_request`. */
function signingService(headers: IncomingMessage["headers"]): string | undefined {
  const authorization = headers.authorization ?? "";
  return /Credential=[^/]+\/[^/]+\/[^/]+\/([^/]+)\//.exec(authorization)?.[1];
}

function cloudwatchAlarmNames(body: string, contentType: string): string[] {
  if (contentType.includes("json")) {
    try {
      const parsed = JSON.parse(body) as { AlarmNames?: unknown; AlarmName?: unknown };
      const names = Array.isArray(parsed.AlarmNames) ? parsed.AlarmNames : [parsed.AlarmName];
      return names.filter((name): name is string => typeof name === "string");
    } catch {
      return [];
    }
  }
  const form = new URLSearchParams(body);
  return [...form.entries()]
    .filter(([key]) => key === "AlarmName" || /^AlarmNames\.member\.\d+$/.test(key))
    .map(([, value]) => value);
}

/** Which service, operation and function a request is for. Exported for the proxy's own tests. */
export function attribute(
  method: string,
  url: string,
  headers: IncomingMessage["headers"],
  body: string,
): Attribution {
  const service = signingService(headers);
  const path = url.split("?")[0] ?? "/";
  if (service === "lambda" || LAMBDA_PATH.test(path)) {
    const match = LAMBDA_PATH.exec(path);
    const name = match?.[1] ? decodeURIComponent(match[1]) : undefined;
    // `/functions/NAME/aliases` (collection) and `/functions/NAME/aliases/ALIAS` (one alias) differ.
    const resource = match?.[2] === "aliases" && !match[3] ? "aliases-collection" : match?.[2];
    return {
      service: "lambda",
      operation: lambdaOperation(method, resource, Boolean(name)),
      functionName: name,
    };
  }
  if (service === "monitoring") {
    const target = headers["x-amz-target"];
    const fromTarget = typeof target === "string" ? target.split(".").at(-1) : undefined;
    const operation = fromTarget ?? new URLSearchParams(body).get("Action") ?? "CloudWatch";
    const contentType = String(headers["content-type"] ?? "");
    return { service: "cloudwatch", operation, alarmNames: cloudwatchAlarmNames(body, contentType) };
  }
  if (service === "s3") {
    const operation =
      method === "HEAD"
        ? "HeadObject"
        : method === "PUT"
          ? "PutObject"
          : method === "GET" && /[?&]list-type=2(&|$)/.test(url)
            ? "ListObjectsV2"
            : method === "GET"
              ? "GetObject"
              : `S3:${method}`;
    // Path style: /BUCKET/PREFIX.../FUNCTION/SHA256.zip; the function is the folder of the object.
    const segments = path.split("/").filter(Boolean).map(decodeURIComponent);
    const decoded = segments.join("/");
    const record = LEDGER_RECORD.exec(decoded);
    if (record)
      return {
        service: "s3",
        operation,
        ...(record[1] ? { functionName: record[1] } : {}),
        ledger: { kind: "record", id: record[2] as string },
      };
    const head = LEDGER_HEAD.exec(decoded);
    if (head) return { service: "s3", operation, functionName: head[1], ledger: { kind: "head" } };
    const functionName = segments.length >= 3 ? segments.at(-2) : undefined;
    return { service: "s3", operation, functionName };
  }
  return { service: "other", operation: `${method} ${path}` };
}

const WRITE_OPERATIONS = new Set([
  "UpdateAlias",
  "PublishVersion",
  "UpdateFunctionCode",
  "UpdateFunctionConfiguration",
  "PutObject",
  "CreateAlias",
]);

export function isWrite(operation: string): boolean {
  return WRITE_OPERATIONS.has(operation);
}
