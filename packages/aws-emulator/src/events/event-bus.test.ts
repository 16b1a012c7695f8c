import { eventTime, LocalEventBus, type EmittedEvent } from './event-bus';

const event = (id: string): EmittedEvent => ({
  version: '0',
  id,
  'detail-type': 'Parameter Store Change',
  source: 'aws.ssm',
  account: '123456789012',
  time: '2026-11-23T10:00:00Z',
  region: 'us-east-1',
  resources: [],
  detail: { name: '/p' },
});

describe('LocalEventBus', () => {
  it('delivers after the emitter has returned, to every listener subscribed at emission', async () => {
    const bus = new LocalEventBus();
    const seen: string[] = [];
    const stop = bus.onEvent((e) => {
      seen.push(`a:${e.id}`);
    });
    bus.onEvent((e) => {
      seen.push(`b:${e.id}`);
    });
    bus.emit(event('1'));
    expect(seen).toEqual([]);
    stop();
    bus.emit(event('2'));
    await bus.settled();
    expect(seen).toEqual(['a:1', 'b:1', 'b:2']);
  });

  it('keeps a log of copies that listeners cannot change', async () => {
    const bus = new LocalEventBus();
    bus.onEvent((e) => {
      e.detail.name = 'changed by a listener';
    });
    const original = event('1');
    bus.emit(original);
    original.detail.name = 'changed by the emitter';
    await bus.settled();
    const [logged] = bus.events();
    expect(logged?.detail).toEqual({ name: '/p' });
    logged!.detail.name = 'changed by a reader';
    expect(bus.events()[0]?.detail).toEqual({ name: '/p' });
    bus.clear();
    expect(bus.events()).toEqual([]);
  });

  it('reports a listener that throws or rejects with the event id, and goes on delivering', async () => {
    const reported: string[] = [];
    const bus = new LocalEventBus({
      reportListenerError: (error, e) => reported.push(`${e.id}: ${(error as Error).message}`),
    });
    const delivered: string[] = [];
    bus.onEvent(() => {
      throw new Error('sync failure');
    });
    bus.onEvent(async () => {
      await new Promise((resolve) => setTimeout(resolve, 5));
      throw new Error('async failure');
    });
    bus.onEvent((e) => {
      delivered.push(e.id);
    });
    bus.emit(event('e-1'));
    await bus.settled();
    expect(delivered).toEqual(['e-1']);
    expect(reported.sort()).toEqual(['e-1: async failure', 'e-1: sync failure']);
  });

  it('writes listener failures to stderr by default', async () => {
    const write = jest.spyOn(process.stderr, 'write').mockImplementation(() => true);
    try {
      const bus = new LocalEventBus();
      bus.onEvent(() => {
        throw new Error('listener bug');
      });
      bus.emit(event('evt-42'));
      await bus.settled();
      expect(String(write.mock.calls[0]?.[0])).toContain('an event listener failed on event evt-42');
      expect(String(write.mock.calls[0]?.[0])).toContain('listener bug');
    } finally {
      write.mockRestore();
    }
  });

  it('waits in settled() for slow listeners and tracked work', async () => {
    const bus = new LocalEventBus();
    let finished = false;
    bus.onEvent(async () => {
      await new Promise((resolve) => setTimeout(resolve, 30));
      finished = true;
    });
    let tracked = false;
    void bus.track(new Promise((resolve) => setTimeout(resolve, 10)).then(() => (tracked = true)));
    bus.emit(event('1'));
    await bus.settled();
    expect({ finished, tracked }).toEqual({ finished: true, tracked: true });
    await expect(bus.track(Promise.reject(new Error('x')))).rejects.toThrow('x');
    await bus.settled();
  });

  it('formats time as EventBridge does', () => {
    expect(eventTime(new Date('2026-11-23T10:00:00.789Z'))).toBe('2026-11-23T10:00:00Z');
  });
});
