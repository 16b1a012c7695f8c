import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ColdStartGate } from './cold-start-gate';
import {
  FunctionContainer,
  type ColdStartRecord,
  type FunctionContainerOptions,
  type FunctionSpec,
} from './function-container';

const FIXTURE = join(__dirname, 'fixtures', 'test-function.cjs');
const ACCOUNT = '111111111111';

describe('FunctionContainer', () => {
  let dir: string;
  const containers: FunctionContainer[] = [];

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'function-container-'));
    mkdirSync(join(dir, 'code', 'src'), { recursive: true });
    copyFileSync(FIXTURE, join(dir, 'code', 'src', 'handler.js'));
  });

  afterEach(async () => {
    await Promise.all(containers.splice(0).map((container) => container.stop()));
    rmSync(dir, { recursive: true, force: true });
  });

  function container(
    overrides: Partial<FunctionSpec> = {},
    options: Pick<FunctionContainerOptions, 'clockOffsetMs' | 'coldStarts' | 'onColdStart'> = {},
  ): FunctionContainer {
    const spec: FunctionSpec = {
      account: ACCOUNT,
      region: 'eu-west-1',
      functionName: 'fixture-fn',
      functionArn: `arn:aws:lambda:eu-west-1:${ACCOUNT}:function:fixture-fn`,
      handler: 'src/handler.handler',
      runtime: 'nodejs22.x',
      codeDir: join(dir, 'code'),
      timeoutSeconds: 3,
      memorySize: 256,
      environment: { GREETING: 'hello', RECORD_FILE: join(dir, 'record.jsonl') },
      roleArn: `arn:aws:iam::${ACCOUNT}:role/fixture-role`,
      ...overrides,
    };
    const created = new FunctionContainer(spec, {
      endpoint: 'http://127.0.0.1:1',
      logFile: join(dir, 'logs', `${spec.functionName}.log`),
      credentials: async () => ({
        accessKeyId: 'FIXTUREKEY',
        secretAccessKey: 'fixture-secret',
        sessionToken: 'fixture-token',
        expiration: new Date(Date.now() + 3_600_000),
      }),
      ...options,
    });
    containers.push(created);
    return created;
  }

  it('runs the bundle with the function’s environment, the Lambda variables, the endpoint and its role’s credentials', async () => {
    const result = await container().invoke({ action: 'describe' }, 'request-1');

    expect(result).toMatchObject({ ok: true, coldStart: true });
    const payload = (result as { payload: { env: Record<string, string>; cwd: string } }).payload;
    expect(payload.env).toMatchObject({
      GREETING: 'hello',
      AWS_REGION: 'eu-west-1',
      AWS_DEFAULT_REGION: 'eu-west-1',
      AWS_LAMBDA_FUNCTION_NAME: 'fixture-fn',
      AWS_LAMBDA_FUNCTION_VERSION: '$LATEST',
      AWS_LAMBDA_FUNCTION_MEMORY_SIZE: '256',
      AWS_LAMBDA_LOG_GROUP_NAME: '/aws/lambda/fixture-fn',
      AWS_EXECUTION_ENV: 'AWS_Lambda_nodejs22.x',
      AWS_ENDPOINT_URL: 'http://127.0.0.1:1',
      AWS_ACCESS_KEY_ID: 'FIXTUREKEY',
      AWS_SECRET_ACCESS_KEY: 'fixture-secret',
      AWS_SESSION_TOKEN: 'fixture-token',
      _HANDLER: 'src/handler.handler',
      LAMBDA_TASK_ROOT: join(dir, 'code'),
    });
    expect(payload.env['AWS_PROFILE']).toBeUndefined();
    expect(payload.cwd).toBe(join(dir, 'code'));
  });

  it('passes a Lambda context: name, ARN in the function’s account, request id, remaining time within the timeout', async () => {
    const result = await container().invoke({ action: 'describe' }, 'request-2');

    const { context } = (result as { payload: { context: Record<string, unknown> } }).payload;
    expect(context).toMatchObject({
      functionName: 'fixture-fn',
      functionVersion: '$LATEST',
      invokedFunctionArn: `arn:aws:lambda:eu-west-1:${ACCOUNT}:function:fixture-fn`,
      memoryLimitInMB: '256',
      awsRequestId: 'request-2',
      logGroupName: '/aws/lambda/fixture-fn',
    });
    expect(context['remaining']).toBeGreaterThan(2000);
    expect(context['remaining']).toBeLessThanOrEqual(3000);
  });

  it('keeps the process warm between invocations, like a Lambda container', async () => {
    const fn = container();
    const first = await fn.invoke({ action: 'describe' });
    const second = await fn.invoke({ action: 'describe' });

    expect(first.coldStart).toBe(true);
    expect(second.coldStart).toBe(false);
    expect((second as { payload: { invocations: number } }).payload.invocations).toBe(2);
  });

  it('returns a thrown error as errorType, errorMessage and trace', async () => {
    const result = await container().invoke({ action: 'throw', message: 'no budget' });

    expect(result).toMatchObject({ ok: false, error: { errorType: 'FixtureError', errorMessage: 'no budget' } });
    expect(result.ok ? [] : result.error.trace.join('\n')).toContain('handler.js');
  });

  it('ends an invocation at the timeout, and the next one starts a new process', async () => {
    const fn = container({ timeoutSeconds: 1 });
    const started = Date.now();
    const result = await fn.invoke({ action: 'sleep', ms: 5000 }, 'slow');

    expect(Date.now() - started).toBeLessThan(3000);
    expect(result).toMatchObject({ ok: false, error: { errorType: 'Sandbox.Timedout' } });
    expect(result.ok ? '' : result.error.errorMessage).toContain('Task timed out after 1.00 seconds');
    expect((await fn.invoke({ action: 'describe' })).coldStart).toBe(true);
  });

  it('reports a process that exits during an invocation as Runtime.ExitError', async () => {
    const result = await container().invoke({ action: 'exit' });

    expect(result).toMatchObject({ ok: false, error: { errorType: 'Runtime.ExitError' } });
    expect(result.ok ? '' : result.error.errorMessage).toContain('exit status 3');
  });

  it('supports handlers in the callback style', async () => {
    const result = await container({ handler: 'src/handler.callbackHandler' }).invoke({}, 'cb-1');

    expect(result).toMatchObject({ ok: true, payload: { via: 'callback', requestId: 'cb-1' } });
  });

  it('reports a handler that is not exported as Runtime.HandlerNotFound', async () => {
    const result = await container({ handler: 'src/handler.missing' }).invoke({});

    expect(result).toMatchObject({ ok: false, error: { errorType: 'Runtime.HandlerNotFound' } });
  });

  it('moves the function’s clock by the offset of each invocation, and nothing else of Date or the deadline', async () => {
    let offsetMs = 40 * 86_400_000;
    const fn = container({}, { clockOffsetMs: () => offsetMs });
    type Clock = { now: number; newDate: number; dateText: string; fromMs: number; parsed: number; isDate: boolean };
    const clockOf = async () =>
      ((await fn.invoke({ action: 'clock' })) as { payload: Clock & { remaining: number } }).payload;

    const before = Date.now();
    const ahead = await clockOf();
    const after = Date.now();
    expect(ahead.now).toBeGreaterThanOrEqual(before + offsetMs);
    expect(ahead.now).toBeLessThanOrEqual(after + offsetMs);
    expect(ahead.newDate).toBeGreaterThanOrEqual(before + offsetMs);
    expect(ahead.newDate).toBeLessThanOrEqual(after + offsetMs);
    expect(Date.parse(ahead.dateText)).toBeGreaterThan(before + offsetMs - 86_400_000);
    expect(ahead).toMatchObject({ fromMs: 0, parsed: Date.UTC(2026, 0, 1), isDate: true });
    // The deadline is the machine's: the offset takes nothing off the remaining time.
    expect(ahead.remaining).toBeGreaterThan(2000);

    offsetMs = 0;
    const back = await clockOf();
    expect(back.now).toBeGreaterThanOrEqual(after);
    expect(back.now).toBeLessThanOrEqual(Date.now());
  });

  it('leaves the function the real Date without clockOffsetMs', async () => {
    const before = Date.now();
    const result = (await container().invoke({ action: 'clock' })) as { payload: { now: number } };
    expect(result.payload.now).toBeGreaterThanOrEqual(before);
    expect(result.payload.now).toBeLessThanOrEqual(Date.now());
  });

  it('writes the function’s output between START, END and REPORT lines to its log file', async () => {
    const fn = container();
    await fn.invoke({ action: 'describe' }, 'logged-1');
    await fn.stop();

    const log = readFileSync(join(dir, 'logs', 'fixture-fn.log'), 'utf8');
    expect(log).toMatch(
      /START RequestId: logged-1 Version: \$LATEST\n.*\tlogged-1\tINFO\tdescribing.*\nEND RequestId: logged-1\nREPORT RequestId: logged-1\tDuration: [\d.]+ ms.*Init Duration/,
    );
  });

  it('takes its turn at the shared cold-start gate and tells where the cold start’s time went', async () => {
    const gate = new ColdStartGate(1);
    const records: ColdStartRecord[] = [];
    const options = { coldStarts: gate, onColdStart: (record: ColdStartRecord) => records.push(record) };
    const first = container({ functionName: 'first-fn' }, options);
    const second = container({ functionName: 'second-fn' }, options);

    const results = await Promise.all([
      first.invoke({ action: 'describe' }, 'gate-1'),
      second.invoke({ action: 'describe' }, 'gate-2'),
    ]);

    expect(results.map((result) => [result.ok, result.coldStart])).toEqual([
      [true, true],
      [true, true],
    ]);
    expect(gate.granted).toBe(2);
    expect(gate.peakWaiting).toBe(1);
    expect(gate.active).toBe(0);
    expect(records.map((record) => [record.functionName, record.account, record.ok])).toEqual([
      ['first-fn', ACCOUNT, true],
      ['second-fn', ACCOUNT, true],
    ]);
    for (const record of records) expect(record.initMs).toEqual(expect.any(Number));
  });

  it('gives its place at the gate back when the bundle fails to load', async () => {
    const gate = new ColdStartGate(1);
    const records: ColdStartRecord[] = [];
    const broken = container(
      { handler: 'src/missing.handler' },
      { coldStarts: gate, onColdStart: (record) => records.push(record) },
    );

    const result = await broken.invoke({ action: 'describe' }, 'broken-1');

    expect(result).toMatchObject({ ok: false, coldStart: true });
    expect(gate.active).toBe(0);
    expect(records).toEqual([expect.objectContaining({ ok: false, initMs: undefined })]);
  });
});
