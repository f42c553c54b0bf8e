/**
 * A conditional write whose reply was lost may still have landed. S3LedgerStore retries it, and the
 * retry then answers 412 (the first attempt created the object, or changed its ETag), or every retry
 * fails too and the call throws an AwsError. Either way, reading the object back tells: the write is ours
 * when the object is exactly what we wrote.
 */
import { AwsError, LedgerRaceError } from "../../errors.js";
import type { CallOptions, LedgerStore } from "../../ports.js";

/** The ETag of `body` at `key` when that is what the object holds; undefined otherwise or unreadable. */
export async function landed(
  store: LedgerStore,
  bucket: string,
  key: string,
  body: string,
  options: CallOptions = {},
): Promise<string | undefined> {
  const found = await store.get(bucket, key, options).catch(() => undefined);
  return found?.body === body ? found.etag : undefined;
}

/**
 * Runs one conditional write of `body` to `key`. When it fails without an answer (an AwsError: network,
 * 5xx after retries), the object is read back, and the write counts as done when it landed.
 */
export async function ownWrite(
  store: LedgerStore,
  bucket: string,
  key: string,
  body: string,
  write: () => Promise<string>,
  options: CallOptions = {},
): Promise<string> {
  try {
    return await write();
  } catch (error) {
    const etag = error instanceof AwsError ? await landed(store, bucket, key, body, options) : undefined;
    if (etag === undefined) throw error;
    return etag;
  }
}

/**
 * Creates an object only this writer creates (a record: its key holds a fresh id). A 412 means our
 * own create landed with its reply lost, or a 412 from nowhere with nothing written: read back, it is
 * ours, or absent and created again. Anything else at the key is a conflict (LedgerRaceError).
 */
export async function createOwn(
  store: LedgerStore,
  bucket: string,
  key: string,
  body: string,
  options: CallOptions = {},
): Promise<string> {
  for (let attempt = 0; attempt < 5; attempt++) {
    try {
      return await ownWrite(
        store,
        bucket,
        key,
        body,
        () => store.create(bucket, key, body, options),
        options,
      );
    } catch (error) {
      if (!(error instanceof LedgerRaceError)) throw error;
      const found = await store.get(bucket, key, options);
      if (found?.body === body) return found.etag;
      if (found) throw error;
    }
  }
  throw new LedgerRaceError(key);
}
