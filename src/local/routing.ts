/**
 * Weighted version selection, the traffic split the emulator stores but does not perform. The routing
 * is re-read at most every `ttlMs`, and at once after `invalidate()`: a roll-out driven through
 * `invalidatingAliasWrites` invalidates it on every alias write, so local traffic follows each step
 * immediately; the TTL only bounds how long a change made elsewhere goes unnoticed.
 */
import type { AliasRouting, LambdaPort } from "../ports.js";

/** Picks a version for one request; `random` returns [0, 1) and is injected so tests are exact. */
export function pickVersion(routing: AliasRouting, random: () => number): string {
  const extra = routing.additional;
  if (!extra || extra.weight <= 0) return routing.version;
  return random() * 100 < extra.weight ? extra.version : routing.version;
}

export interface RoutingCache {
  get(): Promise<AliasRouting>;
  /** Forgets the cached routing (and any read already under way), so the next request reads it again. */
  invalidate(): void;
}

export function createRoutingCache(
  read: () => Promise<AliasRouting>,
  options: { ttlMs?: number; now?: () => number } = {},
): RoutingCache {
  const ttlMs = options.ttlMs ?? 1000;
  const now = options.now ?? Date.now;
  let cached: { routing: AliasRouting; at: number } | undefined;
  let inflight: Promise<AliasRouting> | undefined;
  // A read that started before an invalidation may return the routing from before the change: it
  // answers the requests that were waiting for it, but is not cached.
  let generation = 0;
  return {
    async get() {
      if (cached && now() - cached.at < ttlMs) return cached.routing;
      if (!inflight) {
        const startedIn = generation;
        // Concurrent requests share one read instead of stampeding the emulator.
        const reading: Promise<AliasRouting> = read()
          .then((routing) => {
            if (startedIn === generation) cached = { routing, at: now() };
            return routing;
          })
          .finally(() => {
            if (inflight === reading) inflight = undefined;
          });
        inflight = reading;
      }
      return await inflight;
    },
    invalidate() {
      generation += 1;
      cached = undefined;
      inflight = undefined;
    },
  };
}

/**
 * `lambda` with every alias write followed by `routing.invalidate()`, whether it succeeded or not (a
 * write whose reply was lost may still have changed the alias). Every other call passes through.
 */
export function invalidatingAliasWrites(
  lambda: LambdaPort,
  routing: Pick<RoutingCache, "invalidate">,
): LambdaPort {
  return overriding(lambda, {
    updateAlias: async (...args) => {
      try {
        return await lambda.updateAlias(...args);
      } finally {
        routing.invalidate();
      }
    },
  });
}

/** `lambda` with some of its methods replaced; every other call passes through to it. */
export function overriding(lambda: LambdaPort, overrides: Partial<LambdaPort>): LambdaPort {
  return new Proxy(lambda, {
    get(target, property) {
      if (Object.hasOwn(overrides, property)) return overrides[property as keyof LambdaPort];
      const value: unknown = Reflect.get(target, property, target);
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
}
