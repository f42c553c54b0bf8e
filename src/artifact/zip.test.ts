import { unzipSync } from "fflate";
import { afterEach, describe, expect, it } from "vitest";
import { ExitCode, InputError } from "../errors.js";
import { sha256 } from "./hash.js";
import { zipEntries } from "./inspect.js";
import { deterministicZip, type ZipFile } from "./zip.js";

const text = (value: string) => new TextEncoder().encode(value);
const files: ZipFile[] = [
  { path: "lib/util.mjs", bytes: text("export const x = 1;\n") },
  { path: "handler.mjs", bytes: text("export const handler = async () => ({ statusCode: 200 });\n") },
  { path: "10", bytes: text("integer-like names must not jump the queue") },
];

const originalTz = process.env.TZ;
afterEach(() => {
  if (originalTz === undefined) delete process.env.TZ;
  else process.env.TZ = originalTz;
});

const view = (bytes: Uint8Array) => new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);

describe("deterministicZip", () => {
  it("gives identical bytes for the same files in any order", () => {
    const first = deterministicZip(files);
    const second = deterministicZip([...files].reverse());
    expect(sha256(second).hex).toBe(sha256(first).hex);
    expect(Buffer.from(second).equals(Buffer.from(first))).toBe(true);
  });

  it("gives identical bytes in different time zones", () => {
    process.env.TZ = "Pacific/Kiritimati";
    const east = deterministicZip(files);
    process.env.TZ = "America/Los_Angeles";
    const west = deterministicZip(files);
    expect(Buffer.from(west).equals(Buffer.from(east))).toBe(true);
  });

  it("stores entries sorted by path, with a fixed 1980-01-01 timestamp and rw-r--r-- Unix permissions", () => {
    const zip = deterministicZip(files);
    expect(zipEntries(zip, "test.zip")).toEqual(["10", "handler.mjs", "lib/util.mjs"]);

    const data = view(zip);
    expect(data.getUint32(0, true)).toBe(0x04034b50); // first local header is "10": sorted, not reordered
    expect(data.getUint16(10, true)).toBe(0); // DOS time 00:00:00
    expect(data.getUint16(12, true)).toBe((0 << 9) | (1 << 5) | 1); // DOS date 1980-01-01
    const centralOffset = data.getUint32(zip.length - 6, true);
    expect(data.getUint32(centralOffset, true)).toBe(0x02014b50);
    expect(data.getUint8(centralOffset + 5)).toBe(3); // made by Unix
    expect(data.getUint32(centralOffset + 38, true) >>> 16).toBe(0o100644);
  });

  it("round-trips the contents", () => {
    const unpacked = unzipSync(deterministicZip(files));
    for (const file of files) expect(unpacked[file.path]).toEqual(file.bytes);
  });

  it("changes when one byte of one file changes", () => {
    const changed = files.map((file) =>
      file.path === "handler.mjs"
        ? { ...file, bytes: text("export const handler = async () => ({ statusCode: 201 });\n") }
        : file,
    );
    expect(sha256(deterministicZip(changed)).hex).not.toBe(sha256(deterministicZip(files)).hex);
  });

  it("uses the compression level it is given, and level 9 by default", () => {
    const big = [{ path: "a.txt", bytes: text("lambda ".repeat(5_000)) }];
    expect(deterministicZip(big)).toEqual(deterministicZip(big, { level: 9 }));
    expect(deterministicZip(big, { level: 0 }).length).toBeGreaterThan(deterministicZip(big).length);
  });

  it.each(["", "/abs.mjs", "a//b.mjs", "../escape.mjs", "a/./b.mjs", "win\\path.mjs"])(
    "refuses the entry path %j",
    (path) => {
      expect(() => deterministicZip([{ path, bytes: text("x") }])).toThrow(InputError);
    },
  );

  it("refuses duplicate paths with exit code 2", () => {
    const duplicate = () => deterministicZip([files[1]!, files[1]!]);
    expect(duplicate).toThrow(/Duplicate zip entry/);
    try {
      duplicate();
    } catch (error) {
      expect((error as InputError).exitCode).toBe(ExitCode.invalidInput);
    }
  });
});
