import type { EditHistoryStore, Logger } from '@org-budgets/aws';
import { alongside, recordEditHistory } from './record-edit-history';

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
  };
}

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

describe('alongside', () => {
  it('fails when the history write failed, after the delivery ended', async () => {
    let delivered = false;
    const delivery = new Promise<string>((resolve) =>
      setImmediate(() => {
        delivered = true;
        resolve('delivered');
      }),
    );

    await expect(alongside(delivery, Promise.reject(new Error('history down')))).rejects.toThrow('history down');
    expect(delivered).toBe(true);
  });

  it('throws the delivery’s error first', async () => {
    await expect(
      alongside(Promise.reject(new Error('spoke down')), Promise.reject(new Error('history down'))),
    ).rejects.toThrow('spoke down');
  });
});
