/**
 * The bootstrap each execution environment (a worker thread) runs, kept as source text and started
 * with `eval: true`: it then works the same from `dist/` and from TypeScript sources under vitest,
 * without a loader. It plays the part of Lambda's Node.js runtime interface client: import the
 * handler once (the init phase), then run one event at a time and post the JSON result back.
 */

/** Messages the main thread sends. */
export interface InvokeMessage {
  id: number;
  event: unknown;
  requestId: string;
  deadline: number;
}

/** What a worker answers. `payload` is the handler's result, JSON-serialised like Lambda does. */
export type WorkerReply =
  | { id: number; ok: true; payload: string; durationMs: number }
  | { id: number; ok: false; errorType: string; errorMessage: string; trace: string[]; durationMs: number };

export interface WorkerInit {
  taskRoot: string;
  handler: string;
  functionName: string;
  version: string;
  memoryMb: number;
  region: string;
}

export const WORKER_SOURCE = String.raw`
"use strict";
const { parentPort, workerData } = require("node:worker_threads");
const { pathToFileURL } = require("node:url");
const path = require("node:path");
const fs = require("node:fs");
const { performance } = require("node:perf_hooks");

let handlerPromise;

async function loadHandler() {
  const { taskRoot, handler } = workerData;
  const dot = handler.lastIndexOf(".");
  const modulePath = dot > 0 ? handler.slice(0, dot) : handler;
  const exportName = dot > 0 ? handler.slice(dot + 1) : "handler";
  const file = [".js", ".mjs", ".cjs"]
    .map((ext) => path.join(taskRoot, modulePath + ext))
    .find((candidate) => fs.existsSync(candidate));
  if (!file) {
    throw { errorType: "Runtime.ImportModuleError", errorMessage: "Error: Cannot find module '" + modulePath + "'" };
  }
  const mod = await import(pathToFileURL(file).href);
  const fn = mod[exportName] !== undefined ? mod[exportName] : mod.default && mod.default[exportName];
  if (typeof fn !== "function") {
    throw { errorType: "Runtime.HandlerNotFound", errorMessage: handler + " is undefined or not exported" };
  }
  return fn;
}

function toError(error) {
  if (error && typeof error === "object" && typeof error.errorType === "string") {
    return { errorType: error.errorType, errorMessage: String(error.errorMessage), trace: [] };
  }
  if (error instanceof Error) {
    return {
      errorType: error.name || "Error",
      errorMessage: error.message,
      trace: String(error.stack || "").split("\n"),
    };
  }
  return { errorType: "string", errorMessage: String(error), trace: [] };
}

function invoke(fn, event, context) {
  // Callback-style handlers (event, context, callback) and async/promise handlers, as in Lambda.
  if (fn.length >= 3) {
    return new Promise((resolve, reject) => {
      const callback = (err, value) => (err ? reject(err) : resolve(value));
      const returned = fn(event, context, callback);
      if (returned && typeof returned.then === "function") returned.then(resolve, reject);
    });
  }
  return Promise.resolve(fn(event, context));
}

parentPort.on("message", async (message) => {
  const { id, event, requestId, deadline } = message;
  let fn;
  try {
    fn = await (handlerPromise = handlerPromise || loadHandler());
  } catch (error) {
    parentPort.postMessage(Object.assign({ id, ok: false, durationMs: 0 }, toError(error)));
    return;
  }
  const context = {
    functionName: workerData.functionName,
    functionVersion: workerData.version,
    invokedFunctionArn: "arn:aws:lambda:" + workerData.region + ":123456789012:function:" + workerData.functionName,
    memoryLimitInMB: String(workerData.memoryMb),
    awsRequestId: requestId,
    logGroupName: "/aws/lambda/" + workerData.functionName,
    logStreamName: "local",
    callbackWaitsForEmptyEventLoop: true,
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
  };
  const started = performance.now();
  try {
    const value = await invoke(fn, event, context);
    const payload = JSON.stringify(value === undefined ? null : value);
    parentPort.postMessage({ id, ok: true, payload, durationMs: performance.now() - started });
  } catch (error) {
    parentPort.postMessage(Object.assign({ id, ok: false, durationMs: performance.now() - started }, toError(error)));
  }
});
`;
