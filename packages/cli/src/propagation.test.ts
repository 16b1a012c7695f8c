import { QueryCommand, type AttributeValue, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { revisionBeforeDeletion, waitForDeletion, type HistoryTarget } from './propagation';

const key = { accountId: '111111111111', budgetName: 'research' };

interface StoredEntry {
  revision: string;
  kind: 'created' | 'changed' | 'deleted';
  outcome?: { status: string; stage: string; message: string };
}

/**
 * The history table of one item as DynamoDB answers the command line's queries (key conditions on
 * `revision`, the `kind` filter, order and limit), over entries the test changes as time passes.
 */
function fakeHistory(entries: StoredEntry[]): HistoryTarget & { queries: number } {
  const toItem = (entry: StoredEntry): Record<string, AttributeValue> => ({
    itemKey: { S: `${key.accountId}/${key.budgetName}` },
    revision: { N: entry.revision },
    kind: { S: entry.kind },
    ...(entry.outcome
      ? {
          outcome: {
            M: {
              status: { S: entry.outcome.status },
              stage: { S: entry.outcome.stage },
              message: { S: entry.outcome.message },
              at: { S: 't' },
            },
          },
        }
      : {}),
  });
  const target = {
    historyTableName: 'org-budgets-test-history',
    queries: 0,
    ddb: {
      send: async (command: QueryCommand) => {
        if (!(command instanceof QueryCommand)) throw new Error('the command line only queries the history');
        target.queries += 1;
        const input = command.input;
        const values = input.ExpressionAttributeValues ?? {};
        let found = [...entries].sort((a, b) => (BigInt(a.revision) < BigInt(b.revision) ? -1 : 1));
        if (input.KeyConditionExpression?.includes('> :after')) {
          found = found.filter((e) => BigInt(e.revision) > BigInt(values[':after']?.N ?? ''));
        }
        if (input.KeyConditionExpression?.includes('= :r')) found = found.filter((e) => e.revision === values[':r']?.N);
        if (input.FilterExpression) found = found.filter((e) => e.kind === values[':deleted']?.S);
        if (input.ScanIndexForward === false) found.reverse();
        if (input.Limit !== undefined) found = found.slice(0, input.Limit);
        return { Items: found.map(toItem) };
      },
    } as unknown as DynamoDBClient,
  };
  return target;
}

/** A clock that moves only when the wait sleeps; `onSleep` changes the history meanwhile. */
function clock(onSleep: (sleeps: number) => void = () => undefined) {
  let now = 0;
  let sleeps = 0;
  return {
    now: () => now,
    sleep: async (ms: number) => {
      now += ms;
      sleeps += 1;
      onSleep(sleeps);
    },
  };
}

const options = { timeoutMs: 10_000, pollMs: 1000, historyHint: '111111111111 research' };

describe('revisionBeforeDeletion', () => {
  it('is the newest of the item’s sync and delivery and its newest history entry', async () => {
    const history = fakeHistory([
      { revision: '100', kind: 'created' },
      { revision: '300', kind: 'changed' },
    ]);
    const read = { sync: { M: { status: { S: 'APPLIED' }, revision: { N: '200' } } } };

    await expect(revisionBeforeDeletion(history, key, read)).resolves.toBe(300n);
    await expect(revisionBeforeDeletion(fakeHistory([]), key, read)).resolves.toBe(200n);
  });
});

describe('waitForDeletion', () => {
  it('waits through the hub’s DELIVERED and ends DELETED with the spoke’s message', async () => {
    const entries: StoredEntry[] = [{ revision: '100', kind: 'created' }];
    const history = fakeHistory(entries);
    const progress: string[] = [];
    const time = clock((sleeps) => {
      if (sleeps === 1) entries.push({ revision: '400', kind: 'deleted' });
      if (sleeps === 2) {
        entries[1] = {
          ...entries[1]!,
          outcome: { status: 'DELIVERED', stage: 'deliver', message: 'parameter deleted' },
        };
      }
      if (sleeps === 4) {
        entries[1] = {
          ...entries[1]!,
          outcome: { status: 'DELETED', stage: 'apply', message: 'budget research deleted in account 111111111111' },
        };
      }
    });

    const outcome = await waitForDeletion(history, key, 300n, {
      ...options,
      ...time,
      onProgress: (known) => progress.push(known),
    });

    expect(outcome).toEqual({ status: 'DELETED', message: 'budget research deleted in account 111111111111' });
    expect(progress).toEqual([
      "the hub recorded the deletion and has not deleted the member account's parameter yet",
      "the hub deleted the member account's parameter; the spoke has not reported deleting the AWS Budget yet",
    ]);
  });

  it('ends FAILED with the reason the spoke or the hub gave', async () => {
    const history = fakeHistory([
      {
        revision: '400',
        kind: 'deleted',
        outcome: { status: 'FAILED', stage: 'apply', message: 'could not delete the budget: AccessDenied' },
      },
    ]);

    await expect(waitForDeletion(history, key, 300n, { ...options, ...clock() })).resolves.toEqual({
      status: 'FAILED',
      message: 'could not delete the budget: AccessDenied',
      revision: '400',
    });
  });

  it('takes the first deletion after the revision, not an earlier deletion’s outcome', async () => {
    const history = fakeHistory([
      { revision: '200', kind: 'deleted', outcome: { status: 'DELETED', stage: 'apply', message: 'an old deletion' } },
      { revision: '300', kind: 'created' },
      { revision: '400', kind: 'deleted', outcome: { status: 'FAILED', stage: 'apply', message: 'this one' } },
    ]);

    await expect(waitForDeletion(history, key, 300n, { ...options, ...clock() })).resolves.toMatchObject({
      status: 'FAILED',
      message: 'this one',
    });
  });

  it('says at the timeout that the spoke has not reported, when the hub deleted the parameter', async () => {
    const history = fakeHistory([
      { revision: '400', kind: 'deleted', outcome: { status: 'DELIVERED', stage: 'deliver', message: 'deleted' } },
    ]);

    const outcome = await waitForDeletion(history, key, 300n, { ...options, ...clock() });

    expect(outcome).toEqual({
      status: 'WAITING',
      message:
        "no outcome after 10 s: the hub deleted the member account's parameter; the spoke has not reported deleting " +
        'the AWS Budget yet; it goes on in the pipeline: see org-budgets history 111111111111 research',
    });
  });

  it('says at the timeout that the hub has not recorded the deletion, when there is no entry', async () => {
    const outcome = await waitForDeletion(fakeHistory([]), key, 300n, { ...options, ...clock() });

    expect(outcome).toMatchObject({
      status: 'WAITING',
      message: expect.stringContaining('the hub has not recorded the deletion yet'),
    });
  });
});
