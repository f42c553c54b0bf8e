import { describe, expect, it } from "vitest";
import { errorOf } from "../../test/support/errors.js";
import { InputError } from "../errors.js";
import { redactUrl, resolveWebhookUrls } from "./urls.js";

/** `${NAME}` as written in lambda-rollout.yml. */
const ref = (name: string) => `\${${name}}`;

describe("webhook URLs", () => {
  it("are shown as their origin only: no path, query, fragment or user info", () => {
    expect(redactUrl("https://hooks.slack.com/services/T0/B0/secret")).toBe("https://hooks.slack.com/…");
    expect(redactUrl("https://user:pass@example.com:8443/?token=x")).toBe("https://example.com:8443/…");
    expect(redactUrl("http://127.0.0.1:9000")).toBe("http://127.0.0.1:9000/");
  });

  it("flags win over the configuration; each flag is validated and named", () => {
    const configured = { urls: ["https://config.example/x"], where: (i: number) => `notify[${i}]` };
    expect(resolveWebhookUrls(["https://a.example/1"], configured, {})).toEqual([
      { url: new URL("https://a.example/1"), name: "--notify #1" },
    ]);
    const error = errorOf(() =>
      resolveWebhookUrls(["https://a.example/1", "ftp://b.example/secret"], configured, {}),
    );
    expect(error).toBeInstanceOf(InputError);
    expect(error.message).toBe("--notify #2 is not an http(s) URL (scheme ftp:).");
    expect(
      errorOf(() => resolveWebhookUrls(["hooks.slack.com/services/secret"], undefined, {})).message,
    ).toBe("--notify is not a URL.");
  });

  it("with credentials (user:password@) are bad input, since fetch refuses them: exit 2, the secret not echoed", async () => {
    for (const url of ["https://user:pw@hooks.example/services/x", "https://token@hooks.example/x"]) {
      const error = errorOf(() => resolveWebhookUrls(["https://ok.example/1", url], undefined, {}));
      expect(error).toBeInstanceOf(InputError);
      expect(error.exitCode).toBe(2);
      expect(error.message).toBe(
        "--notify #2 carries credentials (user:password@ before the host), which HTTP clients refuse to send.",
      );
      expect(`${error.message} ${(error as InputError).hint}`).not.toMatch(/pw|token/);
    }
    // What fetch itself does with one: refuses before any request.
    await expect(fetch("https://user:pw@127.0.0.1:1/x", { method: "POST" })).rejects.toThrow(
      /includes credentials/,
    );
  });

  it("never echo the text of a bad URL, which may be a mistyped secret", () => {
    const error = errorOf(() => resolveWebhookUrls(["not a url /services/T0/B0/secret"], undefined, {}));
    expect(`${error.message} ${(error as InputError).hint}`).not.toContain("secret");
  });

  it("from the configuration expand $\u007bVAR} from the environment, so the secret stays out of the file", () => {
    const configured = {
      urls: [`https://hooks.slack.com/services/${ref("SLACK_PATH")}`, ref("TEAMS_URL")],
      where: (i: number) => `notify[${i}] of environment "production"`,
    };
    const env = { SLACK_PATH: "T0/B0/abc", TEAMS_URL: "https://teams.example/hook" };
    expect(resolveWebhookUrls(undefined, configured, env)).toEqual([
      {
        url: new URL("https://hooks.slack.com/services/T0/B0/abc"),
        name: 'notify[0] of environment "production"',
      },
      { url: new URL("https://teams.example/hook"), name: 'notify[1] of environment "production"' },
    ]);
    const missing = errorOf(() => resolveWebhookUrls(undefined, configured, { SLACK_PATH: "x" }));
    expect(missing.message).toBe(
      `notify[1] of environment "production" refers to ${ref("TEAMS_URL")}, which is not set in the environment.`,
    );
    expect(missing.exitCode).toBe(2);
  });
});
