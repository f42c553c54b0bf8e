import { Zip, ZipDeflate } from "fflate";
import { InputError } from "../errors.js";

export interface ZipFile {
  /** Path inside the archive, `/`-separated, relative (e.g. `handler.mjs`). */
  path: string;
  bytes: Uint8Array;
}

export interface ZipOptions {
  /** DEFLATE level 0–9. Fixed (not "whatever the default is") because it changes the bytes. */
  level?: ZipLevel;
}

export type ZipLevel = 0 | 1 | 2 | 3 | 4 | 5 | 6 | 7 | 8 | 9;

/** Level 9: a package is built once and downloaded on every cold start, so spend the CPU here. */
export const DEFAULT_ZIP_LEVEL: ZipLevel = 9;

/**
 * 1980-01-01 00:00:00, the earliest instant a zip (DOS) timestamp can hold. Built from local
 * components on purpose: fflate encodes with getFullYear()/getHours() (local time), so a UTC instant
 * would give different bytes in different time zones.
 */
function fixedModificationTime(): Date {
  return new Date(1980, 0, 1, 0, 0, 0, 0);
}

/** Unix regular file, rw-r--r--: Lambda runs code as a non-owner user, so "other" needs read. */
const REGULAR_FILE_0644 = 0o100644 * 0x10000;
/** "Made by" = Unix, so extractors honour the permission bits above. */
const OS_UNIX = 3;

/**
 * Writes a zip whose bytes depend only on the file paths and contents: entries sorted by path (byte
 * order), one fixed timestamp, fixed permissions, fixed compression level, no directory entries, no
 * extra fields. Same input, same bytes, on any machine, in any time zone.
 */
export function deterministicZip(files: readonly ZipFile[], options: ZipOptions = {}): Uint8Array {
  const level = options.level ?? DEFAULT_ZIP_LEVEL;
  const sorted = [...files].sort((a, b) => compareBytes(a.path, b.path));
  assertValidPaths(sorted);

  const chunks: Uint8Array[] = [];
  let failure: Error | null = null;
  // The streaming Zip class keeps insertion order exactly (zipSync takes an object, whose integer-like
  // keys JavaScript would reorder). ZipDeflate is synchronous, so `ondata` runs before end() returns.
  const zip = new Zip((error, chunk) => {
    if (error) failure = error;
    else chunks.push(chunk);
  });
  for (const file of sorted) {
    const entry = new ZipDeflate(file.path, { level });
    entry.mtime = fixedModificationTime();
    entry.os = OS_UNIX;
    entry.attrs = REGULAR_FILE_0644;
    zip.add(entry);
    entry.push(file.bytes, true);
  }
  zip.end();
  if (failure) throw failure;
  return concat(chunks);
}

function assertValidPaths(files: readonly ZipFile[]): void {
  for (const [index, file] of files.entries()) {
    const bad =
      file.path === "" ||
      file.path.startsWith("/") ||
      file.path.includes("\\") ||
      file.path.split("/").some((part) => part === "" || part === "." || part === "..");
    if (bad) throw new InputError(`Invalid path for a zip entry: "${file.path}".`);
    if (index > 0 && files[index - 1]?.path === file.path) {
      throw new InputError(`Duplicate zip entry: "${file.path}".`);
    }
  }
}

/** Sort by UTF-8 bytes rather than localeCompare, whose result depends on the machine's ICU data. */
function compareBytes(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, "utf8"), Buffer.from(b, "utf8"));
}

function concat(chunks: readonly Uint8Array[]): Uint8Array {
  const total = chunks.reduce((sum, chunk) => sum + chunk.length, 0);
  const out = new Uint8Array(total);
  let offset = 0;
  for (const chunk of chunks) {
    out.set(chunk, offset);
    offset += chunk.length;
  }
  return out;
}
