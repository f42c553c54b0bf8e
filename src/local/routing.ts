/**
 * Weighted version selection, the traffic split the emulator stores but does not perform. The routing
 * is re-read at most every `ttlMs`, so local traffic follows each roll-out step within about a second.
 */
import type { AliasRouting } from "../ports.js";

/** Picks a version for one request; `random` returns [0, 1) and is injected so tests are exact. */
export function pickVersion(routing: AliasRouting, random: () => number): string {
  const extra = routing.additional;
  if (!extra || extra.weight <= 0) return routing.version;
  return random() * 100 < extra.weight ? extra.version : routing.version;
}

export interface RoutingCache {
  get(): Promise<AliasRouting>;
  /** Forgets the cached routing, so the next request reads it again. */
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
  return {
    async get() {
      if (cached && now() - cached.at < ttlMs) return cached.routing;
      // Concurrent requests share one read instead of stampeding the emulator.
      inflight ??= read()
        .then((routing) => {
          cached = { routing, at: now() };
          return routing;
        })
        .finally(() => {
          inflight = undefined;
        });
      return await inflight;
    },
    invalidate() {
      cached = undefined;
    },
  };
}
