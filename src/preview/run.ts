/**
 * The preview that the CLI and the GitHub Action both run: resolve inputs and configuration as deploy
 * does, build read-only use of the adapters, inspect (inspect.ts), and compare a policy file with what
 * `iam-policy` generates now. Bad input is an InputError (exit 2), as for deploy.
 */
import { readFile } from "node:fs/promises";
import { resolve } from "node:path";
import { createAwsPorts } from "../aws/index.js";
import { InputError } from "../errors.js";
import { generatePolicy } from "../iam/configured.js";
import { diffPolicies } from "../iam/diff.js";
import { policyGrants } from "../iam/grants.js";
import { type Clock, systemClock } from "../ports.js";
import { type DeployInputs, resolveDeploy } from "../rollout/request/request.js";
import { ledgerAccess } from "../run.js";
import { type PreviewRegionPorts, type PreviewTarget, preview, singleTarget } from "./inspect.js";
import type { PreviewReport } from "./render.js";

export interface PreviewOptions {
  env: NodeJS.ProcessEnv;
  cwd: string;
  signal?: AbortSignal | undefined;
  clock?: Clock | undefined;
  /** Adapters to use instead of the AWS SDK ones (tests). */
  ports?: ((region: string | undefined) => PreviewRegionPorts) | undefined;
  /** A policy document the CI identity has, to compare with what `iam-policy` generates now. */
  policyFile?: string | undefined;
}

/** The account a policy file names in its Lambda ARNs: `*` when it was generated without one. */
const ACCOUNT_IN_ARN = /arn:aws[a-z-]*:lambda:[^:"]*:(\d{12}|\*):function:/;

async function readPolicy(path: string, cwd: string): Promise<{ text: string; document: unknown }> {
  let text: string;
  try {
    text = await readFile(resolve(cwd, path), "utf8");
  } catch (error) {
    throw new InputError(`Cannot read the policy file ${path} (--policy).`, {
      cause: error,
      hint: "Pass the IAM policy document your CI identity has now, e.g. the output of `lambda-rollout iam-policy` on the base branch.",
    });
  }
  try {
    const document: unknown = JSON.parse(text);
    policyGrants(document);
    return { text, document };
  } catch (error) {
    throw new InputError(
      `${path} (--policy) is not an IAM policy document: ${error instanceof Error ? error.message : String(error)}`,
      {
        cause: error,
        hint: 'Pass a JSON policy document: {"Version": "2012-10-17", "Statement": [...]}.',
      },
    );
  }
}

export async function previewFromInputs(
  inputs: DeployInputs,
  options: PreviewOptions,
): Promise<PreviewReport> {
  const { env, cwd } = options;
  const resolved = await resolveDeploy(
    { ...inputs, dryRun: true },
    { env, cwd, readText: (path) => readFile(path, "utf8") },
  );
  if (resolved.kind === "noop")
    throw new InputError(resolved.message, { hint: "Pass --env NAME: the environment to preview." });
  const portsFor =
    options.ports ?? ((region: string | undefined) => createAwsPorts({ ...(region ? { region } : {}), env }));
  const target: PreviewTarget =
    resolved.kind === "release"
      ? { kind: "release", request: resolved.request, environment: resolved.environment }
      : singleTarget(resolved.request, resolved.region, resolved.environment);
  const firstRegion = target.request.functions[0]?.region;
  // The policy file is read first: a bad one is bad input, before any AWS call.
  const policy = options.policyFile ? await readPolicy(options.policyFile, cwd) : undefined;
  const found = await preview(target, {
    portsFor,
    clock: options.clock ?? systemClock,
    signal: options.signal,
    ledger: ledgerAccess(resolved.ledger, portsFor(firstRegion).ledgerStore, env),
  });
  if (!policy || !options.policyFile) return { ...found, policy: null };
  // With the account the file names: a file written for every account (`*`) is compared as such.
  const named = ACCOUNT_IN_ARN.exec(policy.text)?.[1];
  const account = named && named !== "*" ? (found.functions[0]?.account ?? named) : undefined;
  const generated = await generatePolicy(
    {
      config: inputs.config,
      env: resolved.environment?.name ?? inputs.env,
      function: inputs.function,
      alias: inputs.alias,
      bucket: inputs.bucket,
      prefix: inputs.prefix,
      alarm: inputs.alarms,
      region: inputs.region,
      ledgerBucket: inputs.ledgerBucket,
      ledgerPrefix: inputs.ledgerPrefix,
      ...(account ? { account } : {}),
    },
    { cwd, env },
  );
  return {
    ...found,
    policy: {
      file: options.policyFile,
      generated,
      diff: diffPolicies(policy.document, generated),
    },
  };
}
