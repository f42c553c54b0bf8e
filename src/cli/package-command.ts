import { isAbsolute, resolve } from "node:path";
import type { Command } from "commander";
import { type PackageResult, packageFunction } from "../artifact/package.js";
import { InputError, RolloutError } from "../errors.js";
import { type OutputStream, reportError } from "./io.js";

export interface PackageCommandIo {
  stdout: OutputStream;
  stderr: OutputStream;
  /** Relative --entry and --out are resolved against this directory. */
  cwd: string;
}

interface Flags {
  entry?: string;
  out?: string;
  json?: boolean;
}

const processIo = (): PackageCommandIo => ({
  stdout: process.stdout,
  stderr: process.stderr,
  cwd: process.cwd(),
});

/**
 * `lambda-rollout package --entry FILE --out FILE [--json]`.
 * With `done`, a RolloutError is printed to stderr and reported as its exit code (the CLI's
 * convention); without it, the error is thrown for the caller to map. Never exits the process.
 */
export function registerPackageCommand(
  program: Command,
  io: PackageCommandIo = processIo(),
  done?: (result: { exitCode: number }) => void,
): void {
  program
    .command("package")
    .description(
      "Bundle a handler with esbuild and write a deterministic zip (same sources, same bytes, same CodeSha256).",
    )
    // Validated in the action rather than with requiredOption, so a missing flag is an InputError
    // (exit 2) like every other bad input.
    .option("--entry <file>", "handler source, TypeScript or JavaScript (required)")
    .option("--out <file>", "zip to write, e.g. dist/function.zip (required)")
    .option("--json", "print one JSON object instead of text")
    .action(async (flags: Flags) => {
      try {
        const result = await runPackage(flags, io.cwd);
        io.stdout.write(flags.json ? `${JSON.stringify(toJson(result))}\n` : renderText(result));
        done?.({ exitCode: 0 });
      } catch (error) {
        if (!done || !(error instanceof RolloutError)) throw error;
        done({ exitCode: reportError(io.stderr, error) });
      }
    });
}

async function runPackage(flags: Flags, cwd: string): Promise<PackageResult> {
  const missing = (["entry", "out"] as const).filter((key) => !flags[key]);
  if (missing.length > 0) {
    throw new InputError(`Missing ${missing.map((key) => `--${key}`).join(" and ")}.`, {
      hint: "Usage: lambda-rollout package --entry src/handler.ts --out dist/function.zip [--json]",
    });
  }
  const absolute = (path: string) => (isAbsolute(path) ? path : resolve(cwd, path));
  const result = await packageFunction({ entry: absolute(flags.entry!), out: absolute(flags.out!) });
  // Report the path the user typed, not the resolved one.
  return { ...result, path: flags.out! };
}

/** The shape scripts read with `jq`: flat, with Lambda's name for the base64 digest. */
export function toJson(result: PackageResult) {
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
