import { type ChildProcess, spawn } from "node:child_process";
import { createServer } from "node:net";

/** A moto server on a free loopback port, started and stopped by the test that needs it. */
export interface Moto {
  endpoint: string;
  port: number;
  /** Environment for the SDK, the AWS CLI and our binary: fake credentials, region, endpoint. */
  env: Record<string, string>;
  reset(): Promise<void>;
  stop(): Promise<void>;
}

export async function freePort(): Promise<number> {
  return await new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() => {
        if (address && typeof address === "object") resolve(address.port);
        else reject(new Error("no port"));
      });
    });
  });
}

async function waitUntilReady(endpoint: string, child: ChildProcess, stderr: () => string): Promise<void> {
  const deadline = Date.now() + 20_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) {
      throw new Error(`moto exited with code ${child.exitCode}: ${stderr()}`);
    }
    try {
      const response = await fetch(`${endpoint}/moto-api/`);
      if (response.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`moto did not start on ${endpoint} within 20 s: ${stderr()}`);
}

/**
 * Starts `python3 -m moto.server`. Lambda invocations are configured not to use Docker before any
 * resource exists (switching later empties the backend; see local-aws.md).
 */
export async function startMoto(extraEnv: Record<string, string> = {}): Promise<Moto> {
  const port = await freePort();
  const endpoint = `http://127.0.0.1:${port}`;
  const python = process.env.PYTHON ?? "python3";
  const child = spawn(python, ["-m", "moto.server", "-H", "127.0.0.1", "-p", String(port)], {
    stdio: ["ignore", "ignore", "pipe"],
    env: { ...process.env, ...extraEnv },
  });
  let errors = "";
  child.stderr?.on("data", (chunk: Buffer) => {
    errors = (errors + chunk.toString()).slice(-4000);
  });
  const spawnError = new Promise<never>((_, reject) => {
    child.once("error", (error) => reject(new Error(`cannot start moto with ${python}: ${error.message}`)));
  });
  await Promise.race([waitUntilReady(endpoint, child, () => errors), spawnError]);
  const configure = async () => {
    const response = await fetch(`${endpoint}/moto-api/config`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ lambda: { use_docker: false } }),
    });
    if (!response.ok) throw new Error(`moto config failed: ${response.status}`);
  };
  await configure();
  return {
    endpoint,
    port,
    env: {
      AWS_ACCESS_KEY_ID: "test",
      AWS_SECRET_ACCESS_KEY: "test",
      AWS_REGION: "us-east-1",
      AWS_DEFAULT_REGION: "us-east-1",
      AWS_ENDPOINT_URL: endpoint,
      AWS_EC2_METADATA_DISABLED: "true",
    },
    async reset() {
      await fetch(`${endpoint}/moto-api/reset`, { method: "POST" });
    },
    async stop() {
      if (child.exitCode !== null) return;
      const exited = new Promise((resolve) => child.once("exit", resolve));
      child.kill("SIGTERM");
      const timer = setTimeout(() => child.kill("SIGKILL"), 3_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

/** Queues canned results for the next invocations (moto without Docker does not run code). */
export async function queueInvokeResults(moto: Moto, results: string[], region = "us-east-1"): Promise<void> {
  const response = await fetch(`${moto.endpoint}/moto-api/static/lambda-simple/response`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ results, region, account_id: "123456789012" }),
  });
  if (!response.ok) throw new Error(`queueing lambda results failed: ${response.status}`);
}
