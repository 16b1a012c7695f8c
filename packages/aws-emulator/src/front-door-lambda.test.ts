import {
  InvokeCommand,
  LambdaClient,
  ResourceNotFoundException,
  type InvokeCommandOutput,
} from '@aws-sdk/client-lambda';
import { identifyCall } from './aws-call';
import { startFrontDoor, type FrontDoor, type LambdaInvoke, type LambdaInvokeOutcome } from './front-door';
import { lambdaInvokeOf } from './front-door/lambda-invoke';
import { startMotoServer, type MotoServer } from './moto-server';
import { stopAll } from './test-support';

const REGION = 'eu-west-1';
const CALLER = '123456789012';
const OTHER = '222222222222';

/** An Invoke call as the SDK puts it on the wire. */
function invokeCall(functionName: string, options: { type?: string; payload?: string; query?: string } = {}) {
  return identifyCall({
    method: 'POST',
    url: `/2015-03-31/functions/${encodeURIComponent(functionName)}/invocations${options.query ?? ''}`,
    headers: {
      authorization: `AWS4-HMAC-SHA256 Credential=AKID/20260101/${REGION}/lambda/aws4_request, SignedHeaders=host, Signature=0`,
      ...(options.type === undefined ? {} : { 'x-amz-invocation-type': options.type }),
    },
    body: Buffer.from(options.payload ?? ''),
  });
}

describe('lambdaInvokeOf', () => {
  it.each([
    ['a bare name, in the caller’s account and region', 'check', CALLER, REGION, undefined],
    ['a name with a qualifier', 'check:live', CALLER, REGION, 'live'],
    ['a partial ARN, in its account', `${OTHER}:function:check`, OTHER, REGION, undefined],
    [
      'a full ARN, in its account and region',
      `arn:aws:lambda:us-east-1:${OTHER}:function:check`,
      OTHER,
      'us-east-1',
      undefined,
    ],
    [
      'a full ARN with a version',
      `arn:aws:lambda:us-east-1:${OTHER}:function:check:$LATEST`,
      OTHER,
      'us-east-1',
      '$LATEST',
    ],
  ])('resolves %s', (_, functionName, account, region, qualifier) => {
    const invoke = lambdaInvokeOf(
      invokeCall(functionName, { type: 'Event', payload: '{"a":1}' }),
      Buffer.from('{"a":1}'),
      CALLER,
    );

    expect(invoke).toEqual({
      functionArn: `arn:aws:lambda:${region}:${account}:function:check`,
      functionName,
      ...(qualifier === undefined ? {} : { qualifier }),
      accountId: account,
      region,
      callerAccountId: CALLER,
      invocationType: 'Event',
      event: { a: 1 },
    });
  });

  it('takes RequestResponse when no type is given, {} for an empty payload and the Qualifier parameter', () => {
    const invoke = lambdaInvokeOf(invokeCall('check', { query: '?Qualifier=7' }), Buffer.alloc(0), CALLER);

    expect(invoke).toMatchObject({ invocationType: 'RequestResponse', event: {}, qualifier: '7' });
  });

  it.each([
    ['a payload that is not JSON', invokeCall('check'), '{nope', 'InvalidRequestContentException'],
    ['an unknown invocation type', invokeCall('check', { type: 'Later' }), '{}', 'ValidationException'],
    ['a malformed function name', invokeCall('no/such name'), '{}', 'ValidationException'],
  ])('refuses %s as Lambda does', (_, call, payload, code) => {
    expect(lambdaInvokeOf(call, Buffer.from(payload), CALLER)).toMatchObject({ code, httpStatus: 400 });
  });
});

describe('front door: Lambda Invoke taken by a runtime', () => {
  let moto: MotoServer;
  let door: FrontDoor;
  let lambda: LambdaClient;
  const seen: LambdaInvoke[] = [];
  let answer: (invoke: LambdaInvoke) => LambdaInvokeOutcome;
  let off: () => void;

  const send = (FunctionName: string, InvocationType?: 'Event' | 'RequestResponse' | 'DryRun', payload?: unknown) =>
    lambda.send(
      new InvokeCommand({
        FunctionName,
        ...(InvocationType === undefined ? {} : { InvocationType }),
        ...(payload === undefined ? {} : { Payload: Buffer.from(JSON.stringify(payload)) }),
      }),
    );
  const payloadOf = (output: InvokeCommandOutput): unknown =>
    !output.Payload || output.Payload.length === 0
      ? undefined
      : (JSON.parse(Buffer.from(output.Payload).toString('utf8')) as unknown);

  beforeAll(async () => {
    moto = await startMotoServer();
    door = await startFrontDoor({ upstream: moto.endpoint, latency: [], faults: [] });
    lambda = new LambdaClient({
      endpoint: door.endpoint,
      region: REGION,
      credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
      maxAttempts: 1,
    });
    off = door.onLambdaInvoke((invoke) => {
      seen.push(invoke);
      return Promise.resolve(answer(invoke));
    });
  });
  afterAll(() =>
    stopAll(
      () => lambda?.destroy(),
      () => door?.stop(),
      () => moto?.stop(),
    ),
  );
  beforeEach(() => {
    seen.length = 0;
    door.clearCalls();
  });

  it('answers Event 202 with an empty payload and the request id of the accepted invocation', async () => {
    answer = () => ({ kind: 'accepted', requestId: 'accepted-1' });
    const arn = `arn:aws:lambda:${REGION}:${OTHER}:function:enforce-spend`;

    const output = await send(arn, 'Event', { check: 'spend' });

    expect(output.StatusCode).toBe(202);
    expect(output.FunctionError).toBeUndefined();
    expect(payloadOf(output)).toBeUndefined();
    expect(output.$metadata.requestId).toBe('accepted-1');
    expect(seen).toEqual([
      expect.objectContaining({
        functionArn: arn,
        accountId: OTHER,
        callerAccountId: CALLER,
        invocationType: 'Event',
        event: { check: 'spend' },
      }),
    ]);
    expect(door.calls()).toEqual([expect.objectContaining({ service: 'lambda', operation: 'Invoke', status: 202 })]);
  });

  it('answers RequestResponse 200 with the function’s result', async () => {
    answer = () => ({ kind: 'returned', requestId: 'ran-1', payload: { ok: true } });

    const output = await send('enforce-spend', undefined, { n: 1 });

    expect(output.StatusCode).toBe(200);
    expect(output.FunctionError).toBeUndefined();
    expect(output.ExecutedVersion).toBe('$LATEST');
    expect(payloadOf(output)).toEqual({ ok: true });
    expect(seen[0]).toMatchObject({
      functionArn: `arn:aws:lambda:${REGION}:${CALLER}:function:enforce-spend`,
      invocationType: 'RequestResponse',
    });
  });

  it('answers a function error 200 with X-Amz-Function-Error Unhandled and the error as payload', async () => {
    answer = () => ({
      kind: 'failed',
      requestId: 'failed-1',
      error: { errorType: 'SpendError', errorMessage: 'too much', trace: ['at x'] },
    });

    const output = await send('enforce-spend', 'RequestResponse', {});

    expect(output.StatusCode).toBe(200);
    expect(output.FunctionError).toBe('Unhandled');
    expect(payloadOf(output)).toEqual({ errorType: 'SpendError', errorMessage: 'too much', trace: ['at x'] });
  });

  it('answers DryRun 204', async () => {
    answer = () => ({ kind: 'verified' });

    const output = await send('enforce-spend', 'DryRun');

    expect(output.StatusCode).toBe(204);
  });

  it('answers an unknown function 404 ResourceNotFoundException, as the SDK parses it', async () => {
    answer = () => ({ kind: 'notFound' });

    const error = await send('missing', 'Event', {}).catch((caught: unknown) => caught);

    expect(error).toBeInstanceOf(ResourceNotFoundException);
    expect(error).toMatchObject({
      message: `Function not found: arn:aws:lambda:${REGION}:${CALLER}:function:missing`,
      $metadata: { httpStatusCode: 404 },
    });
  });

  it('answers 500 ServiceException when the runtime fails, and 400 for a payload that is not JSON', async () => {
    answer = () => {
      throw new Error('runtime broke');
    };
    const broken = await send('enforce-spend', 'Event', {}).catch((caught: unknown) => caught);
    const notJson = await lambda
      .send(new InvokeCommand({ FunctionName: 'enforce-spend', Payload: Buffer.from('{nope') }))
      .catch((caught: unknown) => caught);

    expect(broken).toMatchObject({ name: 'ServiceException', $metadata: { httpStatusCode: 500 } });
    expect(notJson).toMatchObject({ name: 'InvalidRequestContentException', $metadata: { httpStatusCode: 400 } });
    expect(seen).toHaveLength(1);
  });

  it('forwards Invoke to moto again once the handler is removed', async () => {
    off();
    try {
      // moto has no such function either: its own answer comes back.
      const error = await send('enforce-spend', 'Event', {}).catch((caught: unknown) => caught);

      expect(error).toMatchObject({ name: 'ResourceNotFoundException' });
      expect(seen).toEqual([]);
    } finally {
      off = door.onLambdaInvoke((invoke) => Promise.resolve(answer(invoke)));
    }
  });
});
