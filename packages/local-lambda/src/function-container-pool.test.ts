import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { WorkerSlotPool, type FunctionSpec, type InvokeResult } from './function-container';
import { FunctionContainerPool, type FunctionContainerPoolOptions } from './function-container-pool';

const FIXTURE = join(__dirname, 'fixtures', 'test-function.cjs');
const ACCOUNT = '111111111111';

/** Resolves once `condition()` holds; rejects after `timeoutMs` (a test that hangs, not a measure of speed). */
async function until(condition: () => boolean, what: string, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolveWait) => setTimeout(resolveWait, 10));
  }
}

const pidOf = (result: InvokeResult): number => {
  if (!result.ok) throw new Error(`${result.error.errorType}: ${result.error.errorMessage}`);
  return (result.payload as { pid: number }).pid;
};

function processRuns(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe('FunctionContainerPool', () => {
  let dir: string;
  const pools: FunctionContainerPool[] = [];

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'function-container-pool-'));
    mkdirSync(join(dir, 'code', 'src'), { recursive: true });
    mkdirSync(join(dir, 'signals'));
    copyFileSync(FIXTURE, join(dir, 'code', 'src', 'handler.js'));
  });

  afterEach(async () => {
    // Lets every invocation still holding end, then stops the workers (also after a failed test).
    writeFileSync(join(dir, 'signals', 'release-all'), '');
    await Promise.all(pools.splice(0).map((pool) => pool.stop()));
    rmSync(dir, { recursive: true, force: true });
  });

  function pool(options: Partial<FunctionContainerPoolOptions> = {}): FunctionContainerPool {
    const spec: FunctionSpec = {
      account: ACCOUNT,
      region: 'eu-west-1',
      functionName: 'fixture-fn',
      functionArn: `arn:aws:lambda:eu-west-1:${ACCOUNT}:function:fixture-fn`,
      handler: 'src/handler.handler',
      runtime: 'nodejs22.x',
      codeDir: join(dir, 'code'),
      // Long enough for a busy machine: an invocation ends by its signal, never by this.
      timeoutSeconds: 25,
      memorySize: 128,
      environment: {},
      roleArn: `arn:aws:iam::${ACCOUNT}:role/fixture-role`,
    };
    const created = new FunctionContainerPool(spec, {
      endpoint: 'http://127.0.0.1:1',
      logFile: join(dir, 'logs', 'fixture-fn.log'),
      credentials: async () => ({ accessKeyId: 'FIXTUREKEY', secretAccessKey: 'fixture-secret' }),
      ...options,
    });
    pools.push(created);
    return created;
  }

  /** An invocation that runs until `release(name)` (or the test's end); `started(name)` tells whether it began. */
  const signal = (name: string) => join(dir, 'signals', name);
  const hold = (fn: FunctionContainerPool, name: string) =>
    fn.invoke({ action: 'hold', started: signal(`started-${name}`), release: signal(`release-${name}`) }, name);
  const started = (name: string) => existsSync(signal(`started-${name}`));
  const release = (name: string) => writeFileSync(signal(`release-${name}`), '');
  const heldBy = (names: string[]) => until(() => names.every(started), `${names.join(', ')} to start`);

  it('runs two invocations of one function at once, each in a container of its own', async () => {
    const fn = pool({ concurrency: 2 });
    const meet = (name: string) =>
      fn.invoke({ action: 'rendezvous', dir: join(dir, 'signals'), name, count: 2 }, `meet-${name}`);

    // Each ends only once both have begun: they overlap, or they time out.
    const [first, second] = await Promise.all([meet('a'), meet('b')]);

    expect(first).toMatchObject({ ok: true, coldStart: true });
    expect(second).toMatchObject({ ok: true, coldStart: true });
    expect(pidOf(first)).not.toBe(pidOf(second));
    expect(fn.size).toBe(2);
    expect(fn.peakConcurrency).toBe(2);
    expect(fn.coldStarts).toBe(2);
  });

  it('holds to its concurrency: a further invocation waits, then runs in the container that frees up', async () => {
    const fn = pool({ concurrency: 2 });
    const throttled: number[] = [];
    const fnTold = pool({ concurrency: 2, onThrottled: (waiting) => throttled.push(waiting) });
    const a = hold(fn, 'a');
    const b = hold(fn, 'b');
    const c = hold(fn, 'c');
    await heldBy(['a', 'b']);

    expect({ busy: fn.busy, queued: fn.queued, size: fn.size }).toEqual({ busy: 2, queued: 1, size: 2 });
    expect(started('c')).toBe(false);

    release('a');
    const pidA = pidOf(await a);
    await heldBy(['c']);
    expect({ busy: fn.busy, queued: fn.queued }).toEqual({ busy: 2, queued: 0 });
    release('b');
    release('c');
    const resultC = await c;

    expect(pidOf(resultC)).toBe(pidA);
    expect(resultC.coldStart).toBe(false);
    expect(pidOf(await b)).not.toBe(pidA);
    expect(fn.size).toBe(2);
    expect(fn.peakConcurrency).toBe(2);
    expect(fn.invocations).toBe(3);

    const told = [hold(fnTold, 'd'), hold(fnTold, 'e'), hold(fnTold, 'f'), hold(fnTold, 'g')];
    expect(throttled).toEqual([1, 2]);
    for (const name of ['d', 'e', 'f', 'g']) release(name);
    await Promise.all(told);
  });

  it('reuses an idle container, the most recently used first, instead of starting another', async () => {
    const fn = pool({ concurrency: 3 });
    const a = hold(fn, 'a');
    const b = hold(fn, 'b');
    await heldBy(['a', 'b']);
    release('b');
    const pidB = pidOf(await b);
    release('a');
    const pidA = pidOf(await a);

    const next = await fn.invoke({ action: 'describe' });
    const again = await fn.invoke({ action: 'describe' });

    expect(next).toMatchObject({ ok: true, coldStart: false });
    expect(again).toMatchObject({ ok: true, coldStart: false });
    expect(fn.size).toBe(2);
    expect(fn.coldStarts).toBe(2);
    // a ended last: its container took both.
    expect(pidA).not.toBe(pidB);
    const h = hold(fn, 'h');
    await heldBy(['h']);
    expect(readFileSync(signal('started-h'), 'utf8')).toBe(String(pidA));
    release('h');
    await h;
  });

  it('stops every container: invocations in flight end as Runtime.ExitError, waiting ones and later ones fail', async () => {
    const fn = pool({ concurrency: 2 });
    const a = hold(fn, 'a');
    const b = hold(fn, 'b');
    const waiting = fn.invoke({ action: 'describe' }).then(
      () => 'ran',
      (error: Error) => error.message,
    );
    await heldBy(['a', 'b']);
    const pids = ['a', 'b'].map((name) => Number(readFileSync(signal(`started-${name}`), 'utf8')));
    expect(pids.every(processRuns)).toBe(true);

    await fn.stop();

    expect(await a).toMatchObject({ ok: false, error: { errorType: 'Runtime.ExitError' } });
    expect(await b).toMatchObject({ ok: false, error: { errorType: 'Runtime.ExitError' } });
    expect(await waiting).toMatch(/stopped/);
    await expect(fn.invoke({ action: 'describe' })).rejects.toThrow(/stopped/);
    expect(pids.some(processRuns)).toBe(false);
    expect(fn.warm).toBe(0);
  });

  it('lets waiting invocations start when its concurrency is raised, and retires idle containers above a lower one', async () => {
    const fn = pool({ concurrency: 1 });
    const a = hold(fn, 'a');
    const b = hold(fn, 'b');
    await heldBy(['a']);
    expect(fn.queued).toBe(1);

    fn.setConcurrency(2);
    await heldBy(['b']);
    release('a');
    release('b');
    await Promise.all([a, b]);
    expect(fn.size).toBe(2);

    fn.setConcurrency(1);
    expect(fn.size).toBe(1);
    expect(fn.concurrency).toBe(1);
    expect(() => fn.setConcurrency(0)).toThrow(/positive integer/);
  });

  it('shares a WorkerSlotPool: a cold start waits for a slot while holding none, and runs once one is free', async () => {
    const slots = new WorkerSlotPool(1);
    const fn = pool({ concurrency: 2, slots });
    const other = pool({ slots });
    const a = hold(fn, 'a');
    await heldBy(['a']);
    // Every slot is busy: fn's second container and the other function's first wait for one.
    const b = fn.invoke({ action: 'describe' }, 'b');
    const c = other.invoke({ action: 'describe' }, 'c');
    expect(slots.size).toBe(1);

    release('a');
    const results = await Promise.all([a, b, c]);

    expect(results.map((result) => result.ok)).toEqual([true, true, true]);
    expect(slots.size).toBe(1);
  });

  it('writes the concurrent invocations’ START, END and REPORT lines to the function’s one log, whole lines only', async () => {
    const fn = pool({ concurrency: 2 });
    const a = hold(fn, 'a');
    const b = hold(fn, 'b');
    await heldBy(['a', 'b']);
    release('a');
    release('b');
    await Promise.all([a, b]);
    await fn.stop();

    const lines = readFileSync(join(dir, 'logs', 'fixture-fn.log'), 'utf8')
      .trimEnd()
      .split('\n');
    for (const id of ['a', 'b']) {
      expect(lines).toContain(`START RequestId: ${id} Version: $LATEST`);
      expect(lines).toContain(`END RequestId: ${id}`);
      expect(lines.filter((line) => line.startsWith(`REPORT RequestId: ${id}\t`))).toHaveLength(1);
    }
    expect(
      lines.filter((line) => !/^(START|END|REPORT) RequestId: [ab]\b|^\S+Z\t[ab]\tINFO\tholding until /.test(line)),
    ).toEqual([]);
  });
});
