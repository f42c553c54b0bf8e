/** A function as the loop (loop.ts) and the watches (release-watch.ts, engine.ts) see it. */
import type { GateSet } from "../../health/gates.js";
import type { LambdaPort } from "../../ports.js";
import type { ReleaseTag, VersionRecord } from "../progress.js";
import type { AliasWriter } from "./alias-writer.js";

export interface WatchedMember {
  functionName: string;
  aliasName: string;
  region: string | undefined;
  /** Its pre-release version. */
  stable: string;
  newVersion: string;
  writer: AliasWriter;
  lambda: LambdaPort;
}

/** One function of the wave, published and validated, with its own writer and gates. */
export interface WaveMember extends Omit<WatchedMember, "lambda"> {
  gates: GateSet;
  /** The release it belongs to (written into its descriptions); none for a one-function deploy. */
  tag: ReleaseTag | undefined;
  next: VersionRecord | undefined;
}

/**
 * "poll": a bake poll (a failed read is a warning); "write": a lockstep write was refused by its
 * RevisionId; "wave": before a wave's first write, the earlier waves only.
 */
export type WatchMoment = "poll" | "write" | "wave";
