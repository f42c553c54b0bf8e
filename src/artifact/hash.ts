import { createHash } from "node:crypto";

export interface Digest {
  hex: string;
  /** What Lambda reports as CodeSha256 and S3 expects as ChecksumSHA256. */
  base64: string;
}

export function sha256(bytes: Uint8Array): Digest {
  const digest = createHash("sha256").update(bytes).digest();
  return { hex: digest.toString("hex"), base64: digest.toString("base64") };
}
