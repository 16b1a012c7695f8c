import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, openSync, type WriteStream } from 'node:fs';
import { request } from 'node:http';
import { createServer, type Server, type Socket } from 'node:net';
import { resolve } from 'node:path';
import { findFreePort } from './free-port';

export interface MotoServerOptions {
  /** Port to listen on; a free loopback port when left out. */
  port?: number;
  /** Python interpreter; else env ORG_BUDGETS_PYTHON, else `python3`. */
  python?: string;
  /** Append moto's stdout and stderr to this file. */
  logFile?: string;
  /** Extra environment for moto (e.g. MOTO_* settings). */
  env?: Record<string, string>;
  /** How long to wait for moto to answer HTTP; 30 s by default. */
  startTimeoutMs?: number;
}

export interface MotoServer {
  endpoint: string;
  port: number;
  /** moto's process id. */
  pid: number;
  /** Stops moto (SIGTERM, then SIGKILL after a timeout); resolves once the process has exited. */
  stop(): Promise<void>;
  /** Clears all of moto's state (POST /moto-api/reset). */
  reset(): Promise<void>;
}

/** The launcher that patches moto before running its server (see the file's docstring). */
export const MOTO_LAUNCHER_PATH = resolve(__dirname, '..', 'moto-launcher.py');

const HOST = '127.0.0.1';
const INSTALL_HINT = "Install it with: pip install 'moto[server]'";
const MISSING_MOTO_EXIT_CODE = 3;
const STDERR_TAIL_BYTES = 8 * 1024;
const POLL_INTERVAL_MS = 100;
const STOP_GRACE_MS = 5000;
const PORT_ATTEMPTS = 3;

/**
 * Starts moto's server (through moto-launcher.py) on a loopback port and waits until it
 * answers HTTP. The child is killed when the calling process exits.
 *
 * This process binds the port (a free one unless `port` is given) and hands the listening socket
 * to moto, which serves on it (werkzeug takes a listening socket as WERKZEUG_SERVER_FD): no other
 * process or test can take the port between its choice and moto serving on it. Where the socket
 * has no file descriptor to hand over (Windows), moto binds a port found free itself, and a port
 * taken in between is retried.
 */
export async function startMotoServer(options: MotoServerOptions = {}): Promise<MotoServer> {
  const listener = await listenOnLoopback(options.port ?? 0);
  const fd = fileDescriptorOf(listener);
  if (fd !== undefined) {
    return launchMoto((listener.address() as { port: number }).port, options, {
      fd,
      release: () => listener.close(),
    });
  }
  await new Promise((resolveClose) => listener.close(resolveClose));
  const attempts = options.port === undefined ? PORT_ATTEMPTS : 1;
  for (let attempt = 1; ; attempt++) {
    const port = options.port ?? (await findFreePort(HOST));
    try {
      return await launchMoto(port, options);
    } catch (error) {
      // Another process may take the free port between findFreePort and moto binding it.
      if (!(error instanceof PortTakenError) || attempt >= attempts) throw error;
    }
  }
}

class PortTakenError extends Error {}

/** A listening socket moto is to serve on; `release` closes this process's copy of it. */
interface HandedOverSocket {
  fd: number;
  release(): void;
}

/** The child's file descriptor for the handed-over socket (stdio index 3). */
const HANDED_OVER_FD = 3;

function portTaken(port: number): PortTakenError {
  return new PortTakenError(`Cannot start moto: port ${port} on ${HOST} is taken (address already in use)`);
}

function listenOnLoopback(port: number): Promise<Server> {
  return new Promise((resolveListen, rejectListen) => {
    const server = createServer();
    server.once('error', (error: NodeJS.ErrnoException) => {
      rejectListen(error.code === 'EADDRINUSE' ? portTaken(port) : error);
    });
    server.listen({ host: HOST, port, exclusive: true }, () => resolveListen(server));
  });
}

/** The OS file descriptor of a listening server, where Node has one (not on Windows). */
function fileDescriptorOf(server: Server): number | undefined {
  const fd = (server as unknown as { _handle?: { fd?: unknown } })._handle?.fd;
  return typeof fd === 'number' && fd >= 0 ? fd : undefined;
}

async function launchMoto(port: number, options: MotoServerOptions, socket?: HandedOverSocket): Promise<MotoServer> {
  const python = options.python ?? process.env.ORG_BUDGETS_PYTHON ?? 'python3';
  const endpoint = `http://${HOST}:${port}`;
  let child: ChildProcess;
  let log: WriteStream | undefined;
  try {
    // Otherwise whatever already listens there would answer the readiness check in moto's place.
    if (!socket && !(await isPortFree(port, HOST))) throw portTaken(port);
    // Opened synchronously so that a bad path fails here, not later as an unhandled stream error.
    log =
      options.logFile === undefined
        ? undefined
        : createWriteStream(options.logFile, { fd: openSync(options.logFile, 'a') });
    child = spawn(python, [MOTO_LAUNCHER_PATH, '-H', HOST, '-p', String(port)], {
      stdio: ['ignore', 'pipe', 'pipe', ...(socket ? [socket.fd] : [])],
      env: {
        ...process.env,
        PYTHONUNBUFFERED: '1',
        MOTO_PORT: String(port),
        ORG_BUDGETS_MOTO_PARENT_PID: String(process.pid),
        // werkzeug serves on this listening socket instead of binding one (as under its reloader).
        WERKZEUG_RUN_MAIN: socket ? 'true' : undefined,
        WERKZEUG_SERVER_FD: socket ? String(HANDED_OVER_FD) : undefined,
        ...options.env,
      },
    });
  } finally {
    // moto has its own copy now (or never will): this process must not accept moto's connections.
    socket?.release();
  }
  let logError: Error | undefined;
  log?.on('error', (error) => {
    logError ??= error;
  });
  const stderrTail = createTail(STDERR_TAIL_BYTES);
  // moto logs every request: always drain its output so the pipes never fill up.
  child.stdout?.on('data', (chunk: Buffer) => log?.write(chunk));
  child.stderr?.on('data', (chunk: Buffer) => {
    stderrTail.push(chunk);
    log?.write(chunk);
  });

  // A forgotten server must not keep the caller alive: the 'exit' handler below kills it.
  child.unref();
  for (const stream of [child.stdout, child.stderr]) (stream as Socket | null)?.unref();

  const exited = watchExit(child);
  const killOnExit = (): void => {
    child.kill('SIGKILL');
  };
  process.on('exit', killOnExit);
  const cleanUp = async (): Promise<void> => {
    process.off('exit', killOnExit);
    await closeLog(log);
    if (logError) throw new Error(`Writing moto's log to ${options.logFile ?? ''} failed: ${logError.message}`);
  };

  try {
    await waitUntilAnswering(endpoint, exited, options.startTimeoutMs ?? 30_000);
  } catch (error) {
    await stopChild(child, exited);
    await cleanUp();
    throw describeStartFailure(error, { python, port, stderr: stderrTail.text() });
  }

  let stopping: Promise<void> | undefined;
  return {
    endpoint,
    port,
    pid: child.pid as number,
    stop() {
      stopping ??= stopChild(child, exited).then(cleanUp);
      return stopping;
    },
    async reset() {
      const { status, body } = await sendRequest(`${endpoint}/moto-api/reset`, 'POST');
      if (status !== 200) throw new Error(`moto reset failed: HTTP ${status} ${body}`);
    },
  };
}

interface ExitInfo {
  code: number | null;
  signal: NodeJS.Signals | null;
  spawnError?: Error;
}

function watchExit(child: ChildProcess): Promise<ExitInfo> {
  return new Promise((resolveExit) => {
    let spawnError: Error | undefined;
    // 'error' comes before 'close' when the executable cannot be spawned; the exit info carries it.
    child.on('error', (error) => {
      spawnError = error;
      if (child.pid === undefined) resolveExit({ code: null, signal: null, spawnError });
    });
    child.once('close', (code, signal) => resolveExit({ code, signal, spawnError }));
  });
}

class StartFailure extends Error {
  constructor(
    message: string,
    readonly exit?: ExitInfo,
  ) {
    super(message);
  }
}

async function waitUntilAnswering(endpoint: string, exited: Promise<ExitInfo>, timeoutMs: number): Promise<void> {
  let exit: ExitInfo | undefined;
  void exited.then((info) => {
    exit = info;
  });
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (exit) throw new StartFailure('moto exited before it answered HTTP', exit);
    try {
      await sendRequest(`${endpoint}/moto-api/`, 'GET', 2000);
      if (exit) throw new StartFailure('moto exited just after answering HTTP', exit);
      return;
    } catch (error) {
      // Not listening yet (connection refused or reset): poll again until the deadline.
      if (Date.now() >= deadline) {
        throw new StartFailure(`moto did not answer HTTP within ${timeoutMs} ms (last error: ${String(error)})`);
      }
    }
    await delay(POLL_INTERVAL_MS);
  }
}

function describeStartFailure(error: unknown, context: { python: string; port: number; stderr: string }): Error {
  if (!(error instanceof StartFailure)) return error as Error;
  const { exit } = error;
  const tail = context.stderr.trim() ? `\n--- moto stderr (tail) ---\n${context.stderr.trim()}` : '';
  if (exit?.spawnError) {
    const code = (exit.spawnError as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') {
      return new Error(
        `Cannot start moto: Python interpreter '${context.python}' not found. ` +
          `Install Python 3 (or set ORG_BUDGETS_PYTHON), then: pip install 'moto[server]'`,
        { cause: exit.spawnError },
      );
    }
    return new Error(`Cannot start moto with '${context.python}': ${exit.spawnError.message}`, {
      cause: exit.spawnError,
    });
  }
  if (exit?.code === MISSING_MOTO_EXIT_CODE) {
    return new Error(`moto is not installed for '${context.python}'. ${INSTALL_HINT}${tail}`);
  }
  if (/address already in use/i.test(context.stderr)) {
    return new PortTakenError(`moto could not bind port ${context.port}: address already in use${tail}`);
  }
  const how = exit ? ` (exit code ${String(exit.code)}, signal ${String(exit.signal)})` : '';
  return new Error(`Cannot start moto on port ${context.port}: ${error.message}${how}.${tail}`);
}

async function stopChild(child: ChildProcess, exited: Promise<ExitInfo>): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) {
    await exited;
    return;
  }
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), STOP_GRACE_MS);
  try {
    await exited;
  } finally {
    clearTimeout(timer);
  }
}

/** Flushes and closes the log; a write error is reported through the stream's 'error' listener. */
function closeLog(log: WriteStream | undefined): Promise<void> {
  if (!log || log.destroyed) return Promise.resolve();
  return new Promise((resolveClose) => {
    log.once('close', resolveClose);
    log.end();
  });
}

function createTail(maxBytes: number): { push(chunk: Buffer): void; text(): string } {
  let buffer = Buffer.alloc(0);
  return {
    push(chunk) {
      buffer = Buffer.concat([buffer, chunk]);
      if (buffer.length > maxBytes) buffer = buffer.subarray(buffer.length - maxBytes);
    },
    text: () => buffer.toString('utf8'),
  };
}

function isPortFree(port: number, host: string): Promise<boolean> {
  return new Promise((resolveFree, rejectFree) => {
    const server = createServer();
    server.unref();
    server.once('error', (error: NodeJS.ErrnoException) => {
      if (error.code === 'EADDRINUSE') resolveFree(false);
      else rejectFree(error);
    });
    server.listen({ host, port, exclusive: true }, () => server.close(() => resolveFree(true)));
  });
}

function delay(ms: number): Promise<void> {
  return new Promise((resolveDelay) => setTimeout(resolveDelay, ms));
}

/** One HTTP request without keep-alive, so no socket outlives it. */
function sendRequest(url: string, method: string, timeoutMs = 10_000): Promise<{ status: number; body: string }> {
  return new Promise((resolveRequest, rejectRequest) => {
    const req = request(url, { method, agent: false, headers: { connection: 'close' } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('error', rejectRequest);
      res.on('end', () =>
        resolveRequest({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }),
      );
    });
    req.setTimeout(timeoutMs, () => req.destroy(new Error(`${method} ${url} timed out after ${timeoutMs} ms`)));
    req.on('error', rejectRequest);
    req.end();
  });
}
