'use strict';
/* global console */
/* eslint-disable @typescript-eslint/no-require-imports, no-console -- plain CommonJS run by node, outside the build */
/**
 * One warm "container" of the local Lambda runtime: a Node.js process that loads one function's
 * bundle from LAMBDA_TASK_ROOT (handler from _HANDLER, as Lambda does) once, then runs one
 * invocation at a time for its parent (function-container.ts) over the IPC channel.
 *
 * Plain CommonJS with no dependencies, run by plain `node`: nothing of the test or build tooling
 * is loaded into the function's process.
 *
 * Parent → worker: { type: 'invoke', requestId, event, context: { functionName, functionVersion,
 *   invokedFunctionArn, memoryLimitInMB, logGroupName, logStreamName }, deadline (epoch ms),
 *   clockOffsetMs (with --shiftable-clock) }
 * Worker → parent: { type: 'ready', initMs } | { type: 'initError', error } |
 *   { type: 'result', requestId, ok: true, payload (JSON text or undefined) } |
 *   { type: 'result', requestId, ok: false, error: { errorType, errorMessage, trace } }
 *
 * Writes Lambda's START / END / REPORT lines and prefixes console output with the timestamp,
 * request id and level, as the nodejs runtime does; stdout and stderr go to the function's log.
 *
 * Started with `--shiftable-clock` (tests only: LocalLambdaRuntime.setClockOffset), the function
 * sees a clock that runs `clockOffsetMs` ahead of the machine's: `Date.now()` and `new Date()`
 * (the bundle's global Date) add the offset of the invocation, so that a test can show the
 * functions the start of next month. The runtime's own lines, durations and the deadline keep the
 * machine's clock.
 */
const fs = require('node:fs');
const path = require('node:path');
const { pathToFileURL } = require('node:url');
const util = require('node:util');

let currentRequestId = undefined;

/** The machine's clock, whatever the function's Date says. */
const RealDate = Date;
const realNow = () => RealDate.now();
/** How far ahead of the machine's clock the function's Date runs (--shiftable-clock). */
let clockOffsetMs = 0;

/**
 * Replaces the global Date with one whose "now" is `clockOffsetMs` ahead: `new Date()`,
 * `Date.now()` and `Date()`. Dates it makes are ordinary Dates (same prototype, `instanceof`
 * holds both ways); every other use (`new Date(ms)`, `Date.parse`, `Date.UTC`) is unchanged.
 */
function installShiftableClock() {
  function ShiftedDate(...args) {
    if (!new.target) return new RealDate(realNow() + clockOffsetMs).toString();
    const date = args.length === 0 ? new RealDate(realNow() + clockOffsetMs) : new RealDate(...args);
    if (new.target !== ShiftedDate) Object.setPrototypeOf(date, new.target.prototype);
    return date;
  }
  ShiftedDate.prototype = RealDate.prototype;
  ShiftedDate.now = () => realNow() + clockOffsetMs;
  ShiftedDate.parse = RealDate.parse;
  ShiftedDate.UTC = RealDate.UTC;
  globalThis.Date = ShiftedDate;
}

function toLambdaError(error) {
  if (error instanceof Error) {
    return {
      errorType: error.name && error.name !== 'Error' ? error.name : error.constructor?.name || 'Error',
      errorMessage: error.message,
      trace: typeof error.stack === 'string' ? error.stack.split('\n') : [],
    };
  }
  return { errorType: typeof error, errorMessage: typeof error === 'string' ? error : util.inspect(error), trace: [] };
}

function patchConsole() {
  const levels = { log: 'INFO', info: 'INFO', warn: 'WARN', error: 'ERROR', debug: 'DEBUG', trace: 'TRACE' };
  for (const [method, level] of Object.entries(levels)) {
    const stream = method === 'warn' || method === 'error' ? process.stderr : process.stdout;
    console[method] = (...args) => {
      const text = util.format(...args).replace(/\n/g, '\r');
      stream.write(`${new RealDate(realNow()).toISOString()}\t${currentRequestId ?? 'undefined'}\t${level}\t${text}\n`);
    };
  }
}

async function loadHandler() {
  const taskRoot = process.env.LAMBDA_TASK_ROOT;
  const spec = process.env._HANDLER;
  if (!taskRoot || !spec)
    throw Object.assign(new Error('LAMBDA_TASK_ROOT and _HANDLER must be set'), { name: 'Runtime.InvalidEntrypoint' });
  const dot = spec.lastIndexOf('.');
  if (dot <= 0) throw Object.assign(new Error(`Bad handler ${spec}`), { name: 'Runtime.MalformedHandlerName' });
  const modulePath = path.resolve(taskRoot, spec.slice(0, dot));
  const exportPath = spec.slice(dot + 1).split('.');
  const file = ['.js', '.cjs', '.mjs'].map((ext) => modulePath + ext).find((candidate) => fs.existsSync(candidate));
  if (!file) {
    throw Object.assign(new Error(`Cannot find module '${spec.slice(0, dot)}'`), { name: 'Runtime.ImportModuleError' });
  }
  let mod;
  try {
    mod = file.endsWith('.mjs') ? await import(pathToFileURL(file).href) : require(file);
  } catch (error) {
    if (error && error.code === 'ERR_REQUIRE_ESM') mod = await import(pathToFileURL(file).href);
    else throw error;
  }
  let handler = mod;
  for (const key of exportPath) handler = handler == null ? undefined : handler[key];
  if (typeof handler !== 'function') {
    throw Object.assign(new Error(`${spec} is undefined or not exported`), { name: 'Runtime.HandlerNotFound' });
  }
  return handler;
}

function runHandler(handler, event, context) {
  return new Promise((resolve, reject) => {
    let settled = false;
    const finish = (fn, value) => {
      if (settled) return;
      settled = true;
      fn(value);
    };
    const callback = (error, result) => (error ? finish(reject, error) : finish(resolve, result));
    context.done = callback;
    context.succeed = (result) => callback(null, result);
    context.fail = (error) => callback(error ?? new Error('handled'));
    try {
      const returned = handler(event, context, callback);
      if (returned && typeof returned.then === 'function')
        returned.then(
          (r) => finish(resolve, r),
          (e) => finish(reject, e),
        );
      else if (handler.length < 3) finish(resolve, returned);
    } catch (error) {
      finish(reject, error);
    }
  });
}

async function main() {
  patchConsole();
  if (process.argv.includes('--shiftable-clock')) installShiftableClock();
  const initStarted = realNow();
  let handler;
  try {
    handler = await loadHandler();
  } catch (error) {
    const lambdaError = toLambdaError(error);
    process.stderr.write(
      `${new RealDate(realNow()).toISOString()}\tundefined\tERROR\tInit failed: ${lambdaError.errorType}: ${lambdaError.errorMessage}\n`,
    );
    process.send({ type: 'initError', error: lambdaError });
    return;
  }
  const initMs = realNow() - initStarted;
  process.send({ type: 'ready', initMs });
  let first = true;

  process.on('message', async (message) => {
    if (!message || message.type !== 'invoke') return;
    const { requestId, event, deadline } = message;
    currentRequestId = requestId;
    clockOffsetMs = Number.isFinite(message.clockOffsetMs) ? message.clockOffsetMs : 0;
    const started = realNow();
    process.stdout.write(`START RequestId: ${requestId} Version: ${message.context.functionVersion}\n`);
    const context = {
      ...message.context,
      awsRequestId: requestId,
      callbackWaitsForEmptyEventLoop: true,
      getRemainingTimeInMillis: () => Math.max(0, deadline - realNow()),
    };
    let reply;
    try {
      const result = await runHandler(handler, event, context);
      reply = {
        type: 'result',
        requestId,
        ok: true,
        payload: result === undefined ? undefined : JSON.stringify(result),
      };
    } catch (error) {
      const lambdaError = toLambdaError(error);
      process.stderr.write(
        `${new RealDate(realNow()).toISOString()}\t${requestId}\tERROR\tInvoke Error \t${JSON.stringify(lambdaError)}\n`,
      );
      reply = { type: 'result', requestId, ok: false, error: lambdaError };
    }
    const duration = realNow() - started;
    process.stdout.write(`END RequestId: ${requestId}\n`);
    const memory = Math.round(process.memoryUsage().rss / 1024 / 1024);
    process.stdout.write(
      `REPORT RequestId: ${requestId}\tDuration: ${duration.toFixed(2)} ms\tBilled Duration: ${Math.max(1, Math.ceil(duration))} ms\t` +
        `Memory Size: ${message.context.memoryLimitInMB} MB\tMax Memory Used: ${memory} MB` +
        (first ? `\tInit Duration: ${initMs.toFixed(2)} ms` : '') +
        '\n',
    );
    first = false;
    currentRequestId = undefined;
    process.send(reply);
  });
}

// The parent going away ends the container.
process.on('disconnect', () => process.exit(0));
main().catch((error) => {
  process.stderr.write(`lambda-worker: ${error && error.stack ? error.stack : String(error)}\n`);
  process.exit(1);
});
