/**
 * Reads what a packed lambda-rollout would load: the entry points its manifest names, the files they
 * import (relative specifiers, followed), and the packages they import (bare specifiers). Text scanning,
 * not a parser: good enough for tsc and esbuild output, whose import statements have one shape.
 */
import { readFileSync } from "node:fs";
import { isBuiltin } from "node:module";
import { dirname, join, normalize } from "node:path";

export interface Manifest {
  version?: string;
  bin?: string | Record<string, string>;
  main?: string;
  exports?: unknown;
  dependencies?: Record<string, string>;
  devDependencies?: Record<string, string>;
  allowScripts?: Record<string, boolean>;
}

// `import … from "x"`, `export … from "x"`, `import "x"`, `import("x")`, `require("x")`.
const SPECIFIER =
  /(?:^|[^\w$.])(?:import|export)\s[^'"`;]*?\bfrom\s*["']([^"']+)["']|(?:^|[^\w$.])import\s*["']([^"']+)["']|(?:^|[^\w$.])import\s*\(\s*["']([^"']+)["']\s*\)|(?:^|[^\w$.])require\s*\(\s*["']([^"']+)["']\s*\)/g;

/** Every module specifier in `code`, in order. Template-built ones (`"./${name}"`) are code the
 * bundle writes for someone else (the local fault wrapper), not imports of its own. */
export function importSpecifiers(code: string): string[] {
  const found: string[] = [];
  for (const match of code.matchAll(SPECIFIER)) {
    const specifier = match[1] ?? match[2] ?? match[3] ?? match[4];
    if (specifier && !specifier.includes("${")) found.push(specifier);
  }
  return found;
}

/** `@scope/name/sub` → `@scope/name`, `name/sub` → `name`. */
export function packageNameOf(specifier: string): string {
  const parts = specifier.split("/");
  return (specifier.startsWith("@") ? parts.slice(0, 2) : parts.slice(0, 1)).join("/");
}

export const isBare = (specifier: string) =>
  !specifier.startsWith(".") && !specifier.startsWith("/") && !isBuiltin(specifier);

/** The files a consumer's `import "lambda-rollout"` or `npx lambda-rollout` starts from. */
export function entryPoints(manifest: Manifest): string[] {
  const entries = new Set<string>();
  const add = (path: string) => entries.add(normalize(path));
  if (typeof manifest.bin === "string") add(manifest.bin);
  for (const path of Object.values(manifest.bin ?? {})) add(path);
  if (manifest.main) add(manifest.main);
  const walk = (value: unknown, key: string) => {
    if (typeof value === "string") {
      if (key !== "types" && /\.[cm]?js$/.test(value)) add(value);
    } else if (value && typeof value === "object") {
      for (const [k, v] of Object.entries(value)) walk(v, k);
    }
  };
  walk(manifest.exports, "");
  return [...entries];
}

/** Follows relative imports from the entry points; paths are relative to `root`. */
export function reachableFiles(root: string, entries: string[]): Set<string> {
  const seen = new Set<string>();
  const queue = [...entries];
  for (let path = queue.shift(); path !== undefined; path = queue.shift()) {
    if (seen.has(path)) continue;
    seen.add(path);
    for (const specifier of importSpecifiers(readFileSync(join(root, path), "utf8"))) {
      if (specifier.startsWith(".")) queue.push(normalize(join(dirname(path), specifier)));
    }
  }
  return seen;
}
