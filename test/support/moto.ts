import { type Emulator, freeLoopbackPort, startEmulator } from "../../src/local/emulator.js";

/** A moto server on a free loopback port, started and stopped by the test that needs it. */
export interface Moto extends Emulator {
  reset(): Promise<void>;
}

export const freePort = freeLoopbackPort;

/**
 * Starts `python3 -m moto.server` through the same launcher as the demo (Lambda set not to use Docker
 * before any resource exists). `extraEnv` goes to the moto process, e.g. IAM enforcement settings;
 * `stepFunctions` makes it execute state machines (MOTO_PORT set, execute_state_machine on).
 */
export async function startMoto(
  extraEnv: Record<string, string> = {},
  options: { stepFunctions?: boolean } = {},
): Promise<Moto> {
  const emulator = await startEmulator({ env: extraEnv, ...options });
  return {
    ...emulator,
    async reset() {
      await fetch(`${emulator.endpoint}/moto-api/reset`, { method: "POST" });
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
