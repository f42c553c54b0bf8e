import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { zipSync } from "fflate";
import { afterEach, describe, expect, it } from "vitest";
import { memoryHost } from "../../test/support/action-host.js";
import { FakeAlarms, FakeArtifacts, FakeClock, FakeLambda } from "../../test/support/fakes.js";
import { type Behaviour, type Recorder, startRecorder } from "../../test/support/http-recorder.js";
import type { Ports } from "../run.js";
import { commentMarker } from "./pr-comment.js";
import { runAction } from "./run.js";

const TOKEN = "ghs_previewTokenNeverPrinted0123456789";

const servers: Recorder[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => server.stop()));
});

interface StoredComment {
  id: number;
  body: string;
  html_url: string;
  user: { login: string };
}

/**
 * GitHub's issue comments as far as the preview uses them: a list in pages of `per_page` (ascending
 * id), create, update. `others` comments by people are there before the first run.
 */
function gitHubComments(others = 0) {
  const comments: StoredComment[] = Array.from({ length: others }, (_, i) => ({
    id: i + 1,
    body: `a reviewer's comment ${i + 1}`,
    html_url: `https://github.example/acme/orders/pull/7#issuecomment-${i + 1}`,
    user: { login: "reviewer" },
  }));
  let next = 1000;
  const behaviour: Behaviour = (request) => {
    const url = new URL(request.path, "http://x");
    if (request.method === "GET" && url.pathname === "/repos/acme/orders/issues/7/comments") {
      const size = Number(url.searchParams.get("per_page"));
      const page = Number(url.searchParams.get("page"));
      return { status: 200, body: comments.slice((page - 1) * size, page * size) };
    }
    if (request.method === "POST" && url.pathname === "/repos/acme/orders/issues/7/comments") {
      const comment = {
        id: ++next,
        body: (request.json as { body: string }).body,
        html_url: `https://github.example/acme/orders/pull/7#issuecomment-${next}`,
        user: { login: "github-actions[bot]" },
      };
      comments.push(comment);
      return { status: 201, body: comment };
    }
    const edit = /^\/repos\/acme\/orders\/issues\/comments\/(\d+)$/.exec(url.pathname);
    const found = comments.find((comment) => comment.id === Number(edit?.[1]));
    if (request.method === "PATCH" && found) {
      found.body = (request.json as { body: string }).body;
      return { status: 200, body: found };
    }
    return { status: 404, body: { message: "Not Found" } };
  };
  return { comments, behaviour };
}

async function server(behaviour: Behaviour) {
  const started = await startRecorder(behaviour);
  servers.push(started);
  return started;
}

const host = memoryHost;

/** `fn` serves v1; $LATEST has MemorySize 512 where v1 had 128. */
function ports(): Ports {
  const lambda = new FakeLambda("orders", "live", { stableVersions: 1 });
  const live = lambda.versions[0];
  if (live) live.configuration = { MemorySize: "128" };
  lambda.latest.configuration = { MemorySize: "512" };
  return {
    lambda,
    alarms: new FakeAlarms(),
    artifacts: new FakeArtifacts(),
    metrics: { getMetrics: async () => ({}) },
  };
}

async function workspace() {
  const dir = await mkdtemp(join(tmpdir(), "lr-action-preview-"));
  await writeFile(
    join(dir, "orders.zip"),
    zipSync({ "handler.js": new TextEncoder().encode("exports.handler=1") }),
  );
  await writeFile(
    join(dir, "lambda-rollout.yml"),
    [
      "version: 1",
      "environments:",
      "  production:",
      "    function: orders",
      "    artifact: { bucket: artifacts }",
      "    strategy: Canary10Percent5Minutes",
      "    branches: [main]",
    ].join("\n"),
  );
  const event = join(dir, "event.json");
  await writeFile(event, JSON.stringify({ action: "synchronize", pull_request: { number: 7 } }));
  return { dir, event };
}

/** One run of the Action in preview mode, in `ws`, against the stand-in GitHub API at `api`. */
async function preview(
  api: Recorder,
  ws: { dir: string; event: string },
  given: Record<string, string> = inputs,
  env: Record<string, string> = {},
) {
  const run = host(given);
  const code = await runAction(run.actionHost, {
    env: { ...runnerEnv(api.url, ws.event), ...env },
    cwd: ws.dir,
    clock: new FakeClock(),
    ports: () => ports(),
  });
  return { ...run, code };
}

const inputs = {
  mode: "preview",
  config: "lambda-rollout.yml",
  env: "production",
  zip: "orders.zip",
  "github-token": TOKEN,
};

function runnerEnv(api: string, event: string) {
  return {
    GITHUB_ACTIONS: "true",
    GITHUB_EVENT_NAME: "pull_request",
    GITHUB_EVENT_PATH: event,
    GITHUB_API_URL: api,
    GITHUB_REPOSITORY: "acme/orders",
    GITHUB_REF: "refs/pull/7/merge",
  };
}

describe("the Action with mode: preview on a pull request, against a stand-in GitHub API", () => {
  it("two runs leave one comment: posted by the first, edited by the second; the token never in the log", async () => {
    const { comments, behaviour } = gitHubComments(3);
    const api = await server(behaviour);
    const ws = await workspace();
    const first = await preview(api, ws);
    expect(first.code).toBe(0);
    expect(first.outputs).toEqual({
      outcome: "previewed",
      "comment-url": "https://github.example/acme/orders/pull/7#issuecomment-1001",
    });
    expect(api.requests.map((r) => `${r.method} ${r.path}`)).toEqual([
      "GET /repos/acme/orders/issues/7/comments?per_page=100&page=1",
      "POST /repos/acme/orders/issues/7/comments",
    ]);

    const second = await preview(api, ws);
    expect(second.code).toBe(0);
    expect(api.requests.slice(2).map((r) => `${r.method} ${r.path}`)).toEqual([
      "GET /repos/acme/orders/issues/7/comments?per_page=100&page=1",
      "PATCH /repos/acme/orders/issues/comments/1001",
    ]);

    const ours = comments.filter((comment) => comment.body.startsWith(commentMarker("production")));
    expect(ours).toHaveLength(1);
    expect(comments).toHaveLength(4);
    expect(ours[0]?.body).toContain(
      "| **orders** | — | 100% v1 | 📦⚙️ code and configuration | MemorySize 128 → 512<br>",
    );
    // The comment and the job summary say the same.
    expect(second.summaries).toEqual([ours[0]?.body]);
    for (const request of api.requests) expect(request.headers.authorization).toBe(`Bearer ${TOKEN}`);
    for (const run of [first, second]) {
      expect(run.secrets).toContain(TOKEN);
      expect(run.log.join("\n")).not.toContain(TOKEN);
      expect(run.log.filter((line) => line.startsWith("::warning") || line.startsWith("error"))).toEqual([]);
    }
    expect(second.log).toContain(
      "Preview comment updated: https://github.example/acme/orders/pull/7#issuecomment-1001",
    );
  });

  it("finds its comment on a later page among many, and edits it", async () => {
    const { comments, behaviour } = gitHubComments(150);
    comments.push({
      id: 151,
      body: `${commentMarker("production")}\nan older preview`,
      html_url: "https://github.example/acme/orders/pull/7#issuecomment-151",
      user: { login: "github-actions[bot]" },
    });
    const api = await server(behaviour);
    const ws = await workspace();
    const run = await preview(api, ws);
    expect(run.code).toBe(0);
    expect(api.requests.map((r) => `${r.method} ${r.path}`)).toEqual([
      "GET /repos/acme/orders/issues/7/comments?per_page=100&page=1",
      "GET /repos/acme/orders/issues/7/comments?per_page=100&page=2",
      "PATCH /repos/acme/orders/issues/comments/151",
    ]);
    expect(comments).toHaveLength(151);
  });

  it("a create whose reply was lost (502 after GitHub stored it) is found and edited, not posted twice", async () => {
    const { comments, behaviour } = gitHubComments();
    let posts = 0;
    const api = await server((request, n) => {
      const answer = behaviour(request, n);
      if (request.method === "POST" && ++posts === 1)
        return { status: 502, body: { message: "Bad Gateway" } };
      return answer;
    });
    const ws = await workspace();
    const run = await preview(api, ws);
    expect(run.code).toBe(0);
    expect(api.requests.map((r) => `${r.method} ${r.path}`)).toEqual([
      "GET /repos/acme/orders/issues/7/comments?per_page=100&page=1",
      "POST /repos/acme/orders/issues/7/comments",
      "GET /repos/acme/orders/issues/7/comments?per_page=100&page=1",
      "PATCH /repos/acme/orders/issues/comments/1001",
    ]);
    expect(comments).toHaveLength(1);
  });

  it("a configuration a deploy would refuse is exit 2, and the comment says why", async () => {
    const { comments, behaviour } = gitHubComments();
    const api = await server(behaviour);
    const ws = await workspace();
    const run = await preview(api, ws, { ...inputs, zip: "missing.zip" });
    expect(run.code).toBe(2);
    expect(run.outputs.outcome).toBe("failed");
    expect(comments).toHaveLength(1);
    expect(comments[0]?.body).toContain("❌ **A deploy would stop here (exit 2):** Package not found: ");
    expect(comments[0]?.body).toContain("**What to do:** Pass the path of a .zip");
  });

  it("without permission to comment, the preview still succeeds, with a warning naming the permission", async () => {
    const api = await server(() => ({
      status: 403,
      body: { message: "Resource not accessible by integration" },
    }));
    const ws = await workspace();
    const run = await preview(api, ws);
    expect(run.code).toBe(0);
    expect(run.summaries).toHaveLength(1);
    expect(run.log.filter((line) => line.startsWith("::warning"))).toEqual([
      "::warning listing the pull request's comments failed: HTTP 403 (Resource not accessible by integration). The job needs `permissions: pull-requests: write`. The preview is in the job summary.",
    ]);
    expect(run.log.join("\n")).not.toContain(TOKEN);
  });

  it("outside a pull request, the preview goes to the job summary only", async () => {
    const api = await server(() => ({ status: 500 }));
    const ws = await workspace();
    const run = await preview(api, ws, inputs, { GITHUB_EVENT_NAME: "push" });
    expect(run.code).toBe(0);
    expect(api.requests).toEqual([]);
    expect(run.summaries[0]).toContain("### lambda-rollout preview: production (changes)");
  });
});
