import { strToU8, zipSync } from "fflate";
import { afterEach, describe, expect, test } from "vitest";
import type { LocalLambdaPort, VersionConfig } from "./ports.js";
import { LocalRuntime } from "./runtime.js";

interface FakeVersion {
  files: Record<string, string>;
  config?: Partial<VersionConfig>;
}

function fakeLambda(versions: Record<string, FakeVersion>): LocalLambdaPort {
  const get = (version: string) => {
    const found = versions[version];
    if (!found) throw new Error(`no version ${version}`);
    return found;
  };
  return {
    async getVersionConfig(functionName, version) {
      return {
        functionName,
        version,
        handler: "index.handler",
        runtime: "nodejs20.x",
        timeoutSeconds: 3,
        memoryMb: 128,
        environment: {},
        codeSha256: `sha-${version}`,
        ...get(version).config,
      };
    },
    async getVersionCode(_fn, version) {
      return zipSync(Object.fromEntries(Object.entries(get(version).files).map(([k, v]) => [k, strToU8(v)])));
    },
    async getAliasRouting() {
      return { version: "1" };
    },
  };
}

let runtime: LocalRuntime | undefined;
afterEach(async () => {
  await runtime?.close();
  runtime = undefined;
});

function start(versions: Record<string, FakeVersion>, maxConcurrencyPerVersion?: number) {
  runtime = new LocalRuntime(fakeLambda(versions), {
    maxConcurrencyPerVersion,
    extraEnvironment: { EXTRA: "x" },
  });
  return runtime;
}

describe("local runtime", () => {
  test("runs each version's own handler with its environment variables", async () => {
    const rt = start({
      "1": {
        files: { "index.js": "exports.handler = async (e) => ({ v: 1, env: process.env.GREETING, e });" },
        config: { environment: { GREETING: "hi" } },
      },
      "2": { files: { "index.js": "exports.handler = async () => ({ v: 2, extra: process.env.EXTRA });" } },
    });
    const one = await rt.invoke("fn", "1", { a: 1 });
    expect(JSON.parse(one.payload)).toEqual({ v: 1, env: "hi", e: { a: 1 } });
    expect(one).toMatchObject({ executedVersion: "1", throttled: false, coldStart: true });
    expect(one.functionError).toBeUndefined();
    const two = await rt.invoke("fn", "2", {});
    expect(JSON.parse(two.payload)).toEqual({ v: 2, extra: "x" });
    expect((await rt.invoke("fn", "1", {})).coldStart).toBe(false);
  });

  test("ESM handlers in subfolders and callback-style handlers work", async () => {
    const rt = start({
      "1": {
        files: { "src/app.mjs": "export const main = async () => 'esm';" },
        config: { handler: "src/app.main" },
      },
      "2": { files: { "index.js": "exports.handler = (e, ctx, cb) => cb(null, ctx.functionVersion);" } },
    });
    expect((await rt.invoke("fn", "1", {})).payload).toBe('"esm"');
    expect((await rt.invoke("fn", "2", {})).payload).toBe('"2"');
  });

  test("a thrown error is an Unhandled function error with Lambda's error object", async () => {
    const rt = start({
      "1": { files: { "index.js": "exports.handler = async () => { throw new TypeError('boom'); };" } },
    });
    const result = await rt.invoke("fn", "1", {});
    expect(result.functionError).toBe("Unhandled");
    expect(JSON.parse(result.payload)).toEqual({ errorType: "TypeError", errorMessage: "boom" });
  });

  test("a missing handler export is reported like Lambda", async () => {
    const rt = start({ "1": { files: { "index.js": "exports.other = 1;" } } });
    const result = await rt.invoke("fn", "1", {});
    expect(result.errorType).toBe("Runtime.HandlerNotFound");
  });

  test("the function's timeout stops the handler and is reported like Lambda", async () => {
    const rt = start({
      "1": {
        files: { "index.js": "exports.handler = () => new Promise(() => {});" },
        config: { timeoutSeconds: 1 },
      },
    });
    const started = Date.now();
    const result = await rt.invoke("fn", "1", {});
    // Without the timeout the handler never settles; the bound is loose so a loaded machine cannot flake it.
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(result.functionError).toBe("Unhandled");
    expect(result.errorType).toBe("Sandbox.Timedout");
    expect(result.errorMessage).toMatch(/Task timed out after 1\.00 seconds$/);
    expect(result.durationMs).toBeGreaterThanOrEqual(990);
  });

  test("exceeding the memory size is reported like Lambda and the next call gets a fresh environment", async () => {
    const rt = start({
      "1": {
        files: {
          "index.js":
            "exports.handler = async (e) => { if (!e.grow) return 'ok'; const a = []; for (;;) a.push(new Array(1e5).fill(1)); };",
        },
        config: { memoryMb: 32, timeoutSeconds: 20 },
      },
    });
    const result = await rt.invoke("fn", "1", { grow: true });
    expect(result.errorType).toBe("Runtime.OutOfMemory");
    expect(result.errorMessage).toContain("Runtime exited with error: signal: killed");
    const next = await rt.invoke("fn", "1", {});
    expect(next).toMatchObject({ payload: '"ok"', coldStart: true });
  });

  test("invocations beyond the concurrency limit are throttled", async () => {
    const rt = start(
      {
        "1": {
          files: { "index.js": "exports.handler = () => new Promise((r) => setTimeout(() => r(1), 300));" },
        },
      },
      1,
    );
    const [a, b] = await Promise.all([rt.invoke("fn", "1", {}), rt.invoke("fn", "1", {})]);
    expect([a.throttled, b.throttled].sort()).toEqual([false, true]);
  });
});
