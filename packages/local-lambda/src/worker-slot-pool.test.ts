import { WorkerSlotPool, type FunctionContainer } from './function-container';

/** The parts of a container the pool looks at, and a recycle that ends its worker. */
function container(name: string, pool: WorkerSlotPool, lastUsedAt: number) {
  const fake = {
    name,
    warm: true,
    idle: true,
    lastUsedAt,
    recycled: 0,
    recycle: () => {
      fake.recycled += 1;
      fake.warm = false;
      pool.release(fake as unknown as FunctionContainer);
      return Promise.resolve();
    },
  };
  return fake;
}
const as = (fake: ReturnType<typeof container>) => fake as unknown as FunctionContainer;

describe('WorkerSlotPool', () => {
  it('lets containers start until it is full, then ends the least recently used idle one for the next', async () => {
    const pool = new WorkerSlotPool(2);
    const older = container('older', pool, 1);
    const newer = container('newer', pool, 2);
    await pool.acquire(as(older));
    await pool.acquire(as(newer));
    const third = container('third', pool, 0);

    await pool.acquire(as(third));

    expect(older.recycled).toBe(1);
    expect(newer.recycled).toBe(0);
    expect(pool.size).toBe(2);
  });

  it('makes a cold start wait while every warm container is busy, until one is idle', async () => {
    const pool = new WorkerSlotPool(1);
    const busy = container('busy', pool, 1);
    busy.idle = false;
    await pool.acquire(as(busy));
    let started = false;
    const waiting = pool.acquire(as(container('next', pool, 0))).then(() => {
      started = true;
    });
    await Promise.resolve();
    expect(started).toBe(false);

    busy.idle = true;
    pool.idle();
    await waiting;

    expect(busy.recycled).toBe(1);
    expect(started).toBe(true);
  });

  it('gives a slot back when a worker exits by itself', async () => {
    const pool = new WorkerSlotPool(1);
    const crashed = container('crashed', pool, 1);
    crashed.idle = false;
    await pool.acquire(as(crashed));
    const waiting = pool.acquire(as(container('next', pool, 0)));

    pool.release(as(crashed));

    await expect(waiting).resolves.toBeUndefined();
    expect(pool.size).toBe(1);
  });
});
