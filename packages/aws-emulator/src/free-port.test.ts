import { createServer } from 'node:net';
import { findFreePort } from './free-port';

/** Listens on the port and closes again: undefined when that worked, else the error. */
function bindOnce(port: number): Promise<NodeJS.ErrnoException | undefined> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', resolve);
    server.listen({ host: '127.0.0.1', port, exclusive: true }, () => server.close(() => resolve(undefined)));
  });
}

describe('findFreePort', () => {
  it('returns a loopback port that can be bound, unless another process took it in between', async () => {
    // The port is free when findFreePort resolves and no longer promised to be after: on a busy
    // machine a test running in parallel may take it. Like its users, take another one then;
    // three taken in a row would be a bug, not bad luck.
    for (let attempt = 1; ; attempt++) {
      const port = await findFreePort();
      expect(port).toBeGreaterThan(0);
      expect(port).toBeLessThan(65536);
      const error = await bindOnce(port);
      if (error === undefined) return;
      expect(error.code).toBe('EADDRINUSE');
      if (attempt === 3) throw error;
    }
  });

  it('returns different ports for concurrent calls most of the time', async () => {
    const ports = await Promise.all([findFreePort(), findFreePort(), findFreePort()]);
    expect(new Set(ports).size).toBeGreaterThan(1);
  });
});
