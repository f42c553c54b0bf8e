/** Waiting for parallel work without leaving any of it in flight. */

/** Throws the first rejection in list order after every promise settled (no write is left in flight). */
export async function allSettledOrThrow<T>(promises: Promise<T>[]): Promise<T[]> {
  const settled = await Promise.allSettled(promises);
  const failed = settled.find((outcome) => outcome.status === "rejected");
  if (failed) throw failed.reason;
  return settled.map((outcome) => (outcome as PromiseFulfilledResult<T>).value);
}

/** allSettledOrThrow for a tuple of differently typed promises. */
export async function firstFailure<T extends readonly unknown[]>(
  promises: {
    readonly [K in keyof T]: Promise<T[K]>;
  },
): Promise<T> {
  return (await allSettledOrThrow([...(promises as readonly Promise<unknown>[])])) as unknown as T;
}
