/**
 * A stalled call must not hold a cancelled run: the abort signal reaches the request in flight and
 * the retry waits, and every client we build has socket timeouts.
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { AwsError } from "../errors.js";
import { systemClock } from "../ports.js";
import { AwsLambda, INVOKE_SOCKET_TIMEOUT_MS } from "./lambda.js";
import { AwsCaller, CANCELLED, httpTimeouts } from "./retry.js";

let server: Server;
let endpoint: string;
let requests = 0;

beforeAll(async () => {
  // Accepts every request and never answers: a half-open AWS endpoint.
  server = createServer(() => {
    requests += 1;
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

const config = () => ({
  endpoint,
  region: "us-east-1",
  credentials: { accessKeyId: "test", secretAccessKey: "test" },
});

describe("cancelling", () => {
  test("a request in flight to an endpoint that never answers ends when the run is cancelled", async () => {
    const lambda = new AwsLambda(config(), { rateLimit: false });
    const controller = new AbortController();
    const started = Date.now();
    setTimeout(() => controller.abort("SIGTERM"), 200);
    const error = await lambda.getAlias("fn", "live", { signal: controller.signal }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AwsError);
    expect(error).toMatchObject({ code: CANCELLED });
    expect((error as Error).message).toContain("GetAlias on alias live of function fn was cancelled");
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(requests).toBeGreaterThan(0);
  });

  test("a retry wait ends as soon as the run is cancelled", async () => {
    const caller = new AwsCaller({ clock: systemClock, retry: { baseDelayMs: 60_000, maxDelayMs: 60_000 } });
    const controller = new AbortController();
    const throttle = Object.assign(new Error("Rate exceeded"), {
      name: "TooManyRequestsException",
      $metadata: { httpStatusCode: 429 },
    });
    const started = Date.now();
    setTimeout(() => controller.abort("SIGINT"), 100);
    const error = await caller
      .run({ operation: "UpdateAlias", resource: "alias live" }, () => Promise.reject(throttle), {
        signal: controller.signal,
      })
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ code: CANCELLED });
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  test("an already cancelled run sends nothing", async () => {
    const caller = new AwsCaller({ rateLimit: false });
    let sent = 0;
    const error = await caller
      .run(
        { operation: "GetAlias", resource: "alias live" },
        async () => {
          sent += 1;
        },
        { signal: AbortSignal.abort("SIGTERM") },
      )
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ code: CANCELLED });
    expect(sent).toBe(0);
  });
});

describe("socket timeouts", () => {
  test("every client we build bounds connecting and idle sockets", async () => {
    const lambda = new AwsLambda(config());
    const handler = lambda.client.config.requestHandler as unknown as {
      configProvider: Promise<{ connectionTimeout?: number; requestTimeout?: number }>;
    };
    const resolved = await handler.configProvider;
    expect(resolved).toMatchObject(httpTimeouts);
  });

  test("Invoke, which waits silently for the function, may idle up to Lambda's 15-minute limit", async () => {
    const lambda = new AwsLambda(config());
    const invokeClient = (lambda as unknown as { invokeClient: typeof lambda.client }).invokeClient;
    const handler = invokeClient.config.requestHandler as unknown as {
      configProvider: Promise<{ socketTimeout?: number }>;
    };
    expect((await handler.configProvider).socketTimeout).toBe(INVOKE_SOCKET_TIMEOUT_MS);
  });

  test("a call to an endpoint that never answers fails after the idle timeout, not never", async () => {
    const lambda = new AwsLambda(
      { ...config(), requestHandler: { socketTimeout: 300 } },
      { rateLimit: false, retry: { maxAttempts: 2, baseDelayMs: 1, maxDelayMs: 1 } },
    );
    const started = Date.now();
    const error = await lambda.getAlias("fn", "live").catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AwsError);
    expect((error as AwsError).retryable).toBe(true);
    expect((error as Error).message).toContain("after 2 attempts");
    expect(Date.now() - started).toBeLessThan(5_000);
  });
});
