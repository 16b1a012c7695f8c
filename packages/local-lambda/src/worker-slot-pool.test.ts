import { WorkerSlotPool, type FunctionContainer } from './function-container';

/** The parts of a container the pool looks at, and a recycle that ends its worker. */
function container(name: string, pool: WorkerSlotPool, lastUsedAt: number, account = '111111111111') {
  const fake = {
    name,
    spec: { account },
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

  describe('with lanes (the management account in a lane of its own)', () => {
    const HUB = '123456789012';
    const laneOf = (account: string) => (account === HUB ? 'hub' : 'members');
    const started = (acquired: Promise<void>) => {
      const state = { started: false };
      void acquired.then(() => {
        state.started = true;
      });
      return state;
    };

    it("ends its own lane's least recently used idle container, not an older one of a smaller lane", async () => {
      const pool = new WorkerSlotPool(3, laneOf);
      const hub = container('hub', pool, 1, HUB);
      const first = container('first spoke', pool, 2, '222222222222');
      const second = container('second spoke', pool, 3, '333333333333');
      for (const fake of [hub, first, second]) await pool.acquire(as(fake));

      await pool.acquire(as(container('third spoke', pool, 0, '444444444444')));

      expect({ hub: hub.recycled, first: first.recycled, second: second.recycled }).toEqual({
        hub: 0,
        first: 1,
        second: 0,
      });
    });

    it("waits for one of its own to be idle rather than end a smaller lane's idle container", async () => {
      const pool = new WorkerSlotPool(3, laneOf);
      const hub = container('hub', pool, 1, HUB);
      const busy = [container('spoke a', pool, 2, '222222222222'), container('spoke b', pool, 3, '333333333333')];
      for (const fake of busy) fake.idle = false;
      for (const fake of [hub, ...busy]) await pool.acquire(as(fake));
      const next = started(pool.acquire(as(container('spoke c', pool, 0, '444444444444'))));
      await Promise.resolve();
      expect(next.started).toBe(false);

      busy[1]!.idle = true;
      pool.idle();
      await Promise.resolve();

      expect(next.started).toBe(true);
      expect({ hub: hub.recycled, b: busy[1]!.recycled }).toEqual({ hub: 0, b: 1 });
    });

    it("takes a bigger lane's idle container when its own has none", async () => {
      const pool = new WorkerSlotPool(3, laneOf);
      const hub = container('hub', pool, 3, HUB);
      hub.idle = false;
      const spokes = [container('spoke a', pool, 1, '222222222222'), container('spoke b', pool, 2, '333333333333')];
      for (const fake of [hub, ...spokes]) await pool.acquire(as(fake));

      await pool.acquire(as(container('hub 2', pool, 0, HUB)));

      expect(spokes.map((fake) => fake.recycled)).toEqual([1, 0]);
    });

    it('gives freed slots to the waiting lanes in turn', async () => {
      const pool = new WorkerSlotPool(1, laneOf);
      const holder = container('holder', pool, 1, '222222222222');
      holder.idle = false;
      await pool.acquire(as(holder));
      const order: string[] = [];
      const waiters = ['spoke a', 'spoke b', 'hub'].map((name) => {
        const fake = container(name, pool, 0, name === 'hub' ? HUB : '333333333333');
        fake.idle = false;
        return pool.acquire(as(fake)).then(() => {
          order.push(name);
          pool.release(as(fake));
        });
      });

      pool.release(as(holder));
      await Promise.all(waiters);

      expect(order).toEqual(['spoke a', 'hub', 'spoke b']);
    });
  });
});
