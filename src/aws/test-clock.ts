import type { Clock } from "../ports.js";

/** A clock whose sleeps return at once and move time forward; records every sleep for assertions. */
export class FakeClock implements Clock {
  time = 1_000_000;
  readonly sleeps: number[] = [];

  /** With `advance: false`, time stands still, as for callers that all start at the same instant. */
  constructor(private readonly advance = true) {}

  now(): number {
    return this.time;
  }

  async sleep(ms: number): Promise<void> {
    this.sleeps.push(ms);
    if (this.advance) this.time += ms;
  }
}
