import type { Message } from '@aws-sdk/client-sqs';
import type { SQSEvent } from 'aws-lambda';
import type { InvokeResult } from './function-container';
import { QueueMappingPoller, type QueueMappingConfig, type QueueMappingDeps } from './queue-mapping-poller';

const QUEUE_ARN = 'arn:aws:sqs:eu-west-1:222222222222:guardian-checks';
const FUNCTION_ARN = 'arn:aws:lambda:eu-west-1:222222222222:function:enforce-spend';

/** A message as ReceiveMessage (AttributeNames and MessageAttributeNames All) returns it. */
function sqsMessage(n: number, body: string = JSON.stringify({ n })): Message {
  return {
    MessageId: `message-${n}`,
    ReceiptHandle: `receipt-${n}`,
    MD5OfBody: `md5-${n}`,
    Body: body,
    Attributes: {
      ApproximateReceiveCount: '1',
      SentTimestamp: '1795000000000',
      SenderId: 'AIDAEXAMPLE',
      ApproximateFirstReceiveTimestamp: '1795000000100',
    },
  };
}

const ok = (payload: unknown = null): InvokeResult => ({
  ok: true,
  requestId: 'request',
  payload,
  durationMs: 1,
  coldStart: false,
});
const functionError: InvokeResult = {
  ok: false,
  requestId: 'request',
  error: { errorType: 'Error', errorMessage: 'boom', trace: [] },
  durationMs: 1,
  coldStart: false,
};

/**
 * A queue holding `messages` (each received once), the poller on it, and what it did: the
 * receives it made, the events the function got, the receipt handles it deleted.
 */
function queuePoller(
  messages: Message[],
  options: {
    config?: Partial<QueueMappingConfig>;
    respond?: (event: SQSEvent) => InvokeResult | Promise<InvokeResult>;
    deleteMessages?: QueueMappingDeps['deleteMessages'];
  } = {},
) {
  let waiting = [...messages];
  const receives: { maxMessages: number; waitTimeSeconds: number }[] = [];
  const events: SQSEvent[] = [];
  const deleted: string[] = [];
  const logged: string[] = [];
  const poller = new QueueMappingPoller(
    {
      uuid: 'mapping-1',
      functionArn: FUNCTION_ARN,
      queueArn: QUEUE_ARN,
      batchSize: 10,
      reportBatchItemFailures: true,
      filterPatterns: [],
      ...options.config,
    },
    {
      receive: async (maxMessages, waitTimeSeconds) => {
        receives.push({ maxMessages, waitTimeSeconds });
        const out = waiting.slice(0, maxMessages);
        waiting = waiting.slice(maxMessages);
        return out;
      },
      invoke: async (event) => {
        events.push(event);
        return (options.respond ?? (() => ok()))(event);
      },
      deleteMessages:
        options.deleteMessages ??
        (async (entries) => {
          deleted.push(...entries.map((entry) => entry.ReceiptHandle));
          return [];
        }),
      log: (message) => logged.push(message),
    },
  );
  return { poller, receives, events, deleted, logged };
}

const idsOf = (event: SQSEvent | undefined): string[] => (event?.Records ?? []).map((record) => record.messageId);

function balanced(stats: QueueMappingPoller['stats']): boolean {
  return stats.received === stats.filtered + stats.processed + stats.returned + stats.pending;
}

describe('QueueMappingPoller', () => {
  it('invokes the function with the SQS event Lambda sends, then deletes the batch', async () => {
    const message: Message = {
      ...sqsMessage(1, 'hello'),
      MD5OfMessageAttributes: 'md5-attributes',
      MessageAttributes: {
        accountId: { DataType: 'String', StringValue: '222222222222' },
        raw: { DataType: 'Binary', BinaryValue: Buffer.from('bytes') },
      },
    };
    const { poller, receives, events, deleted } = queuePoller([message]);

    expect(await poller.step(2)).toBe(true);

    expect(receives).toEqual([{ maxMessages: 10, waitTimeSeconds: 2 }]);
    expect(events).toEqual([
      {
        Records: [
          {
            messageId: 'message-1',
            receiptHandle: 'receipt-1',
            body: 'hello',
            attributes: {
              ApproximateReceiveCount: '1',
              SentTimestamp: '1795000000000',
              SenderId: 'AIDAEXAMPLE',
              ApproximateFirstReceiveTimestamp: '1795000000100',
            },
            messageAttributes: {
              accountId: {
                stringValue: '222222222222',
                stringListValues: [],
                binaryListValues: [],
                dataType: 'String',
              },
              raw: {
                binaryValue: Buffer.from('bytes').toString('base64'),
                stringListValues: [],
                binaryListValues: [],
                dataType: 'Binary',
              },
            },
            md5OfBody: 'md5-1',
            md5OfMessageAttributes: 'md5-attributes',
            eventSource: 'aws:sqs',
            eventSourceARN: QUEUE_ARN,
            awsRegion: 'eu-west-1',
          },
        ],
      },
    ]);
    expect(deleted).toEqual(['receipt-1']);
    expect(poller.stats).toMatchObject({ received: 1, processed: 1, invocations: 1, pending: 0 });
  });

  it('finds nothing on an empty queue, and invokes nothing', async () => {
    const { poller, events } = queuePoller([]);

    expect(await poller.step(2)).toBe(false);

    expect(events).toEqual([]);
    expect(poller.stats).toMatchObject({ received: 0, invocations: 0 });
  });

  it('receives at most BatchSize messages at a time', async () => {
    const { poller, receives, events } = queuePoller(
      [1, 2, 3].map((n) => sqsMessage(n)),
      {
        config: { batchSize: 2 },
      },
    );

    await poller.step(2);
    await poller.step(2);

    expect(receives.map((r) => r.maxMessages)).toEqual([2, 2]);
    expect(events.map(idsOf)).toEqual([['message-1', 'message-2'], ['message-3']]);
  });

  it('tops a BatchSize above 10 up with receives that do not wait', async () => {
    const messages = Array.from({ length: 25 }, (_, i) => sqsMessage(i + 1));
    const { poller, receives, events } = queuePoller(messages, { config: { batchSize: 25 } });

    await poller.step(2);

    expect(receives).toEqual([
      { maxMessages: 10, waitTimeSeconds: 2 },
      { maxMessages: 10, waitTimeSeconds: 0 },
      { maxMessages: 5, waitTimeSeconds: 0 },
    ]);
    expect(idsOf(events[0])).toHaveLength(25);
  });

  it('with ReportBatchItemFailures deletes all but the reported messages, which stay for redelivery', async () => {
    const { poller, deleted } = queuePoller(
      [1, 2, 3].map((n) => sqsMessage(n)),
      {
        respond: () => ok({ batchItemFailures: [{ itemIdentifier: 'message-2' }] }),
      },
    );

    await poller.step(2);

    expect(deleted).toEqual(['receipt-1', 'receipt-3']);
    expect(poller.stats).toMatchObject({ processed: 2, returned: 1, partialFailures: 1, failedInvocations: 0 });
    expect(balanced(poller.stats)).toBe(true);
  });

  it('takes an empty or missing batchItemFailures as success', async () => {
    for (const payload of [{ batchItemFailures: [] }, { batchItemFailures: null }, null, 'done']) {
      const { poller, deleted } = queuePoller([sqsMessage(1)], { respond: () => ok(payload) });

      await poller.step(2);

      expect(deleted).toEqual(['receipt-1']);
    }
  });

  it('fails the whole batch on a batchItemFailures it cannot use (an empty or unknown identifier)', async () => {
    for (const itemIdentifier of ['', 'message-9', null]) {
      const { poller, deleted } = queuePoller(
        [1, 2].map((n) => sqsMessage(n)),
        {
          respond: () => ok({ batchItemFailures: [{ itemIdentifier }] }),
        },
      );

      await poller.step(2);

      expect(deleted).toEqual([]);
      expect(poller.stats).toMatchObject({ processed: 0, returned: 2, failedInvocations: 1 });
    }
  });

  it('without ReportBatchItemFailures deletes the whole batch whatever the function reports', async () => {
    const { poller, deleted } = queuePoller(
      [1, 2].map((n) => sqsMessage(n)),
      {
        config: { reportBatchItemFailures: false },
        respond: () => ok({ batchItemFailures: [{ itemIdentifier: 'message-2' }] }),
      },
    );

    await poller.step(2);

    expect(deleted).toEqual(['receipt-1', 'receipt-2']);
  });

  it('deletes nothing when the function fails: the queue delivers the batch again', async () => {
    const { poller, deleted, logged } = queuePoller(
      [1, 2].map((n) => sqsMessage(n)),
      {
        respond: () => functionError,
      },
    );

    await poller.step(2);

    expect(deleted).toEqual([]);
    expect(poller.stats).toMatchObject({ received: 2, processed: 0, returned: 2, failedInvocations: 1, pending: 0 });
    expect(logged).toContain('queue messages left for redelivery');
  });

  it('counts an invocation the runtime could not make as a failed one', async () => {
    const { poller, deleted } = queuePoller([sqsMessage(1)], {
      respond: () => Promise.reject(new Error('Function not found')),
    });

    await poller.step(2);

    expect(deleted).toEqual([]);
    expect(poller.stats).toMatchObject({ returned: 1, failedInvocations: 1 });
  });

  it('deletes the messages that match none of the filter criteria without invoking the function', async () => {
    const { poller, events, deleted } = queuePoller(
      [sqsMessage(1, JSON.stringify({ kind: 'check' })), sqsMessage(2, JSON.stringify({ kind: 'other' }))],
      { config: { filterPatterns: [JSON.stringify({ body: { kind: ['check'] } })] } },
    );

    await poller.step(2);

    expect(events.map(idsOf)).toEqual([['message-1']]);
    expect(deleted.sort()).toEqual(['receipt-1', 'receipt-2']);
    expect(poller.stats).toMatchObject({ received: 2, filtered: 1, processed: 1 });
    expect(balanced(poller.stats)).toBe(true);
  });

  it('filters a body that is not JSON as the plain string it is', async () => {
    const { poller, events } = queuePoller([sqsMessage(1, 'plain'), sqsMessage(2, 'other')], {
      config: { filterPatterns: [JSON.stringify({ body: ['plain'] })] },
    });

    await poller.step(2);

    expect(events.map(idsOf)).toEqual([['message-1']]);
  });

  it('counts the messages a DeleteMessageBatch did not delete (they will be received again)', async () => {
    const { poller, logged } = queuePoller(
      [1, 2].map((n) => sqsMessage(n)),
      {
        deleteMessages: async () => [{ id: '1', error: 'ReceiptHandleIsInvalid: expired' }],
      },
    );

    await poller.step(2);

    expect(poller.stats).toMatchObject({ processed: 2, deleteErrors: 1 });
    expect(logged).toContain('queue messages not deleted: they will be received again');
  });

  it('counts a DeleteMessageBatch that failed outright against each of its messages', async () => {
    const { poller } = queuePoller(
      [1, 2].map((n) => sqsMessage(n)),
      {
        deleteMessages: () => Promise.reject(new Error('Throttling')),
      },
    );

    await poller.step(2);

    expect(poller.stats).toMatchObject({ processed: 2, deleteErrors: 2 });
  });

  it('is busy from the receive until the batch is deleted', async () => {
    let busyDuringInvoke: boolean | undefined;
    const { poller } = queuePoller([sqsMessage(1)], {
      respond: () => {
        busyDuringInvoke = poller.busy;
        return ok();
      },
    });

    await poller.step(2);

    expect(busyDuringInvoke).toBe(true);
    expect(poller.busy).toBe(false);
  });

  it('takes a new configuration from the next batch on', async () => {
    const { poller, events } = queuePoller(
      [1, 2, 3].map((n) => sqsMessage(n)),
      { config: { batchSize: 1 } },
    );

    await poller.step(2);
    poller.reconfigure({ ...poller.config, batchSize: 10 });
    await poller.step(2);

    expect(events.map(idsOf)).toEqual([['message-1'], ['message-2', 'message-3']]);
  });
});
