// What a lambda-rollout that cannot load its own code says, and where: bin/lambda-rollout.js when
// dist/cli.mjs is missing or broken, and the CLI (src/cli/program.ts) when a command's chunk is. Plain
// JavaScript beside the launcher, so it is there even when dist/ is not.
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";

/** The package's root: the nearest directory above this module (bin/, or dist/ once bundled) with a package.json. */
const ROOT = [new URL("..", import.meta.url), new URL("../..", import.meta.url)]
  .map((url) => fileURLToPath(url))
  .find((dir) => existsSync(`${dir}/package.json`));

/**
 * The message for a module of lambda-rollout's own that failed to load. A source checkout (it has
 * src/cli/main.ts, which the published package does not ship) is told to build; an installed package to
 * reinstall.
 * @param {unknown} error what the import threw
 * @param {string} [root] the package's root (tests)
 * @returns {string}
 */
export function brokenInstallMessage(error, root = ROOT ?? ".") {
  const detail = (error instanceof Error ? error.message : String(error)).split("\n")[0];
  const checkout = existsSync(`${root}/src/cli/main.ts`);
  return [
    `error: lambda-rollout cannot load its own code (${detail}): this installation is broken or half-written, and nothing was run.`,
    checkout
      ? `This is a source checkout: run \`npm run build\` (after \`npm ci\`) in ${root}, then run the command again.`
      : "Reinstall it the way you installed it: `npm ci` in your project, `npm install -D <path or tarball>` again, or `npm run build && npm link` in the lambda-rollout checkout.",
    "",
  ].join("\n");
}
