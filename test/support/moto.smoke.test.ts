import { afterAll, beforeAll, expect, test } from "vitest";
import { type Moto, startMoto } from "./moto.js";

let moto: Moto;
beforeAll(async () => {
  moto = await startMoto();
});
afterAll(async () => {
  await moto?.stop();
});

test("the harness starts moto on a loopback port and stops it", async () => {
  expect(moto.endpoint).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
  const response = await fetch(`${moto.endpoint}/moto-api/`);
  expect(response.ok).toBe(true);
});
