/**
 * One engine: a release of one function and a one-function deploy of the same function, with the same
 * plan and gates, say the same thing against moto. Their event sequences match once what a release
 * adds is set aside: the function and region on each event, its `wave` event, its own info lines and
 * result fields, and the ids, times and versions that differ between two runs.
 */
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, expect, test } from "vitest";
import { packageBytes, runCli } from "../support/lambda-fixtures.js";
import { type Moto, startMoto } from "../support/moto.js";
import { createReleaseFunction, releaseAliasOf, writeReleaseConfig } from "../support/release-fixtures.js";

let moto: Moto;
beforeAll(async () => {
  moto = await startMoto({}, { guards: true });
});
afterAll(async () => {
  await moto?.stop();
});

type Event = Record<string, unknown>;

/**
 * What the engine said, without what only tells two runs (or a release's labels) apart. A bake's polls
 * (its `bake` events and the gates polled during it) count once: how many fit depends on the machine.
 */
function normalised(events: Event[]): string[] {
  const lines = events
    .filter((event) => !["info", "wave", "result"].includes(String(event.type)))
    .map((event) => {
      const { at, function: _f, region: _r, remainingMs, ...rest } = event;
      const verdict = rest.verdict as Event | undefined;
      if (rest.type === "bake" || (rest.type === "gate" && rest.phase === "bake"))
        return `baking at ${String(rest.weight)}%`;
      return JSON.stringify({
        ...rest,
        ...(verdict ? { verdict: { gate: verdict.gate, status: verdict.status } } : {}),
      })
        .replace(/"(fromVersion|toVersion|version)":"\d+"/g, '"$1":"N"')
        .replace(/"(key|sha256|codeSha256)":"[^"]*"/g, '"$1":"…"')
        .replace(/"bytes":\d+/g, '"bytes":0')
        .replace(/"alias":"[^"]*"/g, '"alias":"A"');
    });
  return lines.filter((line, index) => !line.startsWith("baking") || line !== lines[index - 1]);
}

test("a release of one function and a one-function deploy emit the same events", async () => {
  const fn = await createReleaseFunction(moto, "one-engine", "eu-west-1");
  const prefix = "one-engine";
  const dir = await writeReleaseConfig({ functions: [fn], prefix, steps: "50%:1s" });
  const released = await runCli(
    moto,
    ["deploy", "--config", `${dir}/lambda-rollout.yml`, "--env", "production", "--json"],
    dir,
  );
  expect(released.code, released.stderr).toBe(0);
  expect((await releaseAliasOf(moto, fn)).version).toBe("2");

  await writeFile(join(dir, "dist", "v3.zip"), packageBytes("v3"));
  const single = await runCli(
    moto,
    [
      "deploy",
      ...["--function", fn.name, "--alias", "live", "--region", fn.region],
      ...["--zip", "dist/v3.zip", "--bucket", `artifacts-${fn.region}`, "--prefix", prefix],
      ...["--steps", "50%:1s", "--interval", "500ms", "--alarm", fn.alarm, "--json"],
    ],
    dir,
  );
  expect(single.code, single.stderr).toBe(0);
  expect((await releaseAliasOf(moto, fn)).version).toBe("3");

  const ofRelease = normalised(released.events as Event[]);
  const ofSingle = normalised(single.events as Event[]);
  expect(ofRelease).toEqual(ofSingle);
  // The sequence is the engine's whole story: plan, gates, both shifts, the bakes, the promotion.
  expect(
    ofSingle.map((line) => (line.startsWith("baking") ? line : (JSON.parse(line).type as string))),
  ).toEqual(
    ["plan", "artifact", "published", "gate", "shift", "baking", "gate", "shift", "promoted"].map((type) =>
      type === "baking" ? expect.stringMatching(/^baking/) : type,
    ),
  );
}, 60_000);
