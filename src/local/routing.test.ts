import { describe, expect, test } from "vitest";
import { FakeLambda } from "../../test/support/fakes.js";
import type { AliasRouting } from "../ports.js";
import { createRoutingCache, invalidatingAliasWrites, pickVersion } from "./routing.js";

/** A deterministic random source cycling through the given values. */
function sequence(values: number[]): () => number {
  let i = 0;
  return () => values[i++ % values.length] ?? 0;
}

describe("weighted version selection", () => {
  const split: AliasRouting = { version: "1", additional: { version: "2", weight: 10 } };

  test("the additional version gets draws below its weight, the primary the rest", () => {
    expect(pickVersion(split, () => 0)).toBe("2");
    expect(pickVersion(split, () => 0.0999)).toBe("2");
    expect(pickVersion(split, () => 0.1)).toBe("1");
    expect(pickVersion(split, () => 0.9999)).toBe("1");
  });

  test("an even spread of draws follows the weight exactly", () => {
    const draws = Array.from({ length: 1000 }, (_, i) => i / 1000);
    const random = sequence(draws);
    const counts: Record<string, number> = {};
    for (let i = 0; i < 1000; i += 1) {
      const version = pickVersion(split, random);
      counts[version] = (counts[version] ?? 0) + 1;
    }
    expect(counts).toEqual({ "1": 900, "2": 100 });
  });

  test("an unsplit alias always serves its primary", () => {
    expect(pickVersion({ version: "3" }, () => 0)).toBe("3");
    expect(pickVersion({ version: "3", additional: { version: "4", weight: 0 } }, () => 0)).toBe("3");
  });
});

describe("routing cache", () => {
  test("re-reads after the TTL, shares concurrent reads, and can be invalidated", async () => {
    let now = 0;
    let reads = 0;
    const cache = createRoutingCache(
      async () => {
        reads += 1;
        return { version: String(reads) };
      },
      { ttlMs: 1000, now: () => now },
    );
    const [a, b] = await Promise.all([cache.get(), cache.get()]);
    expect([a.version, b.version, reads]).toEqual(["1", "1", 1]);
    now = 999;
    expect((await cache.get()).version).toBe("1");
    now = 1000;
    expect((await cache.get()).version).toBe("2");
    cache.invalidate();
    expect((await cache.get()).version).toBe("3");
  });
});

describe("routing invalidation", () => {
  test("a read under way when the routing is invalidated answers its callers but is not cached", async () => {
    let reads = 0;
    let release: (() => void) | undefined;
    const cache = createRoutingCache(
      async () => {
        reads += 1;
        const version = String(reads);
        if (reads === 1) await new Promise<void>((resolve) => (release = resolve));
        return { version };
      },
      { ttlMs: 60_000, now: () => 0 },
    );
    const before = cache.get();
    await Promise.resolve();
    cache.invalidate();
    release?.();
    expect((await before).version).toBe("1");
    expect((await cache.get()).version).toBe("2");
    expect((await cache.get()).version).toBe("2");
  });

  test("every alias write through the wrapped port invalidates, even a failed one; other calls pass through", async () => {
    const lambda = new FakeLambda();
    let invalidations = 0;
    const wrapped = invalidatingAliasWrites(lambda, { invalidate: () => (invalidations += 1) });
    const alias = await wrapped.getAlias("fn", "live");
    expect(invalidations).toBe(0);
    await wrapped.updateAlias("fn", "live", { version: alias.version }, alias.revisionId);
    expect(invalidations).toBe(1);
    lambda.failWhen = (op) => (op === "updateAlias" ? new Error("lost") : undefined);
    await expect(wrapped.updateAlias("fn", "live", { version: "1" }, alias.revisionId)).rejects.toThrow(
      "lost",
    );
    expect(invalidations).toBe(2);
    expect(lambda.calls.map((c) => c.op)).toEqual(["getAlias", "updateAlias", "updateAlias"]);
  });
});
