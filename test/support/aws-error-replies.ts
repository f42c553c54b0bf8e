/**
 * Error replies shaped like each service's own, so the SDK parses them as it would parse AWS's:
 * Lambda (REST JSON, `x-amzn-errortype`), S3 (REST XML), CloudWatch (JSON 1.0 with query
 * compatibility: the code travels in `x-amzn-query-error`).
 */
import type { Service } from "./aws-requests.js";

export interface Reply {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/** Lambda's REST-JSON error: the code in `x-amzn-errortype`, `Type` and `message` in the body. */
export function lambdaErrorReply(
  status: number,
  code: string,
  body: { Type: "User" | "Service"; message: string; Reason?: string },
): Reply {
  return {
    status,
    headers: { "content-type": "application/json", "x-amzn-errortype": code },
    body: JSON.stringify(body),
  };
}

export function throttleReply(service: Service): Reply {
  switch (service) {
    case "lambda":
      return lambdaErrorReply(429, "TooManyRequestsException", {
        Reason: "CallerRateLimitExceeded",
        Type: "User",
        message: "Rate exceeded",
      });
    case "s3":
      return {
        status: 503,
        headers: { "content-type": "application/xml" },
        body: '<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>SlowDown</Code><Message>Please reduce your request rate.</Message><RequestId>FAULTPROXY</RequestId></Error>',
      };
    default:
      // CloudWatch speaks JSON 1.0 with query compatibility: the code travels in x-amzn-query-error.
      return {
        status: 400,
        headers: { "content-type": "application/x-amz-json-1.0", "x-amzn-query-error": "Throttling;Sender" },
        body: JSON.stringify({
          __type: "com.amazonaws.cloudwatch#ThrottlingException",
          message: "Rate exceeded",
        }),
      };
  }
}

export function serverErrorReply(service: Service, status: 500 | 503): Reply {
  switch (service) {
    case "lambda":
      return lambdaErrorReply(status, "ServiceException", {
        Type: "Service",
        message: "An internal error occurred (fault proxy).",
      });
    case "s3": {
      const code = status === 503 ? "ServiceUnavailable" : "InternalError";
      return {
        status,
        headers: { "content-type": "application/xml" },
        body: `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${code}</Code><Message>We encountered an internal error. Please try again.</Message><RequestId>FAULTPROXY</RequestId></Error>`,
      };
    }
    default: {
      const code = status === 503 ? "ServiceUnavailable" : "InternalServiceError";
      return {
        status,
        headers: { "content-type": "application/x-amz-json-1.0", "x-amzn-query-error": `${code};Receiver` },
        body: JSON.stringify({
          __type: `com.amazonaws.cloudwatch#${code}`,
          message: "internal failure (fault proxy)",
        }),
      };
    }
  }
}

/** S3's answer to a conditional write whose condition did not hold (If-None-Match / If-Match). */
export function preconditionFailedReply(): Reply {
  return {
    status: 412,
    headers: { "content-type": "application/xml" },
    body: '<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>PreconditionFailed</Code><Message>At least one of the pre-conditions you specified did not hold</Message><Condition>If-Match</Condition><RequestId>FAULTPROXY</RequestId></Error>',
  };
}

/** S3 refusing a request by policy (a role without the grant). */
export function accessDeniedReply(): Reply {
  return {
    status: 403,
    headers: { "content-type": "application/xml" },
    body: '<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>AccessDenied</Code><Message>Access Denied</Message><RequestId>FAULTPROXY</RequestId></Error>',
  };
}
