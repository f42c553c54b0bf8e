import { describe, expect, it } from "vitest";
import { InputError } from "../errors.js";
import { envInputReader, readInputs, splitList, splitPayloads } from "./inputs.js";

describe("Action inputs", () => {
  it("reads INPUT_* as the runner names them (upper case, hyphens kept)", () => {
    const read = envInputReader({ "INPUT_FINAL-BAKE": " 5m ", INPUT_CONFIG: "lambda-rollout.yml" });
    expect(read("final-bake")).toBe("5m");
    expect(read("config")).toBe("lambda-rollout.yml");
    expect(read("zip")).toBe("");
  });

  it("splits alarms on newlines and commas", () => {
    expect(splitList("errors, latency\n\n  throttles \n")).toEqual(["errors", "latency", "throttles"]);
  });

  it("keeps one multi-line JSON payload whole, else takes one payload per line", () => {
    expect(splitPayloads('{\n  "a": 1,\n  "b": 2\n}')).toEqual(['{\n  "a": 1,\n  "b": 2\n}']);
    expect(splitPayloads('{"a":1}\n@events/ping.json\n')).toEqual(['{"a":1}', "@events/ping.json"]);
    expect(splitPayloads("")).toEqual([]);
  });

  it("maps every input onto the CLI's DeployInputs; empty inputs are absent", () => {
    const env = {
      INPUT_ENV: "production",
      INPUT_ZIP: "dist/fn.zip",
      INPUT_STEPS: "10%:1m",
      INPUT_ALARMS: "a,b",
      "INPUT_SMOKE-PAYLOAD": '{"ping":true}',
      "INPUT_DRY-RUN": "true",
      INPUT_ENGINE: "stepfunctions",
      "INPUT_STATE-MACHINE": "arn:aws:states:us-east-1:123456789012:stateMachine:fn-rollout",
      INPUT_DETACH: "true",
    };
    expect(readInputs(envInputReader(env))).toEqual({
      config: undefined,
      env: "production",
      function: undefined,
      alias: undefined,
      zip: "dist/fn.zip",
      bucket: undefined,
      prefix: undefined,
      version: undefined,
      strategy: undefined,
      steps: "10%:1m",
      finalBake: undefined,
      alarms: ["a", "b"],
      interval: undefined,
      smokePayloads: ['{"ping":true}'],
      region: undefined,
      dryRun: true,
      allowFiringAlarms: false,
      engine: "stepfunctions",
      stateMachine: "arn:aws:states:us-east-1:123456789012:stateMachine:fn-rollout",
      detach: true,
    });
  });

  it("allow-firing-alarms: true asks to ignore alarms already firing", () => {
    expect(readInputs(envInputReader({ "INPUT_ALLOW-FIRING-ALARMS": "true" })).allowFiringAlarms).toBe(true);
  });

  it("rejects a dry-run that is not a boolean (exit 2)", () => {
    expect(() => readInputs(envInputReader({ "INPUT_DRY-RUN": "yes" }))).toThrow(
      new InputError('Input dry-run must be true or false, not "yes".'),
    );
  });
});
