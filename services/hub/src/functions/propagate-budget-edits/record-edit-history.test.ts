import type { EditHistoryStore, Logger } from '@org-budgets/aws';
import { deliverAndRecord, hubDeletionOutcome, recordEditHistory } from './record-edit-history';

const logger = { info: jest.fn(), warn: jest.fn(), error: jest.fn(), debug: jest.fn() } as unknown as Logger;
const key = { accountId: '111111111111', budgetName: 'research-compute' };
const edit = { ...key, revision: '7', kind: 'changed' as const, at: 't', changes: [], expiresAt: 1 };
const outcome = {
  revision: '5',
  record: { status: 'APPLIED', stage: 'apply', message: '', at: 't', sequence: '8' },
};

function fakeHistory(result: 'written' | 'superseded' = 'written') {
  return {
    recordEdit: jest.fn<Promise<void>, Parameters<EditHistoryStore['recordEdit']>>().mockResolvedValue(undefined),
    recordOutcome: jest
      .fn<Promise<'written' | 'superseded'>, Parameters<EditHistoryStore['recordOutcome']>>()
      .mockResolvedValue(result),
    recordHubDeletionOutcome: jest
      .fn<Promise<'written' | 'superseded'>, Parameters<EditHistoryStore['recordHubDeletionOutcome']>>()
      .mockResolvedValue(result),
  };
}

const now = () => new Date('2026-12-03T14:00:00.000Z');

describe('recordEditHistory', () => {
  it('writes the entry and the outcome of the record', async () => {
    const history = fakeHistory();

    await recordEditHistory({ key, edit, outcome }, { history, logger });

    expect(history.recordEdit).toHaveBeenCalledWith(edit);
    expect(history.recordOutcome).toHaveBeenCalledWith(key, '5', outcome.record);
  });

  it('leaves out an outcome with no entry of its revision, without failing', async () => {
    const history = fakeHistory('superseded');

    await expect(recordEditHistory({ key, outcome }, { history, logger })).resolves.toBeUndefined();
  });
});

describe('deliverAndRecord', () => {
  it('fails when the history write failed, after the delivery ended', async () => {
    let delivered = false;
    const delivery = new Promise<{ result: 'deleted' }>((resolve) =>
      setImmediate(() => {
        delivered = true;
        resolve({ result: 'deleted' });
      }),
    );

    await expect(
      deliverAndRecord(undefined, delivery, Promise.reject(new Error('history down')), {
        history: fakeHistory(),
        logger,
        now,
      }),
    ).rejects.toThrow('history down');
    expect(delivered).toBe(true);
  });

  it('throws the delivery’s error first', async () => {
    await expect(
      deliverAndRecord(undefined, Promise.reject(new Error('spoke down')), Promise.reject(new Error('history down')), {
        history: fakeHistory(),
        logger,
        now,
      }),
    ).rejects.toThrow('spoke down');
  });

  it('writes no deletion outcome for an edit that is not a deletion', async () => {
    const history = fakeHistory();

    await deliverAndRecord(
      undefined,
      Promise.resolve({ result: 'delivered', parameterRevision: '7' }),
      Promise.resolve(),
      {
        history,
        logger,
        now,
      },
    );

    expect(history.recordHubDeletionOutcome).not.toHaveBeenCalled();
  });

  const deletion = { key, revision: '9' };

  it('records DELIVERED on the deletion’s entry when the hub deleted the member account’s parameter', async () => {
    const history = fakeHistory();

    await deliverAndRecord(deletion, Promise.resolve({ result: 'deleted' }), Promise.resolve(), {
      history,
      logger,
      now,
    });

    expect(history.recordHubDeletionOutcome).toHaveBeenCalledWith(key, '9', {
      status: 'DELIVERED',
      stage: 'deliver',
      message:
        "the hub deleted the budget's parameter in account 111111111111; waiting for the spoke to delete the AWS Budget",
      at: '2026-12-03T14:00:00.000Z',
    });
  });

  it('records DELETED (at stage deliver) when the account held no parameter: the spoke has nothing to report', async () => {
    const history = fakeHistory();

    await deliverAndRecord(deletion, Promise.resolve({ result: 'already-absent' }), Promise.resolve(), {
      history,
      logger,
      now,
    });

    expect(history.recordHubDeletionOutcome).toHaveBeenCalledWith(
      key,
      '9',
      expect.objectContaining({
        status: 'DELETED',
        stage: 'deliver',
        message: expect.stringContaining('held no parameter'),
      }),
    );
  });

  it('records FAILED with the reason when the deletion failed, and still fails the record', async () => {
    const history = fakeHistory();

    await expect(
      deliverAndRecord(
        deletion,
        Promise.reject(Object.assign(new Error('no'), { name: 'AccessDeniedException' })),
        Promise.resolve(),
        {
          history,
          logger,
          now,
        },
      ),
    ).rejects.toThrow('no');

    expect(history.recordHubDeletionOutcome).toHaveBeenCalledWith(
      key,
      '9',
      expect.objectContaining({
        status: 'FAILED',
        stage: 'deliver',
        message:
          "deleting the budget's parameter in account 111111111111 failed (will be retried): AccessDeniedException: no",
      }),
    );
  });

  it('records nothing when the item exists again (the hub kept the parameter)', async () => {
    const history = fakeHistory();

    await deliverAndRecord(deletion, Promise.resolve({ result: 'superseded' }), Promise.resolve(), {
      history,
      logger,
      now,
    });

    expect(history.recordHubDeletionOutcome).not.toHaveBeenCalled();
  });

  it('records no outcome before the deletion’s entry is written (the entry’s write failed: the record is retried)', async () => {
    const history = fakeHistory();

    await expect(
      deliverAndRecord(deletion, Promise.resolve({ result: 'deleted' }), Promise.reject(new Error('history down')), {
        history,
        logger,
        now,
      }),
    ).rejects.toThrow('history down');

    expect(history.recordHubDeletionOutcome).not.toHaveBeenCalled();
  });

  it('fails the record when the outcome cannot be written after a deletion that went through', async () => {
    const history = fakeHistory();
    history.recordHubDeletionOutcome.mockRejectedValue(new Error('throttled'));

    await expect(
      deliverAndRecord(deletion, Promise.resolve({ result: 'deleted' }), Promise.resolve(), { history, logger, now }),
    ).rejects.toThrow('throttled');
  });
});

describe('hubDeletionOutcome', () => {
  const done = (value: Parameters<typeof hubDeletionOutcome>[1] extends PromiseSettledResult<infer T> ? T : never) =>
    ({ status: 'fulfilled', value }) as const;

  it('says DELIVERED, DELETED or FAILED, and nothing when the hub did not act', () => {
    expect(hubDeletionOutcome(key, done({ result: 'deleted' }), 't')?.status).toBe('DELIVERED');
    expect(hubDeletionOutcome(key, done({ result: 'already-absent' }), 't')?.status).toBe('DELETED');
    expect(hubDeletionOutcome(key, { status: 'rejected', reason: new Error('throttled') }, 't')).toMatchObject({
      status: 'FAILED',
      message: expect.stringContaining('will be retried'),
    });
    expect(hubDeletionOutcome(key, done({ result: 'superseded' }), 't')).toBeUndefined();
  });

  it('says FAILED, for good, for an account out of reach (it left the organization)', () => {
    const reason = 'account 111111111111 is no longer a member of the organization';
    expect(hubDeletionOutcome(key, done({ result: 'out-of-reach', reason }), 't')).toEqual({
      status: 'FAILED',
      stage: 'deliver',
      message: `${reason}: out of org-budgets' reach, its parameter and AWS Budget stay there`,
      at: 't',
    });
  });
});
