import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { unzipSync } from "fflate";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { ExitCode, InputError } from "../errors.js";
import { sha256 } from "./hash.js";
import { assertHandlerPresent, readArtifact } from "./inspect.js";
import { packageFunction } from "./package.js";

const HANDLER_SOURCE = `import { greeting } from "./greet.js";
export const handler = async (event: { name?: string }) => ({ statusCode: 200, body: greeting(event.name ?? "world") });
`;
const GREET_SOURCE = `export function greeting(name: string): string { return "Hello, " + name + "!"; }\n`;

let scratch: string;

/** A tiny TypeScript project: package.json + src/handler.ts importing src/greet.ts. */
async function project(name: string, greet = GREET_SOURCE): Promise<string> {
  const root = join(scratch, name);
  await mkdir(join(root, "src"), { recursive: true });
  await writeFile(join(root, "package.json"), JSON.stringify({ name: "fixture", type: "module" }));
  await writeFile(join(root, "src/handler.ts"), HANDLER_SOURCE);
  await writeFile(join(root, "src/greet.ts"), greet);
  return join(root, "src/handler.ts");
}

async function expectInputError(promise: Promise<unknown>, pattern: RegExp): Promise<InputError> {
  const error = await promise.then(
    () => expect.fail("expected an InputError"),
    (thrown: unknown) => thrown,
  );
  expect(error).toBeInstanceOf(InputError);
  expect((error as InputError).exitCode).toBe(ExitCode.invalidInput);
  expect((error as InputError).message).toMatch(pattern);
  return error as InputError;
}

beforeAll(async () => {
  scratch = await mkdtemp(join(tmpdir(), "lambda-rollout-package-"));
});
afterAll(async () => {
  await rm(scratch, { recursive: true, force: true });
});

describe("packageFunction", () => {
  it("gives byte-identical zips for the same sources, even from different directories", async () => {
    const first = await packageFunction({ entry: await project("checkout-a"), out: join(scratch, "a.zip") });
    const second = await packageFunction({
      entry: await project("checkout-b"),
      out: join(scratch, "deeper/b.zip"),
    });

    const [bytesA, bytesB] = await Promise.all([readFile(first.path), readFile(second.path)]);
    expect(bytesB.equals(bytesA)).toBe(true);
    expect(second.digest).toEqual(first.digest);
  });

  it("changes the sha256 when one character of a source changes", async () => {
    const original = await packageFunction({
      entry: await project("one-char-a"),
      out: join(scratch, "c1.zip"),
    });
    const changed = await packageFunction({
      entry: await project("one-char-b", GREET_SOURCE.replace("Hello", "Hallo")),
      out: join(scratch, "c2.zip"),
    });
    expect(changed.digest.hex).not.toBe(original.digest.hex);
  });

  it("reports path, size and the sha256 as hex and as Lambda's base64 CodeSha256", async () => {
    const out = join(scratch, "report.zip");
    const result = await packageFunction({ entry: await project("report"), out });
    const bytes = await readFile(out);

    expect(result).toEqual({
      path: out,
      size: bytes.length,
      digest: sha256(bytes),
      files: ["handler.mjs"],
      handler: "handler.handler",
      runtime: "nodejs22.x",
    });
    expect(Buffer.from(result.digest.base64, "base64").toString("hex")).toBe(result.digest.hex);
  });

  it("puts handler.mjs at the root, where the Handler setting handler.handler expects it, and it runs", async () => {
    const out = join(scratch, "runs.zip");
    await packageFunction({ entry: await project("runs"), out });

    const artifact = await readArtifact(out);
    expect(artifact.entries).toEqual(["handler.mjs"]);
    expect(() => assertHandlerPresent(artifact, "handler.handler", "nodejs20.x")).not.toThrow();

    const unpacked = join(scratch, "runs-unpacked");
    await mkdir(unpacked);
    await writeFile(join(unpacked, "handler.mjs"), unzipSync(artifact.bytes)["handler.mjs"]!);
    const module = (await import(pathToFileURL(join(unpacked, "handler.mjs")).href)) as {
      handler: (event: { name?: string }) => Promise<{ statusCode: number; body: string }>;
    };
    expect(await module.handler({ name: "Lambda" })).toEqual({ statusCode: 200, body: "Hello, Lambda!" });
  });

  it("names the file after handlerFile and adds the source map when asked", async () => {
    const result = await packageFunction({
      entry: await project("named"),
      out: join(scratch, "named.zip"),
      handlerFile: "index",
      sourcemap: true,
    });
    expect(result.files).toEqual(["index.mjs", "index.mjs.map"]);
    expect(result.handler).toBe("index.handler");
  });
});

describe("bad input is an InputError (exit 2)", () => {
  it("for a missing entry", async () => {
    await expectInputError(
      packageFunction({ entry: join(scratch, "nope/handler.ts"), out: join(scratch, "x.zip") }),
      /Entry not found: .*nope\/handler\.ts/,
    );
  });

  it("for an entry that is a directory", async () => {
    await expectInputError(packageFunction({ entry: scratch, out: join(scratch, "x.zip") }), /not a file/);
  });

  it("for a syntax error, carrying esbuild's message and location", async () => {
    const entry = await project("syntax", "export function greeting(name: string) { return 'Hi ' + name\n");
    const error = await expectInputError(
      packageFunction({ entry, out: join(scratch, "x.zip") }),
      /Cannot bundle/,
    );
    expect(error.message).toMatch(/src\/greet\.ts:2:0: Unexpected end of file/);
  });

  it("for an import that does not resolve, carrying esbuild's message", async () => {
    const entry = await project("unresolved", `export { greeting } from "left-pad-that-is-not-installed";\n`);
    await expectInputError(
      packageFunction({ entry, out: join(scratch, "x.zip") }),
      /Could not resolve "left-pad-that-is-not-installed"/,
    );
  });

  it("for an output path that is a directory", async () => {
    const out = join(scratch, "a-directory.zip");
    await mkdir(out);
    await expectInputError(
      packageFunction({ entry: await project("out-dir"), out }),
      /Cannot write the package/,
    );
  });

  it("for an output path below a regular file", async () => {
    const file = join(scratch, "plain-file");
    await writeFile(file, "x");
    await expectInputError(
      packageFunction({ entry: await project("below-file"), out: join(file, "fn.zip") }),
      /Cannot write the package .*(ENOTDIR|EEXIST)/,
    );
  });
});

describe("the name-searcher example", () => {
  it("bundles into handler.mjs that answers a request without a name with 400, SDK included", async () => {
    const entry = new URL("../../examples/name-searcher/src/handler.ts", import.meta.url);
    const out = join(scratch, "name-searcher.zip");
    const result = await packageFunction({ entry: entry.pathname, out });

    expect(result.files).toEqual(["handler.mjs"]);
    const code = unzipSync(await readFile(out))["handler.mjs"]!;
    const text = new TextDecoder().decode(code);
    expect(text).not.toMatch(/from\s*"@aws-sdk\//); // bundled, not imported from the runtime
    expect(text).not.toContain(scratch);

    const unpacked = join(scratch, "name-searcher-unpacked");
    await mkdir(unpacked);
    await writeFile(join(unpacked, "handler.mjs"), code);
    vi.stubEnv("POWERTOOLS_LOG_LEVEL", "SILENT");
    vi.stubEnv("TABLE_NAME", "people");
    try {
      const module = (await import(pathToFileURL(join(unpacked, "handler.mjs")).href)) as {
        handler: (event: unknown, context: unknown) => Promise<{ statusCode: number }>;
      };
      const event = { httpMethod: "GET", queryStringParameters: null, multiValueQueryStringParameters: null };
      const response = await module.handler(event, { awsRequestId: "r-1", functionName: "name-searcher" });
      expect(response.statusCode).toBe(400);
    } finally {
      vi.unstubAllEnvs();
    }
  });
});
