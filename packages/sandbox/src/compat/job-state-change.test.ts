/**
 * The guardian reads "Batch Job State Change" events with parseBatchJobEvent: every event the
 * simulator emits, for Fargate and EC2 jobs in every status, must read.
 */
import { parseBatchJobEvent, type JobObservation } from '@org-budgets/guardian';
import { batchJobStateChangeEvent, type BatchJobSimulator, type EmittedEvent } from '@org-budgets/aws-emulator';
import {
  ACCOUNT,
  ec2Container,
  fargateContainer,
  FakeBatchWorld,
  fastSimulator,
  REGION,
  waitUntil,
} from '@org-budgets/aws-emulator/testing';

describe('Batch Job State Change events of the simulator', () => {
  let simulator: BatchJobSimulator;
  let events: EmittedEvent[];
  let batch: FakeBatchWorld;

  beforeEach(() => {
    ({ simulator, events } = fastSimulator({ defaultRunSeconds: 0.02 }));
    batch = new FakeBatchWorld();
    batch.addQueue('fargate', batch.addEnvironment('fargate-ce', 'FARGATE'));
    batch.addQueue('ec2', batch.addEnvironment('ec2-ce', 'EC2'));
    batch.register('fg', {
      platformCapabilities: ['FARGATE'],
      containerProperties: fargateContainer({ runtimePlatform: { cpuArchitecture: 'ARM64' } }),
    });
    batch.register('ec2-job', { containerProperties: ec2Container() });
  });
  afterEach(() => simulator.stop());

  const statusOf = (jobId: string | undefined) => simulator.snapshot().find((job) => job.jobId === jobId)?.status;
  const observationsOf = (jobId: string | undefined): JobObservation[] =>
    events
      .filter((event) => (event.detail as { jobId?: string }).jobId === jobId)
      .map((event) => parseBatchJobEvent(event));

  it('reads every event of a Fargate job that waits on another, runs and succeeds', async () => {
    const first = await simulator.submitJob(
      { jobName: 'first', jobQueue: 'fargate', jobDefinition: 'fg' },
      batch.caller(),
    );
    const { jobId } = await simulator.submitJob(
      { jobName: 'second', jobQueue: 'fargate', jobDefinition: 'fg', dependsOn: [{ jobId: first.jobId }] },
      batch.caller(),
    );
    await waitUntil(() => statusOf(jobId) === 'SUCCEEDED', 'the second job succeeded');

    const observations = observationsOf(jobId);
    expect(observations.map((observation) => observation.status)).toEqual([
      'PENDING',
      'RUNNABLE',
      'STARTING',
      'RUNNING',
      'SUCCEEDED',
    ]);
    for (const observation of observations) {
      expect(observation).toMatchObject({
        accountId: ACCOUNT,
        region: REGION,
        jobId,
        jobQueueName: 'fargate',
        kind: 'SINGLE',
        billable: true,
        platform: 'FARGATE',
        architecture: 'ARM64',
        resources: { vcpus: 0.25, memoryMiB: 512, gpus: 0 },
      });
    }
    const succeeded = observations.at(-1) as JobObservation;
    expect(succeeded.attempts).toEqual([{ startedAt: succeeded.startedAt, stoppedAt: succeeded.stoppedAt }]);
    expect(observationsOf(first.jobId).map((observation) => observation.status)).toEqual([
      'RUNNABLE',
      'STARTING',
      'RUNNING',
      'SUCCEEDED',
    ]);
  });

  it('reads every event of EC2 jobs that are terminated while running, cancelled, or fail and retry', async () => {
    simulator.configure({ defaultRunSeconds: 3600 });
    const running = await simulator.submitJob(
      { jobName: 'long', jobQueue: 'ec2', jobDefinition: 'ec2-job' },
      batch.caller(),
    );
    await waitUntil(() => statusOf(running.jobId) === 'RUNNING', 'the job runs');
    simulator.terminateJob({ jobId: running.jobId, reason: 'Budget exceeded' }, batch.caller());

    simulator.configure({ stepDelayMs: 60_000 });
    const queued = await simulator.submitJob(
      { jobName: 'queued', jobQueue: 'ec2', jobDefinition: 'ec2-job' },
      batch.caller(),
    );
    simulator.cancelJob({ jobId: queued.jobId, reason: 'not needed' }, batch.caller());

    simulator.configure({ stepDelayMs: 1, defaultRunSeconds: 0.01 });
    const flaky = await simulator.submitJob(
      {
        jobName: 'flaky',
        jobQueue: 'ec2',
        jobDefinition: 'ec2-job',
        retryStrategy: { attempts: 2 },
        containerOverrides: { environment: [{ name: 'LOCAL_CLOUD_JOB_EXIT_CODE', value: '1' }] },
      },
      batch.caller(),
    );
    await waitUntil(() => statusOf(flaky.jobId) === 'FAILED', 'the flaky job failed');

    const terminated = observationsOf(running.jobId);
    expect(terminated.map((observation) => observation.status)).toEqual(['RUNNABLE', 'STARTING', 'RUNNING', 'FAILED']);
    expect(terminated.at(-1)).toMatchObject({
      platform: 'EC2',
      architecture: 'X86_64',
      resources: { vcpus: 2, memoryMiB: 2048, gpus: 0 },
      statusReason: 'Budget exceeded',
    });
    expect(terminated.at(-1)?.attempts).toHaveLength(1);

    expect(observationsOf(queued.jobId).map((observation) => observation.status)).toEqual(['FAILED']);
    expect(observationsOf(queued.jobId)[0]).toMatchObject({ statusReason: 'not needed', attempts: [] });

    const retried = observationsOf(flaky.jobId);
    expect(retried.map((observation) => observation.status)).toEqual([
      'RUNNABLE',
      'STARTING',
      'RUNNING',
      'RUNNABLE',
      'STARTING',
      'RUNNING',
      'FAILED',
    ]);
    expect(retried.at(-1)?.attempts).toHaveLength(2);
    // Between attempts the job has not stopped: stoppedAt comes with the final status only.
    expect(retried[3]?.stoppedAt).toBeUndefined();
    expect(retried[3]?.attempts).toHaveLength(1);
    expect(retried.at(-1)?.stoppedAt).toBe(retried.at(-1)?.attempts[1]?.stoppedAt);
    // Fields a job does not have yet are left out of the detail, not set to undefined.
    const firstEvent = events.find((event) => (event.detail as { jobId?: string }).jobId === flaky.jobId);
    expect(Object.keys(firstEvent?.detail ?? {})).not.toContain('startedAt');
  });

  it('builds the documented envelope around a DescribeJobs detail', () => {
    const jobArn = `arn:aws:batch:${REGION}:${ACCOUNT}:job/4c7599ae-0a82-49aa-ba5a-4727fcce14a8`;
    const event = batchJobStateChangeEvent({
      detail: {
        jobArn,
        jobId: '4c7599ae',
        jobName: 'j',
        jobQueue: 'q',
        status: 'RUNNABLE',
        startedAt: undefined,
        jobDefinition: 'd',
      },
      accountId: ACCOUNT,
      region: REGION,
      id: 'c8f9c4b5-76e5-d76a-f980-7011e206042b',
      time: new Date('2022-01-11T23:36:40.123Z'),
    });
    expect(event).toEqual({
      version: '0',
      id: 'c8f9c4b5-76e5-d76a-f980-7011e206042b',
      'detail-type': 'Batch Job State Change',
      source: 'aws.batch',
      account: ACCOUNT,
      time: '2022-01-11T23:36:40Z',
      region: REGION,
      resources: [jobArn],
      detail: expect.objectContaining({ jobArn, status: 'RUNNABLE' }),
    });
  });
});
