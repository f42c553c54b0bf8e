import { execFileSync } from "node:child_process";
import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { errorOf } from "../../test/support/errors.js";
import { currentBranch } from "./branch.js";

const gitEnv = {
  GIT_AUTHOR_NAME: "t",
  GIT_AUTHOR_EMAIL: "t@example.com",
  GIT_COMMITTER_NAME: "t",
  GIT_COMMITTER_EMAIL: "t@example.com",
  GIT_CONFIG_NOSYSTEM: "1",
  HOME: tmpdir(),
};

async function repo(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), "lr-branch-"));
  const git = (...args: string[]) =>
    execFileSync("git", args, { cwd: dir, env: { ...process.env, ...gitEnv } });
  git("init", "-q", "-b", "develop");
  git("commit", "-q", "--allow-empty", "-m", "first");
  return dir;
}

describe("currentBranch", () => {
  it("prefers GITHUB_REF_NAME", () => {
    expect(currentBranch({ GITHUB_REF_NAME: "release/1.2" })).toBe("release/1.2");
  });

  it("uses GITHUB_REF_NAME when GITHUB_REF_TYPE says it is a branch", () => {
    expect(currentBranch({ GITHUB_REF_NAME: "main", GITHUB_REF_TYPE: "branch" })).toBe("main");
  });

  it("refuses a tag: its name must not select a branch's environment", async () => {
    // Even when a branch of the same name exists, and git could be asked instead.
    const cwd = await repo();
    const error = errorOf(() => currentBranch({ GITHUB_REF_NAME: "main", GITHUB_REF_TYPE: "tag" }, { cwd }));
    expect(error.exitCode).toBe(2);
    expect(error.message).toBe(
      'This run is for the tag "main" (GITHUB_REF_TYPE=tag); tags are not branches, so no environment is chosen from it.',
    );
    expect(error.hint).toMatch(/--env NAME/);
  });

  it("asks git otherwise", async () => {
    expect(currentBranch({}, { cwd: await repo() })).toBe("develop");
  });

  it("explains a detached HEAD", async () => {
    const dir = await repo();
    execFileSync("git", ["checkout", "-q", "--detach"], { cwd: dir });
    const error = errorOf(() => currentBranch({}, { cwd: dir }));
    expect(error.message).toBe("Cannot determine the branch: HEAD is detached (not on a branch).");
    expect(error.hint).toBe("Pass --env NAME, set GITHUB_REF_NAME, or check out a branch.");
  });

  it("explains a directory outside git", async () => {
    const dir = await mkdtemp(join(tmpdir(), "lr-nogit-"));
    const error = errorOf(() => currentBranch({ GIT_CEILING_DIRECTORIES: tmpdir() }, { cwd: dir }));
    expect(error.message).toMatch(/^Cannot determine the branch: fatal: not a git repository/);
    expect(error.exitCode).toBe(2);
  });
});
