import { mkdir, rename, rm, writeFile } from "node:fs/promises";
import { dirname, resolve } from "node:path";
import { InputError } from "../errors.js";
import { type BundleOptions, bundle, LAMBDA_RUNTIME } from "./bundle.js";
import { type Digest, sha256 } from "./hash.js";
import { deterministicZip, type ZipLevel } from "./zip.js";

export interface PackageOptions extends BundleOptions {
  /** Where the zip is written; parent directories are created. */
  out: string;
  level?: ZipLevel;
}

export interface PackageResult {
  /** The zip's path as given in `out`. */
  path: string;
  /** Size of the zip in bytes. */
  size: number;
  /** `digest.base64` is what Lambda reports as CodeSha256. */
  digest: Digest;
  /** Entries of the zip, sorted. */
  files: string[];
  /** The Lambda Handler setting that matches this package, e.g. `handler.handler`. */
  handler: string;
  /** The runtime the bundle targets, e.g. `nodejs22.x`. */
  runtime: string;
}

/**
 * Bundles a handler and writes a deterministic zip: the same sources give the same bytes and hence
 * the same CodeSha256, so re-deploying unchanged code is recognisable as a no-op.
 * Every bad input (entry, build error, unwritable output) is an InputError (exit 2).
 */
export async function packageFunction(options: PackageOptions): Promise<PackageResult> {
  const files = await bundle(options);
  const zip = deterministicZip(files, options.level === undefined ? {} : { level: options.level });
  await writeAtomically(options.out, zip);
  return {
    path: options.out,
    size: zip.length,
    digest: sha256(zip),
    files: files.map((file) => file.path),
    handler: `${options.handlerFile ?? "handler"}.${options.exportName ?? "handler"}`,
    runtime: LAMBDA_RUNTIME,
  };
}

/** Write beside the target, then rename: a failed run never leaves a truncated zip to be deployed. */
async function writeAtomically(out: string, bytes: Uint8Array): Promise<void> {
  const target = resolve(out);
  const temporary = `${target}.${process.pid}.tmp`;
  try {
    await mkdir(dirname(target), { recursive: true });
    await writeFile(temporary, bytes);
    await rename(temporary, target);
  } catch (error) {
    await rm(temporary, { force: true }).catch(() => undefined);
    const code = (error as NodeJS.ErrnoException).code;
    throw new InputError(`Cannot write the package to ${out} (${code ?? "error"}).`, {
      cause: error,
      hint: "Choose an --out path in a writable directory (and not an existing directory).",
    });
  }
}
