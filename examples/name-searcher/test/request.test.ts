import { describe, expect, it } from "vitest";
import { MAX_NAME_LENGTH, normalise, readName } from "../src/request.js";

const single = (name: string) => ({ queryStringParameters: { name }, multiValueQueryStringParameters: null });

describe("readName", () => {
  it("reads a decoded name with a space", () => {
    expect(readName(single("John Doe"))).toEqual({ ok: true, name: "John Doe" });
  });

  it("treats a null query string as a missing name", () => {
    expect(readName({ queryStringParameters: null, multiValueQueryStringParameters: null })).toEqual({
      ok: false,
      message: "Query parameter 'name' is required.",
    });
  });

  it("treats a query string without name as missing", () => {
    expect(
      readName({ queryStringParameters: { other: "x" }, multiValueQueryStringParameters: { other: ["x"] } })
        .ok,
    ).toBe(false);
  });

  it.each([[""], ["   "], ["%20"]])("refuses the empty name %j", (value) => {
    expect(readName(single(value))).toEqual({
      ok: false,
      message: "Query parameter 'name' must not be empty.",
    });
  });

  it("accepts a name of exactly the maximum length, counted in characters, and refuses one more", () => {
    const emoji = "😀".repeat(MAX_NAME_LENGTH);
    expect(readName(single(emoji)).ok).toBe(true);
    expect(readName(single(`${emoji}a`))).toEqual({
      ok: false,
      message: `Query parameter 'name' must be at most ${MAX_NAME_LENGTH} characters.`,
    });
  });

  it("refuses control characters", () => {
    expect(readName(single("John\u0000Doe")).ok).toBe(false);
  });

  it("prefers multiValueQueryStringParameters and accepts repeats of the same value", () => {
    expect(
      readName({
        queryStringParameters: { name: "John Doe" },
        multiValueQueryStringParameters: { name: ["John Doe", "John%20Doe"] },
      }),
    ).toEqual({ ok: true, name: "John Doe" });
  });

  it("refuses a name given twice with different values instead of picking one", () => {
    expect(
      readName({
        queryStringParameters: { name: "Jane Roe" },
        multiValueQueryStringParameters: { name: ["John Doe", "Jane Roe"] },
      }),
    ).toEqual({ ok: false, message: "Query parameter 'name' must be given once." });
  });

  it("falls back to queryStringParameters when the multi-value map is absent or empty", () => {
    expect(
      readName({
        queryStringParameters: { name: "Jane Roe" },
        multiValueQueryStringParameters: { name: [] },
      }),
    ).toEqual({
      ok: true,
      name: "Jane Roe",
    });
  });
});

describe("normalise", () => {
  it.each([
    ["John%20Doe", "John Doe"],
    ["John+Doe", "John Doe"],
    ["Jos%C3%A9%20%C3%81lvarez", "José Álvarez"],
    ["%E5%B1%B1%E7%94%B0%20%E5%A4%AA%E9%83%8E", "山田 太郎"],
    ["  John Doe  ", "John Doe"],
  ])("decodes values that are still encoded: %j", (raw, expected) => {
    expect(normalise(raw)).toBe(expected);
  });

  it("keeps a literal percent sign that is not an escape", () => {
    expect(normalise("100% Jane")).toBe("100% Jane");
    expect(normalise("%E0%A4%A")).toBe("%E0%A4%A");
  });

  it("keeps a plus sign in a value that already has spaces (it was decoded)", () => {
    expect(normalise("A + B")).toBe("A + B");
  });

  it("normalises to NFC so decomposed accents match the stored name", () => {
    const decomposed = "Jose\u0301";
    expect(normalise(decomposed)).toBe("José");
    expect(normalise(decomposed)).toBe("Jos\u00e9");
  });
});
