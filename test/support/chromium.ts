/**
 * Headless Chromium (Debian's `chromium` package) driven over the DevTools protocol on a pipe
 * (`--remote-debugging-pipe`: JSON messages ending in NUL on file descriptors 3 and 4), with no
 * dependency and no port: a page per case, what it logged, what it fetched, evaluation and screenshots.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { accessSync, constants } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { delimiter, join } from "node:path";
import type { Readable, Writable } from "node:stream";

export const CHROMIUM_MISSING =
  "This test needs Chromium: Debian's `chromium` package (apt-get install -y chromium), which .ci/run installs when it is missing. Set CHROMIUM to use another binary.";

/** The Chromium binary: $CHROMIUM, else `chromium` on PATH; undefined when there is none. */
export function chromiumPath(env: NodeJS.ProcessEnv = process.env): string | undefined {
  if (env.CHROMIUM) return env.CHROMIUM;
  for (const dir of (env.PATH ?? "").split(delimiter)) {
    const candidate = join(dir, "chromium");
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not here
    }
  }
  return undefined;
}

type Message = {
  id?: number;
  method?: string;
  params?: Record<string, unknown>;
  sessionId?: string;
  result?: unknown;
  error?: { message: string };
};

export interface PageLog {
  /** Console messages of level error, uncaught exceptions and browser log errors (CSP violations among them). */
  errors: string[];
  /** Every URL the page requested. */
  requests: string[];
}

export interface Page {
  log: PageLog;
  /** Loads `url` and waits for its load event. */
  goto(url: string): Promise<void>;
  /** Evaluates `expression` in the page and returns its value (by value: JSON-like). */
  evaluate<T>(expression: string): Promise<T>;
  /** A PNG of the page from the top to `height` CSS pixels. */
  screenshot(height: number): Promise<Buffer>;
}

export interface Browser {
  /** A new page, `width` CSS pixels wide, at `scale` device pixels per CSS pixel. */
  page(width: number, scale: number): Promise<Page>;
  close(): Promise<void>;
}

export async function launchChromium(binary: string): Promise<Browser> {
  const profile = await mkdtemp(join(tmpdir(), "lr-chromium-"));
  const args = [
    "--headless",
    "--disable-gpu",
    "--remote-debugging-pipe",
    `--user-data-dir=${profile}`,
    "--no-first-run",
    "--no-default-browser-check",
    "--disable-extensions",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--mute-audio",
    "--hide-scrollbars",
    "--font-render-hinting=none",
    // Chromium refuses to run as root with its sandbox (CI containers often are root).
    ...(process.getuid?.() === 0 ? ["--no-sandbox"] : []),
    "about:blank",
  ];
  const child: ChildProcess = spawn(binary, args, { stdio: ["ignore", "ignore", "pipe", "pipe", "pipe"] });
  const input = child.stdio[3] as Writable;
  const output = child.stdio[4] as Readable;
  let stderr = "";
  child.stderr?.on("data", (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-4000);
  });
  const pending = new Map<number, { resolve: (value: unknown) => void; reject: (error: Error) => void }>();
  const listeners = new Set<(message: Message) => void>();
  let next = 0;
  let buffer = "";
  output.on("data", (chunk: Buffer) => {
    buffer += chunk.toString("utf8");
    let end = buffer.indexOf("\0");
    while (end >= 0) {
      const message = JSON.parse(buffer.slice(0, end)) as Message;
      buffer = buffer.slice(end + 1);
      end = buffer.indexOf("\0");
      if (message.id !== undefined) {
        const waiter = pending.get(message.id);
        pending.delete(message.id);
        if (message.error) waiter?.reject(new Error(message.error.message));
        else waiter?.resolve(message.result);
      } else for (const listener of listeners) listener(message);
    }
  });
  const exited = new Promise<void>((resolve) => child.on("exit", () => resolve()));
  void exited.then(() => {
    for (const waiter of pending.values()) waiter.reject(new Error(`Chromium exited:\n${stderr}`));
  });
  const send = <T>(method: string, params: Record<string, unknown> = {}, sessionId?: string) =>
    new Promise<T>((resolve, reject) => {
      const id = ++next;
      pending.set(id, { resolve: resolve as (value: unknown) => void, reject });
      input.write(`${JSON.stringify({ id, method, params, ...(sessionId ? { sessionId } : {}) })}\0`);
    });

  return {
    async page(width, scale) {
      const { targetId } = await send<{ targetId: string }>("Target.createTarget", { url: "about:blank" });
      const { sessionId } = await send<{ sessionId: string }>("Target.attachToTarget", {
        targetId,
        flatten: true,
      });
      const log: PageLog = { errors: [], requests: [] };
      let loaded: (() => void) | undefined;
      listeners.add((message) => {
        if (message.sessionId !== sessionId) return;
        const params = message.params ?? {};
        switch (message.method) {
          case "Runtime.consoleAPICalled":
            if (params.type === "error" || params.type === "assert")
              log.errors.push(`console.${String(params.type)}: ${JSON.stringify(params.args)}`);
            break;
          case "Runtime.exceptionThrown":
            log.errors.push(`exception: ${JSON.stringify(params.exceptionDetails)}`);
            break;
          case "Log.entryAdded": {
            const entry = params.entry as { level?: string; text?: string; url?: string };
            if (entry.level === "error")
              log.errors.push(`log: ${entry.text ?? ""} ${entry.url ?? ""}`.trim());
            break;
          }
          case "Network.requestWillBeSent":
            log.requests.push(String((params.request as { url?: string }).url));
            break;
          case "Page.loadEventFired":
            loaded?.();
            break;
        }
      });
      const call = <T>(method: string, params: Record<string, unknown> = {}) =>
        send<T>(method, params, sessionId);
      await Promise.all([
        call("Runtime.enable"),
        call("Log.enable"),
        call("Network.enable"),
        call("Page.enable"),
      ]);
      await call("Emulation.setDeviceMetricsOverride", {
        width,
        height: 900,
        deviceScaleFactor: scale,
        mobile: false,
      });
      return {
        log,
        async goto(url) {
          const load = new Promise<void>((resolve) => {
            loaded = resolve;
          });
          await call("Page.navigate", { url });
          await load;
        },
        async evaluate<T>(expression: string) {
          const reply = await call<{ result: { value: T }; exceptionDetails?: unknown }>("Runtime.evaluate", {
            expression,
            returnByValue: true,
          });
          if (reply.exceptionDetails)
            throw new Error(`evaluation failed: ${JSON.stringify(reply.exceptionDetails)}`);
          return reply.result.value;
        },
        async screenshot(height) {
          const { data } = await call<{ data: string }>("Page.captureScreenshot", {
            format: "png",
            captureBeyondViewport: true,
            clip: { x: 0, y: 0, width, height, scale: 1 },
          });
          return Buffer.from(data, "base64");
        },
      };
    },
    async close() {
      await send("Browser.close").catch(() => undefined);
      const timer = setTimeout(() => child.kill("SIGKILL"), 3000);
      await exited;
      clearTimeout(timer);
      await rm(profile, { recursive: true, force: true });
    },
  };
}
