import { createServer, request, type IncomingHttpHeaders, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  CreateTableCommand,
  DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
  ResourceNotFoundException,
} from '@aws-sdk/client-dynamodb';
import { CreateBucketCommand, GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { GetParameterCommand, PutParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { AssumeRoleCommand, GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { FAULTS_ENV, startFrontDoor, summarizeCalls, type FrontDoor, type FrontDoorOptions } from './front-door';
import { startMotoServer, type MotoServer } from './moto-server';
import { deferredCleanup, holdResettingPort, holdSilentPort, stopAll } from './test-support';

jest.setTimeout(60_000);

const region = 'eu-west-1';
const credentials = { accessKeyId: 'test', secretAccessKey: 'test' };
const roleArn = (account: string): string => `arn:aws:iam::${account}:role/org-budgets-spoke`;

describe('startFrontDoor in front of moto', () => {
  let moto: MotoServer;
  let door: FrontDoor;
  let dynamodb: DynamoDBClient;
  let sts: STSClient;
  let ssm: SSMClient;
  let s3: S3Client;

  beforeAll(async () => {
    moto = await startMotoServer();
    door = await startFrontDoor({ upstream: moto.endpoint });
    // One attempt: the SDK would retry a throttled call, hiding the injected fault.
    const config = { endpoint: door.endpoint, region, credentials, maxAttempts: 1 };
    dynamodb = new DynamoDBClient(config);
    sts = new STSClient(config);
    ssm = new SSMClient(config);
    s3 = new S3Client({ ...config, forcePathStyle: true });
  });

  afterAll(() =>
    stopAll(
      () => [dynamodb, sts, ssm, s3].forEach((client) => client?.destroy()),
      () => door?.stop(),
      () => moto?.stop(),
    ),
  );

  beforeEach(() => {
    door.clearInjections();
    door.clearCalls();
  });

  it('forwards DynamoDB and STS calls and counts them by service and operation', async () => {
    await dynamodb.send(
      new CreateTableCommand({
        TableName: 'forwarded',
        AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
        KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
        BillingMode: 'PAY_PER_REQUEST',
      }),
    );
    await dynamodb.send(new PutItemCommand({ TableName: 'forwarded', Item: { pk: { S: 'a' }, v: { N: '1' } } }));
    const { Item } = await dynamodb.send(new GetItemCommand({ TableName: 'forwarded', Key: { pk: { S: 'a' } } }));
    expect(Item).toEqual({ pk: { S: 'a' }, v: { N: '1' } });
    const identity = await sts.send(new GetCallerIdentityCommand({}));
    expect(identity.Account).toBe('123456789012');

    // moto's own errors come through unchanged.
    await expect(
      dynamodb.send(new GetItemCommand({ TableName: 'missing', Key: { pk: { S: 'a' } } })),
    ).rejects.toBeInstanceOf(ResourceNotFoundException);

    const calls = door.calls();
    expect(calls.map((c) => `${c.service}:${c.operation}`)).toEqual([
      'dynamodb:CreateTable',
      'dynamodb:PutItem',
      'dynamodb:GetItem',
      'sts:GetCallerIdentity',
      'dynamodb:GetItem',
    ]);
    expect(calls[0]).toMatchObject({ protocol: 'json', region, accessKeyId: 'test', status: 200, delayedMs: 0 });
    expect(calls[3]).toMatchObject({ protocol: 'query', status: 200 });
    expect(calls[4]).toMatchObject({ status: 400 });
    expect(summarizeCalls(calls).byOperation['dynamodb:GetItem']).toEqual({ calls: 2, delayed: 0, faulted: 0 });
  });

  it('forwards S3 (REST) bodies both ways', async () => {
    const body = 'x'.repeat(256 * 1024);
    await s3.send(
      new CreateBucketCommand({ Bucket: 'front-door', CreateBucketConfiguration: { LocationConstraint: region } }),
    );
    await s3.send(new PutObjectCommand({ Bucket: 'front-door', Key: 'big.txt', Body: body }));
    const object = await s3.send(new GetObjectCommand({ Bucket: 'front-door', Key: 'big.txt' }));
    expect(await object.Body?.transformToString()).toBe(body);
    expect(door.calls().map((c) => `${c.service}:${c.operation}:${c.protocol}`)).toEqual([
      's3:PUT:rest-xml',
      's3:PUT:rest-xml',
      's3:GET:rest-xml',
    ]);
  });

  it('delays matching calls and records the delay', async () => {
    door.setLatency([{ service: 'sts', operation: 'GetCallerIdentity', delayMs: 120, jitterMs: 10 }]);
    const started = Date.now();
    await Promise.all([sts.send(new GetCallerIdentityCommand({})), sts.send(new GetCallerIdentityCommand({}))]);
    expect(Date.now() - started).toBeGreaterThanOrEqual(120);
    await dynamodb.send(new GetItemCommand({ TableName: 'forwarded', Key: { pk: { S: 'a' } } }));

    const calls = door.calls();
    expect(calls.filter((c) => c.delayedMs >= 120 && c.delayedMs < 130)).toHaveLength(2);
    expect(summarizeCalls(calls)).toMatchObject({ calls: 3, delayed: 2, byService: { dynamodb: { delayed: 0 } } });
  });

  it('answers a JSON-protocol call with the injected error once (times: 1)', async () => {
    await ssm.send(new PutParameterCommand({ Name: '/budgets/one', Value: 'v', Type: 'String' }));
    door.setFaults([
      {
        service: 'ssm',
        operation: 'GetParameter',
        error: { code: 'ThrottlingException', message: 'Rate exceeded', httpStatus: 400 },
        times: 1,
      },
    ]);
    const first = ssm.send(new GetParameterCommand({ Name: '/budgets/one' }));
    await expect(first).rejects.toMatchObject({
      name: 'ThrottlingException',
      message: 'Rate exceeded',
      $metadata: { httpStatusCode: 400 },
    });
    const second = await ssm.send(new GetParameterCommand({ Name: '/budgets/one' }));
    expect(second.Parameter?.Value).toBe('v');
    expect(
      door
        .calls()
        .filter((c) => c.operation === 'GetParameter')
        .map((c) => c.fault),
    ).toEqual(['ThrottlingException', undefined]);
  });

  it('answers a query-protocol call with the injected error, for one account only', async () => {
    door.setFaults([
      {
        service: 'sts',
        operation: 'AssumeRole',
        matchBody: { RoleArn: roleArn('111111111111') },
        error: { code: 'AccessDenied', message: 'not allowed to assume', httpStatus: 403 },
      },
    ]);
    await expect(
      sts.send(new AssumeRoleCommand({ RoleArn: roleArn('111111111111'), RoleSessionName: 's' })),
    ).rejects.toMatchObject({ name: 'AccessDenied', message: 'not allowed to assume', $fault: 'client' });
    const other = await sts.send(new AssumeRoleCommand({ RoleArn: roleArn('222222222222'), RoleSessionName: 's' }));
    expect(other.AssumedRoleUser?.Arn).toContain('222222222222');

    // The same with a match callback on the parsed form body.
    door.setFaults([
      {
        service: 'sts',
        match: (call) => (call.body as { RoleArn?: string }).RoleArn === roleArn('222222222222'),
        error: { code: 'RegionDisabledException', message: 'off', httpStatus: 403 },
        times: 1,
      },
    ]);
    await expect(
      sts.send(new AssumeRoleCommand({ RoleArn: roleArn('222222222222'), RoleSessionName: 's' })),
    ).rejects.toMatchObject({ name: 'RegionDisabledException' });
    await sts.send(new AssumeRoleCommand({ RoleArn: roleArn('222222222222'), RoleSessionName: 's' }));
  });

  it('tells the account and role of assumed-role credentials and can target the account', async () => {
    const { Credentials: c } = await sts.send(
      new AssumeRoleCommand({ RoleArn: roleArn('333333333333'), RoleSessionName: 'spoke' }),
    );
    const spokeSsm = new SSMClient({
      endpoint: door.endpoint,
      region,
      maxAttempts: 1,
      credentials: {
        accessKeyId: c?.AccessKeyId ?? '',
        secretAccessKey: c?.SecretAccessKey ?? '',
        sessionToken: c?.SessionToken ?? '',
      },
    });
    try {
      door.setFaults([
        {
          service: 'ssm',
          accountId: '333333333333',
          error: { code: 'AccessDeniedException', message: 'spoke says no', httpStatus: 400 },
        },
      ]);
      await expect(
        spokeSsm.send(new PutParameterCommand({ Name: '/p', Value: 'v', Type: 'String' })),
      ).rejects.toMatchObject({
        name: 'AccessDeniedException',
      });
      await ssm.send(new PutParameterCommand({ Name: '/p', Value: 'v', Type: 'String', Overwrite: true }));
      const puts = door.calls().filter((call) => call.operation === 'PutParameter');
      expect(puts.map((call) => [call.accountId, call.roleName, call.fault])).toEqual([
        ['333333333333', 'org-budgets-spoke', 'AccessDeniedException'],
        [undefined, undefined, undefined],
      ]);
    } finally {
      spokeSsm.destroy();
    }
  });

  it('fires a fault with probability 0 never', async () => {
    door.setFaults([{ service: 'sts', probability: 0, error: { code: 'Throttling', message: 'no', httpStatus: 400 } }]);
    await sts.send(new GetCallerIdentityCommand({}));
    expect(door.calls()[0]?.fault).toBeUndefined();
  });

  it('reports a throwing match callback as a 500 to the caller', async () => {
    door.setFaults([
      {
        service: 'sts',
        match: () => {
          throw new Error('bad matcher');
        },
        error: { code: 'X', message: 'x', httpStatus: 400 },
      },
    ]);
    await expect(sts.send(new GetCallerIdentityCommand({}))).rejects.toMatchObject({
      $metadata: { httpStatusCode: 500 },
    });
  });

  it('has a control API that is never forwarded', async () => {
    const latency = await sendJson(door.endpoint, 'POST', '/_front-door/latency', [{ service: 'sts', delayMs: 30 }]);
    expect(latency).toEqual({ status: 200, body: { latency: 1 } });
    const faults = await sendJson(door.endpoint, 'POST', '/_front-door/faults', {
      rules: [{ service: 'ssm', error: { code: 'ThrottlingException', message: 'slow', httpStatus: 400 }, times: 1 }],
    });
    expect(faults).toEqual({ status: 200, body: { faults: 1 } });

    await sts.send(new GetCallerIdentityCommand({}));
    await expect(ssm.send(new GetParameterCommand({ Name: '/budgets/one' }))).rejects.toMatchObject({
      name: 'ThrottlingException',
    });
    const summary = await sendJson(door.endpoint, 'GET', '/_front-door/calls');
    expect(summary.body).toEqual({
      calls: 2,
      delayed: 1,
      faulted: 1,
      byService: { sts: { calls: 1, delayed: 1, faulted: 0 }, ssm: { calls: 1, delayed: 0, faulted: 1 } },
      byOperation: {
        'sts:GetCallerIdentity': { calls: 1, delayed: 1, faulted: 0 },
        'ssm:GetParameter': { calls: 1, delayed: 0, faulted: 1 },
      },
    });

    expect(await sendJson(door.endpoint, 'DELETE', '/_front-door/injections')).toEqual({
      status: 200,
      body: { latency: 0, faults: 0 },
    });
    await sts.send(new GetCallerIdentityCommand({}));
    expect(door.calls().at(-1)?.delayedMs).toBe(0);

    const invalid = await sendJson(door.endpoint, 'POST', '/_front-door/latency', [{ service: 'sts' }]);
    expect(invalid).toEqual({ status: 400, body: { message: 'latency rules[0].delayMs must be a number >= 0' } });
    expect((await sendJson(door.endpoint, 'GET', '/_front-door/nothing')).status).toBe(404);
    expect(door.calls()).toHaveLength(3);
  });
});

describe('startFrontDoor on a plain HTTP upstream', () => {
  let upstream: Server;
  let upstreamUrl: string;
  let seen: { method?: string; url?: string; headers: IncomingHttpHeaders; body: string }[] = [];
  // Each test's front door (and held port) is stopped after it, also when the test fails or times out.
  const defer = deferredCleanup();
  const openDoor = async (options: FrontDoorOptions): Promise<FrontDoor> => {
    const door = await startFrontDoor(options);
    defer(() => door.stop());
    return door;
  };

  beforeAll(async () => {
    upstream = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        seen.push({ method: req.method, url: req.url, headers: req.headers, body: Buffer.concat(chunks).toString() });
        res.writeHead(207, { 'X-Custom': 'kept', 'Content-Type': 'text/plain' });
        res.end(`echo:${Buffer.concat(chunks).toString()}`);
      });
    });
    await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve));
    upstreamUrl = `http://127.0.0.1:${(upstream.address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    upstream?.closeAllConnections();
    await new Promise<void>((resolve) => (upstream ? upstream.close(() => resolve()) : resolve()));
  });

  beforeEach(() => {
    seen = [];
  });

  it('passes method, path, query, headers and body, with the upstream host', async () => {
    const door = await openDoor({ upstream: upstreamUrl, env: {} });
    const reply = await sendRaw(door.endpoint, 'PUT', '/a/b?x=1&y=2', 'hello', {
      'x-amz-meta-thing': 'v',
      connection: 'keep-alive',
    });
    expect(reply).toMatchObject({ status: 207, body: 'echo:hello' });
    expect(reply.headers['x-custom']).toBe('kept');
    const [request] = seen;
    expect(request).toMatchObject({ method: 'PUT', url: '/a/b?x=1&y=2', body: 'hello' });
    expect(request?.headers).toMatchObject({
      host: new URL(upstreamUrl).host,
      'content-length': '5',
      'x-amz-meta-thing': 'v',
    });
    expect(door.calls()[0]).toMatchObject({ service: 'unknown', operation: 'PUT', status: 207 });
  });

  it('takes fault rules from the environment', async () => {
    const rules = [{ service: 'unknown', error: { code: 'InternalFailure', message: 'boom', httpStatus: 500 } }];
    const door = await openDoor({ upstream: upstreamUrl, env: { [FAULTS_ENV]: JSON.stringify(rules) } });
    const reply = await sendRaw(door.endpoint, 'POST', '/', '{}', {
      'x-amz-target': 'Foo.Bar',
      'content-type': 'application/x-amz-json-1.1',
    });
    expect(reply.status).toBe(500);
    expect(reply.headers['x-amzn-errortype']).toBe('InternalFailure');
    expect(JSON.parse(reply.body)).toEqual({ __type: 'InternalFailure', message: 'boom' });
    expect(seen).toHaveLength(0);
  });

  it('rejects invalid rules in the environment', async () => {
    await expect(startFrontDoor({ upstream: upstreamUrl, env: { [FAULTS_ENV]: '[{' } })).rejects.toThrow(
      `${FAULTS_ENV} is not valid JSON`,
    );
  });

  it('answers 502 when the upstream is down', async () => {
    // Not a port listened on and closed again: another test may take that one and answer, or hang.
    const down = await holdResettingPort();
    defer(() => down.close());
    const door = await openDoor({ upstream: down.url, env: {} });
    const reply = await sendRaw(door.endpoint, 'GET', '/', '', {});
    expect(reply.status).toBe(502);
    expect(JSON.parse(reply.body)).toMatchObject({ __type: 'FrontDoorUpstreamError' });
    expect(door.calls()[0]?.error).toMatch(/^upstream http:\/\/127\.0\.0\.1:\d+: .*(ECONNRESET|socket hang up)/);
  });

  describe('when the upstream accepts calls and never answers', () => {
    let hung: Awaited<ReturnType<typeof holdSilentPort>>;
    beforeEach(async () => {
      hung = await holdSilentPort();
      defer(() => hung.close());
    });

    it('answers a forwarded call 504 after upstreamTimeoutMs', async () => {
      const door = await openDoor({ upstream: hung.url, env: {}, upstreamTimeoutMs: 200 });
      const started = Date.now();
      const reply = await sendRaw(door.endpoint, 'GET', '/', '', {});
      expect(Date.now() - started).toBeGreaterThanOrEqual(190);
      expect(reply.status).toBe(504);
      expect(JSON.parse(reply.body)).toMatchObject({ __type: 'FrontDoorUpstreamTimeout' });
      expect(door.calls()[0]?.error).toBe(`upstream ${hung.url}: no answer within 200 ms`);
      expect(hung.connections()).toBe(1);
    });

    it('gives up on its own lookups too: the role check of an AssumeRole, the queues of a Batch SubmitJob', async () => {
      const door = await openDoor({
        upstream: hung.url,
        env: {},
        upstreamTimeoutMs: 200,
        requireExistingRoles: ['spoke'],
      });
      const assumeRole = await sendRaw(
        door.endpoint,
        'POST',
        '/',
        'Action=AssumeRole&Version=2011-06-15&RoleSessionName=s&RoleArn=arn%3Aaws%3Aiam%3A%3A111111111111%3Arole%2Fspoke',
        { 'content-type': 'application/x-www-form-urlencoded', authorization: signedFor('sts') },
      );
      expect(assumeRole.status).toBe(500);
      expect(assumeRole.body).toContain(`iam:GetRole spoke in 111111111111 at ${hung.url}: no answer within 200 ms`);

      const submit = await sendRaw(
        door.endpoint,
        'POST',
        '/v1/submitjob',
        JSON.stringify({ jobName: 'j', jobQueue: 'q', jobDefinition: 'd' }),
        { 'content-type': 'application/json', authorization: signedFor('batch') },
      );
      expect(submit.status).toBe(500);
      expect(JSON.parse(submit.body)).toMatchObject({ __type: 'ServerException' });
      expect(submit.body).toContain('no answer within 200 ms');
    });

    it('refuses an upstreamTimeoutMs that is not a positive number', async () => {
      await expect(startFrontDoor({ upstream: hung.url, env: {}, upstreamTimeoutMs: 0 })).rejects.toThrow(
        'upstreamTimeoutMs must be a number > 0',
      );
    });
  });

  it('passes SQS long polls on connections of their own: a waiting ReceiveMessage holds no other call', async () => {
    // An upstream that answers a ReceiveMessage only when told, as moto does a long poll of an empty queue.
    const held: ServerResponse[] = [];
    const sqsUpstream = createServer((req, res) => {
      req.resume();
      req.on('end', () => {
        if (req.headers['x-amz-target'] === 'AmazonSQS.ReceiveMessage') held.push(res);
        else res.end('{}');
      });
    });
    await new Promise<void>((resolve) => sqsUpstream.listen(0, '127.0.0.1', resolve));
    defer(
      () =>
        new Promise<void>((resolve) => {
          sqsUpstream.closeAllConnections();
          sqsUpstream.close(() => resolve());
        }),
    );
    const door = await openDoor({
      upstream: `http://127.0.0.1:${(sqsUpstream.address() as AddressInfo).port}`,
      env: {},
      upstreamMaxSockets: 1,
    });
    const sqsCall = (operation: string, body: object) =>
      sendRaw(door.endpoint, 'POST', '/', JSON.stringify(body), {
        'x-amz-target': `AmazonSQS.${operation}`,
        'content-type': 'application/x-amz-json-1.0',
        authorization: signedFor('sqs'),
      });

    // Settled, not awaited: a failing test must not leave their rejections unhandled.
    const longPolls = Promise.allSettled(
      [1, 2].map(() => sqsCall('ReceiveMessage', { QueueUrl: 'q', WaitTimeSeconds: 20 })),
    );
    await waitFor(() => held.length === 2, 10_000);
    const other = await sqsCall('ListQueues', {});

    expect(other.status).toBe(200);
    for (const res of held) res.end('{"Messages":[]}');
    expect((await longPolls).map((poll) => poll.status === 'fulfilled' && poll.value.status)).toEqual([200, 200]);
  });

  it('stops while a delayed call is waiting', async () => {
    const door = await openDoor({
      upstream: upstreamUrl,
      env: {},
      latency: [{ service: 'unknown', delayMs: 60_000 }],
    });
    const pending = sendRaw(door.endpoint, 'GET', '/', '', {});
    await waitFor(() => door.calls().length === 1);
    await door.stop();
    await expect(pending).rejects.toThrow(/socket hang up|ECONNRESET/);
    expect(seen).toHaveLength(0);
  });
});

/** An Authorization header whose credential scope names `service` (the front door reads no more of it). */
function signedFor(service: string): string {
  return `AWS4-HMAC-SHA256 Credential=test/20260101/us-east-1/${service}/aws4_request, SignedHeaders=host, Signature=0`;
}

async function waitFor(condition: () => boolean, timeoutMs = 1000): Promise<void> {
  for (let i = 0; i < timeoutMs / 10 && !condition(); i++) await new Promise((resolve) => setTimeout(resolve, 10));
  if (!condition()) throw new Error('condition not met');
}

function sendRaw(
  endpoint: string,
  method: string,
  path: string,
  body: string,
  headers: Record<string, string>,
): Promise<{ status: number; headers: IncomingHttpHeaders; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(`${endpoint}${path}`, { method, headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () =>
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString() }),
      );
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(body);
  });
}

async function sendJson(
  endpoint: string,
  method: string,
  path: string,
  value?: unknown,
): Promise<{ status: number; body: unknown }> {
  const reply = await sendRaw(endpoint, method, path, value === undefined ? '' : JSON.stringify(value), {
    'content-type': 'application/json',
  });
  return { status: reply.status, body: JSON.parse(reply.body) as unknown };
}
