/**
 * `github-deployment: true`: the roll-out as a GitHub Deployment of the environment, with `in_progress`,
 * then `success` or `failure`, each linking to the workflow run. Through the job token and the REST API
 * (GITHUB_API_URL, so GitHub Enterprise Server works too). Anything GitHub refuses is a warning: the
 * roll-out's outcome and exit code are the engine's alone.
 */
import { type DeliveryPolicy, deliver, fetchPost, type HttpPost } from "../notify/http.js";
import type { Reporter, ReporterFactory } from "../notify/reporter.js";
import type { StampedEvent } from "../rollout/events.js";
import type { RunTarget } from "../run.js";

export interface GitHubDeploymentSettings {
  apiUrl: string;
  /** `owner/name`. */
  repository: string;
  /** The commit deployed (GITHUB_SHA). */
  ref: string;
  token: string;
  /** The workflow run, as `log_url` of every status. */
  runUrl: string;
}

/** The settings from the runner's environment, or what is missing (then no deployment is recorded). */
export function deploymentSettingsFromEnv(
  env: NodeJS.ProcessEnv,
  token: string,
): GitHubDeploymentSettings | { missing: string[] } {
  const wanted = {
    GITHUB_API_URL: env.GITHUB_API_URL,
    GITHUB_REPOSITORY: env.GITHUB_REPOSITORY,
    GITHUB_SHA: env.GITHUB_SHA,
    GITHUB_SERVER_URL: env.GITHUB_SERVER_URL,
    GITHUB_RUN_ID: env.GITHUB_RUN_ID,
    "github-token": token,
  };
  const missing = Object.entries(wanted)
    .filter(([, value]) => !value)
    .map(([name]) => name);
  if (missing.length > 0) return { missing };
  const server = (wanted.GITHUB_SERVER_URL as string).replace(/\/+$/, "");
  return {
    apiUrl: (wanted.GITHUB_API_URL as string).replace(/\/+$/, ""),
    repository: wanted.GITHUB_REPOSITORY as string,
    ref: wanted.GITHUB_SHA as string,
    token,
    runUrl: `${server}/${wanted.GITHUB_REPOSITORY}/actions/runs/${wanted.GITHUB_RUN_ID}`,
  };
}

export interface GitHubDeploymentOptions {
  post?: HttpPost | undefined;
  policy?: Partial<DeliveryPolicy> | undefined;
}

/** GitHub's `message` in an error reply, short; never the request (it holds the token). */
export function gitHubProblem(problem: string, text: string | undefined): string {
  let message: unknown;
  try {
    message = (JSON.parse(text ?? "") as { message?: unknown }).message;
  } catch {
    message = undefined;
  }
  const detail = typeof message === "string" ? ` (${message.slice(0, 200)})` : "";
  return `${problem}${detail}`;
}

const PERMISSION_HINT = " The job needs `permissions: deployments: write`.";

/** The headers of every REST call made with the job's token. */
export function gitHubHeaders(token: string): Record<string, string> {
  return {
    accept: "application/vnd.github+json",
    authorization: `Bearer ${token}`,
    "content-type": "application/json",
    "user-agent": "lambda-rollout",
    "x-github-api-version": "2022-11-28",
  };
}

/** The environment a deployment is recorded for: the configuration's, else `FUNCTION:ALIAS`. */
export function deploymentEnvironment(target: RunTarget): string {
  return target.environment ?? `${target.functionName}:${target.aliasName}`;
}

export function gitHubDeploymentReporter(
  settings: GitHubDeploymentSettings,
  target: RunTarget,
  options: GitHubDeploymentOptions = {},
): ReporterFactory {
  return (warn): Reporter => {
    const post = options.post ?? fetchPost;
    const environment = deploymentEnvironment(target);
    const base = `${settings.apiUrl}/repos/${settings.repository}/deployments`;
    const headers = gitHubHeaders(settings.token);
    const flush = new AbortController();
    let chain: Promise<void> = Promise.resolve();
    let deploymentId: number | undefined;
    let failed = false;
    let dropped = 0;

    const call = async (what: string, url: string, body: object) => {
      const outcome = await deliver(
        { url, headers, body: JSON.stringify(body) },
        { post, policy: options.policy, signal: flush.signal },
      );
      if (outcome.ok) return outcome.response;
      if (flush.signal.aborted) {
        dropped += 1;
        return undefined;
      }
      const forbidden = outcome.response?.status === 403 || outcome.response?.status === 404;
      warn(
        `GitHub Deployment: ${what} failed: ${gitHubProblem(outcome.problem, outcome.response?.text)}.${forbidden ? PERMISSION_HINT : ""} The roll-out is not affected.`,
      );
      return undefined;
    };

    const status = async (state: "in_progress" | "success" | "failure", description: string) => {
      if (deploymentId === undefined) return;
      await call(`reporting ${state}`, `${base}/${deploymentId}/statuses`, {
        state,
        log_url: settings.runUrl,
        environment,
        // GitHub caps a status description at 140 characters.
        description: description.length > 140 ? `${description.slice(0, 137)}...` : description,
        auto_inactive: state === "success",
      });
    };

    const start = async () => {
      const created = await call(`creating the deployment of ${environment}`, base, {
        ref: settings.ref,
        environment,
        auto_merge: false,
        required_contexts: [],
        description: `lambda-rollout: ${target.functionName}:${target.aliasName}`,
      });
      if (!created) {
        failed = true;
        return;
      }
      let id: unknown;
      try {
        id = (JSON.parse(created.text) as { id?: unknown }).id;
      } catch {
        id = undefined;
      }
      if (typeof id !== "number") {
        failed = true;
        warn(
          `GitHub Deployment: GitHub's reply named no deployment id (HTTP ${created.status}). The roll-out is not affected.`,
        );
        return;
      }
      deploymentId = id;
      await status("in_progress", `Rolling out ${target.functionName}:${target.aliasName}`);
    };

    const queue = (work: () => Promise<void>) => {
      chain = chain
        .then(() => {
          if (flush.signal.aborted) {
            dropped += 1;
            return;
          }
          return work();
        })
        .catch(() => undefined);
    };

    return {
      observe(event: StampedEvent) {
        if (event.type === "plan") queue(start);
        // A detached roll-out (outcome `started`, Step Functions) stays in_progress: it goes on in AWS.
        if (event.type === "result" && (event.outcome as string) !== "started") {
          const ok = event.outcome === "promoted" || event.outcome === "noop";
          const summary =
            event.outcome === "promoted"
              ? `Promoted v${event.toVersion}`
              : event.outcome === "noop"
                ? "Nothing to deploy"
                : `${event.outcome === "rolled_back" ? "Rolled back" : "Failed"} (exit ${event.exitCode}); see the run's log`;
          queue(() => (failed ? Promise.resolve() : status(ok ? "success" : "failure", summary)));
        }
      },
      async settle(signal: AbortSignal) {
        const abandon = () => flush.abort();
        if (signal.aborted) abandon();
        else signal.addEventListener("abort", abandon, { once: true });
        await chain;
        signal.removeEventListener("abort", abandon);
        if (dropped > 0) {
          warn(
            `GitHub Deployment: ${dropped} update(s) were still pending when the run ended and were dropped. The roll-out is not affected.`,
          );
        }
      },
    };
  };
}
