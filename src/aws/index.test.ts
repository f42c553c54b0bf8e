import { afterEach, expect, test, vi } from "vitest";
import { InputError } from "../errors.js";
import { createAwsPorts } from "./index.js";

afterEach(() => {
  vi.unstubAllEnvs();
});

test.each([
  ["unset", undefined],
  ["empty, as an unset CI variable leaves it", ""],
])("a region that is %s is an InputError telling how to set one", async (_, value) => {
  vi.stubEnv("AWS_REGION", value);
  vi.stubEnv("AWS_DEFAULT_REGION", value);
  vi.stubEnv("AWS_PROFILE", "lambda-rollout-test-no-such-profile");
  vi.stubEnv("AWS_CONFIG_FILE", "/nonexistent/config");
  vi.stubEnv("AWS_ACCESS_KEY_ID", "test");
  vi.stubEnv("AWS_SECRET_ACCESS_KEY", "test");
  const ports = createAwsPorts({ rateLimit: false });
  const first = await ports.lambda.getAlias("fn", "live").catch((e: unknown) => e);
  expect(first).toBeInstanceOf(InputError);
  expect((first as InputError).hint).toMatch(/AWS_REGION.*--region/);
});

test("the region option wins over the environment", async () => {
  vi.stubEnv("AWS_REGION", "eu-west-1");
  const lambda = (ports: ReturnType<typeof createAwsPorts>) =>
    (ports.lambda as unknown as { client: { config: { region(): Promise<string> } } }).client;
  expect(await lambda(createAwsPorts({ region: "ap-south-1" })).config.region()).toBe("ap-south-1");
  expect(await lambda(createAwsPorts()).config.region()).toBe("eu-west-1");
});

test("maxRetries must be a whole number", () => {
  expect(() => createAwsPorts({ maxRetries: -1 })).toThrow(InputError);
});
