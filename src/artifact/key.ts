/**
 * Where packages live in the artifact bucket: `PREFIX/FUNCTION/SHA256HEX.zip`. Content-addressed, so a
 * re-run uploads nothing; per function, so the deployer policy can scope uploads to one folder. The
 * deploy flow, the IAM policy and the local runtime all derive keys from here.
 */

/** The folder (with a trailing slash) of one function's packages; `prefix` may be empty or slashed. */
export function artifactKeyPrefix(prefix: string | undefined, functionName: string): string {
  const trimmed = (prefix ?? "").replace(/^\/+|\/+$/g, "");
  return trimmed === "" ? `${functionName}/` : `${trimmed}/${functionName}/`;
}

export function artifactKey(prefix: string | undefined, functionName: string, sha256Hex: string): string {
  return `${artifactKeyPrefix(prefix, functionName)}${sha256Hex}.zip`;
}
