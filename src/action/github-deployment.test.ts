import { afterEach, describe, expect, it } from "vitest";
import { memoryHost } from "../../test/support/action-host.js";
import { FakeAlarms, FakeArtifacts, FakeClock, FakeLambda } from "../../test/support/fakes.js";
import { type Behaviour, type Recorder, startRecorder } from "../../test/support/http-recorder.js";
import type { StampedEvent } from "../rollout/events.js";
import type { Ports } from "../run.js";
import { gitHubDeploymentReporter } from "./github-deployment.js";
import { runAction } from "./run.js";

/** The job's warnings, but the one these deploys all carry: they run without a ledger (--version, no bucket). */
const deploymentWarning = (line: string) =>
  line.startsWith("::warning") && !line.includes("No ledger configured");

const servers: Recorder[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => server.stop()));
});
async function server(behaviour?: Behaviour) {
  const started = await startRecorder(behaviour);
  servers.push(started);
  return started;
}

/** GitHub's REST API as far as deployments go: create → 201 with an id, statuses → 201. */
const gitHub: Behaviour = (request) =>
  request.path.endsWith("/deployments") ? { status: 201, body: { id: 4242 } } : { status: 201, body: {} };

const TOKEN = "ghs_jobTokenNeverPrinted0123456789";

const host = memoryHost;

/** v1 live, v2 published: the Action deploys v2 by version through fakes, on a fake clock. */
function fakePorts(alarmState: "OK" | "ALARM" = "OK") {
  const lambda = new FakeLambda("orders", "live", { stableVersions: 2, aliasOn: "1" });
  const alarms = new FakeAlarms(["errors"]);
  alarms.states.set("errors", alarmState);
  const ports: Ports = {
    lambda,
    alarms,
    artifacts: new FakeArtifacts(),
    metrics: { getMetrics: async () => ({}) },
  };
  return { lambda, ports };
}

function runnerEnv(api: string) {
  return {
    GITHUB_API_URL: api,
    GITHUB_REPOSITORY: "acme/orders",
    GITHUB_SHA: "0123456789abcdef0123456789abcdef01234567",
    GITHUB_SERVER_URL: "https://github.example",
    GITHUB_RUN_ID: "777",
  };
}

const deployInputs = {
  function: "orders",
  version: "2",
  steps: "50%:1m",
  alarms: "errors",
  "github-deployment": "true",
  "github-token": TOKEN,
};

describe("the Action's GitHub Deployment (github-deployment: true), against a stand-in GitHub API", () => {
  it("creates the deployment, reports in_progress, then success with the run's URL, through the token", async () => {
    const api = await server(gitHub);
    const { actionHost, log, outputs } = host(deployInputs);
    const code = await runAction(actionHost, {
      env: runnerEnv(api.url),
      clock: new FakeClock(),
      ports: () => fakePorts().ports,
    });
    expect(code).toBe(0);
    expect(outputs.outcome).toBe("promoted");
    expect(api.requests.map((request) => [request.method, request.path])).toEqual([
      ["POST", "/repos/acme/orders/deployments"],
      ["POST", "/repos/acme/orders/deployments/4242/statuses"],
      ["POST", "/repos/acme/orders/deployments/4242/statuses"],
    ]);
    expect(api.requests[0]?.json).toEqual({
      ref: "0123456789abcdef0123456789abcdef01234567",
      environment: "orders:live",
      auto_merge: false,
      required_contexts: [],
      description: "lambda-rollout: orders:live",
    });
    const runUrl = "https://github.example/acme/orders/actions/runs/777";
    expect(api.requests.slice(1).map((request) => request.json)).toEqual([
      expect.objectContaining({ state: "in_progress", log_url: runUrl, environment: "orders:live" }),
      expect.objectContaining({ state: "success", log_url: runUrl, description: "Promoted v2" }),
    ]);
    for (const request of api.requests) {
      expect(request.headers.authorization).toBe(`Bearer ${TOKEN}`);
      expect(request.headers.accept).toBe("application/vnd.github+json");
    }
    expect(log.join("\n")).not.toContain(TOKEN);
    expect(log.filter((line) => deploymentWarning(line))).toEqual([]);
  });

  it("a rolled-back roll-out reports failure; the exit code is the roll-out's", async () => {
    const api = await server(gitHub);
    const { actionHost, outputs } = host(deployInputs);
    const code = await runAction(actionHost, {
      env: runnerEnv(api.url),
      clock: new FakeClock(),
      ports: () => fakePorts("ALARM").ports,
    });
    expect(code).toBe(1);
    expect(outputs.outcome).toBe("rolled_back");
    expect(api.requests.map((request) => (request.json as { state?: string }).state ?? "create")).toEqual([
      "create",
      "in_progress",
      "failure",
    ]);
  });

  it("GitHub refusing (403) is a warning with the permission to grant; the roll-out still promotes", async () => {
    const api = await server(() => ({
      status: 403,
      body: { message: "Resource not accessible by integration" },
    }));
    const { actionHost, log, outputs } = host(deployInputs);
    const code = await runAction(actionHost, {
      env: runnerEnv(api.url),
      clock: new FakeClock(),
      ports: () => fakePorts().ports,
    });
    expect(code).toBe(0);
    expect(outputs.outcome).toBe("promoted");
    expect(api.requests).toHaveLength(1); // not retried, no statuses without a deployment
    expect(log.filter((line) => deploymentWarning(line))).toEqual([
      "::warning GitHub Deployment: creating the deployment of orders:live failed: HTTP 403 (Resource not accessible by integration). The job needs `permissions: deployments: write`. The roll-out is not affected.",
    ]);
  });

  it("a GitHub API that is down costs a bounded wait and a warning, not the roll-out", async () => {
    const api = await server(() => ({ status: 502 }));
    const { actionHost, log } = host(deployInputs);
    const code = await runAction(actionHost, {
      env: runnerEnv(api.url),
      clock: new FakeClock(),
      ports: () => fakePorts().ports,
    });
    expect(code).toBe(0);
    expect(api.requests).toHaveLength(3); // three attempts at creating it
    expect(log.find((line) => deploymentWarning(line))).toMatch(
      /^::warning GitHub Deployment: creating the deployment of orders:live failed: HTTP 502\. The roll-out is not affected\.$/,
    );
  });

  it("missing runner variables are a warning; off by default, nothing is called", async () => {
    const api = await server(gitHub);
    const on = host(deployInputs);
    expect(
      await runAction(on.actionHost, {
        env: { GITHUB_API_URL: api.url },
        clock: new FakeClock(),
        ports: () => fakePorts().ports,
      }),
    ).toBe(0);
    expect(on.log.filter((line) => deploymentWarning(line))).toEqual([
      "::warning github-deployment is on, but GITHUB_REPOSITORY, GITHUB_SHA, GITHUB_SERVER_URL, GITHUB_RUN_ID are not set; no GitHub Deployment is recorded.",
    ]);
    const off = host({ ...deployInputs, "github-deployment": "" });
    expect(
      await runAction(off.actionHost, {
        env: runnerEnv(api.url),
        clock: new FakeClock(),
        ports: () => fakePorts().ports,
      }),
    ).toBe(0);
    expect(api.requests).toEqual([]);
  });

  it("the notify input: one URL per line, masked in the log, POSTed the roll-out's events", async () => {
    const hook = await server();
    const url = `${hook.url}/services/T0/B0/secret`;
    const { actionHost, secrets } = host({
      ...deployInputs,
      "github-deployment": "false",
      notify: `${url}\n`,
    });
    expect(
      await runAction(actionHost, { env: {}, clock: new FakeClock(), ports: () => fakePorts().ports }),
    ).toBe(0);
    expect(secrets).toEqual([url]);
    expect(hook.requests.map((request) => (request.json as { event: string }).event)).toEqual([
      "plan",
      "shift",
      "shift",
      "result",
    ]);
  });
});

describe("the GitHub Deployment reporter on its own", () => {
  it("uses the configuration's environment name, and leaves a detached (started) roll-out in_progress", async () => {
    const api = await server(gitHub);
    const settings = {
      apiUrl: api.url,
      repository: "acme/orders",
      ref: "abc",
      token: TOKEN,
      runUrl: "https://github.example/acme/orders/actions/runs/1",
    };
    const warnings: string[] = [];
    const reporter = gitHubDeploymentReporter(settings, {
      functionName: "orders",
      aliasName: "live",
      environment: "production",
    })((message) => warnings.push(message));
    const plan = { steps: [], finalBakeMs: 0, strategy: "AllAtOnce" };
    reporter.observe({
      type: "plan",
      function: "orders",
      alias: "live",
      plan,
      dryRun: false,
      at: 1,
    } as StampedEvent);
    reporter.observe({
      type: "result",
      outcome: "started",
      function: "orders",
      alias: "live",
      fromVersion: "1",
      toVersion: "2",
      reason: null,
      hint: null,
      exitCode: 0,
      at: 2,
    } as unknown as StampedEvent);
    await reporter.settle(new AbortController().signal);
    expect(api.requests.map((request) => request.json)).toEqual([
      expect.objectContaining({ environment: "production" }),
      expect.objectContaining({ state: "in_progress", environment: "production" }),
    ]);
    expect(warnings).toEqual([]);
  });
});
