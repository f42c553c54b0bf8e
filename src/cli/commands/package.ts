import { isAbsolute, resolve } from "node:path";
import { type PackageResult, packageFunction } from "../../artifact/package.js";
import { InputError } from "../../errors.js";
import type { CliIo } from "../io.js";

export interface PackageFlags {
  entry?: string;
  out?: string;
  handler?: string;
  json?: boolean;
}

/** `file.export` or `dir/file.export`, as Lambda's Handler setting names a Node.js function. */
const HANDLER = /^([A-Za-z0-9_][\w-]*(?:\/[A-Za-z0-9_][\w-]*)*)\.([A-Za-z_$][\w$]*)$/;

/** `--handler index.main` → the bundle's file name and the export it must have. */
export function handlerParts(handler: string | undefined): { handlerFile?: string; exportName?: string } {
  if (handler === undefined) return {};
  const match = HANDLER.exec(handler);
  if (!match) {
    throw new InputError(
      `Invalid --handler "${handler}": use FILE.EXPORT, as the function's Handler setting.`,
      {
        hint: "For example --handler index.handler (index.mjs exporting handler) or --handler handler.main.",
      },
    );
  }
  return { handlerFile: match[1], exportName: match[2] };
}

/** `lambda-rollout package --entry FILE --out FILE [--json]`; relative paths are against `io.cwd`. */
export async function packageCommand(flags: PackageFlags, io: CliIo): Promise<number> {
  // Checked here rather than with commander's requiredOption, so a missing flag is an InputError
  // (exit 2) like every other bad input.
  if (!flags.entry || !flags.out) {
    const missing = (["entry", "out"] as const).filter((key) => !flags[key]);
    throw new InputError(`Missing ${missing.map((key) => `--${key}`).join(" and ")}.`, {
      hint: "Usage: lambda-rollout package --entry src/handler.ts --out dist/function.zip [--json]",
    });
  }
  const absolute = (path: string) => (isAbsolute(path) ? path : resolve(io.cwd, path));
  const built = await packageFunction({
    entry: absolute(flags.entry),
    out: absolute(flags.out),
    ...handlerParts(flags.handler),
  });
  // Report the path the user typed, not the resolved one.
  const result = { ...built, path: flags.out };
  io.stdout.write(flags.json ? `${JSON.stringify(toJson(result))}\n` : renderText(result));
  return 0;
}

/** The shape scripts read with `jq`: flat, with Lambda's name for the base64 digest. */
function toJson(result: PackageResult) {
  return {
    path: result.path,
    size: result.size,
    sha256: result.digest.hex,
    codeSha256: result.digest.base64,
    handler: result.handler,
    runtime: result.runtime,
    files: result.files,
  };
}

function renderText(result: PackageResult): string {
  return [
    `path        ${result.path}`,
    `size        ${result.size} bytes (${(result.size / 1024).toFixed(1)} KiB)`,
    `sha256      ${result.digest.hex}`,
    `CodeSha256  ${result.digest.base64}`,
    `handler     ${result.handler} (runtime ${result.runtime}; zip holds ${result.files.join(", ")})`,
    "",
  ].join("\n");
}
