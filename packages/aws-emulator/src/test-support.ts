/**
 * Helpers for tests: clean-ups that run however a test ends, and upstreams that misbehave
 * deterministically. Not in the package's index: tests import them from
 * `@org-budgets/aws-emulator/testing`.
 */
import { createServer, type Socket } from 'node:net';

/**
 * Runs every clean-up step in order, each even when an earlier one failed (a failed stop must not
 * leave the next server running), then throws the first failure (all of them, when several failed).
 */
export async function stopAll(...steps: (() => unknown)[]): Promise<void> {
  const failures: unknown[] = [];
  for (const step of steps) {
    try {
      await step();
    } catch (error) {
      failures.push(error);
    }
  }
  if (failures.length === 1) throw failures[0];
  if (failures.length > 1) throw new AggregateError(failures, `${failures.length} clean-up steps failed`);
}

/**
 * Registers an afterEach in the calling describe block and returns `defer`: what a test defers
 * (stopping the server it started...) runs after the test, newest first, also when the test
 * failed or timed out, where a `finally` in the test would never run.
 */
export function deferredCleanup(): (step: () => unknown) => void {
  const steps: (() => unknown)[] = [];
  afterEach(() => stopAll(...steps.splice(0).reverse()));
  return (step) => {
    steps.push(step);
  };
}

/** A loopback port this process listens on, so that nothing else can take it while a test runs. */
export interface HeldPort {
  port: number;
  /** `http://127.0.0.1:PORT` */
  url: string;
  /** Connections accepted so far. */
  connections(): number;
  /** Ends the connections and stops listening. */
  close(): Promise<void>;
}

/**
 * An upstream that is down, deterministically: a held port that resets every connection at once.
 * A port that was listened on and then closed is not: another test or process may take it and
 * answer (or hang) in its place.
 */
export function holdResettingPort(): Promise<HeldPort> {
  return holdPort((socket) => socket.resetAndDestroy());
}

/** An upstream that hangs: a held port that accepts connections, reads them and never answers. */
export function holdSilentPort(): Promise<HeldPort> {
  return holdPort((socket) => socket.resume());
}

function holdPort(onConnection: (socket: Socket) => void): Promise<HeldPort> {
  const sockets = new Set<Socket>();
  let accepted = 0;
  const server = createServer((socket) => {
    accepted++;
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
    socket.on('error', () => undefined);
    onConnection(socket);
  });
  return new Promise((resolveHeld, rejectHeld) => {
    server.once('error', rejectHeld);
    server.listen({ host: '127.0.0.1', port: 0, exclusive: true }, () => {
      server.off('error', rejectHeld);
      const { port } = server.address() as { port: number };
      let closing: Promise<void> | undefined;
      resolveHeld({
        port,
        url: `http://127.0.0.1:${port}`,
        connections: () => accepted,
        close() {
          closing ??= new Promise<void>((resolveClose) => {
            for (const socket of sockets) socket.destroy();
            server.close(() => resolveClose());
          });
          return closing;
        },
      });
    });
  });
}
