import { parseBatchJobEvent, type JobObservation } from '@org-budgets/guardian';
import { fargateJobEvent } from '@org-budgets/guardian/testing';
import { trackBatchJob } from './track-batch-jobs';

const logger = { info: () => undefined, warn: () => undefined, error: () => undefined };

describe('trackBatchJob', () => {
  it('adds Spot or on-demand from the queue to a billable job before recording it', async () => {
    const recorded: JobObservation[] = [];
    const capacityOf = jest.fn(async () => 'SPOT' as const);
    const outcome = await trackBatchJob(parseBatchJobEvent(fargateJobEvent({ status: 'RUNNING' })), {
      ledger: { recordObservation: async (o) => (recorded.push(o), true) },
      capacityOf,
      logger,
    });
    expect(outcome).toMatchObject({ result: 'recorded', status: 'RUNNING' });
    expect(capacityOf).toHaveBeenCalledWith(expect.stringMatching(/:job-queue\/research-fargate$/));
    expect(recorded[0]?.capacity).toBe('SPOT');
  });

  it('says so when the event added nothing (a repeat)', async () => {
    const outcome = await trackBatchJob(parseBatchJobEvent(fargateJobEvent({ status: 'RUNNING' })), {
      ledger: { recordObservation: async () => false },
      capacityOf: async () => 'ON_DEMAND',
      logger,
    });
    expect(outcome.result).toBe('unchanged');
  });

  it('lets a ledger failure fail the invocation (retries, then the dead-letter queue)', async () => {
    await expect(
      trackBatchJob(parseBatchJobEvent(fargateJobEvent({ status: 'RUNNING' })), {
        ledger: {
          recordObservation: async () => {
            throw new Error('ProvisionedThroughputExceededException');
          },
        },
        capacityOf: async () => 'ON_DEMAND',
        logger,
      }),
    ).rejects.toThrow('ProvisionedThroughputExceededException');
  });
});
