import type { StampedEvent } from "../../rollout/events.js";
import type { CliIo } from "../io.js";
import { ndjsonRenderer, plainRenderer, ttyRenderer } from "./render.js";

export interface Sink {
  emit(event: StampedEvent): void;
  close(): void;
}

/**
 * Runs `write` and swallows what it throws. Output is a side channel: a renderer that fails (a closed
 * pipe, a bug in a line format) must neither cut a roll-out short nor silence the other renderers, so
 * that `--json` still ends with the result line when the progress view breaks.
 */
function isolated(write: () => void): void {
  try {
    write();
  } catch {
    // Nothing to report to: the stream that failed is where it would go.
  }
}

/** Routes engine events: progress to stderr (live view on a TTY), NDJSON to stdout with --json. */
export function createSink(io: CliIo, json: boolean): Sink {
  const live = io.stderr.isTTY && !io.env.CI ? ttyRenderer(io.stderr) : undefined;
  const progress = live ? live.render : plainRenderer(io.stderr);
  const ndjson = json ? ndjsonRenderer(io.stdout) : undefined;
  return {
    emit(event) {
      isolated(() => progress(event));
      if (ndjson) isolated(() => ndjson(event));
    },
    close: () => {
      if (live) isolated(() => live.close());
    },
  };
}
