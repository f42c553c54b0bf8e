/**
 * Reading SDK v3 exceptions without depending on their classes: services, network failures and the
 * SDK's own configuration errors all arrive here, and leave as the project's domain errors.
 */
import {
  AwsError,
  CredentialsExpiredError,
  type ErrorContext,
  InputError,
  type RolloutError,
} from "../errors.js";

/** What we need to know about an SDK failure to decide on retries and on the domain error. */
export interface SdkErrorInfo {
  /** Service exception name (`TooManyRequestsException`), or a Node network code (`ECONNRESET`). */
  code: string;
  status: number | undefined;
  message: string;
}

const NETWORK_CODES = new Set([
  "ECONNRESET",
  "ECONNREFUSED",
  "ECONNABORTED",
  "EPIPE",
  "ETIMEDOUT",
  "EAI_AGAIN",
  "ENETUNREACH",
  "EHOSTUNREACH",
  "TimeoutError",
  "RequestTimeout",
  "RequestTimeoutException",
]);

const THROTTLING_CODES = new Set([
  "TooManyRequestsException",
  "ThrottlingException",
  "Throttling",
  "ThrottledException",
  "RequestLimitExceeded",
  "SlowDown",
  "EC2ThrottledException",
]);

function field(value: unknown, key: string): unknown {
  return typeof value === "object" && value !== null ? (value as Record<string, unknown>)[key] : undefined;
}

export function describeSdkError(error: unknown): SdkErrorInfo {
  const metadataStatus = field(field(error, "$metadata"), "httpStatusCode");
  const status = typeof metadataStatus === "number" ? metadataStatus : undefined;
  const nodeCode = field(error, "code");
  const name = field(error, "name");
  // Network errors come from Node with a generic `Error` name and the useful part in `code`.
  const code =
    typeof nodeCode === "string" && nodeCode !== ""
      ? nodeCode
      : typeof name === "string" && name !== "Error"
        ? name
        : "UnknownError";
  const message = error instanceof Error ? error.message : String(error);
  return { code, status, message: scrubSecrets(message) };
}

/**
 * What services answer when the credentials themselves are no good: an expired session token
 * (`ExpiredTokenException` from Lambda, STS and other JSON services, `ExpiredToken` from S3 and query
 * services) or an access key AWS does not know (`UnrecognizedClientException`, `InvalidClientTokenId`,
 * S3's `InvalidAccessKeyId` and `InvalidToken`; deleted keys and revoked sessions look like this).
 * `RequestExpired` is not here: it means a skewed clock, not bad credentials.
 */
const CREDENTIAL_CODES = new Set([
  "ExpiredTokenException",
  "ExpiredToken",
  "UnrecognizedClientException",
  "InvalidClientTokenId",
  "InvalidAccessKeyId",
  "InvalidToken",
]);

/**
 * The SDK's own providers when the session behind them ran out: "The SSO session associated with this
 * profile has expired", "Token is expired", "credential_process returned expired credentials" (a plain
 * Error, hence UnknownError).
 */
const PROVIDER_ERRORS = new Set(["CredentialsProviderError", "TokenProviderError", "UnknownError"]);

export function isCredentialsExpired(info: SdkErrorInfo): boolean {
  if (CREDENTIAL_CODES.has(info.code)) return true;
  return (
    PROVIDER_ERRORS.has(info.code) &&
    /\bexpired\b/i.test(info.message) &&
    /\b(credentials?|token|session)\b/i.test(info.message)
  );
}

export function isThrottling(info: SdkErrorInfo): boolean {
  return THROTTLING_CODES.has(info.code) || info.status === 429;
}

/** Failures where the request most likely did not take effect and trying again is reasonable. */
export function isTransient(info: SdkErrorInfo): boolean {
  if (NETWORK_CODES.has(info.code)) return true;
  return info.status !== undefined && info.status >= 500 && info.status <= 599;
}

/** Lambda's 409 while a previous code/config update is still being applied. */
export function isUpdateInProgress(info: SdkErrorInfo): boolean {
  return info.code === "ResourceConflictException";
}

export function isRegionMissing(info: SdkErrorInfo): boolean {
  // "Region not accepted" is what an empty AWS_REGION (an unset CI variable) produces.
  return /region is missing|region not accepted/i.test(info.message);
}

/**
 * SDK and service messages can quote the signing scope (access key id) or parts of a signed request;
 * none of that belongs in a CI log.
 */
export function scrubSecrets(message: string): string {
  return message
    .replace(/\b(AKIA|ASIA)[A-Z0-9]{12,}\b/g, "$1****")
    .replace(/(Credential=)[^,\s]+/gi, "$1****")
    .replace(/(Signature=)[0-9a-f]+/gi, "$1****")
    .replace(/(X-Amz-Security-Token=)[^&\s]+/gi, "$1****");
}

/** Called by every adapter before its own mappings: problems that are the user's setup, not AWS's. */
export function setupError(
  info: SdkErrorInfo,
  error: unknown,
  operation?: { operation: string; resource: string; context?: ErrorContext | undefined },
): RolloutError | undefined {
  if (isRegionMissing(info)) {
    return new InputError(`No usable AWS region is configured (${info.message}).`, {
      cause: error,
      hint: "Set AWS_REGION (or a region in your AWS_PROFILE) or pass --region.",
    });
  }
  if (isCredentialsExpired(info)) {
    const call = operation ? `${operation.operation} on ${operation.resource}: ` : "";
    const status = info.status === undefined ? "" : ` (HTTP ${info.status})`;
    return new CredentialsExpiredError(
      `${call}the AWS credentials expired or are no longer valid (${info.code}${status}: ${info.message}).`,
      {
        cause: error,
        context: operation?.context ?? {},
        code: info.code,
        ...(info.status === undefined ? {} : { status: info.status }),
        hint: 'Run again with fresh credentials. In CI, make the role session outlast the roll-out (role-duration-seconds); see "Credentials that outlive the roll-out" in docs/guides/deploying.md.',
      },
    );
  }
  if (info.code === "CredentialsProviderError" || /could not load credentials/i.test(info.message)) {
    return new AwsError("No AWS credentials could be found.", {
      cause: error,
      code: info.code,
      hint: "Configure credentials through the standard chain: AWS_PROFILE, AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, SSO or an OIDC role.",
    });
  }
  return undefined;
}

export function genericAwsError(
  info: SdkErrorInfo,
  error: unknown,
  operation: string,
  resource: string,
  context: ErrorContext,
  attempts: number,
): AwsError {
  const tries = attempts > 1 ? ` after ${attempts} attempts` : "";
  const status = info.status === undefined ? "" : ` (HTTP ${info.status})`;
  const options: ConstructorParameters<typeof AwsError>[1] = {
    cause: error,
    context,
    code: info.code,
    retryable: isThrottling(info) || isTransient(info),
  };
  if (info.status !== undefined) options.status = info.status;
  if (info.code === "AccessDeniedException" || info.code === "AccessDenied" || info.status === 403) {
    options.hint = `The AWS identity in use is not allowed to call ${operation}; compare it with \`lambda-rollout iam-policy\`.`;
  }
  return new AwsError(
    `${operation} on ${resource} failed${tries}: ${info.code}${status}: ${info.message}`,
    options,
  );
}
