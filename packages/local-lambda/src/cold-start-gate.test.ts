import { ColdStartGate, defaultMaxConcurrentColdStarts, type ColdStartPermit } from './cold-start-gate';

/** Lets every promise reaction that is ready run. */
const flush = () => new Promise<void>((resolve) => setImmediate(resolve));

describe('ColdStartGate', () => {
  it('lets up to max cold starts through at once and queues the rest', async () => {
    const gate = new ColdStartGate(2);
    const granted: string[] = [];
    for (const name of ['a', 'b', 'c', 'd']) void gate.acquire().then(() => granted.push(name));
    await flush();

    expect(granted).toEqual(['a', 'b']);
    expect(gate.active).toBe(2);
    expect(gate.queued).toBe(2);
  });

  it('hands a released place to the cold start that has waited longest (first come, first served)', async () => {
    const gate = new ColdStartGate(1);
    const first = await gate.acquire();
    const granted: string[] = [];
    const second = gate.acquire().then((permit) => {
      granted.push('second');
      return permit;
    });
    void gate.acquire().then(() => granted.push('third'));
    await flush();
    expect(granted).toEqual([]);

    first.release();
    (await second).release();
    await flush();

    expect(granted).toEqual(['second', 'third']);
    expect(gate.peakWaiting).toBe(2);
    expect(gate.granted).toBe(3);
  });

  it('tells each permit how long it waited, on the gate’s clock', async () => {
    let now = 1_000;
    const gate = new ColdStartGate(1, () => now);
    const first = await gate.acquire();
    const second = gate.acquire();
    now = 1_750;
    first.release();

    expect(first.waitedMs).toBe(0);
    expect((await second).waitedMs).toBe(750);
  });

  it('ignores a second release of the same permit', async () => {
    const gate = new ColdStartGate(1);
    const first = await gate.acquire();
    const second = gate.acquire();
    first.release();
    first.release();
    await second;

    expect(gate.active).toBe(1);
    expect(gate.queued).toBe(0);
  });

  it('frees its place when nothing waits', async () => {
    const gate = new ColdStartGate(1);
    (await gate.acquire()).release();

    expect(gate.active).toBe(0);
  });

  it('lets the lanes take turns: the hub’s cold starts do not wait behind the member accounts’ queue', async () => {
    const gate = new ColdStartGate(1, Date.now, (account) => (account.startsWith('hub') ? 'management' : 'members'));
    let current = await gate.acquire('m0');
    const granted: string[] = [];
    const permits = new Map<string, Promise<ColdStartPermit>>();
    for (const account of ['m1', 'm2', 'm3', 'hub1', 'm4', 'hub2']) permits.set(account, gate.acquire(account));
    for (const [account, permit] of permits) void permit.then(() => granted.push(account));
    await flush();
    expect(gate.queued).toBe(6);

    // Each release hands the place to the next lane that has a cold start waiting.
    for (let i = 0; i < 6; i += 1) {
      current.release();
      await flush();
      current = await (permits.get(granted[granted.length - 1] as string) as Promise<ColdStartPermit>);
    }
    current.release();

    expect(granted).toEqual(['m1', 'hub1', 'm2', 'hub2', 'm3', 'm4']);
    expect(gate.active).toBe(0);
    expect(gate.queued).toBe(0);
  });

  it('refuses a limit that is not a positive integer', () => {
    expect(() => new ColdStartGate(0)).toThrow(/positive integer/);
    expect(() => new ColdStartGate(1.5)).toThrow(/positive integer/);
  });
});

describe('defaultMaxConcurrentColdStarts', () => {
  it('is the machine’s cores, at least 2', () => {
    expect(defaultMaxConcurrentColdStarts(8)).toBe(8);
    expect(defaultMaxConcurrentColdStarts(2)).toBe(2);
    expect(defaultMaxConcurrentColdStarts(1)).toBe(2);
  });
});
