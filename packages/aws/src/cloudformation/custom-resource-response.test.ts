import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { CustomResourceResponseError } from '../errors';
import {
  MAX_CUSTOM_RESOURCE_RESPONSE_BYTES,
  responseBody,
  sendCustomResourceResponse,
  type CustomResourceResponse,
} from './custom-resource-response';

const RESPONSE: CustomResourceResponse = {
  Status: 'SUCCESS',
  Reason: 'nothing to do',
  PhysicalResourceId: 'guardian-queues-release',
  StackId: 'arn:aws:cloudformation:us-east-1:111111111111:stack/org-budgets-spoke-prod/3b8a0f10',
  RequestId: 'c2a5e3c1-0000-4000-8000-000000000001',
  LogicalResourceId: 'GuardianQueuesRelease',
};

interface Received {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  body: string;
}

/** A stand-in for the pre-signed S3 URL on a free loopback port: answers each PUT with the next status. */
async function responseUrlServer(
  statuses: number[],
): Promise<{ url: string; received: Received[]; close(): Promise<void> }> {
  const received: Received[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      received.push({
        method: req.method ?? '',
        url: req.url ?? '',
        headers: req.headers,
        body: Buffer.concat(chunks).toString('utf8'),
      });
      res.statusCode = statuses[received.length - 1] ?? 200;
      res.end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/cfn-response/abc?X-Amz-Signature=sig`,
    received,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

const noWait = () => Promise.resolve();

describe('sendCustomResourceResponse', () => {
  it('PUTs the JSON response to the ResponseURL with an empty Content-Type', async () => {
    const server = await responseUrlServer([200]);
    try {
      await sendCustomResourceResponse(server.url, RESPONSE, { sleep: noWait });
      expect(server.received).toHaveLength(1);
      expect(server.received[0]).toMatchObject({
        method: 'PUT',
        url: '/cfn-response/abc?X-Amz-Signature=sig',
        headers: { 'content-type': '' },
      });
      expect(JSON.parse(server.received[0]?.body ?? '')).toEqual(RESPONSE);
    } finally {
      await server.close();
    }
  });

  it('tries again after a server error', async () => {
    const server = await responseUrlServer([503, 200]);
    try {
      await sendCustomResourceResponse(server.url, RESPONSE, { sleep: noWait });
      expect(server.received).toHaveLength(2);
    } finally {
      await server.close();
    }
  });

  it('gives up at once on a 4xx (an expired or wrong URL) and says so', async () => {
    const server = await responseUrlServer([403, 200]);
    try {
      const sent = sendCustomResourceResponse(server.url, RESPONSE, { sleep: noWait });
      await expect(sent).rejects.toThrow(CustomResourceResponseError);
      await expect(sent).rejects.toThrow(/SUCCESS answer .* GuardianQueuesRelease .* HTTP 403/);
      expect(server.received).toHaveLength(1);
    } finally {
      await server.close();
    }
  });

  it('fails after its attempts when the ResponseURL keeps failing', async () => {
    const server = await responseUrlServer([500, 500, 200]);
    try {
      await expect(sendCustomResourceResponse(server.url, RESPONSE, { sleep: noWait, attempts: 2 })).rejects.toThrow(
        /HTTP 500/,
      );
      expect(server.received).toHaveLength(2);
    } finally {
      await server.close();
    }
  });
});

describe('responseBody', () => {
  it('leaves a response that fits as it is', () => {
    expect(responseBody(RESPONSE)).toBe(JSON.stringify(RESPONSE));
  });

  it('shortens a long Reason so that the body fits 4096 bytes', () => {
    const reason = `queues not re-enabled: ${'research-é-queue, '.repeat(400)}`;
    const body = responseBody({ ...RESPONSE, Status: 'FAILED', Reason: reason });
    expect(Buffer.byteLength(body)).toBeLessThanOrEqual(MAX_CUSTOM_RESOURCE_RESPONSE_BYTES);
    const parsed = JSON.parse(body) as CustomResourceResponse;
    expect(parsed.Reason).toMatch(/^queues not re-enabled: research-é-queue, .*…$/);
    expect(parsed).toMatchObject({ Status: 'FAILED', LogicalResourceId: 'GuardianQueuesRelease' });
  });
});
