/**
 * Webhook URLs are secrets: a Slack incoming-webhook URL is its own credential. They are checked before
 * anything runs (exit 2 naming the flag or key), and shown anywhere only as where they were given
 * (flag or key, with its index) and their origin.
 */
import { InputError } from "../errors.js";

/** `https://hooks.slack.com/…`: scheme, host and port; never the path, query or user info. */
export function redactUrl(url: URL | string): string {
  let parsed: URL;
  try {
    parsed = typeof url === "string" ? new URL(url) : url;
  } catch {
    return "(not a URL)";
  }
  const hidden =
    (parsed.pathname !== "/" && parsed.pathname !== "") || parsed.search !== "" || parsed.hash !== "";
  return `${parsed.protocol}//${parsed.host}${hidden ? "/…" : "/"}`;
}

/**
 * `${NAME}` in a configured URL is replaced with that environment variable, so the secret lives in CI's
 * secrets, not in the committed lambda-rollout.yml. A variable that is missing or empty is an input error.
 */
export function expandVariables(text: string, env: NodeJS.ProcessEnv, where: string): string {
  return text.replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g, (_match, name: string) => {
    const value = env[name];
    if (value === undefined || value === "") {
      throw new InputError(`${where} refers to \${${name}}, which is not set in the environment.`, {
        hint: `Set ${name} (for example from a CI secret) or remove it from ${where}.`,
      });
    }
    return value;
  });
}

/** Parses one webhook URL; `where` names it in errors (`--notify #2`, `notify[0] of environment "prod"`). */
export function parseWebhookUrl(text: string, where: string): URL {
  let url: URL;
  try {
    url = new URL(text.trim());
  } catch {
    // The text itself is not echoed: a mistyped secret is still a secret.
    throw new InputError(`${where} is not a URL.`, {
      hint: "Give an absolute http(s) URL such as https://hooks.slack.com/services/…",
    });
  }
  if (url.protocol !== "https:" && url.protocol !== "http:") {
    throw new InputError(`${where} is not an http(s) URL (scheme ${url.protocol}).`, {
      hint: "Notifications are POSTed over HTTPS (or HTTP); give an https:// URL.",
    });
  }
  // fetch refuses a URL with user info ("If parsedURL includes credentials, then throw a TypeError",
  // https://fetch.spec.whatwg.org/#dom-request): every delivery would fail, so it is bad input now.
  if (url.username !== "" || url.password !== "") {
    throw new InputError(
      `${where} carries credentials (user:password@ before the host), which HTTP clients refuse to send.`,
      {
        hint: "Remove user:password@ from the URL; give the secret the way the webhook expects it (Slack and Teams URLs carry it in their path).",
      },
    );
  }
  return url;
}

/**
 * A validated webhook URL and its name in warnings: where it was given, with its index
 * (`--notify #2`, `notify[1] of environment "production"`), since its path is a secret and its origin
 * alone does not say which of several URLs on one host failed.
 */
export interface WebhookUrl {
  url: URL;
  name: string;
}

/**
 * The webhook URLs of a deploy: the flags' list when given, else the configuration's (each with `${VAR}`
 * expanded). Every problem is an InputError naming the flag or key.
 */
export function resolveWebhookUrls(
  flags: string[] | undefined,
  configured: { urls: string[]; where: (index: number) => string } | undefined,
  env: NodeJS.ProcessEnv,
): WebhookUrl[] {
  if (flags && flags.length > 0) {
    return flags.map((text, index) => ({
      url: parseWebhookUrl(text, flags.length > 1 ? `--notify #${index + 1}` : "--notify"),
      name: `--notify #${index + 1}`,
    }));
  }
  if (!configured) return [];
  return configured.urls.map((text, index) => {
    const where = configured.where(index);
    return { url: parseWebhookUrl(expandVariables(text, env, where), where), name: where };
  });
}
