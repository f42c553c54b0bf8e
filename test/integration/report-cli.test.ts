/**
 * `lambda-rollout report <id>` and `history <id> --html` through the real binary against moto: a real
 * deploy leaves its record, the test publishes per-version Lambda metrics as AWS would, and the page
 * shows each version's error rate from CloudWatch (moto answers no percentiles: the p99 is missing, and
 * the page says so, or shows none).
 */
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { PutMetricDataCommand } from "@aws-sdk/client-cloudwatch";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { versionDimensions } from "../../src/health/lambda-metrics.js";
import { clients, createTarget, deployOf, runCli } from "../support/lambda-fixtures.js";
import { type Moto, startMoto } from "../support/moto.js";

let moto: Moto;

beforeAll(async () => {
  moto = await startMoto();
});
afterAll(async () => {
  await moto?.stop();
});

async function publish(name: string, version: string, invocations: number, errors: number) {
  const Dimensions = Object.entries(versionDimensions(name, "live", version)).map(([Name, Value]) => ({
    Name,
    Value,
  }));
  await clients(moto).cloudwatch.send(
    new PutMetricDataCommand({
      Namespace: "AWS/Lambda",
      MetricData: [
        { MetricName: "Invocations", Dimensions, Value: invocations, Unit: "Count", Timestamp: new Date() },
        { MetricName: "Errors", Dimensions, Value: errors, Unit: "Count", Timestamp: new Date() },
      ],
    }),
  );
}

describe("the report of a recorded roll-out", () => {
  test("report --out writes the page; history --html prints it; both show the versions' error rates", async () => {
    const target = await createTarget(moto, "report-cli");
    const deployed = await runCli(moto, [
      ...deployOf(target),
      "--steps",
      "50%:1s",
      "--interval",
      "500ms",
      "--alarm",
      target.alarm,
      "--json",
    ]);
    expect(deployed.code, deployed.stderr).toBe(0);
    const id = (deployed.events.at(-1) as { ledger: { id: string } }).ledger.id;
    await publish(target.name, "2", 200, 4);
    await publish(target.name, "1", 800, 0);

    const out = join(target.dir, "report.html");
    const ledger = ["--ledger-bucket", target.bucket];
    const run = await runCli(moto, ["report", id, "--function", target.name, ...ledger, "--out", out]);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toBe(`Wrote the report of roll-out ${id} to ${out}\n`);
    const page = await readFile(out, "utf8");
    expect(page).toContain(`<h1>${target.name}:live · v1 → v2</h1><span class="pill pass">Promoted</span>`);
    expect(page.match(/<g class="lane" data-lane=/g)).toHaveLength(1);
    expect(page).toMatch(/<g class="mark" data-mark="pass"/);
    expect(page).toContain(
      '<tr data-health="new"><td>v2 <span class="muted">new</span></td><td class="num">200</td><td class="num">4</td><td class="num">2.00%</td><td class="num">—</td></tr>',
    );
    expect(page).toContain(
      '<tr data-health="stable"><td>v1 <span class="muted">stable</span></td><td class="num">800</td><td class="num">0</td><td class="num">0.00%</td>',
    );

    // moto answers a percentile with no data points: the page says so.
    expect(page).toContain('<p class="notes">p99 duration: CloudWatch returned no data for the window</p>');
    const html = await runCli(moto, ["history", id, "--function", target.name, ...ledger, "--html"]);
    expect(html.code, html.stderr).toBe(0);
    expect(html.stdout.startsWith("<!doctype html>")).toBe(true);
    expect(html.stdout).toContain(`Roll-out <b>${id}</b>`);
  });

  test("an id the ledger does not hold is exit 2; --html without an id is exit 2", async () => {
    const target = await createTarget(moto, "report-cli-missing");
    const run = await runCli(moto, [
      "report",
      "r-nope-0000",
      "--function",
      target.name,
      "--ledger-bucket",
      target.bucket,
    ]);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain("No roll-out r-nope-0000 in the ledger");
    const list = await runCli(moto, ["history", "--function", target.name, "--html"]);
    expect(list.code).toBe(2);
    expect(list.stderr).toContain("--html draws one roll-out: pass its id.");
  });
});
