/**
 * Function and alias names as Lambda accepts them, checked before any AWS call.
 *
 * Lambda's FunctionName accepts a name, a full ARN or a partial ARN (`ACCOUNT:function:NAME`), each
 * optionally qualified (`:live`, `:7`). lambda-rollout names S3 keys, metric dimensions and IAM
 * resources after the bare name, so a reference is reduced to it once, here, where input is resolved.
 * Patterns from the Lambda API reference (GetAlias, CreateAlias):
 *   FunctionName  (arn:(aws[a-zA-Z-]*)?:lambda:)?([a-z]{2}(-gov)?-[a-z]+-\d{1}:)?(\d{12}:)?(function:)?
 *                 ([a-zA-Z0-9-_]+)(:(\$LATEST|[a-zA-Z0-9-_]+))?   a bare name is at most 64 characters
 *   alias Name    (?!^[0-9]+$)([a-zA-Z0-9-_]+)                     1 to 128 characters
 */
import { InputError } from "../errors.js";

export interface FunctionRef {
  /** The bare function name. */
  name: string;
  /** From a full ARN only. */
  partition?: string;
  region?: string;
  /** From a full or partial ARN. */
  account?: string;
}

const NAME = /^[A-Za-z0-9_-]+$/;
const MAX_NAME = 64;
const MAX_ALIAS = 128;
const PARTITION = /^aws(-[a-z]+)*$/;
// Lambda documents `[a-z]{2}(-gov)?-[a-z]+-\d`; this also admits the isolated partitions' longer names.
const REGION = /^[a-z]{2}(-[a-z]+)+-\d+$/;
const ACCOUNT = /^\d{12}$/;

function nameProblem(name: string): string | undefined {
  if (name === "") return "is empty";
  if (name.length > MAX_NAME) return `is ${name.length} characters long; Lambda allows at most ${MAX_NAME}`;
  if (!NAME.test(name)) return "may contain only letters, digits, '-' and '_'";
  return undefined;
}

function qualifiedError(text: string, unqualified: string, qualifier: string, source: string): InputError {
  if (qualifier === "$LATEST") {
    return new InputError(
      `${source} "${text}" is qualified with $LATEST; lambda-rollout needs the function.`,
      {
        hint: `Pass it without ":$LATEST" (${unqualified}): lambda-rollout publishes a version of $LATEST itself.`,
      },
    );
  }
  if (/^\d+$/.test(qualifier)) {
    return new InputError(
      `${source} "${text}" is qualified with version ${qualifier}; lambda-rollout needs the function.`,
      {
        hint: `Pass the function as ${unqualified} and the version with --version ${qualifier}.`,
      },
    );
  }
  return new InputError(
    `${source} "${text}" is qualified with the alias "${qualifier}"; lambda-rollout needs the function.`,
    {
      hint: `Pass the function as ${unqualified} and the alias with --alias ${qualifier} (in the configuration: alias: ${qualifier}).`,
    },
  );
}

const NOT_AN_ARN_HINT =
  "Use the function's name, its ARN (arn:aws:lambda:REGION:ACCOUNT:function:NAME) or ACCOUNT:function:NAME.";

/**
 * A function reference reduced to its bare name (plus what an ARN also says). `source` names the input
 * in messages (`--function`, `function of environment "production"`). Qualified references and names
 * Lambda would reject are InputErrors.
 */
export function parseFunctionRef(text: string, source = "--function"): FunctionRef {
  const parts = text.split(":");
  let ref: FunctionRef;
  let qualifier: string | undefined;
  let unqualified: string;
  if (parts[0] === "arn") {
    const [, partition = "", service, region = "", account = "", type, name = "", ...rest] = parts;
    if (
      service !== "lambda" ||
      type !== "function" ||
      !PARTITION.test(partition) ||
      !REGION.test(region) ||
      !ACCOUNT.test(account) ||
      rest.length > 1
    ) {
      throw new InputError(`${source} "${text}" is not a Lambda function ARN.`, { hint: NOT_AN_ARN_HINT });
    }
    ref = { name, partition, region, account };
    qualifier = rest[0];
    unqualified = parts.slice(0, 7).join(":");
  } else if (parts.length >= 3) {
    const [account = "", type, name = "", ...rest] = parts;
    if (type !== "function" || !ACCOUNT.test(account) || rest.length > 1) {
      throw new InputError(`${source} "${text}" is not a function name or ARN.`, { hint: NOT_AN_ARN_HINT });
    }
    ref = { name, account };
    qualifier = rest[0];
    unqualified = parts.slice(0, 3).join(":");
  } else {
    ref = { name: parts[0] ?? "" };
    qualifier = parts[1];
    unqualified = ref.name;
  }
  const problem = nameProblem(ref.name);
  if (problem !== undefined) {
    throw new InputError(`${source}: the function name "${ref.name}" ${problem}.`, {
      hint: "Use the function's name as Lambda shows it (1-64 letters, digits, '-' or '_'), or its ARN.",
    });
  }
  if (qualifier !== undefined) throw qualifiedError(text, unqualified, qualifier, source);
  return ref;
}

/** The message of parseFunctionRef's InputError for `text`, or undefined when it is valid (for schemas). */
export function functionRefProblem(text: string): string | undefined {
  try {
    parseFunctionRef(text, "function");
    return undefined;
  } catch (error) {
    if (!(error instanceof InputError)) throw error;
    return error.hint ? `${error.message} ${error.hint}` : error.message;
  }
}

/** Why Lambda would reject `name` as an alias name, or undefined. */
export function aliasNameProblem(name: string): string | undefined {
  if (name === "") return "is empty";
  if (name.length > MAX_ALIAS) return `is ${name.length} characters long; Lambda allows at most ${MAX_ALIAS}`;
  if (!NAME.test(name)) return "may contain only letters, digits, '-' and '_'";
  if (/^\d+$/.test(name)) return "is all digits, which Lambda reads as a version number";
  return undefined;
}

/** Returns `name` when Lambda accepts it as an alias name; otherwise an InputError naming `source`. */
export function checkAliasName(name: string, source = "--alias"): string {
  const problem = aliasNameProblem(name);
  if (problem !== undefined) {
    throw new InputError(`${source}: the alias name "${name}" ${problem}.`, {
      hint: "Use the alias's name as Lambda shows it (1-128 letters, digits, '-' or '_', not only digits), e.g. live.",
    });
  }
  return name;
}

export interface FunctionTargetInputs {
  flagFunction?: string | undefined;
  /** The environment's `function`, used when no flag gives one. */
  configFunction?: string | undefined;
  flagRegion?: string | undefined;
  configRegion?: string | undefined;
  /** Names the environment in messages, e.g. `environment "production"`. */
  configSource?: string | undefined;
}

export interface FunctionTarget extends FunctionRef {
  region: string | undefined;
}

/**
 * The bare function name and the region to call, from flags over the configuration.
 *
 * A full ARN says where the function lives, so its region is used when no region is given, and wins
 * over the configuration's region when the ARN itself is a flag (flags override the file). A region
 * given at the same level as the ARN (`--region` for any ARN, the environment's `region` for an ARN in
 * the same file) that differs is a contradiction we refuse to guess about: exit 2.
 */
export function resolveFunctionTarget(inputs: FunctionTargetInputs): FunctionTarget | undefined {
  const fromFlag = inputs.flagFunction !== undefined;
  const text = inputs.flagFunction ?? inputs.configFunction;
  if (text === undefined) return undefined;
  const source = fromFlag ? "--function" : `function of ${inputs.configSource ?? "the environment"}`;
  const ref = parseFunctionRef(text, source);
  if (ref.region === undefined) return { ...ref, region: inputs.flagRegion ?? inputs.configRegion };
  const contradiction =
    inputs.flagRegion !== undefined && inputs.flagRegion !== ref.region
      ? { said: `--region says ${inputs.flagRegion}`, fix: "Drop --region" }
      : !fromFlag && inputs.configRegion !== undefined && inputs.configRegion !== ref.region
        ? { said: `the configuration's region is ${inputs.configRegion}`, fix: "Remove or correct region:" }
        : undefined;
  if (contradiction) {
    throw new InputError(
      `${source} is an ARN in ${ref.region}, but ${contradiction.said}; the function cannot be in both.`,
      {
        hint: `${contradiction.fix} (the ARN's region is used when none is given), or name the function in the other region.`,
      },
    );
  }
  return { ...ref, region: ref.region };
}

/**
 * The target a command names: `--function`/`--region` over the environment's (an ARN in either reduced
 * to its name and region), for deploy, status/rollback/promote and iam-policy alike.
 */
export function targetOf(
  flags: { function?: string | undefined; region?: string | undefined },
  environment: { name: string; function?: string | undefined; region?: string | undefined } | undefined,
): FunctionTarget | undefined {
  return resolveFunctionTarget({
    flagFunction: flags.function,
    configFunction: environment?.function,
    flagRegion: flags.region,
    configRegion: environment?.region,
    configSource: environment ? `environment "${environment.name}"` : undefined,
  });
}
