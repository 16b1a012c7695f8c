import { createServer } from 'node:net';
import { findFreePort } from './free-port';

describe('findFreePort', () => {
  it('returns a port that can be bound on loopback', async () => {
    const port = await findFreePort();
    expect(port).toBeGreaterThan(0);
    const server = createServer();
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', resolve);
    });
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  it('returns different ports for concurrent calls most of the time', async () => {
    const ports = await Promise.all([findFreePort(), findFreePort(), findFreePort()]);
    expect(new Set(ports).size).toBeGreaterThan(1);
  });
});
