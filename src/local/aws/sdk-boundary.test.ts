import { readdir, readFile } from "node:fs/promises";
import { join, relative } from "node:path";
import { expect, test } from "vitest";

const SRC = join(import.meta.dirname, "../..");

async function sources(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true });
  const nested = await Promise.all(
    entries.map((e) => (e.isDirectory() ? sources(join(dir, e.name)) : Promise.resolve([join(dir, e.name)]))),
  );
  return nested.flat().filter((file) => file.endsWith(".ts") && !file.endsWith(".test.ts"));
}

const SDK_IMPORT = /(?:from\s+|import\s*\(?\s*)["']@aws-sdk\//;

test("in src/, only src/aws/ and src/local/aws/ import @aws-sdk/*", async () => {
  const offenders: string[] = [];
  for (const file of await sources(SRC)) {
    const path = relative(SRC, file).split("\\").join("/");
    if (path.startsWith("aws/") || path.startsWith("local/aws/")) continue;
    if (SDK_IMPORT.test(await readFile(file, "utf8"))) offenders.push(path);
  }
  expect(offenders).toEqual([]);
});

test("the deploy path's adapters (src/aws/) never load emulator code", async () => {
  const offenders: string[] = [];
  for (const file of await sources(join(SRC, "aws"))) {
    if (/from\s+["']\.\.\/local\//.test(await readFile(file, "utf8"))) offenders.push(relative(SRC, file));
  }
  expect(offenders).toEqual([]);
});
