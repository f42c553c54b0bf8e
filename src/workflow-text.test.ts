import fc from "fast-check";
import { describe, expect, test } from "vitest";
import { commandLines, runnerWhitespace } from "../test/support/runner-commands.js";
import { inertLogText, inertStream } from "./workflow-text.js";

const ZERO_WIDTH_SPACE = "\u200B";
/** What a reader sees: the text without the zero-width spaces that break command markers. */
const shown = (text: string) => text.replaceAll(ZERO_WIDTH_SPACE, "");

const WHITESPACE = runnerWhitespace();

/** The text with every character outside printable ASCII as `\uXXXX`, for failure messages. */
const visible = (text: string) =>
  text.replace(/[^\x20-\x7e]/g, (char) => `\\u${char.charCodeAt(0).toString(16).padStart(4, "0")}`);

describe("every character the runner trims is leading whitespace to inertLogText", () => {
  test("the runner trims the 25 White_Space code points of the BMP, U+0085 among them", () => {
    expect(WHITESPACE.map((char) => char.charCodeAt(0).toString(16).padStart(4, "0"))).toEqual([
      ...["0009", "000a", "000b", "000c", "000d", "0020", "0085", "00a0", "1680"],
      ...["2000", "2001", "2002", "2003", "2004", "2005", "2006", "2007", "2008", "2009", "200a"],
      ...["2028", "2029", "202f", "205f", "3000"],
    ]);
  });

  const table = WHITESPACE.flatMap((space) =>
    ["::set-output name=n::v", "##[error]forged"].map((marker) => ({
      code: `U+${space.charCodeAt(0).toString(16).toUpperCase().padStart(4, "0")}`,
      space,
      marker,
    })),
  );
  test.each(table)("$code before $marker", ({ space, marker }) => {
    for (const text of [
      `${space}${marker}`,
      `${space}${space}${marker}`,
      `first line\n${space}${marker}`,
      `first line\r${space}${marker}`,
      `first line\r\n${space}${marker}`,
    ]) {
      const inert = inertLogText(text);
      expect(commandLines(inert), visible(text)).toEqual([]);
      expect(shown(inert)).toBe(text);
    }
  });
});

/** Outside text made of what can form a command: line breaks, whitespace, and pieces of markers. */
const hostileText = fc
  .array(
    fc.constantFrom(
      "\r",
      "\n",
      "\r\n",
      ...WHITESPACE,
      ":",
      "::",
      "#",
      "##[",
      "[",
      "]",
      "set-output name=n::v",
      "x",
      ZERO_WIDTH_SPACE,
    ),
    { maxLength: 24 },
  )
  .map((pieces) => pieces.join(""));

describe("no outside text reaches the runner as a command", () => {
  test("inertLogText: no line, split and trimmed as the runner does, is a command", () => {
    fc.assert(
      fc.property(hostileText, (text) => {
        const inert = inertLogText(text);
        expect(commandLines(inert), visible(text)).toEqual([]);
        expect(shown(inert)).toBe(shown(text));
      }),
      { numRuns: 2_000 },
    );
  });

  test("inertStream: the same, however the text is cut into writes", () => {
    fc.assert(
      fc.property(fc.array(hostileText, { maxLength: 6 }), (writes) => {
        let written = "";
        const stream = inertStream({ write: (text: string) => (written += text) });
        for (const text of writes) stream.write(text);
        expect(commandLines(written), writes.map(visible).join(" | ")).toEqual([]);
        expect(shown(written)).toBe(shown(writes.join("")));
      }),
      { numRuns: 1_000 },
    );
  });

  test.each([
    "::set-output name=x::y",
    "::add-mask::hunter2",
    "   ::stop-commands::token",
    "\t::error title=t::forged",
    "before ##[set-output name=x;]y",
    "first line\n::set-env name=A::b\r\n::debug::x\r::warning::w",
    "\u2028::add-mask::x\u2029\n\u0085\u3000::set-output name=n::v",
  ])("%j", (text) => {
    const inert = inertLogText(text);
    expect(commandLines(inert)).toEqual([]);
    expect(shown(inert)).toBe(text);
  });

  test("a marker cut between two writes is still broken", () => {
    let written = "";
    const stream = inertStream({ write: (text: string) => (written += text) });
    for (const text of ["ok\n \u0085:", ":add-mask::x\n#", "#", "[error]y\n"]) stream.write(text);
    expect(commandLines(written)).toEqual([]);
    expect(shown(written)).toBe("ok\n \u0085::add-mask::x\n##[error]y\n");
  });

  test("ordinary text is left alone", () => {
    const text = "step 1/2: 10% of traffic on v2 (v1 keeps 90%)\r\nsmoke: ok: a::b\u0085c ## [d]";
    expect(inertLogText(text)).toBe(text);
  });
});
