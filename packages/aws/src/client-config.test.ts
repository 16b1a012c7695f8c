import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { awsClientConfig } from './client-config';

/** A server that takes requests and never answers. */
let server: Server;
let endpoint: string;
const held: { destroy(): void }[] = [];

beforeAll(async () => {
  server = createServer((req) => {
    held.push(req.socket);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  for (const socket of held) socket.destroy();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

describe('awsClientConfig', () => {
  it('ends a call whose answer does not come within requestTimeoutMs with a TimeoutError', async () => {
    const sts = new STSClient({
      ...awsClientConfig({ requestTimeoutMs: 200, maxAttempts: 1 }),
      endpoint,
      region: 'us-east-1',
      credentials: { accessKeyId: 'a', secretAccessKey: 'b' },
    });
    try {
      await expect(sts.send(new GetCallerIdentityCommand({}))).rejects.toMatchObject({ name: 'TimeoutError' });
    } finally {
      sts.destroy();
    }
  });
});
