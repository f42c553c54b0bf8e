/**
 * `--notify URL`: each notifying event is POSTed as JSON to every URL, in order per URL, in the
 * background. A URL that keeps failing is given up for the rest of the run, so a dead endpoint costs at
 * most two deliveries' worth of retries, never the roll-out's time.
 */
import type { StampedEvent } from "../rollout/events.js";
import { type DeliveryPolicy, deliver, fetchPost, type HttpPost } from "./http.js";
import { type Notification, notificationOf, type Target } from "./message.js";
import type { Reporter, ReporterFactory } from "./reporter.js";
import { redactUrl, type WebhookUrl } from "./urls.js";

export interface WebhookOptions {
  post?: HttpPost | undefined;
  policy?: Partial<DeliveryPolicy> | undefined;
  /**
   * Values that must never leave the process (credentials from the environment): replaced by `***` in
   * any text sent, as a second line of defence behind the per-event field lists.
   */
  secrets?: string[] | undefined;
  /** Consecutive failed deliveries after which a URL gets nothing more in this run. Default 2. */
  giveUpAfter?: number | undefined;
  random?: () => number;
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
}

const USER_AGENT = "lambda-rollout";

function scrub(notification: Notification, secrets: string[]): Notification {
  const clean: Notification = { ...notification };
  for (const [key, value] of Object.entries(clean)) {
    if (typeof value !== "string") continue;
    let text = value;
    for (const secret of secrets) if (secret.length >= 8) text = text.split(secret).join("***");
    clean[key] = text;
  }
  return clean;
}

interface Endpoint {
  url: URL;
  shown: string;
  chain: Promise<void>;
  failures: number;
  givenUp: boolean;
  /** Notifications abandoned at the flush deadline (queued, or cut short in flight). */
  dropped: number;
}

/**
 * A reporter POSTing to each of `urls`; `urls` were validated up front (see resolveWebhookUrls). A
 * warning names a URL by its name (`--notify #2`; a bare URL: `URL #2`) and its origin.
 */
export function webhookReporter(urls: (URL | WebhookUrl)[], options: WebhookOptions = {}): ReporterFactory {
  const named = urls.map((item, index) =>
    item instanceof URL ? { url: item, name: `URL #${index + 1}` } : item,
  );
  return (warn): Reporter => {
    const post = options.post ?? fetchPost;
    const giveUpAfter = options.giveUpAfter ?? 2;
    const secrets = [...(options.secrets ?? []), ...named.map(({ url }) => url.href)];
    const endpoints: Endpoint[] = named.map(({ url, name }) => ({
      url,
      shown: `${name} (${redactUrl(url)})`,
      chain: Promise.resolve(),
      failures: 0,
      givenUp: false,
      dropped: 0,
    }));
    const target: Target = { function: null, alias: null };
    const flush = new AbortController();

    const send = async (endpoint: Endpoint, notification: Notification) => {
      if (endpoint.givenUp) return;
      if (flush.signal.aborted) {
        endpoint.dropped += 1;
        return;
      }
      const outcome = await deliver(
        {
          url: endpoint.url.href,
          headers: { "content-type": "application/json", "user-agent": USER_AGENT },
          body: JSON.stringify(notification),
        },
        {
          post,
          policy: options.policy,
          signal: flush.signal,
          ...(options.random ? { random: options.random } : {}),
          ...(options.sleep ? { sleep: options.sleep } : {}),
        },
      );
      if (outcome.ok) {
        endpoint.failures = 0;
        return;
      }
      if (flush.signal.aborted) {
        endpoint.dropped += 1; // reported once, by settle
        return;
      }
      endpoint.failures += 1;
      warn(
        `Notification "${notification.event}" to ${endpoint.shown} failed after ${outcome.attempts} attempt(s): ${outcome.problem}. The roll-out is not affected.`,
      );
      if (endpoint.failures >= giveUpAfter) {
        endpoint.givenUp = true;
        warn(
          `No more notifications go to ${endpoint.shown} in this run (${endpoint.failures} failed in a row).`,
        );
      }
    };

    return {
      observe(event: StampedEvent) {
        if (event.type === "plan") {
          target.function = event.function;
          target.alias = event.alias;
        }
        const notification = notificationOf(event, target);
        if (notification === undefined) return;
        const body = scrub(notification, secrets);
        for (const endpoint of endpoints) {
          if (endpoint.givenUp) continue;
          endpoint.chain = endpoint.chain.then(() => send(endpoint, body)).catch(() => undefined);
        }
      },
      async settle(signal: AbortSignal) {
        const abandon = () => flush.abort();
        if (signal.aborted) abandon();
        else signal.addEventListener("abort", abandon, { once: true });
        await Promise.all(endpoints.map((endpoint) => endpoint.chain));
        signal.removeEventListener("abort", abandon);
        for (const endpoint of endpoints) {
          if (endpoint.dropped > 0) {
            warn(
              `${endpoint.dropped} notification(s) to ${endpoint.shown} were still undelivered when the run ended; they were dropped. The roll-out is not affected.`,
            );
          }
        }
      },
    };
  };
}
