import { writeFile } from "node:fs/promises";
import { resolve } from "node:path";
import { InputError } from "../../errors.js";
import type { CliIo } from "../io.js";
import { recordOf, reportFor } from "./history.js";
import type { TargetFlags } from "./target.js";

export interface ReportFlags extends TargetFlags {
  out?: string;
}

/**
 * `lambda-rollout report <rollout-id> --out report.html`: the roll-out's record drawn as one
 * self-contained HTML file (no script, no network): traffic per version over time, gate verdicts,
 * per-version health from CloudWatch, operator actions and the outcome.
 */
export async function reportCommand(id: string, flags: ReportFlags, io: CliIo): Promise<number> {
  const out = resolve(io.cwd, flags.out ?? `${id}.html`);
  if (out.endsWith("/"))
    throw new InputError(`--out must name a file, not a directory: ${flags.out}.`, {
      hint: "Pass e.g. --out report.html.",
    });
  const now = Date.now();
  const { record, source } = await recordOf(id, flags, io);
  const page = await reportFor(record, source, io, now);
  try {
    await writeFile(out, page);
  } catch (error) {
    throw new InputError(`Cannot write the report to ${out}.`, {
      cause: error,
      hint: "Check that --out names a file in a directory that exists and is writable.",
    });
  }
  io.stdout.write(
    flags.json
      ? `${JSON.stringify({ type: "report", id: record.id, path: out, bytes: Buffer.byteLength(page) })}\n`
      : `Wrote the report of ${record.kind === "release" ? "release" : "roll-out"} ${record.id} to ${out}\n`,
  );
  return 0;
}
