import { describe, expect, test } from "vitest";
import { inertLogText, markdownText } from "./escape.js";

/** What the runner would take as a command in `line` (actions/runner ActionCommand), or undefined. */
function commandIn(line: string): string | undefined {
  const trimmed = line.trimStart();
  if (trimmed.startsWith("::") && trimmed.indexOf("::", 2) > 0) return trimmed;
  const legacy = line.indexOf("##[");
  return legacy >= 0 && line.indexOf("]", legacy) > 0 ? line.slice(legacy) : undefined;
}

describe("log text cannot carry workflow commands", () => {
  test.each([
    "::set-output name=x::y",
    "::add-mask::hunter2",
    "   ::stop-commands::token",
    "\t::error title=t::forged",
    "before ##[set-output name=x;]y",
    "first line\n::set-env name=A::b\r\n::debug::x\r::warning::w",
  ])("%j", (text) => {
    const inert = inertLogText(text);
    for (const line of inert.split(/\r\n|\r|\n/)) expect(commandIn(line)).toBeUndefined();
    // The same text to a reader: only zero-width spaces were added.
    expect(inert.replaceAll("\u200B", "")).toBe(text);
  });

  test("ordinary lines are left alone", () => {
    const text = "step 1/2: 10% of traffic on v2 (v1 keeps 90%)\nsmoke: 1 invocation(s) of v2 ok: a::b";
    expect(inertLogText(text)).toBe(text);
  });
});

describe("summary text is shown, not interpreted", () => {
  test("HTML, links, images, emphasis, code and table pipes", () => {
    expect(markdownText("<img src=x onerror=alert(1)> & ![i](u) [l](u) **b** _i_ `c` a|b")).toBe(
      "&lt;img src=x onerror=alert(1)&gt; &amp; \\!\\[i\\](u) \\[l\\](u) \\*\\*b\\*\\* \\_i\\_ \\`c\\` a\\|b",
    );
  });

  test("newlines cannot start headings, lists or raw HTML blocks", () => {
    expect(markdownText("ok\n# heading\r\n</details>")).toBe("ok \\# heading &lt;/details&gt;");
  });
});
