import { readFile } from "node:fs/promises";
import { unzipSync } from "fflate";
import { InputError } from "../errors.js";
import { type Digest, sha256 } from "./hash.js";

export interface Artifact {
  path: string;
  bytes: Uint8Array;
  digest: Digest;
  entries: string[];
}

/**
 * Reads a deployment package and checks that it is a readable zip. Throws InputError otherwise, whose
 * hint names `from`: where the path was given (`--zip`, or a release's `….functions[1].zip` key).
 */
export async function readArtifact(path: string, from = "--zip"): Promise<Artifact> {
  let bytes: Uint8Array;
  try {
    bytes = await readFile(path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new InputError(
      code === "ENOENT" ? `Package not found: ${path}` : `Cannot read package ${path} (${code ?? "error"}).`,
      {
        cause: error,
        hint: `Pass the path of a .zip built by \`lambda-rollout package\` (or any Lambda zip) to ${from}.`,
      },
    );
  }
  return { path, bytes, digest: sha256(bytes), entries: zipEntries(bytes, path) };
}

export function zipEntries(bytes: Uint8Array, label: string): string[] {
  const isZip = bytes.length >= 4 && bytes[0] === 0x50 && bytes[1] === 0x4b;
  const names: string[] = [];
  if (isZip) {
    try {
      // The filter sees every entry of the central directory; returning false skips decompression.
      unzipSync(bytes, {
        filter: (file) => {
          names.push(file.name);
          return false;
        },
      });
    } catch {
      names.length = 0;
    }
  }
  if (!isZip || names.length === 0) {
    throw new InputError(`${label} is not a valid zip archive (or it is empty).`, {
      hint: "Build the package with `lambda-rollout package --entry src/handler.ts --out dist/fn.zip`.",
    });
  }
  return names.sort();
}

/**
 * The file a Lambda `Handler` setting (`dir/file.export`) points at, for Node.js runtimes. Returns the
 * candidates that would satisfy it; a package holding none of them cannot run.
 */
export function handlerCandidates(handler: string): string[] {
  const dot = handler.lastIndexOf(".");
  const base = dot > 0 ? handler.slice(0, dot) : handler;
  return [".js", ".mjs", ".cjs"].map((extension) => `${base}${extension}`);
}

export function assertHandlerPresent(artifact: Artifact, handler: string, runtime: string | undefined): void {
  if (runtime !== undefined && !runtime.startsWith("nodejs")) return;
  const candidates = handlerCandidates(handler);
  if (candidates.some((name) => artifact.entries.includes(name))) return;
  throw new InputError(`${artifact.path} has no file for the function's handler "${handler}".`, {
    hint: `Lambda looks for ${candidates.join(" or ")} at the root of the zip; it holds ${artifact.entries.slice(0, 5).join(", ")}${artifact.entries.length > 5 ? ", …" : ""}.`,
  });
}
