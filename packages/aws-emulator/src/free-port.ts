import { createServer } from 'node:net';

/**
 * Asks the OS for a free TCP port on `host` (listen on port 0, read the port, close).
 * The port is free when this resolves; whoever uses it should bind it soon, as another
 * process may take it in between, and try another port when it was taken. Better, where
 * possible: listen on port 0 and read the port (startMotoServer hands moto such a socket). A test
 * that needs a port nothing answers on must hold it (test-support's holdResettingPort), not
 * close it and hope it stays free.
 */
export function findFreePort(host = '127.0.0.1'): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once('error', reject);
    server.listen({ host, port: 0, exclusive: true }, () => {
      const address = server.address();
      if (address === null || typeof address === 'string') {
        server.close();
        reject(new Error(`findFreePort: unexpected server address ${String(address)}`));
        return;
      }
      const { port } = address;
      server.close((error) => (error ? reject(error) : resolve(port)));
    });
  });
}
