/**
 * One sticky comment on a pull request: found by a hidden marker at the start of its body and edited in
 * place, created only when none has it, so every run of the preview leaves exactly one comment.
 * Through the REST API at GITHUB_API_URL with the job's token (issue comments: a pull request is an
 * issue). https://docs.github.com/en/rest/issues/comments: list
 * `GET /repos/{owner}/{repo}/issues/{issue_number}/comments` (per_page at most 100, ascending id),
 * create `POST` on the same path, update `PATCH /repos/{owner}/{repo}/issues/comments/{comment_id}`.
 */
import { readFile } from "node:fs/promises";
import { type DeliveryPolicy, deliver, fetchPost, type HttpPost } from "../notify/http.js";
import { gitHubHeaders, gitHubProblem } from "./github-deployment.js";

export interface PullRequestTarget {
  apiUrl: string;
  /** `owner/name`. */
  repository: string;
  number: number;
  token: string;
}

/** The hidden first line that says a comment is this preview's (one per environment). */
export function commentMarker(name: string): string {
  // Nothing in the name may end the HTML comment early.
  return `<!-- lambda-rollout-preview: ${name.replace(/-->|--|[<>\r\n]/g, "_")} -->`;
}

/**
 * The pull request a `pull_request` (or `pull_request_target`) run is for: from the event payload the
 * runner wrote to GITHUB_EVENT_PATH, else `refs/pull/N/merge`. Undefined for any other event.
 */
export async function pullRequestOf(
  env: NodeJS.ProcessEnv,
  token: string,
): Promise<PullRequestTarget | { missing: string[] } | undefined> {
  if (env.GITHUB_EVENT_NAME !== "pull_request" && env.GITHUB_EVENT_NAME !== "pull_request_target")
    return undefined;
  let number: number | undefined;
  if (env.GITHUB_EVENT_PATH) {
    try {
      const event = JSON.parse(await readFile(env.GITHUB_EVENT_PATH, "utf8")) as {
        pull_request?: { number?: unknown };
      };
      if (typeof event.pull_request?.number === "number") number = event.pull_request.number;
    } catch {
      number = undefined;
    }
  }
  number ??= Number(/^refs\/pull\/(\d+)\//.exec(env.GITHUB_REF ?? "")?.[1] ?? Number.NaN);
  const wanted = {
    GITHUB_API_URL: env.GITHUB_API_URL,
    GITHUB_REPOSITORY: env.GITHUB_REPOSITORY,
    "the pull request's number (GITHUB_EVENT_PATH)": Number.isInteger(number) ? "ok" : undefined,
    "github-token": token,
  };
  const missing = Object.entries(wanted)
    .filter(([, value]) => !value)
    .map(([name]) => name);
  if (missing.length > 0) return { missing };
  return {
    apiUrl: (env.GITHUB_API_URL as string).replace(/\/+$/, ""),
    repository: env.GITHUB_REPOSITORY as string,
    number: number as number,
    token,
  };
}

export interface CommentOptions {
  http?: HttpPost | undefined;
  policy?: Partial<DeliveryPolicy> | undefined;
  /** Pages of 100 comments looked through for the marker (default 30: 3,000 comments). */
  maxPages?: number | undefined;
}

export type CommentResult =
  | { ok: true; action: "created" | "updated"; id: number; url: string | undefined }
  | { ok: false; problem: string };

/** A page of comments can hold 100 bodies of up to 65,536 characters each. */
const PAGE_CHARS = 100 * 70_000;

interface Comment {
  id: number;
  body?: string;
  html_url?: string;
}

/** Creates the comment, or edits the one that starts with `marker`; never makes a second. */
export async function upsertComment(
  target: PullRequestTarget,
  marker: string,
  body: string,
  options: CommentOptions = {},
): Promise<CommentResult> {
  const post = options.http ?? fetchPost;
  const headers = gitHubHeaders(target.token);
  const base = `${target.apiUrl}/repos/${target.repository}/issues`;
  const text = body.startsWith(marker) ? body : `${marker}\n${body}`;
  const failed = (
    what: string,
    outcome: { problem: string; response?: { status: number; text: string } | undefined },
  ) => {
    const forbidden = outcome.response?.status === 403 || outcome.response?.status === 404;
    return {
      ok: false as const,
      problem: `${what} failed: ${gitHubProblem(outcome.problem, outcome.response?.text)}.${forbidden ? " The job needs `permissions: pull-requests: write`." : ""}`,
    };
  };

  const find = async (): Promise<
    Comment | { problem: string; response?: { status: number; text: string } }
  > => {
    for (let page = 1; page <= (options.maxPages ?? 30); page++) {
      const listed = await deliver(
        {
          url: `${base}/${target.number}/comments?per_page=100&page=${page}`,
          headers,
          method: "GET",
          maxReplyChars: PAGE_CHARS,
        },
        { post, policy: options.policy },
      );
      if (!listed.ok) return listed;
      let comments: Comment[];
      try {
        comments = JSON.parse(listed.response.text) as Comment[];
      } catch {
        return { problem: "the list of comments was not JSON" };
      }
      if (!Array.isArray(comments)) return { problem: "the list of comments was not a list" };
      const found = comments.find((comment) => comment.body?.startsWith(marker));
      if (found) return found;
      if (comments.length < 100) break;
    }
    return { id: 0 };
  };
  const update = async (comment: Comment): Promise<CommentResult> => {
    const edited = await deliver(
      {
        url: `${base}/comments/${comment.id}`,
        headers,
        method: "PATCH",
        body: JSON.stringify({ body: text }),
      },
      { post, policy: options.policy },
    );
    if (!edited.ok) return failed("editing the preview comment", edited);
    return {
      ok: true,
      action: "updated",
      id: comment.id,
      url: urlOf(edited.response.text) ?? comment.html_url,
    };
  };

  const existing = await find();
  if ("problem" in existing) return failed("listing the pull request's comments", existing);
  if (existing.id !== 0) return update(existing);
  // One attempt: a create whose reply was lost may still have made the comment. Look before trying again.
  for (let attempt = 1; attempt <= 2; attempt++) {
    const created = await deliver(
      {
        url: `${base}/${target.number}/comments`,
        headers,
        method: "POST",
        body: JSON.stringify({ body: text }),
      },
      { post, policy: { ...options.policy, attempts: 1 } },
    );
    if (created.ok) {
      const id = (JSON.parse(created.response.text) as { id?: unknown }).id;
      return {
        ok: true,
        action: "created",
        id: typeof id === "number" ? id : 0,
        url: urlOf(created.response.text),
      };
    }
    const retryable =
      created.response === undefined || created.response.status >= 500 || created.response.status === 429;
    if (!retryable || attempt === 2) return failed("posting the preview comment", created);
    const again = await find();
    if ("problem" in again) return failed("listing the pull request's comments", again);
    if (again.id !== 0) return update(again);
  }
  return { ok: false, problem: "posting the preview comment failed" };
}

function urlOf(text: string): string | undefined {
  try {
    const url = (JSON.parse(text) as { html_url?: unknown }).html_url;
    return typeof url === "string" ? url : undefined;
  } catch {
    return undefined;
  }
}
