import { describe, expect, test } from "vitest";
import { markdownText } from "./escape.js";

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
