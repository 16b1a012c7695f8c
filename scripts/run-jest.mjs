#!/usr/bin/env node
/**
 * Runs jest as its own command does (same arguments, output and exit code, in this process), and
 * fails instead of hanging when jest does not exit after its tests have finished:
 *
 *   node scripts/run-jest.mjs [jest arguments…]
 *
 * jest waits for whatever a test left running (a server, a socket, a timer, a child process) and
 * only warns about it; in CI that hangs the run until the CI's own limit. Here, once jest has
 * printed its summary, a timer (unref'd: it never holds the process up itself) ends the process
 * ORG_BUDGETS_JEST_EXIT_TIMEOUT_S seconds later (30 by default) with a message naming what is
 * still open, exit code 1 or jest's own failure code. process.exit runs the 'exit' handlers, so
 * moto servers this process started are killed on the way out.
 */
import { setTimeout } from 'node:timers';

const DEFAULT_EXIT_TIMEOUT_S = 30;
const setting = process.env.ORG_BUDGETS_JEST_EXIT_TIMEOUT_S;
const exitTimeoutS = setting === undefined || setting === '' ? DEFAULT_EXIT_TIMEOUT_S : Number(setting);
if (!Number.isFinite(exitTimeoutS) || exitTimeoutS <= 0) {
  process.stderr.write(`run-jest: ORG_BUDGETS_JEST_EXIT_TIMEOUT_S must be a number of seconds > 0, got ${setting}\n`);
  process.exit(2);
}

// As jest's own bin does.
if (process.env.NODE_ENV == null) process.env.NODE_ENV = 'test';

/** What keeps the event loop alive but this process's own stdio, e.g. "Server 127.0.0.1:43117, 2 × Timeout". */
function openHandles() {
  const own = new Set([process.stdin, process.stdout, process.stderr]);
  // _getActiveHandles is undocumented but long-standing: servers, sockets, child processes. Timers
  // come from getActiveResourcesInfo.
  const handles = (process._getActiveHandles?.() ?? []).filter((handle) => !own.has(handle));
  const timers = (process.getActiveResourcesInfo?.() ?? []).filter(
    (name) => name === 'Timeout' || name === 'Immediate',
  );
  const counts = new Map();
  for (const name of [...handles.map(describeHandle), ...timers]) counts.set(name, (counts.get(name) ?? 0) + 1);
  return [...counts].map(([name, count]) => (count === 1 ? name : `${count} × ${name}`)).join(', ') || 'unknown';
}

function describeHandle(handle) {
  const kind = handle?.constructor?.name ?? typeof handle;
  if (kind === 'ChildProcess') return `ChildProcess ${handle.pid} (${handle.spawnfile})`;
  const address = typeof handle?.address === 'function' ? safely(() => handle.address()) : undefined;
  if (address && typeof address === 'object' && address.port !== undefined) {
    const peer = handle.remotePort === undefined ? '' : ` → ${handle.remoteAddress}:${handle.remotePort}`;
    return `${kind} ${address.address}:${address.port}${peer}`;
  }
  return kind === 'Socket' ? 'Socket (pipe)' : kind;
}

function safely(read) {
  try {
    return read();
  } catch {
    return undefined;
  }
}

// Loaded once NODE_ENV is set, as jest's own bin does. run() resolves once jest has reported the
// run (never in watch mode); with --forceExit jest exits by itself.
const { run } = await import('jest');
run().then(
  () => {
    setTimeout(() => {
      process.stderr.write(
        `\nrun-jest: FAILED: jest did not exit within ${exitTimeoutS} s after its tests finished. ` +
          `Something a test started is still running (open: ${openHandles()}): a server, socket, timer, ` +
          `worker or child process not stopped in afterAll/afterEach. Run the same jest command with ` +
          `--detectOpenHandles to see where it was started. Exiting with an error instead of hanging.\n`,
      );
      // jest's 'exit' handler raises this to its own failure code when tests failed too.
      process.exit(1);
    }, exitTimeoutS * 1000).unref();
  },
  // jest printed the error and set the exit code.
  () => undefined,
);
