import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { type Recorder, startRecorder } from "../support/http-recorder.js";
import { aliasOf, createTarget } from "../support/lambda-fixtures.js";
import { type Moto, startMoto } from "../support/moto.js";
import { annotations, startAction } from "./support.js";

let moto: Moto;
const servers: Recorder[] = [];
beforeAll(async () => {
  moto = await startMoto();
});
afterAll(async () => {
  await Promise.all(servers.map((server) => server.stop()));
  await moto?.stop();
});

const TOKEN = "ghs_bundledActionToken0123456789";

describe("the bundled Action's notify and github-deployment inputs, as GitHub runs them", () => {
  test("records a GitHub Deployment of the configuration's environment and notifies the webhook", async () => {
    const target = await createTarget(moto, "action-report-1");
    await writeFile(
      join(target.dir, "lambda-rollout.yml"),
      `version: 1
environments:
  production:
    function: ${target.name}
    artifact: { bucket: ${target.bucket} }
    steps: "50%:1s"
    interval: 200ms
    branches: [main]
`,
    );
    const api = await startRecorder((request) =>
      request.path.endsWith("/deployments") ? { status: 201, body: { id: 9 } } : { status: 201, body: {} },
    );
    const hook = await startRecorder();
    servers.push(api, hook);
    const webhook = `${hook.url}/services/T0/B0/secret-part`;
    const run = await startAction(
      moto,
      target.dir,
      { zip: target.v2, notify: webhook, "github-deployment": "true", "github-token": TOKEN },
      "main",
      {
        env: {
          GITHUB_API_URL: api.url,
          GITHUB_REPOSITORY: "acme/name-searcher",
          GITHUB_SHA: "f".repeat(40),
          GITHUB_SERVER_URL: "https://github.com",
          GITHUB_RUN_ID: "4711",
        },
      },
    ).done;
    expect(run.code, run.stdout).toBe(0);
    expect(run.outputs.outcome).toBe("promoted");
    expect(await aliasOf(moto, target.name)).toEqual({ version: "2", weights: {} });
    expect(api.requests.map((request) => [request.path, (request.json as { state?: string }).state])).toEqual(
      [
        ["/repos/acme/name-searcher/deployments", undefined],
        ["/repos/acme/name-searcher/deployments/9/statuses", "in_progress"],
        ["/repos/acme/name-searcher/deployments/9/statuses", "success"],
      ],
    );
    expect(api.requests[0]?.json).toMatchObject({ environment: "production", ref: "f".repeat(40) });
    expect(api.requests[2]?.json).toMatchObject({
      log_url: "https://github.com/acme/name-searcher/actions/runs/4711",
    });
    expect(hook.requests.map((request) => (request.json as { event: string }).event)).toEqual([
      "plan",
      "shift",
      "shift",
      "result",
    ]);
    // The runner is told to mask the webhook URL; no other line carries it, and the token is never printed.
    const lines = run.stdout.split("\n").filter((line) => line.includes("secret-part"));
    expect(lines).toEqual([`::add-mask::${webhook}`]);
    expect(run.stdout).not.toContain(TOKEN);
    // The one annotation: this canary has no gate, which the run says (and runs anyway).
    expect(annotations(run.stdout)).toEqual([
      { level: "warning", title: "lambda-rollout", message: expect.stringContaining("with no gate") },
    ]);
  });
});
