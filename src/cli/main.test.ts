import { describe, expect, test } from "vitest";
import { commandLines } from "../../test/support/runner-commands.js";
import { LAMBDA_RUNTIME } from "../artifact/bundle.js";
import { ExitCode } from "../errors.js";
import type { CliIo } from "./io.js";
import { crashLine, runCli } from "./main.js";

async function cli(args: string[], env: NodeJS.ProcessEnv = {}) {
  let stdout = "";
  let stderr = "";
  const io: CliIo = {
    stdout: { write: (text: string) => (stdout += text) },
    stderr: { write: (text: string) => (stderr += text) },
    env,
    cwd: "/nonexistent",
  };
  const code = await runCli(args, io);
  return { code, stdout, stderr };
}

/** An environment whose every read fails: a bug, not a RolloutError. */
const exploding = new Proxy<NodeJS.ProcessEnv>(
  {},
  {
    get() {
      throw new Error("environment unreadable");
    },
  },
);

describe("runCli, the one catch", () => {
  test("a RolloutError from a command prints its message and hint, and ends with its exit code", async () => {
    const result = await cli(["iam-policy", "--function", "fn"]);
    expect(result.code).toBe(ExitCode.invalidInput);
    expect(result.stderr).toBe(
      "error: iam-policy needs --bucket, --region.\n" +
        "Pass them as flags, or use --config FILE --env NAME (region may also come from AWS_REGION).\n",
    );
    expect(result.stdout).toBe("");
  });

  test("anything else is an unexpected failure, exit 4, with the stack only under --debug", async () => {
    const plain = await cli(["iam-policy", "--function", "fn", "--bucket", "b"], exploding);
    expect(plain.code).toBe(ExitCode.awsError);
    expect(plain.stderr).toBe(
      "error: unexpected failure: environment unreadable\nRun again with --debug for details.\n",
    );

    const debug = await cli(["iam-policy", "--function", "fn", "--bucket", "b", "--debug"], exploding);
    expect(debug.code).toBe(ExitCode.awsError);
    expect(debug.stderr).toMatch(/^error: unexpected failure: Error: environment unreadable\n {4}at /);
    expect(debug.stderr).not.toContain("Run again with --debug");
  });

  test("help and version end with 0; bad usage with 2", async () => {
    expect((await cli(["--help"])).code).toBe(ExitCode.ok);
    const unknown = await cli(["deploy", "--bogus"]);
    expect(unknown.code).toBe(ExitCode.invalidInput);
    expect(unknown.stderr).toBe("error: unknown option '--bogus'\n(run with --help for usage)\n");
    expect((await cli([])).code).toBe(ExitCode.invalidInput);
  });

  test("rehearse's help shows the runtime that packages are built for", async () => {
    // program.ts repeats the value so that declaring flags does not load the bundler's module.
    const help = await cli(["rehearse", "--help"]);
    expect(help.stdout).toContain(`(default: ${LAMBDA_RUNTIME})`);
  });
});

describe("--help", () => {
  const commands = [
    "deploy",
    "status",
    "rollback",
    "promote",
    "prune",
    "approve",
    "package",
    "iam-policy",
    "state-machine",
    "rehearse",
  ];

  test("--version prints the version; --cli-version, its old name, still does", async () => {
    for (const flag of ["--version", "-V", "--cli-version"]) {
      expect(await cli([flag])).toMatchObject({ code: ExitCode.ok, stdout: "0.1.0\n" });
    }
    // After the command, --version is deploy's own option (a published version), not the CLI's.
    const deploy = await cli(["deploy", "--function", "fn", "--version", "x"]);
    expect(deploy.stderr).toContain('Invalid --version "x"');
  });

  test("the top level lists the commands, points to the docs and shows examples and exit codes", async () => {
    const help = (await cli(["--help"])).stdout;
    for (const name of commands) expect(help).toMatch(new RegExp(`^  ${name} `, "m"));
    expect(help).toContain("https://github.com/lambda-rollout/lambda-rollout#readme");
    expect(help).toContain("\nExamples:\n  # ");
    expect(help).toMatch(/\nExit codes: 0 /);
  });

  test.each(commands)("%s --help shows examples and exit codes", async (name) => {
    const help = await cli([name, "--help"]);
    expect(help.code).toBe(ExitCode.ok);
    expect(help.stdout).toMatch(new RegExp(`\nExamples:\n(  # .*\n)?  lambda-rollout ${name}`));
    expect(help.stdout).toMatch(/\nExit codes: 0 /);
  });

  test.each(commands)("%s --help writes every default one way, `(default: VALUE)`", async (name) => {
    const help = (await cli([name, "--help"])).stdout.replace(/\s+/g, " ");
    expect(help).not.toMatch(/\(default [^:]|default: "|, default /);
  });
});

describe("inside a GitHub Actions job", () => {
  const forged = "bad\n::add-mask::secret ##[error]forged\r\u0085::set-output name=n::v";
  const commands = commandLines;

  test("text from outside cannot become a workflow command; outside Actions it is printed as is", async () => {
    const args = ["status", "--function", forged, "--alias", "live", "--region", "eu-west-1"];
    const inActions = await cli(args, { GITHUB_ACTIONS: "true" });
    expect(inActions.code).toBe(ExitCode.invalidInput);
    expect(inActions.stderr).toContain("add-mask");
    expect(commands(inActions.stderr)).toEqual([]);
    expect(inActions.stderr.replaceAll("\u200B", "")).toBe((await cli(args)).stderr);
    expect(commands((await cli(args)).stderr)).not.toEqual([]);
  });

  test("a crash's message cannot become a workflow command either", () => {
    const error = new Error(`boom\n\u0085::add-mask::x\r##[error]y`);
    const line = crashLine(error, { debug: false, env: { GITHUB_ACTIONS: "true" } });
    expect(line).toContain("unexpected failure, rolling back: boom");
    expect(commandLines(line)).toEqual([]);
    expect(line.replaceAll("\u200B", "")).toBe(crashLine(error, { debug: false, env: {} }));
    expect(commandLines(crashLine(error, { debug: false, env: {} }))).not.toEqual([]);
  });
});
