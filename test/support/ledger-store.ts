import { LedgerRaceError } from "../../src/errors.js";
import type { LedgerObject, LedgerStore } from "../../src/ports.js";

/** The ledger's S3 objects in memory, with S3's conditional writes (a lost race is a LedgerRaceError). */
export class MemoryLedgerStore implements LedgerStore {
  readonly objects = new Map<string, LedgerObject>();
  private etags = 0;

  async get(bucket: string, key: string): Promise<LedgerObject | undefined> {
    const found = this.objects.get(`${bucket}/${key}`);
    return found && { ...found };
  }
  async create(bucket: string, key: string, body: string): Promise<string> {
    if (this.objects.has(`${bucket}/${key}`)) throw new LedgerRaceError(key);
    return this.write(bucket, key, body);
  }
  async replace(bucket: string, key: string, body: string, etag: string): Promise<string> {
    if (this.objects.get(`${bucket}/${key}`)?.etag !== etag) throw new LedgerRaceError(key);
    return this.write(bucket, key, body);
  }
  async list(bucket: string, prefix: string): Promise<string[]> {
    return [...this.objects.keys()]
      .filter((id) => id.startsWith(`${bucket}/${prefix}`))
      .map((id) => id.slice(bucket.length + 1));
  }
  /** The JSON documents under `prefix`, parsed. */
  documents(bucket: string, prefix: string): unknown[] {
    return [...this.objects.entries()]
      .filter(([id]) => id.startsWith(`${bucket}/${prefix}`))
      .map(([, object]) => JSON.parse(object.body) as unknown);
  }
  private write(bucket: string, key: string, body: string): string {
    const etag = `"etag-${++this.etags}"`;
    this.objects.set(`${bucket}/${key}`, { body, etag });
    return etag;
  }
}
