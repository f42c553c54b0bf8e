/**
 * Where the emulator's SDK clients connect, passed explicitly (never through `process.env`), so the
 * rehearsal and the demo can run as library calls next to other code.
 *
 * The rule on the AWS SDK in `src/`: only `src/aws/` (the adapters the deploy path uses) and
 * `src/local/aws/` (this folder: emulator provisioning and the local data plane's reads, loaded by
 * `rehearse` only, never by `deploy`) import `@aws-sdk/*`. The rest of `src/local/` reaches AWS through
 * `src/local/ports.ts` and the engine's ports.
 */

export interface EmulatorConnection {
  /** The emulator's URL; absent: the SDK's own (AWS_ENDPOINT_URL, then AWS). */
  endpoint?: string | undefined;
  /** Absent: the SDK's standard chain (AWS_REGION, the profile). */
  region?: string | undefined;
  /** The emulator's fake keys; absent: the SDK's standard chain. */
  credentials?: { accessKeyId: string; secretAccessKey: string } | undefined;
}

/** The connection as SDK client settings. */
export function sdkConfig(connection: EmulatorConnection): {
  region?: string;
  endpoint?: string;
  credentials?: { accessKeyId: string; secretAccessKey: string };
} {
  return {
    ...(connection.region ? { region: connection.region } : {}),
    ...(connection.endpoint ? { endpoint: connection.endpoint } : {}),
    ...(connection.credentials ? { credentials: connection.credentials } : {}),
  };
}
