/**
 * Starts and stops the local AWS emulator (moto) for the demo and `rehearse`: loopback only, a free
 * port, Lambda configured not to use Docker before anything is created (switching later empties the
 * backend), and stopped by its own PID.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { createServer } from "node:net";

export interface Emulator {
  endpoint: string;
  port: number;
  region: string;
  /** The fake keys the emulator accepts. */
  credentials: { accessKeyId: string; secretAccessKey: string };
  /** The same credentials, region and endpoint as variables, for handlers that call AWS. */
  env: Record<string, string>;
  stop(): Promise<void>;
}

const REGION = "us-east-1";
const CREDENTIALS = { accessKeyId: "test", secretAccessKey: "test" };

export async function freeLoopbackPort(): Promise<number> {
  return await new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() =>
        address && typeof address === "object" ? resolve(address.port) : reject(new Error("no port")),
      );
    });
  });
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once("exit", resolve));
  child.kill("SIGTERM");
  const timer = setTimeout(() => child.kill("SIGKILL"), 3_000);
  await exited;
  clearTimeout(timer);
}

export async function startEmulator(
  options: {
    python?: string;
    readyTimeoutMs?: number;
    env?: Record<string, string>;
    /**
     * Let the emulator run Step Functions executions: its SDK tasks call back to its own port
     * (MOTO_PORT) and `execute_state_machine` is switched on with the Lambda settings.
     */
    stepFunctions?: boolean;
  } = {},
): Promise<Emulator> {
  const port = await freeLoopbackPort();
  const endpoint = `http://127.0.0.1:${port}`;
  const python = options.python ?? process.env.PYTHON ?? "python3";
  const child = spawn(python, ["-m", "moto.server", "-H", "127.0.0.1", "-p", String(port)], {
    stdio: ["ignore", "ignore", "pipe"],
    env: { ...process.env, ...options.env, ...(options.stepFunctions ? { MOTO_PORT: String(port) } : {}) },
  });
  // If this process ends without stopping the emulator (an uncaught error, process.exit), take it along.
  const orphanGuard = () => child.kill("SIGKILL");
  process.once("exit", orphanGuard);
  let stderr = "";
  child.stderr?.on("data", (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-2000);
  });
  let spawnError: Error | undefined;
  child.once("error", (error) => {
    spawnError = error;
  });
  const deadline = Date.now() + (options.readyTimeoutMs ?? 20_000);
  for (;;) {
    if (spawnError || child.exitCode !== null) {
      throw new Error(
        `cannot start moto with ${python} (${spawnError?.message ?? `exit ${child.exitCode}`}): ${stderr}\n` +
          "Install it with: pip install 'moto[server]'",
      );
    }
    const ready = await fetch(`${endpoint}/moto-api/`).then(
      (r) => r.ok,
      () => false,
    );
    if (ready) break;
    if (Date.now() > deadline) {
      await stopChild(child);
      throw new Error(`moto did not start on ${endpoint} in time: ${stderr}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  const configured = await fetch(`${endpoint}/moto-api/config`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({
      lambda: { use_docker: false },
      ...(options.stepFunctions ? { stepfunctions: { execute_state_machine: true } } : {}),
    }),
  });
  if (!configured.ok) {
    await stopChild(child);
    throw new Error(`configuring moto failed: HTTP ${configured.status}`);
  }
  return {
    endpoint,
    port,
    region: REGION,
    credentials: { ...CREDENTIALS },
    env: {
      AWS_ACCESS_KEY_ID: CREDENTIALS.accessKeyId,
      AWS_SECRET_ACCESS_KEY: CREDENTIALS.secretAccessKey,
      AWS_REGION: REGION,
      AWS_DEFAULT_REGION: REGION,
      AWS_ENDPOINT_URL: endpoint,
      AWS_EC2_METADATA_DISABLED: "true",
    },
    stop: async () => {
      process.removeListener("exit", orphanGuard);
      await stopChild(child);
    },
  };
}
