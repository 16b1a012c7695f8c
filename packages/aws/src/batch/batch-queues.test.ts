import {
  BatchClient,
  DescribeComputeEnvironmentsCommand,
  DescribeJobQueuesCommand,
  ListJobsCommand,
} from '@aws-sdk/client-batch';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { createBatchQueues, createQueueCapacityResolver } from './batch-queues';

const batchMock = mockClient(BatchClient);
const QUEUE_ARN = 'arn:aws:batch:us-east-1:111111111111:job-queue/research-a';

beforeEach(() => batchMock.reset());

describe('createBatchQueues', () => {
  it('lists every page of every active status, each job once in its later status', async () => {
    batchMock.on(ListJobsCommand).callsFake((input: { jobStatus: string; nextToken?: string }) => {
      if (input.jobStatus === 'RUNNING') {
        return input.nextToken === undefined
          ? { jobSummaryList: [{ jobId: 'j1', jobName: 'a' }], nextToken: 'page-2' }
          : { jobSummaryList: [{ jobId: 'j2', jobName: 'b' }] };
      }
      // j2 was STARTING when that page was read, RUNNING by the next one.
      if (input.jobStatus === 'STARTING') return { jobSummaryList: [{ jobId: 'j2', jobName: 'b' }] };
      if (input.jobStatus === 'SUBMITTED') return { jobSummaryList: [{ jobId: 'j3', jobName: 'c' }] };
      return { jobSummaryList: [] };
    });
    const jobs = await createBatchQueues(new BatchClient({ region: 'us-east-1' })).listActiveJobs(['research-a']);
    expect(jobs.sort((a, b) => a.jobId.localeCompare(b.jobId))).toEqual([
      { jobId: 'j1', jobName: 'a', jobQueueName: 'research-a', status: 'RUNNING' },
      { jobId: 'j2', jobName: 'b', jobQueueName: 'research-a', status: 'RUNNING' },
      { jobId: 'j3', jobName: 'c', jobQueueName: 'research-a', status: 'SUBMITTED' },
    ]);
    const statuses = batchMock.commandCalls(ListJobsCommand).map((c) => c.args[0].input.jobStatus);
    expect(new Set(statuses)).toEqual(new Set(['SUBMITTED', 'PENDING', 'RUNNABLE', 'STARTING', 'RUNNING']));
    expect(statuses).toHaveLength(6); // RUNNING took two pages
    expect(batchMock).toHaveReceivedCommandWith(ListJobsCommand, { maxResults: 100, jobQueue: 'research-a' });
  });

  it('reads the guard tag and state of every queue, every page', async () => {
    batchMock
      .on(DescribeJobQueuesCommand, { nextToken: undefined })
      .resolves({
        jobQueues: [
          {
            jobQueueName: 'research-a',
            jobQueueArn: QUEUE_ARN,
            state: 'DISABLED',
            tags: { 'org-budgets:guard': 'true' },
          } as never,
        ],
        nextToken: 't',
      })
      .on(DescribeJobQueuesCommand, { nextToken: 't' })
      .resolves({ jobQueues: [{ jobQueueName: 'ops', jobQueueArn: `${QUEUE_ARN}-ops`, state: 'ENABLED' } as never] });
    expect(await createBatchQueues(new BatchClient({ region: 'us-east-1' })).listQueues()).toEqual([
      { name: 'research-a', arn: QUEUE_ARN, state: 'DISABLED', guardTagged: true },
      { name: 'ops', arn: `${QUEUE_ARN}-ops`, state: 'ENABLED', guardTagged: false },
    ]);
  });
});

describe('createQueueCapacityResolver', () => {
  const environments = (types: string[]) => {
    batchMock.on(DescribeJobQueuesCommand).resolves({
      jobQueues: [
        {
          jobQueueName: 'research-a',
          jobQueueArn: QUEUE_ARN,
          computeEnvironmentOrder: types.map((_, i) => ({ order: i + 1, computeEnvironment: `ce-${i}` })),
        } as never,
      ],
    });
    batchMock.on(DescribeComputeEnvironmentsCommand).resolves({
      computeEnvironments: types.map(
        (type, i) => ({ computeEnvironmentName: `ce-${i}`, computeResources: { type } }) as never,
      ),
    });
  };

  it.each([
    [['FARGATE_SPOT'], 'SPOT'],
    [['FARGATE'], 'ON_DEMAND'],
    [['EC2', 'SPOT'], 'UNKNOWN'],
  ])('queue on %j is %s', async (types, capacity) => {
    environments(types);
    expect(await createQueueCapacityResolver(new BatchClient({ region: 'us-east-1' }))(QUEUE_ARN)).toBe(capacity);
  });

  it('asks again only after its time to live', async () => {
    environments(['FARGATE']);
    let now = 0;
    const resolve = createQueueCapacityResolver(new BatchClient({ region: 'us-east-1' }), { now: () => now });
    await resolve(QUEUE_ARN);
    await resolve(QUEUE_ARN);
    expect(batchMock.commandCalls(DescribeJobQueuesCommand)).toHaveLength(1);
    now = 5 * 60_000;
    await resolve(QUEUE_ARN);
    expect(batchMock.commandCalls(DescribeJobQueuesCommand)).toHaveLength(2);
  });
});
