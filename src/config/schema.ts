/**
 * The one schema of `lambda-rollout.yml`: validation, TypeScript types (z.infer) and the published JSON
 * Schema all come from here. Objects are strict so a typo such as `stratgy` is an error, not a silent
 * default.
 */
import * as z from "zod";
import { RolloutError } from "../errors.js";
import { parseDuration } from "../plan/duration.js";
import { buildPlan, PRESET_NAMES } from "../plan/plan.js";
import { aliasNameProblem, functionRefProblem } from "./function-name.js";

/** The message of an InputError from the planner, with its hint, as one line. */
export function plannerMessage(error: unknown): string {
  if (error instanceof RolloutError) return error.hint ? `${error.message} ${error.hint}` : error.message;
  return error instanceof Error ? error.message : String(error);
}

// For editors only (JSON Schema `pattern`); validation itself is parseDuration's, with its messages.
const DURATION_PATTERN = "^\\s*\\d+(\\.\\d+)?(ms|s|m|h)\\s*$";
const STEPS_PATTERN =
  "^\\s*\\d+(\\.\\d+)?%:\\d+(\\.\\d+)?(ms|s|m|h)\\s*(,\\s*\\d+(\\.\\d+)?%:\\d+(\\.\\d+)?(ms|s|m|h)\\s*)*$";

const duration = (description: string) =>
  z
    .string()
    .superRefine((text, ctx) => {
      try {
        parseDuration(text);
      } catch (error) {
        ctx.addIssue({ code: "custom", message: plannerMessage(error) });
      }
    })
    .meta({ description, examples: ["30s", "5m", "1h"], pattern: DURATION_PATTERN });

const stepsText = z
  .string()
  .superRefine((text, ctx) => {
    try {
      buildPlan({ steps: text });
    } catch (error) {
      ctx.addIssue({ code: "custom", message: plannerMessage(error) });
    }
  })
  .meta({
    description: 'WEIGHT%:DURATION pairs, e.g. "10%:5m,50%:5m"; the shift to 100% follows the last.',
    pattern: STEPS_PATTERN,
  });

const stepObject = z.strictObject({
  weight: z.number().meta({ description: "Percent of traffic on the new version (0 < weight < 100)." }),
  duration: duration("How long this weight bakes."),
});

const stepsList = z
  .array(stepObject)
  .superRefine((steps, ctx) => {
    let bakes: number[];
    try {
      bakes = steps.map((step) => parseDuration(step.duration));
    } catch {
      return; // already reported at the step's own duration
    }
    try {
      buildPlan({ steps: steps.map((step, index) => ({ weight: step.weight, bakeMs: bakes[index] ?? 0 })) });
    } catch (error) {
      ctx.addIssue({ code: "custom", message: plannerMessage(error) });
    }
  })
  .meta({ description: "Traffic steps in increasing weight; the shift to 100% follows the last." });

const jsonObject = z.record(z.string(), z.json());

const jsonText = z.string().superRefine((text, ctx) => {
  try {
    JSON.parse(text);
  } catch {
    const shown = text.length > 40 ? `${text.slice(0, 37)}...` : text;
    ctx.addIssue({
      code: "custom",
      message: `${JSON.stringify(shown)} is not JSON text; write the event as a mapping or as JSON.`,
    });
  }
});

const smokeCheck = z.strictObject({
  payload: z
    .union([jsonObject, jsonText])
    .meta({ description: "Event sent to the new version: a mapping, or its JSON text." }),
  expect: z
    .strictObject({
      statusCode: z
        .number()
        .int()
        .meta({ description: "Expected StatusCode of the invocation (usually 200)." }),
      body: z.json().meta({ description: "JSON subset the response payload must contain." }),
      functionError: z
        .literal(false)
        .meta({ description: "The invocation must not report a FunctionError (the default)." }),
    })
    .partial()
    .optional(),
});

const ratio = z.number().min(0);

const metrics = z
  .strictObject({
    errorRate: z
      .strictObject({
        max: ratio.meta({ description: "Highest acceptable error rate of the new version, in percent." }),
        maxRelativeToStable: ratio.meta({
          description: "Highest acceptable ratio to the stable version's rate.",
        }),
      })
      .partial(),
    throttles: z.strictObject({ max: z.number().int().min(0) }).partial(),
    duration: z
      .strictObject({
        stat: z.enum(["p99", "Average", "Maximum"]),
        max: ratio.meta({ description: "Highest acceptable duration in milliseconds." }),
        maxRelativeToStable: ratio,
      })
      .partial(),
    minInvocations: z.number().int().min(0),
    inconclusive: z.enum(["pass", "fail"]),
    maxExtension: duration("How long a step may be extended while evidence is inconclusive."),
    consecutiveFailures: z.number().int().min(1),
    reportOnly: z.boolean(),
  })
  .partial()
  .meta({
    description:
      "Metric analysis of the new version against the stable one, from per-version alias metrics (AWS/Lambda, ExecutedVersion).",
  });

/** Execution environments of one Managed Instances version (PutFunctionScalingConfig's range). */
const environmentsCount = (description: string) => z.number().int().min(0).max(15_000).meta({ description });

const scalingBounds = (description: string) =>
  z
    .strictObject({
      min: environmentsCount("Execution environments the version keeps at least."),
      max: environmentsCount("Execution environments the version may have at most."),
    })
    .partial()
    .superRefine((scaling, ctx) => {
      if (scaling.min === undefined && scaling.max === undefined)
        ctx.addIssue({ code: "custom", message: "set min, max or both." });
      if (scaling.min !== undefined && scaling.max !== undefined && scaling.min > scaling.max)
        ctx.addIssue({
          code: "custom",
          message: `min (${scaling.min}) must not exceed max (${scaling.max}).`,
        });
    })
    .meta({ description });

const managedInstances = z
  .strictObject({
    activationTimeout: duration(
      "How long the new version may take to become Active (its execution environments start first); default 20m.",
    ),
    scaling: scalingBounds(
      "The new version's scaling, set before any traffic; default: the stable version's.",
    ),
    scaleDownReplaced: scalingBounds(
      "After the promotion and the final bake, the scaling of the version it replaced; default: left as it is.",
    ),
  })
  .partial()
  .meta({
    description:
      "For a function on Lambda Managed Instances (a capacity provider, detected from the function): the wait for a new version, its scaling, and the replaced version's.",
  });

/** Settings shared by `defaults` and every environment. */
const settingsShape = {
  alias: z
    .string()
    .superRefine((name, ctx) => {
      const problem = aliasNameProblem(name);
      if (problem !== undefined) {
        ctx.addIssue({
          code: "custom",
          message: `the alias name ${JSON.stringify(name)} ${problem}; Lambda accepts 1-128 letters, digits, '-' or '_', not only digits.`,
        });
      }
    })
    .meta({
      description: "Alias whose traffic is shifted.",
      default: "live",
      pattern: "^(?!\\d+$)[A-Za-z0-9_-]{1,128}$",
    }),
  region: z.string().min(1).meta({ description: "AWS region; otherwise the SDK's default chain." }),
  artifact: z.strictObject({
    bucket: z.string().min(1).meta({ description: "S3 bucket for content-addressed packages." }),
    prefix: z.string().optional().meta({ description: "Key prefix inside the bucket." }),
  }),
  ledger: z
    .strictObject({
      bucket: z.string().min(1).meta({ description: "S3 bucket of the roll-out ledger (versioned)." }),
      prefix: z.string().optional().meta({ description: "Key prefix of the ledger; default `rollouts/`." }),
    })
    .meta({
      description:
        "Where roll-out records, alias locks and history live. Default: `<artifact prefix>/rollouts/` in the artifact bucket.",
    }),
  strategy: z.enum(PRESET_NAMES as [string, ...string[]]).meta({ description: "CodeDeploy-style preset." }),
  steps: z.union([stepsText, stepsList]),
  finalBake: duration("Bake after the shift to 100%, with the same gates."),
  interval: duration("How often health is polled during a bake."),
  alarms: z.array(z.string().min(1)).meta({ description: "CloudWatch alarm names; ALARM fails the step." }),
  alarmReadFailure: z
    .enum(["fail", "ignore"])
    .meta({ description: "What a failure to read the alarms means.", default: "fail" }),
  alarmsAlreadyFiring: z.enum(["fail", "ignore"]).meta({
    description:
      "ignore: alarms already in ALARM when the roll-out starts do not block it (until they leave ALARM); needs smoke, hooks or metrics to judge the new version. Same as --allow-firing-alarms.",
    default: "fail",
  }),
  prune: z
    .strictObject({
      keep: z
        .number()
        .int()
        .min(1)
        .meta({ description: "How many of the newest published versions to keep." }),
    })
    .meta({
      description:
        "After a successful promotion, delete published versions older than the newest `keep` that no alias needs; also adds lambda:DeleteFunction on versions to iam-policy.",
    }),
  managedInstances,
  smoke: z
    .array(smokeCheck)
    .meta({ description: "Invocations of the new version before any traffic moves." }),
  metrics,
  notify: z.array(z.string().min(1)).meta({
    description:
      "Webhook URLs POSTed JSON (with a Slack-style `text`) at the start, each shift, a rollback, an approval wait and the result. `$\u007bVAR}` is replaced from the environment, so the secret URL can stay in CI secrets.",
  }),
  hooks: z
    .strictObject({
      preTraffic: z.array(z.string().min(1)).meta({
        description: "Commands run once before any traffic moves; a non-zero exit stops the roll-out.",
      }),
      postTraffic: z.array(z.string().min(1)).meta({
        description: "Commands run once right after the shift to 100%; a non-zero exit rolls back.",
      }),
      timeout: duration("How long a hook command may run before it fails the gate (default 5m)."),
    })
    .partial()
    .meta({
      description:
        "Shell commands as health gates (like CodeDeploy's BeforeAllowTraffic/AfterAllowTraffic), with LAMBDA_ROLLOUT_FUNCTION, _ALIAS, _NEW_VERSION, _STABLE_VERSION, _WEIGHT and _PHASE set.",
    }),
  manualApproval: z.boolean().meta({
    description:
      "Wait after the last step's bake, before 100%, until `lambda-rollout approve` (gates keep polling).",
    default: false,
  }),
  approvalTimeout: duration(
    "How long a manual approval may take before the roll-out rolls back (default 1h).",
  ),
  requireGates: z.boolean().meta({
    description:
      "Refuse (exit 2) a roll-out with no gate (no alarm, smoke invocation, hook or metric analysis) instead of warning about it. Same as --require-gates.",
    default: false,
  }),
  engine: z.enum(["local", "stepfunctions"]).meta({
    description:
      "Where the plan runs: in the lambda-rollout process (local), or in a Step Functions execution that outlives the CI job (stepfunctions).",
    default: "local",
  }),
  stateMachine: z
    .string()
    .regex(/^arn:aws[a-z-]*:states:[a-z0-9-]+:\d{12}:stateMachine:[A-Za-z0-9_-]{1,80}$/, {
      message: "must be a state machine ARN, arn:aws:states:REGION:ACCOUNT:stateMachine:NAME",
    })
    .meta({
      description: "ARN of the state machine for engine: stepfunctions (lambda-rollout state-machine).",
    }),
};

export const defaultsSchema = z.strictObject(settingsShape).partial();

const functionRef = z
  .string()
  .superRefine((text, ctx) => {
    const problem = functionRefProblem(text);
    if (problem !== undefined) ctx.addIssue({ code: "custom", message: problem });
  })
  .meta({
    description: "Lambda function name, ARN or partial ARN (ACCOUNT:function:NAME), unqualified.",
    pattern: "^((arn:aws[a-z-]*:lambda:[a-z0-9-]+:)?\\d{12}:function:)?[A-Za-z0-9_-]{1,64}$",
  });

/**
 * One function of a release. It may override the environment's per-function settings; the plan
 * (strategy, steps, finalBake, interval) is the release's own, shared by every function.
 */
const releaseFunction = z
  .strictObject({
    function: functionRef,
    zip: z.string().min(1).meta({ description: "The package, relative to the configuration file." }),
    region: settingsShape.region,
    alias: settingsShape.alias,
    artifact: settingsShape.artifact,
    alarms: settingsShape.alarms,
    alarmReadFailure: settingsShape.alarmReadFailure,
    smoke: settingsShape.smoke,
    metrics: settingsShape.metrics,
    hooks: settingsShape.hooks,
  })
  .partial()
  .required({ function: true, zip: true });

const wave = z.strictObject({
  regions: z
    .array(z.string().min(1))
    .min(1)
    .meta({ description: "Regions whose functions ship in this wave, together." }),
  bake: duration("How long the promoted wave bakes, gates watching, before the next wave starts.").optional(),
});

export const environmentSchema = z
  .strictObject({
    function: functionRef.optional(),
    functions: z.array(releaseFunction).min(1).optional().meta({
      description:
        "A release: several functions (and regions) shipped as one unit, all new or all old. Instead of `function`.",
    }),
    waves: z.array(wave).min(1).optional().meta({
      description: "Release waves by region, in order; without it, one wave of every function.",
    }),
    ...defaultsSchema.shape,
    branches: z
      .array(z.string().min(1))
      .optional()
      .meta({ description: "Branch globs that deploy here: `*` within a segment, `**` across `/`." }),
  })
  // One function or a release, never both (parse.ts reports either mistake with its key path).
  .meta({ oneOf: [{ required: ["function"] }, { required: ["functions"] }] });

export const configSchema = z
  .strictObject({
    $schema: z.string().optional().meta({ description: "JSON Schema reference for editors." }),
    version: z.literal(1).meta({ description: "Configuration format version." }),
    defaults: defaultsSchema.optional().meta({ description: "Settings every environment inherits." }),
    environments: z
      .record(z.string().min(1), environmentSchema)
      .meta({ description: "Named deploy targets, e.g. production and staging." }),
  })
  .meta({ title: "lambda-rollout configuration" });

export type Config = z.infer<typeof configSchema>;
export type EnvironmentConfig = z.infer<typeof environmentSchema>;
export type DefaultsConfig = z.infer<typeof defaultsSchema>;
export type SmokeConfig = z.infer<typeof smokeCheck>;
export type MetricsConfig = z.infer<typeof metrics>;
export type HooksConfig = z.infer<typeof settingsShape.hooks>;
export type ManagedInstancesConfig = z.infer<typeof managedInstances>;
export type StepSpec = z.infer<typeof stepObject>;
export type ReleaseFunctionConfig = z.infer<typeof releaseFunction>;
export type WaveConfig = z.infer<typeof wave>;
