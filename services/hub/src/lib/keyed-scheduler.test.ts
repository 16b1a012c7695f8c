import { EarlierTaskFailedError } from './errors';
import { createKeyedScheduler } from './keyed-scheduler';

const tick = () => new Promise((resolve) => setImmediate(resolve));

function deferred() {
  let resolve!: () => void;
  let reject!: (e: Error) => void;
  const promise = new Promise<void>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

describe('createKeyedScheduler', () => {
  it('never runs more than maxConcurrency tasks at once', async () => {
    const scheduler = createKeyedScheduler(3);
    let running = 0;
    let peak = 0;
    const gates = Array.from({ length: 10 }, deferred);

    const all = gates.map((gate, i) =>
      scheduler.run(`key-${i}`, async () => {
        running += 1;
        peak = Math.max(peak, running);
        await gate.promise;
        running -= 1;
      }),
    );
    await tick();
    expect(running).toBe(3);
    gates.forEach((g) => g.resolve());
    await Promise.all(all);

    expect(peak).toBe(3);
  });

  it('runs tasks of the same key in order, one at a time', async () => {
    const scheduler = createKeyedScheduler(10);
    const order: string[] = [];
    const first = deferred();

    const a = scheduler.run('item', async () => {
      await first.promise;
      order.push('first');
    });
    const b = scheduler.run('item', async () => {
      order.push('second');
    });
    const c = scheduler.run('other', async () => {
      order.push('other');
    });
    await c;
    first.resolve();
    await Promise.all([a, b]);

    expect(order).toEqual(['other', 'first', 'second']);
  });

  it('does not run later tasks of a key after one failed', async () => {
    const scheduler = createKeyedScheduler(2);
    const ran: string[] = [];

    const a = scheduler.run('item', async () => {
      throw new Error('boom');
    });
    const b = scheduler.run('item', async () => {
      ran.push('b');
    });
    const other = scheduler.run('other', async () => {
      ran.push('other');
    });

    await expect(a).rejects.toThrow('boom');
    await expect(b).rejects.toBeInstanceOf(EarlierTaskFailedError);
    await other;
    expect(ran).toEqual(['other']);
  });

  it('rejects a concurrency that is not a positive integer', () => {
    expect(() => createKeyedScheduler(0)).toThrow(RangeError);
  });
});
