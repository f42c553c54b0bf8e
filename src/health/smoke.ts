import type { LambdaPort } from "../ports.js";
import type { GateContext, GateVerdict, HealthGate } from "./gate.js";

export interface SmokeExpectation {
  /** For API Gateway-style functions: the `statusCode` the response must carry. */
  statusCode?: number | undefined;
  /** A JSON subset the (JSON-parsed) response body must contain. */
  body?: unknown;
}

export interface SmokeCheck {
  /** The event, as JSON text. */
  payload: string;
  expect?: SmokeExpectation | undefined;
}

/** True when `actual` contains everything in `expected` (objects by key, arrays element-wise). */
export function containsSubset(actual: unknown, expected: unknown): boolean {
  if (expected === null || typeof expected !== "object") return Object.is(actual, expected);
  if (Array.isArray(expected)) {
    return (
      Array.isArray(actual) &&
      expected.length <= actual.length &&
      expected.every((item, index) => containsSubset(actual[index], item))
    );
  }
  if (actual === null || typeof actual !== "object" || Array.isArray(actual)) return false;
  const record = actual as Record<string, unknown>;
  return Object.entries(expected as Record<string, unknown>).every(([key, value]) =>
    containsSubset(record[key], value),
  );
}

function parseJson(text: string): { ok: true; value: unknown } | { ok: false } {
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch {
    return { ok: false };
  }
}

/**
 * Without an explicit expectation, an API Gateway-style response with a 5xx `statusCode` still fails:
 * API Gateway would hand that error to clients.
 */
function serverError(payload: string): string | undefined {
  const parsed = parseJson(payload);
  if (!parsed.ok || parsed.value === null || typeof parsed.value !== "object") return undefined;
  const statusCode = (parsed.value as { statusCode?: unknown }).statusCode;
  return typeof statusCode === "number" && statusCode >= 500
    ? `statusCode ${statusCode} (a server error)`
    : undefined;
}

/** Returns why the response does not meet the expectation, or undefined when it does. */
export function smokeMismatch(payload: string, expect: SmokeExpectation | undefined): string | undefined {
  if (!expect || (expect.statusCode === undefined && expect.body === undefined)) return serverError(payload);
  const parsed = parseJson(payload);
  if (!parsed.ok || parsed.value === null || typeof parsed.value !== "object") {
    return `response is not a JSON object: ${payload.slice(0, 200)}`;
  }
  const response = parsed.value as { statusCode?: unknown; body?: unknown };
  if (expect.statusCode !== undefined && response.statusCode !== expect.statusCode) {
    return `statusCode ${String(response.statusCode)}, expected ${expect.statusCode}`;
  }
  if (expect.body !== undefined) {
    const body =
      typeof response.body === "string" ? parseJson(response.body) : { ok: true, value: response.body };
    if (!body.ok || !containsSubset(body.value, expect.body)) {
      return `body ${String(typeof response.body === "string" ? response.body : JSON.stringify(response.body)).slice(0, 200)} does not contain ${JSON.stringify(expect.body)}`;
    }
  }
  return undefined;
}

/** Invokes the new version (qualifier = version) with each payload before any traffic moves. */
export function createSmokeGate(lambda: LambdaPort, checks: SmokeCheck[]): HealthGate {
  return {
    name: "smoke",
    async check(context: GateContext): Promise<GateVerdict> {
      for (const [index, check] of checks.entries()) {
        const label = `payload ${index + 1}/${checks.length}`;
        let result: Awaited<ReturnType<LambdaPort["invoke"]>>;
        try {
          result = await lambda.invoke(context.functionName, context.newVersion, check.payload, {
            signal: context.signal,
          });
        } catch (error) {
          const message = error instanceof Error ? error.message : String(error);
          return { gate: "smoke", status: "fail", detail: `${label}: invoke failed: ${message}` };
        }
        if (result.functionError) {
          return {
            gate: "smoke",
            status: "fail",
            detail: `${label}: function error (${result.functionError}): ${result.payload.slice(0, 300)}`,
          };
        }
        const mismatch = smokeMismatch(result.payload, check.expect);
        if (mismatch) return { gate: "smoke", status: "fail", detail: `${label}: ${mismatch}` };
      }
      return {
        gate: "smoke",
        status: "pass",
        detail: `${checks.length} invocation(s) of v${context.newVersion} ok`,
      };
    },
  };
}
