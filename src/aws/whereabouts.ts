/**
 * Where a call looked, for "does not exist" errors: a function missing in one region, account or
 * emulator usually exists in another, and a configuration file picked up from the working directory
 * may not be the one meant. The adapters add region and endpoint; callers say which configuration.
 */
import { NotFoundError } from "../errors.js";

export interface Whereabouts {
  /** The endpoint the clients use when it is not AWS's own (AWS_ENDPOINT_URL, an emulator). */
  endpoint?: string | undefined;
  /** The account, when something named it (an ARN); otherwise the one of the credentials. */
  account?: string | undefined;
  /** The configuration the target came from, e.g. `configuration lambda-rollout.yml, environment "production"`. */
  origin?: string | undefined;
}

/** `(looked in region R at ENDPOINT, account A; ORIGIN)`. */
export function describePlace(region: string | undefined, where: Whereabouts = {}): string {
  const account = where.account ? `account ${where.account}` : "the account of your credentials";
  const endpoint = where.endpoint ? `endpoint ${where.endpoint}` : "AWS's endpoint";
  const origin = where.origin ? `; ${where.origin}` : "";
  return `(looked in region ${region ?? "(none set)"}, ${endpoint}, ${account}${origin})`;
}

/** Runs `call`; a NotFoundError it throws comes out saying where it looked. */
export async function locating<T>(
  call: Promise<T>,
  region: () => Promise<string>,
  where: Whereabouts | undefined,
): Promise<T> {
  try {
    return await call;
  } catch (error) {
    if (!(error instanceof NotFoundError) || error.located) throw error;
    const resolved = await region().catch(() => undefined);
    throw error.lookedIn(describePlace(resolved, where));
  }
}
