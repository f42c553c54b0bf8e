/** See broken-install.js. */
export function brokenInstallMessage(error: unknown, root?: string): string;
