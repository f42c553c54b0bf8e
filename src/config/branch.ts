import { execFileSync } from "node:child_process";
import { InputError } from "../errors.js";

export interface BranchOptions {
  /** Where to ask git; defaults to the process's working directory. */
  cwd?: string | undefined;
}

/**
 * The branch a deploy runs for: `GITHUB_REF_NAME` in GitHub Actions, else the checked-out git branch.
 * A detached HEAD or a directory outside git is an InputError telling the user to pass `--env`.
 *
 * On a tag push GitHub sets `GITHUB_REF_TYPE=tag` and `GITHUB_REF_NAME` to the tag. A tag named like
 * a branch pattern (or `main` itself) must not deploy to that branch's environment, and doing nothing
 * on a release tag would look like a successful deploy: it is an InputError asking for `--env`.
 */
export function currentBranch(env: NodeJS.ProcessEnv = process.env, options: BranchOptions = {}): string {
  if (env.GITHUB_REF_TYPE?.trim() === "tag") {
    const tag = env.GITHUB_REF_NAME?.trim() ?? "";
    throw new InputError(
      `This run is for the tag "${tag}" (GITHUB_REF_TYPE=tag); tags are not branches, so no environment is chosen from it.`,
      { hint: "Pass --env NAME (the Action's `env` input) to deploy this tag to an environment." },
    );
  }
  const fromActions = env.GITHUB_REF_NAME?.trim();
  if (fromActions) return fromActions;
  let output: string;
  try {
    output = execFileSync("git", ["rev-parse", "--abbrev-ref", "HEAD"], {
      cwd: options.cwd,
      encoding: "utf8",
      stdio: ["ignore", "pipe", "pipe"],
      env: { ...process.env, ...env, GIT_TERMINAL_PROMPT: "0" },
    });
  } catch (error) {
    const stderr = (error as { stderr?: string | Buffer }).stderr?.toString().trim();
    const notFound = (error as NodeJS.ErrnoException).code === "ENOENT";
    throw new InputError(
      notFound
        ? "Cannot determine the branch: git is not installed and GITHUB_REF_NAME is not set."
        : `Cannot determine the branch: ${stderr?.split("\n")[0] || "git rev-parse failed"}.`,
      { cause: error, hint: "Pass --env NAME, or set GITHUB_REF_NAME to the branch to deploy." },
    );
  }
  const branch = output.trim();
  if (branch === "HEAD" || branch === "") {
    throw new InputError("Cannot determine the branch: HEAD is detached (not on a branch).", {
      hint: "Pass --env NAME, set GITHUB_REF_NAME, or check out a branch.",
    });
  }
  return branch;
}
