/**
 * The promise checked after every faulty run, from AWS state read by an independent client: botocore
 * (the AWS CLI v1's client library, in Python) or the AWS CLI itself, straight at moto, never through
 * the fault proxy. The alias ends whole, on the version the result names, and the exit code and the
 * result line tell the truth; the roll-out's ledger record says what the result line says, and the
 * alias's lock is free, whenever the ledger could be written (else the result says what is missing).
 */
import { type ChildProcess, execFile, spawn } from "node:child_process";
import { join } from "node:path";
import type { Moto } from "../support/moto.js";

export interface AliasSnapshot {
  version: string;
  /** Versions with a weight above 0 besides the primary. */
  extraWeights: Record<string, number>;
  /** CodeSha256 of the version the alias's primary points at. */
  codeSha256: string;
}

export interface RunRecord {
  code: number | null;
  signal: NodeJS.Signals | null;
  stderr: string;
  events: Record<string, unknown>[];
  /** The run was killed because it did not finish in time. */
  timedOut: boolean;
}

export interface AliasReader {
  read(functionName: string, aliasName?: string): Promise<AliasSnapshot>;
  /** An S3 object's text, or undefined when there is none. */
  readObject(bucket: string, key: string): Promise<string | undefined>;
  stop(): Promise<void>;
}

interface RawAlias {
  version: string;
  weights: Record<string, number>;
  codeSha256: string;
}

function snapshotOf(raw: RawAlias): AliasSnapshot {
  const extraWeights = Object.fromEntries(Object.entries(raw.weights).filter(([, weight]) => weight > 0));
  return { version: raw.version, extraWeights, codeSha256: raw.codeSha256 };
}

/** Python environment without the test process's AWS settings (the reader is configured explicitly). */
function pythonEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) if (!key.startsWith("AWS_")) env[key] = value;
  return {
    ...env,
    AWS_ACCESS_KEY_ID: "test",
    AWS_SECRET_ACCESS_KEY: "test",
    AWS_DEFAULT_REGION: "us-east-1",
  };
}

/**
 * One long-lived botocore process (`read_alias.py`) answering one request per line: starting the AWS
 * CLI costs about a CPU-second per call, which on a shared 2-core machine took longer than the deploys.
 */
export function botocoreReader(moto: Moto): AliasReader {
  const python = process.env.PYTHON ?? "python3";
  const child: ChildProcess = spawn(python, [join(import.meta.dirname, "read_alias.py"), moto.endpoint], {
    env: pythonEnv(),
    stdio: ["pipe", "pipe", "pipe"],
  });
  const waiting: ((line: string) => void)[] = [];
  let buffer = "";
  let stderr = "";
  child.stderr?.on("data", (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-2000);
  });
  child.stdout?.on("data", (chunk: Buffer) => {
    buffer += chunk.toString();
    for (let newline = buffer.indexOf("\n"); newline >= 0; newline = buffer.indexOf("\n")) {
      const line = buffer.slice(0, newline);
      buffer = buffer.slice(newline + 1);
      waiting.shift()?.(line);
    }
  });
  const ask = <T>(request: object, what: string): Promise<T> =>
    new Promise((resolve, reject) => {
      if (child.exitCode !== null) {
        reject(new Error(`the botocore reader exited (${child.exitCode}): ${stderr}`));
        return;
      }
      waiting.push((line) => {
        const reply = JSON.parse(line) as T & { error?: string };
        if (reply.error) reject(new Error(`reading ${what}: ${reply.error}`));
        else resolve(reply);
      });
      child.stdin?.write(`${JSON.stringify(request)}\n`);
    });
  return {
    async read(functionName, aliasName = "live") {
      const request = { function: functionName, alias: aliasName };
      return snapshotOf(await ask<RawAlias>(request, `${functionName}:${aliasName}`));
    },
    async readObject(bucket, key) {
      const reply = await ask<{ body: string | null }>({ bucket, key }, `s3://${bucket}/${key}`);
      return reply.body ?? undefined;
    },
    async stop() {
      if (child.exitCode !== null) return;
      const exited = new Promise((resolve) => child.once("exit", resolve));
      child.stdin?.end();
      await exited;
    },
  };
}

function awsCliText(moto: Moto, args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(
      "aws",
      [...args, "--endpoint-url", moto.endpoint, "--output", "json"],
      { env: pythonEnv(), timeout: 60_000 },
      (error, stdout, stderr) => {
        if (error) reject(new Error(`aws ${args.join(" ")} failed: ${error.message}\n${stderr}`));
        else resolve(stdout);
      },
    );
  });
}

const awsCli = async (moto: Moto, args: string[]): Promise<unknown> =>
  JSON.parse(await awsCliText(moto, args));

/** The AWS CLI v1 itself, two commands per read (`FAULT_CHECK=aws-cli`): slower, same answers. */
export function awsCliReader(moto: Moto): AliasReader {
  return {
    async read(functionName, aliasName = "live") {
      const alias = (await awsCli(moto, [
        "lambda",
        "get-alias",
        "--function-name",
        functionName,
        "--name",
        aliasName,
      ])) as {
        FunctionVersion: string;
        RoutingConfig?: { AdditionalVersionWeights?: Record<string, number> };
      };
      const version = alias.FunctionVersion;
      const config = (await awsCli(moto, [
        "lambda",
        "get-function-configuration",
        ...["--function-name", functionName, "--qualifier", version],
      ])) as { CodeSha256: string };
      const weights = alias.RoutingConfig?.AdditionalVersionWeights ?? {};
      return snapshotOf({ version, weights, codeSha256: config.CodeSha256 });
    },
    async readObject(bucket, key) {
      return await awsCliText(moto, ["s3", "cp", `s3://${bucket}/${key}`, "-"]).catch((error: Error) => {
        if (/\(404\)|NoSuchKey|Not Found/.test(error.message)) return undefined;
        throw error;
      });
    },
    stop: async () => {},
  };
}

const EXIT_BY_OUTCOME: Record<string, readonly number[]> = {
  promoted: [0],
  noop: [0],
  rolled_back: [1],
  failed: [2, 3, 4, 5],
};

/** What the ledger holds after a run, read by the independent client, and whether S3 answered its last request. */
export interface LedgerSnapshot {
  /** The record the result line names (`result.ledger.record`), parsed; undefined when absent or unnamed. */
  record: { outcome: { outcome: string; exitCode: number } | null } | undefined;
  /** The alias's head (its lock), parsed; undefined when there is none. */
  head: { holder: { id: string } | null } | undefined;
  /** False when a fault stood in for S3's answer to the run's last ledger request: unreachable at the end. */
  reachableAtEnd: boolean;
}

/**
 * The ledger's part of the promise: the record says what the result line says and the lock is free,
 * unless the result says what the record may miss; a run that began no record leaves no lock behind.
 * Both hold whenever the ledger was reachable at the end.
 */
export function ledgerViolations(run: RunRecord, ledger: LedgerSnapshot): string[] {
  const result = [...run.events].reverse().find((event) => event.type === "result");
  if (!result || run.timedOut) return [];
  const named = result.ledger as { id: string; incomplete?: string } | undefined;
  const found: string[] = [];
  const holder = ledger.head?.holder;
  if (!named) {
    if (holder && ledger.reachableAtEnd)
      found.push(
        `no record in the result, but the lock is held by ${holder.id} (the ledger was reachable at the end)`,
      );
    return found;
  }
  const incomplete = named.incomplete ?? "";
  const recordMissed = /could not be saved/.test(incomplete);
  const lockMissed = /lock could not be freed/.test(incomplete);
  if (incomplete && !recordMissed && !lockMissed)
    found.push(`the result says the ledger missed "${incomplete}"`);
  if (!recordMissed) {
    const outcome = ledger.record?.outcome;
    if (!ledger.record) found.push(`the record ${named.id} is missing`);
    else if (outcome?.outcome !== result.outcome || outcome?.exitCode !== result.exitCode)
      found.push(
        `the record says ${outcome ? `${outcome.outcome} (exit ${outcome.exitCode})` : "no outcome"}, the result ${String(result.outcome)} (exit ${String(result.exitCode)})`,
      );
  }
  if (!lockMissed && holder) found.push(`the lock is still held by ${holder.id}`);
  return found;
}

/**
 * Everything wrong with one run. `previousVersion` is what the alias served before the run;
 * `packageSha256` is the base64 CodeSha256 of the package it deployed.
 */
export function violationsOf(
  run: RunRecord,
  alias: AliasSnapshot,
  expected: { previousVersion: string; packageSha256: string },
): string[] {
  const found: string[] = [];
  const result = [...run.events].reverse().find((event) => event.type === "result");
  if (run.timedOut) found.push("the run did not finish in time and was killed");
  else if (run.code === null) found.push(`the CLI died from signal ${run.signal}`);
  if (Object.keys(alias.extraWeights).length > 0) {
    found.push(
      `alias left split: primary v${alias.version}, extra weights ${JSON.stringify(alias.extraWeights)}`,
    );
  }
  if (!result) {
    found.push(`no result line on stdout (exit ${run.code})`);
  } else {
    const outcome = String(result.outcome);
    if (result.exitCode !== run.code) {
      found.push(`result line says exitCode ${String(result.exitCode)}, the process exited ${run.code}`);
    }
    if (!(EXIT_BY_OUTCOME[outcome] ?? []).includes(run.code ?? -1)) {
      found.push(`outcome ${outcome} with exit ${run.code}`);
    }
    if (outcome === "promoted" || outcome === "noop") {
      if (alias.codeSha256 !== expected.packageSha256) {
        found.push(
          `${outcome}, but the alias serves v${alias.version} whose CodeSha256 is not the package's`,
        );
      }
      if (outcome === "promoted" && result.toVersion !== alias.version) {
        found.push(`promoted v${String(result.toVersion)}, but the alias serves v${alias.version}`);
      }
    } else if (alias.version !== expected.previousVersion) {
      const code = alias.codeSha256 === expected.packageSha256 ? " (the new code)" : "";
      found.push(
        `${outcome} (exit ${run.code}), but the alias serves v${alias.version}${code}, not the previous v${expected.previousVersion}`,
      );
    }
    if (run.code === 5 && !/lambda-rollout rollback/.test(`${String(result.hint)}\n${run.stderr}`)) {
      found.push("exit 5 without the command to run");
    }
  }
  if (run.code === 2 || run.code === 3) {
    found.push(`exit ${run.code} with valid input and no other writer: ${String(result?.reason ?? "")}`);
  }
  const stack = run.stderr.split("\n").find((line) => /^\s+at\s/.test(line));
  if (stack) found.push(`stack trace in stderr without --debug: "${stack.trim()}"`);
  return found;
}
