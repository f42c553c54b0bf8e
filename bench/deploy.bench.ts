/**
 * Issue 2 benchmarks, against one moto server started here (not timed tests):
 *  1. deploy overhead: `lambda-rollout deploy --strategy AllAtOnce` vs the hand-written AWS CLI sequence
 *     (update-function-code, wait function-updated, publish-version, update-alias), median wall time and
 *     AWS API calls per deploy, counted by a loopback proxy in front of moto;
 *  2. rollback reaction: from an alarm switching to ALARM to the alias restored, with --interval 1s.
 * Run: npm run build && npx vite-node bench/deploy.bench.ts [--runs N] [--write]
 */
import { execFile } from "node:child_process";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { promisify } from "node:util";
import { PutObjectCommand } from "@aws-sdk/client-s3";
import {
  aliasOf,
  clients,
  createTarget,
  packageBytes,
  setAlarm,
  startCli,
} from "../test/support/lambda-fixtures.js";
import { startMoto } from "../test/support/moto.js";
import { countingProxy, median, readResults, replaceBlock, writeResults } from "./support.js";

const run = promisify(execFile);
const argv = process.argv.slice(2);
const runs = Number(argv[argv.indexOf("--runs") + 1]) || 7;
const BIN = join(import.meta.dirname, "../bin/lambda-rollout.js");

async function main() {
  const moto = await startMoto();
  const proxy = await countingProxy(moto.endpoint);
  const env = { ...process.env, ...moto.env, AWS_ENDPOINT_URL: proxy.endpoint, CI: "true", AWS_PAGER: "" };
  try {
    const target = await createTarget(moto, "bench-overhead");
    const aws = clients(moto);
    const tool: number[] = [];
    const cli: number[] = [];
    const toolCalls: number[] = [];
    const cliCalls: number[] = [];
    for (let i = 0; i < runs; i++) {
      // lambda-rollout: a fresh package each time (a repeat would be a noop), upload included.
      const zip = join(target.dir, `tool-${i}.zip`);
      await writeFile(zip, packageBytes(`tool-${i}`));
      proxy.take();
      let start = performance.now();
      await run(
        process.execPath,
        [
          BIN,
          "deploy",
          "--function",
          target.name,
          "--zip",
          zip,
          "--bucket",
          target.bucket,
          "--strategy",
          "AllAtOnce",
        ],
        { env },
      );
      tool.push(performance.now() - start);
      toolCalls.push(proxy.take().length);

      // The AWS CLI sequence, with its package already in S3 (it uploads nothing).
      const key = `manual/${i}.zip`;
      await aws.s3.send(
        new PutObjectCommand({ Bucket: target.bucket, Key: key, Body: packageBytes(`cli-${i}`) }),
      );
      proxy.take();
      start = performance.now();
      const awsCli = (...args: string[]) =>
        run("aws", [...args, "--endpoint-url", proxy.endpoint, "--output", "json"], { env });
      await awsCli(
        "lambda",
        "update-function-code",
        "--function-name",
        target.name,
        "--s3-bucket",
        target.bucket,
        "--s3-key",
        key,
      );
      await awsCli("lambda", "wait", "function-updated", "--function-name", target.name);
      const published = JSON.parse(
        (await awsCli("lambda", "publish-version", "--function-name", target.name)).stdout,
      ) as { Version: string };
      await awsCli(
        "lambda",
        "update-alias",
        "--function-name",
        target.name,
        "--name",
        "live",
        "--function-version",
        published.Version,
      );
      cli.push(performance.now() - start);
      cliCalls.push(proxy.take().length);
    }

    const reactions: number[] = [];
    for (let i = 0; i < Math.min(runs, 5); i++) {
      const reaction = await createTarget(moto, `bench-reaction-${i}`);
      await setAlarm(moto, reaction.alarm, "OK");
      const deploy = startCli({ ...moto, env: { ...moto.env } }, [
        "deploy",
        "--function",
        reaction.name,
        "--zip",
        reaction.v2,
        "--bucket",
        reaction.bucket,
        "--steps",
        "10%:60s",
        "--alarm",
        reaction.alarm,
        "--interval",
        "1s",
        "--json",
      ]);
      await deploy.waitFor((e) => e.type === "shift" && e.weight === 10);
      // Let the bake loop settle into its poll rhythm before the alarm fires at a random phase.
      await new Promise((resolve) => setTimeout(resolve, 300 + Math.random() * 1000));
      const start = performance.now();
      await setAlarm(moto, reaction.alarm, "ALARM");
      for (;;) {
        const alias = await aliasOf(moto, reaction.name);
        if (alias.version === "1" && Object.keys(alias.weights).length === 0) break;
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
      reactions.push(performance.now() - start);
      await deploy.done;
    }

    const toolMedian = median(tool);
    const cliMedian = median(cli);
    const report = [
      "## Deploy overhead and rollback reaction (issue 2)",
      "",
      `Reproduce: \`npm run build && npx vite-node bench/deploy.bench.ts --runs ${runs} --write\` (moto 5.2.1 on loopback, AWS CLI v1, Node ${process.version}; ${runs} deploys each, interleaved).`,
      "",
      "| contender | median wall time | AWS API calls per deploy (median) |",
      "|---|---:|---:|",
      `| hand-written AWS CLI sequence (baseline, package already in S3) | ${cliMedian.toFixed(0)} ms | ${median(cliCalls)} |`,
      `| \`lambda-rollout deploy --strategy AllAtOnce\` (hashes, uploads, validates, publishes, shifts) | ${toolMedian.toFixed(0)} ms | ${median(toolCalls)} |`,
      "",
      `Overhead ratio (lambda-rollout / AWS CLI): **${(toolMedian / cliMedian).toFixed(2)}** (target ≤ 0.5).`,
      "",
      `Rollback reaction with \`--interval 1s\` (alarm set to ALARM → alias 100% old, no routing), ${reactions.length} runs: median **${median(reactions).toFixed(0)} ms**, max ${Math.max(...reactions).toFixed(0)} ms (target ≤ interval + 1 s = 2000 ms).`,
      "",
    ].join("\n");
    process.stdout.write(`${report}\n`);
    if (argv.includes("--write")) await writeSection(report);
  } finally {
    await proxy.close();
    await moto.stop();
  }
}

/** Replaces this benchmark's section of bench/RESULTS.md, leaving the others alone. */
async function writeSection(section: string) {
  await writeResults(replaceBlock(await readResults(), section.split("\n")[0] as string, section));
}

await main();
