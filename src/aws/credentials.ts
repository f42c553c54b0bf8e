/**
 * How long the credentials in use last, and whether the SDK renews them by itself. The engine only sees
 * the answer (CredentialsPort); which provider produced the credentials, and what that implies, is
 * decided here, from the attribution the SDK's providers put on the credentials they return.
 */
import type { CredentialsLifetime, CredentialsPort } from "../ports.js";
import { describeSdkError, genericAwsError, setupError } from "./errors.js";

type Env = Record<string, string | undefined>;

/** Providers that fetch new credentials when the old ones run out, by the marker the SDK sets. */
const REFRESHING: Record<string, { source: string; caveat?: string }> = {
  CREDENTIALS_ENV_VARS_STS_WEB_ID_TOKEN: webIdentity("AWS_WEB_IDENTITY_TOKEN_FILE"),
  CREDENTIALS_PROFILE_STS_WEB_ID_TOKEN: webIdentity("the profile's web_identity_token_file"),
  CREDENTIALS_STS_ASSUME_ROLE_WEB_ID: webIdentity("the web identity token"),
  CREDENTIALS_SSO: sso(),
  CREDENTIALS_SSO_LEGACY: sso(),
  CREDENTIALS_PROFILE_SSO: sso(),
  CREDENTIALS_PROFILE_SSO_LEGACY: sso(),
  CREDENTIALS_PROFILE_SOURCE_PROFILE: { source: "a role assumed through the profile (role_arn)" },
  CREDENTIALS_PROFILE_NAMED_PROVIDER: { source: "a role assumed through the profile (credential_source)" },
  CREDENTIALS_STS_ASSUME_ROLE: { source: "an assumed role" },
  CREDENTIALS_PROCESS: { source: "credential_process" },
  CREDENTIALS_PROFILE_PROCESS: { source: "the profile's credential_process" },
  CREDENTIALS_HTTP: { source: "the container credentials endpoint" },
  CREDENTIALS_LOGIN: { source: "aws login" },
  CREDENTIALS_PROFILE_LOGIN: { source: "aws login" },
};

/** Providers that hand out one fixed set of keys: when those expire, nothing renews them. */
const FIXED: Record<string, string> = {
  CREDENTIALS_ENV_VARS: "environment variables (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY)",
  CREDENTIALS_PROFILE: "static keys in the shared credentials file",
  CREDENTIALS_CODE: "credentials passed in code",
};

function webIdentity(tokenFrom: string) {
  return {
    source: "a web identity token",
    caveat: `Renewing them re-reads ${tokenFrom}; that token must still be valid then (GitHub's OIDC tokens are short-lived and nothing renews a token written once to a file).`,
  };
}

function sso() {
  return {
    source: "IAM Identity Center (SSO)",
    caveat:
      "Renewing them needs the SSO session to stay valid until the roll-out ends (`aws sso login` renews it).",
  };
}

function field(value: unknown, key: string): unknown {
  return typeof value === "object" && value !== null ? (value as Record<string, unknown>)[key] : undefined;
}

function validDate(value: unknown): Date | undefined {
  return value instanceof Date && Number.isFinite(value.getTime()) ? value : undefined;
}

/**
 * AWS_CREDENTIAL_EXPIRATION as ISO 8601. Quotes are tolerated: configure-aws-credentials' `aws-expiration`
 * output is a JSON-encoded date (`"2025-01-01T10:00:00.000Z"`), and the SDK reads that as an invalid date.
 */
export function parseExpirationVariable(value: string): Date | undefined {
  const text = value.trim().replace(/^"(.*)"$/, "$1");
  return text === "" ? undefined : validDate(new Date(text));
}

/**
 * The SDK's default chain takes static environment keys first unless AWS_PROFILE is set. Used when the
 * credentials carry no attribution, so that losing it (an SDK change) cannot make fixed keys look renewable.
 */
function chainPicksEnvKeys(env: Env): boolean {
  return Boolean(env.AWS_ACCESS_KEY_ID && env.AWS_SECRET_ACCESS_KEY && !env.AWS_PROFILE);
}

/**
 * What the resolved credentials say about their own lifetime (pure; `credentials` as the SDK returns
 * them). `defaultChain`: they come from the SDK's standard chain, not from a provider passed in code.
 */
export function describeCredentials(
  credentials: unknown,
  env: Env,
  options: { defaultChain?: boolean } = {},
): CredentialsLifetime {
  const attributed = Object.keys(
    (field(credentials, "$source") as Record<string, unknown> | undefined) ?? {},
  );
  const markers =
    attributed.length === 0 && options.defaultChain && chainPicksEnvKeys(env)
      ? ["CREDENTIALS_ENV_VARS"]
      : attributed;
  let expiration = validDate(field(credentials, "expiration"));
  // A provider that renews wins over the fixed markers it may carry from its source (a role assumed with
  // static profile keys is renewed by assuming the role again).
  const refreshing = markers.map((marker) => REFRESHING[marker]).find((entry) => entry !== undefined);
  if (refreshing) {
    const lifetime: CredentialsLifetime = { expiration, refreshable: true, source: refreshing.source };
    if (refreshing.caveat) lifetime.caveat = refreshing.caveat;
    return lifetime;
  }
  const fixed = markers.map((marker) => FIXED[marker]).find((entry) => entry !== undefined);
  if (!fixed) {
    // Not attributed: a provider function passed in code, or instance metadata. The SDK calls it again
    // before the credentials it returned expire.
    return { expiration, refreshable: true, source: "the configured credentials provider" };
  }
  const lifetime: CredentialsLifetime = { expiration, refreshable: false, source: fixed };
  if (markers.includes("CREDENTIALS_ENV_VARS")) {
    const variable = env.AWS_CREDENTIAL_EXPIRATION;
    if (!expiration && variable !== undefined && variable.trim() !== "") {
      expiration = parseExpirationVariable(variable);
      lifetime.expiration = expiration;
      if (!expiration) {
        lifetime.caveat = `AWS_CREDENTIAL_EXPIRATION (${JSON.stringify(variable)}) is not an ISO 8601 date, so lambda-rollout cannot check that the credentials outlive the roll-out.`;
      }
    } else if (!expiration && field(credentials, "sessionToken")) {
      lifetime.caveat =
        "These are temporary credentials (AWS_SESSION_TOKEN is set) with no known expiry, so lambda-rollout cannot check that they outlive the roll-out. Set AWS_CREDENTIAL_EXPIRATION (ISO 8601; aws-actions/configure-aws-credentials gives it as its aws-expiration output with output-credentials: true), or make sure the session lasts longer than the roll-out.";
    }
  }
  return lifetime;
}

/** The lifetime of whatever `provider` (an SDK client's `config.credentials`) resolves now. */
export class SdkCredentials implements CredentialsPort {
  constructor(
    private readonly provider: () => Promise<unknown>,
    private readonly env: Env = process.env,
    /** False when the provider was passed in code rather than being the SDK's standard chain. */
    private readonly defaultChain = true,
  ) {}

  async lifetime(): Promise<CredentialsLifetime> {
    let credentials: unknown;
    try {
      credentials = await this.provider();
    } catch (error) {
      const info = describeSdkError(error);
      throw (
        setupError(info, error) ??
        genericAwsError(info, error, "Resolving credentials", "the AWS SDK's provider chain", {}, 1)
      );
    }
    return describeCredentials(credentials, this.env, { defaultChain: this.defaultChain });
  }
}
