import { EventRouter, type BusEvent } from './event-router';

const HUB = '123456789012';
const SPOKE = '111111111111';

function statusEvent(): BusEvent {
  return EventRouter.eventFromEntry(SPOKE, 'us-east-1', {
    Source: 'org-budgets.spoke',
    DetailType: 'Budget Apply Status',
    Detail: JSON.stringify({ status: 'APPLIED' }),
  });
}

describe('EventRouter', () => {
  it('delivers a matching event to the rule’s function and ignores other buses and patterns', async () => {
    const router = new EventRouter();
    const received: BusEvent[] = [];
    router.addRule({
      name: 'status',
      account: SPOKE,
      region: 'us-east-1',
      busName: 'default',
      pattern: { source: ['org-budgets.spoke'] },
      targets: [{ kind: 'function', id: 'fn', invoke: async (e) => received.push(e) }],
    });

    router.put(SPOKE, 'us-east-1', 'default', statusEvent());
    router.put(SPOKE, 'us-east-1', 'other', statusEvent());
    router.put(HUB, 'us-east-1', 'default', statusEvent());
    router.put(SPOKE, 'us-east-1', 'default', { ...statusEvent(), source: 'aws.ssm' });
    await router.settled();

    expect(received).toHaveLength(1);
  });

  it('forwards to another account’s bus keeping the sending account', async () => {
    const router = new EventRouter();
    const received: BusEvent[] = [];
    router.addRule({
      name: 'forward',
      account: SPOKE,
      region: 'us-east-1',
      busName: 'default',
      pattern: { source: ['org-budgets.spoke'] },
      targets: [{ kind: 'bus', id: 'hub', account: HUB, region: 'us-east-1', busName: 'status' }],
    });
    router.addRule({
      name: 'record',
      account: HUB,
      region: 'us-east-1',
      busName: 'status',
      pattern: { 'detail-type': ['Budget Apply Status'] },
      targets: [{ kind: 'function', id: 'record', invoke: async (e) => received.push(e) }],
    });

    router.put(SPOKE, 'us-east-1', 'default', statusEvent());
    await router.settled();

    expect(received.map((e) => e.account)).toEqual([SPOKE]);
  });

  it('retries a failing function twice, then keeps the event as a dead letter', async () => {
    const router = new EventRouter();
    let calls = 0;
    router.addRule({
      name: 'flaky',
      account: SPOKE,
      region: 'us-east-1',
      busName: 'default',
      pattern: { source: ['org-budgets.spoke'] },
      targets: [
        {
          kind: 'function',
          id: 'fn',
          invoke: async () => {
            calls += 1;
            throw new Error('boom');
          },
        },
      ],
    });

    router.put(SPOKE, 'us-east-1', 'default', statusEvent());
    await router.settled();

    expect(calls).toBe(3);
    expect(router.deadLetters).toEqual([expect.objectContaining({ rule: 'flaky', attempts: 3, error: 'Error: boom' })]);
  });
});
