import { InputError } from "../../errors.js";
import { previewMarkdown, previewText } from "../../preview/render.js";
import { previewFromInputs } from "../../preview/run.js";
import { scalarInputs } from "../../rollout/request/request.js";
import type { CliIo } from "../io.js";

export type PreviewFlags = Record<string, string | string[] | boolean | undefined>;

const FORMATS = ["text", "markdown", "json"] as const;
type Format = (typeof FORMATS)[number];

const camel = (name: string) => name.replace(/-([a-z])/g, (_match, letter: string) => letter.toUpperCase());

function formatOf(value: unknown): Format {
  const format = value === undefined ? "text" : String(value);
  if ((FORMATS as readonly string[]).includes(format)) return format as Format;
  throw new InputError(`--format must be text, markdown or json, not "${format}".`, {
    hint: "text for a terminal, markdown for a pull-request comment, json for scripts.",
  });
}

/**
 * `lambda-rollout preview`: what a deploy of this configuration would change, per function, the plan
 * and its worst case, the ledger's locks, and (with --policy) the IAM policy diff. Reads AWS only.
 */
export async function previewCommand(flags: PreviewFlags, io: CliIo): Promise<number> {
  const format = formatOf(flags.format);
  const report = await previewFromInputs(
    {
      ...scalarInputs((name) => {
        const value = flags[camel(name)];
        return typeof value === "string" ? value : undefined;
      }),
      alarms: Array.isArray(flags.alarm) ? flags.alarm : undefined,
    },
    {
      env: io.env,
      cwd: io.cwd,
      signal: io.signal,
      policyFile: typeof flags.policy === "string" ? flags.policy : undefined,
    },
  );
  const readAt = new Date().toISOString().replace(/\.\d{3}Z$/, "Z");
  io.stdout.write(
    format === "json"
      ? `${JSON.stringify({ type: "preview", readAt, ...report })}\n`
      : format === "markdown"
        ? previewMarkdown(report, { readAt })
        : previewText(report),
  );
  return 0;
}
