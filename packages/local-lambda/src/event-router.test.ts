import { acceptPutEvents } from '@org-budgets/aws-emulator';
import { EventRouter, type BusEvent, type DeadLetter, type Rule } from './event-router';

const HUB = '123456789012';
const SPOKE = '111111111111';

/** A status event as the spoke's PutEvents puts it on its default bus. */
function statusEvent(): BusEvent {
  const { puts } = acceptPutEvents(
    {
      Entries: [
        {
          Source: 'org-budgets.spoke',
          DetailType: 'Budget Apply Status',
          Detail: JSON.stringify({ status: 'APPLIED' }),
        },
      ],
    },
    { accountId: SPOKE, region: 'us-east-1' },
  );
  const [put] = puts;
  if (!put) throw new Error('PutEvents refused the status event');
  return put.event;
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

  it('retries a target by its retry policy, then hands the event to its dead-letter handler', async () => {
    const router = new EventRouter();
    const dlq: DeadLetter[] = [];
    let sends = 0;
    router.addRule({
      name: 'to-queue',
      arn: 'arn:aws:events:us-east-1:111111111111:rule/to-queue',
      account: SPOKE,
      region: 'us-east-1',
      busName: 'default',
      pattern: { source: ['org-budgets.spoke'] },
      targets: [
        {
          kind: 'send',
          id: 'queue',
          arn: 'arn:aws:sqs:us-east-1:111111111111:gone',
          send: async () => {
            sends += 1;
            throw new Error('queue does not exist');
          },
          maxRetries: 4,
          deadLetter: async (letter) => {
            dlq.push(letter);
          },
        },
      ],
    });

    router.put(SPOKE, 'us-east-1', 'default', statusEvent());
    await router.settled();

    expect(sends).toBe(5);
    expect(dlq).toEqual([
      expect.objectContaining({
        rule: 'to-queue',
        ruleArn: 'arn:aws:events:us-east-1:111111111111:rule/to-queue',
        targetArn: 'arn:aws:sqs:us-east-1:111111111111:gone',
        attempts: 5,
        condition: 'MaximumRetryAttempts',
      }),
    ]);
  });

  it('stops retrying once the event is older than the target’s maximum event age', async () => {
    let clock = 0;
    const router = new EventRouter({ now: () => clock, retryDelayMs: () => 40_000 });
    let calls = 0;
    router.addRule({
      name: 'aged',
      account: SPOKE,
      region: 'us-east-1',
      busName: 'default',
      pattern: { source: ['org-budgets.spoke'] },
      targets: [
        {
          kind: 'function',
          id: 'fn',
          maxRetries: 10,
          maxEventAgeSeconds: 60,
          invoke: async () => {
            calls += 1;
            clock += 40_000;
            throw new Error('still failing');
          },
        },
      ],
    });

    jest.useFakeTimers();
    try {
      router.put(SPOKE, 'us-east-1', 'default', statusEvent());
      await jest.advanceTimersByTimeAsync(200_000);
      await router.settled();
    } finally {
      jest.useRealTimers();
    }

    expect(calls).toBe(1);
    expect(router.deadLetters[0]).toMatchObject({ condition: 'MaximumEventAgeInSeconds', attempts: 1 });
  });

  it('fires a scheduled rule’s targets, and never matches bus events against it', async () => {
    const router = new EventRouter();
    const received: BusEvent[] = [];
    router.addRule({
      name: 'hourly',
      account: HUB,
      region: 'us-east-1',
      busName: 'default',
      scheduleExpression: 'rate(1 hour)',
      targets: [{ kind: 'function', id: 'fn', invoke: async (e) => received.push(e) }],
    });
    const scheduled = { ...statusEvent(), source: 'aws.events', 'detail-type': 'Scheduled Event', account: HUB };

    expect(router.put(HUB, 'us-east-1', 'default', scheduled)).toBe(0);
    router.fire(router.listRules()[0] as Rule, scheduled);
    await router.settled();

    expect(received.map((e) => e['detail-type'])).toEqual(['Scheduled Event']);
  });

  it('refuses a rule with neither a pattern nor a schedule', () => {
    const router = new EventRouter();

    expect(() =>
      router.addRule({ name: 'empty', account: HUB, region: 'us-east-1', busName: 'default', targets: [] }),
    ).toThrow(/neither an event pattern nor a schedule/);
  });
});
