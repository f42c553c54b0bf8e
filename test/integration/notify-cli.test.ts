import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, test } from "vitest";
import { type Recorder, startRecorder } from "../support/http-recorder.js";
import { aliasOf, createTarget, runCli, setAlarm, startCli } from "../support/lambda-fixtures.js";
import { type Moto, queueInvokeResults, startMoto } from "../support/moto.js";

let moto: Moto;
let counter = 0;
const servers: Recorder[] = [];

beforeAll(async () => {
  moto = await startMoto();
});
afterAll(async () => {
  await moto?.stop();
});
afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => server.stop()));
});
async function server(...args: Parameters<typeof startRecorder>) {
  const started = await startRecorder(...args);
  servers.push(started);
  return started;
}

const deployArgs = (target: { name: string; bucket: string }, zip: string, ...extra: string[]) => [
  "deploy",
  "--function",
  target.name,
  "--zip",
  zip,
  "--bucket",
  target.bucket,
  "--interval",
  "200ms",
  "--json",
  ...extra,
];

const received = (recorder: Recorder) =>
  recorder.requests.map((request) => {
    const body = request.json as Record<string, unknown>;
    return [body.event, body.weight ?? body.outcome ?? null];
  });

describe("deploy --notify, through the real binary against moto", () => {
  test("the start, each shift and the result reach every URL in order; a 503 is retried", async () => {
    const target = await createTarget(moto, `notify-ok-${++counter}`);
    const slack = await server();
    const flaky = await server((_request, n) => (n === 1 ? { status: 503 } : { status: 200 }));
    const run = await runCli(
      moto,
      deployArgs(target, target.v2, "--steps", "50%:1s", "--notify", `${slack.url}/services/T0/B0/x`),
    );
    expect(run.code, run.stderr).toBe(0);
    expect(received(slack)).toEqual([
      ["plan", null],
      ["shift", 50],
      ["shift", 100],
      ["result", "promoted"],
    ]);
    expect(slack.requests.at(-1)?.json).toMatchObject({
      event: "result",
      text: `✅ ${target.name}:live: promoted v2 (was v1)`,
      function: target.name,
      alias: "live",
      fromVersion: "1",
      toVersion: "2",
      exitCode: 0,
    });
    expect(run.events.at(-1)).toMatchObject({ type: "result", outcome: "promoted" });
    expect(flaky.requests).toHaveLength(0);

    const both = await runCli(
      moto,
      deployArgs(
        target,
        target.v3,
        "--strategy",
        "AllAtOnce",
        "--notify",
        `${slack.url}/a`,
        "--notify",
        `${flaky.url}/b`,
      ),
    );
    expect(both.code, both.stderr).toBe(0);
    expect(received(flaky)).toEqual([
      ["plan", null],
      ["plan", null],
      ["shift", 100],
      ["result", "promoted"],
    ]);
    expect(both.events.filter((event) => event.type === "warning")).toEqual([]);
  });

  test("a rollback notifies, and no smoke payload, function response or credential is sent", async () => {
    const target = await createTarget(moto, `notify-rollback-${++counter}`);
    const hook = await server();
    await queueInvokeResults(moto, [JSON.stringify({ statusCode: 200, body: "RESPONSE-MARKER" })]);
    const slow = startCli(
      moto,
      deployArgs(
        target,
        target.v2,
        "--steps",
        "50%:30s",
        "--alarm",
        target.alarm,
        "--smoke-payload",
        '{"card":"4111-PAYLOAD-MARKER"}',
        "--notify",
        `${hook.url}/hook`,
      ),
    );
    await slow.waitFor((event) => event.type === "shift");
    await setAlarm(moto, target.alarm, "ALARM");
    const run = await slow.done;
    expect(run.code, run.stderr).toBe(1);
    expect(received(hook)).toEqual([
      ["plan", null],
      ["shift", 50],
      ["rollback", null],
      ["result", "rolled_back"],
    ]);
    expect(hook.requests[2]?.json).toMatchObject({
      reason: 'Health gate "alarms" failed at 50% (bake) (details in the deploy\'s log)',
      version: "1",
    });
    for (const request of hook.requests) {
      expect(request.body).not.toMatch(/PAYLOAD-MARKER|RESPONSE-MARKER/);
      expect(request.body).not.toContain(moto.env.AWS_SECRET_ACCESS_KEY as string);
    }
    expect(await aliasOf(moto, target.name)).toEqual({ version: "1", weights: {} });
  });

  test("a hanging endpoint never changes the outcome: a bounded wait, a warning without the URL's path", async () => {
    const target = await createTarget(moto, `notify-hang-${++counter}`);
    const hang = await server(() => "hang");
    const started = Date.now();
    const run = await runCli(
      moto,
      deployArgs(
        target,
        target.v2,
        "--strategy",
        "AllAtOnce",
        "--notify",
        `${hang.url}/services/SECRET-PATH`,
      ),
    );
    expect(run.code, run.stderr).toBe(0);
    // 3 attempts x 5 s would be 15 s per notification: the 10 s flush bound cuts it.
    expect(Date.now() - started).toBeLessThan(25_000);
    expect(run.events.at(-1)).toMatchObject({ type: "result", outcome: "promoted", exitCode: 0 });
    const warnings = run.events.filter((event) => event.type === "warning").map((event) => event.message);
    expect(warnings.length).toBeGreaterThan(0);
    expect(warnings.join("\n")).toContain(`${hang.url}/…`);
    expect(run.stdout + run.stderr).not.toContain("SECRET-PATH");
    expect(await aliasOf(moto, target.name)).toEqual({ version: "2", weights: {} });
  }, 60_000);

  test("after SIGINT the wait for a hanging endpoint is short, so a cancelled CI job still prints its result", async () => {
    const target = await createTarget(moto, `notify-sigint-${++counter}`);
    const hang = await server(() => "hang");
    const cli = startCli(
      moto,
      deployArgs(target, target.v2, "--steps", "50%:5m", "--notify", `${hang.url}/services/SECRET-PATH`),
    );
    await cli.waitFor((event) => event.type === "shift");
    const signalled = Date.now();
    cli.child.kill("SIGINT");
    const run = await cli.done;
    expect(run.code, run.stderr).toBe(1);
    // The rollback (moto answers in milliseconds) plus at most the 2 s interrupted flush and its 1 s grace.
    expect(Date.now() - signalled).toBeLessThan(5_000);
    expect(run.events.at(-1)).toMatchObject({ type: "result", outcome: "rolled_back" });
    expect(await aliasOf(moto, target.name)).toEqual({ version: "1", weights: {} });
  });

  test("a URL that is not http(s) is exit 2 naming the flag, with nothing changed and nothing sent", async () => {
    const target = await createTarget(moto, `notify-bad-${++counter}`);
    const run = await runCli(
      moto,
      deployArgs(target, target.v2, "--notify", "ftp://hooks.example/SECRET-PATH"),
    );
    expect(run.code).toBe(2);
    expect(run.events.at(-1)).toMatchObject({ reason: "--notify is not an http(s) URL (scheme ftp:)." });
    expect(run.stdout + run.stderr).not.toContain("SECRET-PATH");
    expect(await aliasOf(moto, target.name)).toEqual({ version: "1", weights: {} });
  });

  test("a URL with credentials (fetch refuses it) is exit 2 naming the flag, with nothing changed and nothing sent", async () => {
    const target = await createTarget(moto, `notify-userinfo-${++counter}`);
    const hook = await server();
    const withCredentials = hook.url.replace("http://", "http://bot:SECRET-PW@");
    const run = await runCli(moto, deployArgs(target, target.v2, "--notify", `${withCredentials}/hook`));
    expect(run.code, run.stderr).toBe(2);
    expect(run.events.at(-1)).toMatchObject({
      reason:
        "--notify carries credentials (user:password@ before the host), which HTTP clients refuse to send.",
    });
    expect(run.stdout + run.stderr).not.toContain("SECRET-PW");
    expect(hook.requests).toEqual([]);
    expect(await aliasOf(moto, target.name)).toEqual({ version: "1", weights: {} });
  });

  test("the configuration's notify: list, with $\u007bVAR} read from the environment", async () => {
    const target = await createTarget(moto, `notify-config-${++counter}`);
    const hook = await server();
    await writeFile(
      join(target.dir, "lambda-rollout.yml"),
      `version: 1
environments:
  production:
    function: ${target.name}
    artifact: { bucket: ${target.bucket} }
    strategy: AllAtOnce
    notify: ["${hook.url}/services/\${SLACK_PATH}"]
`,
    );
    const run = await runCli(
      moto,
      ["deploy", "--env", "production", "--zip", target.v2, "--json"],
      target.dir,
      {
        SLACK_PATH: "T0/B0/secret",
      },
    );
    expect(run.code, run.stderr).toBe(0);
    expect(hook.requests.map((request) => request.path)).toEqual(Array(3).fill("/services/T0/B0/secret"));
    expect(received(hook)).toEqual([
      ["plan", null],
      ["shift", 100],
      ["result", "promoted"],
    ]);

    const unset = await runCli(
      moto,
      ["deploy", "--env", "production", "--zip", target.v3, "--json"],
      target.dir,
    );
    expect(unset.code).toBe(2);
    expect(unset.events.at(-1)?.reason).toContain('notify[0] of environment "production" refers to');
  });
});
