import { type Emulator, freeLoopbackPort, startEmulator } from "../../src/local/emulator.js";
import { type RecordingProxy, startRecordingProxy } from "./recording-proxy.js";

/** A moto server on a free loopback port, started and stopped by the test that needs it. */
export interface Moto extends Emulator {
  reset(): Promise<void>;
  /**
   * With `guards`: the proxy the endpoint points at, enforcing Lambda's RevisionId and CodeSha256
   * guards (lambda-guards.ts) and recording every request (`proxy.requests`).
   */
  proxy?: RecordingProxy | undefined;
}

export const freePort = freeLoopbackPort;

/**
 * Starts `python3 -m moto.server` through the same launcher as the demo (Lambda set not to use Docker
 * before any resource exists). `extraEnv` goes to the moto process, e.g. IAM enforcement settings;
 * `stepFunctions` makes it execute state machines (MOTO_PORT set, execute_state_machine on); `guards`
 * puts moto behind a proxy that enforces what Lambda enforces and moto ignores (UpdateAlias's
 * RevisionId, PublishVersion's CodeSha256): `endpoint` and `env` then point at that proxy.
 */
export async function startMoto(
  extraEnv: Record<string, string> = {},
  options: { stepFunctions?: boolean; guards?: boolean } = {},
): Promise<Moto> {
  const { guards, ...launch } = options;
  const emulator = await startEmulator({ env: extraEnv, ...launch });
  const reset = async () => {
    await fetch(`${emulator.endpoint}/moto-api/reset`, { method: "POST" });
  };
  if (!guards) return { ...emulator, reset };
  const proxy = await startRecordingProxy(emulator.endpoint, { guards: true });
  return {
    ...emulator,
    endpoint: proxy.endpoint,
    env: { ...emulator.env, AWS_ENDPOINT_URL: proxy.endpoint },
    proxy,
    async reset() {
      await reset();
      proxy.guards?.reset();
      proxy.requests.length = 0;
    },
    async stop() {
      await proxy.stop();
      await emulator.stop();
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
