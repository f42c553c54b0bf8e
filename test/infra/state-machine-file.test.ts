/**
 * The Terraform module ships the state machine definition as a file; it must be exactly what
 * `lambda-rollout state-machine` prints, or the deployed machine and the CLI's follower disagree.
 */
import { spawnSync } from "node:child_process";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { stateMachineJson } from "../../src/stepfunctions/definition.js";
import { releaseStateMachineJson } from "../../src/stepfunctions/release-definition.js";
import { MODULE_DIR, REPO } from "./support/terraform.js";

describe("the module's state-machine.asl.json", () => {
  it("is byte for byte the output of `lambda-rollout state-machine` (regenerate it with that command)", async () => {
    const file = await readFile(join(REPO, MODULE_DIR, "state-machine.asl.json"), "utf8");
    expect(file).toBe(stateMachineJson());
    // The built binary too (npm run build): what users run is what the module ships.
    const printed = spawnSync(process.execPath, [join(REPO, "bin/lambda-rollout.js"), "state-machine"], {
      encoding: "utf8",
    });
    expect(printed.status, printed.stderr).toBe(0);
    expect(printed.stdout).toBe(file);
  });
});

describe("the release module's release-state-machine.asl.json", () => {
  it("is byte for byte the output of `lambda-rollout state-machine --release`", async () => {
    const file = await readFile(
      join(REPO, "terraform/modules/lambda-rollout-release-state-machine/release-state-machine.asl.json"),
      "utf8",
    );
    expect(file).toBe(releaseStateMachineJson());
    const printed = spawnSync(
      process.execPath,
      [join(REPO, "bin/lambda-rollout.js"), "state-machine", "--release"],
      { encoding: "utf8" },
    );
    expect(printed.status, printed.stderr).toBe(0);
    expect(printed.stdout).toBe(file);
  });
});
