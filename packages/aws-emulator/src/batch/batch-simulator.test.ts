import type { JobDetail } from '@aws-sdk/client-batch';
import { BatchError } from './batch-errors';
import {
  BatchJobSimulator,
  CONTAINER_EXITED_REASON,
  STOPPED_CONTAINER_EXIT_CODE,
  TIMEOUT_REASON,
} from './batch-simulator';
import {
  ACCOUNT,
  ec2Container,
  fargateContainer,
  FakeBatchWorld,
  fastSimulator,
  OTHER_ACCOUNT,
  REGION,
  waitUntil,
} from './batch-test-support';

/** A world with a Fargate queue `fargate`, an EC2 queue `ec2` and job definitions `fg` and `ec2-job`. */
function world(): FakeBatchWorld {
  const batch = new FakeBatchWorld();
  batch.addQueue('fargate', batch.addEnvironment('fargate-ce', 'FARGATE_SPOT'));
  batch.addQueue('ec2', batch.addEnvironment('ec2-ce', 'EC2'));
  batch.register('fg', { platformCapabilities: ['FARGATE'], containerProperties: fargateContainer() });
  batch.register('ec2-job', { containerProperties: ec2Container() });
  return batch;
}

async function expectClientException(promise: Promise<unknown> | (() => unknown), message: string | RegExp) {
  const run = typeof promise === 'function' ? Promise.resolve().then(promise) : promise;
  const error = await run.then(
    () => undefined,
    (thrown: unknown) => thrown,
  );
  expect(error).toBeInstanceOf(BatchError);
  expect((error as BatchError).code).toBe('ClientException');
  expect((error as BatchError).httpStatus).toBe(400);
  expect((error as BatchError).message).toMatch(message);
}

describe('BatchJobSimulator', () => {
  let simulator: BatchJobSimulator;
  afterEach(() => simulator?.stop());

  const statusOf = (jobId: string) => simulator.snapshot().find((job) => job.jobId === jobId)?.status;
  const describe1 = (batch: FakeBatchWorld, jobId: string): JobDetail => {
    const [detail] = simulator.describeJobs({ jobs: [jobId] }, batch.caller()).jobs ?? [];
    if (!detail) throw new Error(`job ${jobId} not described`);
    return detail;
  };

  describe('a job that runs to the end', () => {
    it('goes SUBMITTED → RUNNABLE → STARTING → RUNNING → SUCCEEDED and emits an event for each change but the submission', async () => {
      const fast = fastSimulator();
      simulator = fast.simulator;
      const batch = world();
      const { jobId, jobArn, jobName } = await simulator.submitJob(
        { jobName: 'align-genomes', jobQueue: 'fargate', jobDefinition: 'fg' },
        batch.caller(),
      );
      expect(jobArn).toBe(`arn:aws:batch:${REGION}:${ACCOUNT}:job/${jobId}`);
      expect(jobName).toBe('align-genomes');
      expect(statusOf(jobId as string)).toBe('SUBMITTED');

      await waitUntil(() => statusOf(jobId as string) === 'SUCCEEDED', 'the job succeeded');
      const [job] = simulator.snapshot();
      expect(job?.statusHistory.map((entry) => entry.status)).toEqual([
        'SUBMITTED',
        'RUNNABLE',
        'STARTING',
        'RUNNING',
        'SUCCEEDED',
      ]);
      expect(fast.events.map((event) => (event.detail as { status: string }).status)).toEqual([
        'RUNNABLE',
        'STARTING',
        'RUNNING',
        'SUCCEEDED',
      ]);
      expect(fast.events[0]).toMatchObject({
        version: '0',
        'detail-type': 'Batch Job State Change',
        source: 'aws.batch',
        account: ACCOUNT,
        region: REGION,
        resources: [jobArn],
        time: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/),
      });
      expect(job).toMatchObject({
        accountId: ACCOUNT,
        region: REGION,
        jobQueueName: 'fargate',
        platform: 'FARGATE',
        architecture: 'X86_64',
        resources: { vcpus: 0.25, memoryMiB: 512, gpus: 0 },
        computeEnvironmentType: 'FARGATE_SPOT',
        attempts: 1,
      });
    });

    it('describes the finished job as DescribeJobs does', async () => {
      simulator = fastSimulator().simulator;
      const batch = world();
      const { jobId } = await simulator.submitJob(
        { jobName: 'j', jobQueue: 'fargate', jobDefinition: 'fg', tags: { team: 'research' }, propagateTags: true },
        batch.caller(),
      );
      await waitUntil(() => statusOf(jobId as string) === 'SUCCEEDED', 'the job succeeded');
      const detail = describe1(batch, jobId as string);
      expect(detail).toMatchObject({
        jobId,
        jobName: 'j',
        jobQueue: `arn:aws:batch:${REGION}:${ACCOUNT}:job-queue/fargate`,
        jobDefinition: `arn:aws:batch:${REGION}:${ACCOUNT}:job-definition/fg:1`,
        status: 'SUCCEEDED',
        statusReason: CONTAINER_EXITED_REASON,
        dependsOn: [],
        parameters: {},
        tags: { team: 'research' },
        propagateTags: true,
        platformCapabilities: ['FARGATE'],
        container: {
          image: 'public.ecr.aws/docker/library/busybox:latest',
          command: ['sleep', '600'],
          resourceRequirements: [
            { value: '0.25', type: 'VCPU' },
            { value: '512', type: 'MEMORY' },
          ],
          networkConfiguration: { assignPublicIp: 'ENABLED' },
          fargatePlatformConfiguration: { platformVersion: 'LATEST' },
          exitCode: 0,
          taskArn: expect.stringMatching(
            new RegExp(`^arn:aws:ecs:${REGION}:${ACCOUNT}:task/OnDemand_Batch_fargate-ce/[0-9a-f]{32}$`),
          ),
          logStreamName: expect.stringMatching(/^fg\/default\/[0-9a-f]{32}$/),
        },
      });
      expect(detail.startedAt).toBeGreaterThanOrEqual(detail.createdAt as number);
      expect(detail.stoppedAt).toBeGreaterThanOrEqual(detail.startedAt as number);
      expect(detail.attempts).toEqual([
        {
          container: {
            taskArn: detail.container?.taskArn,
            exitCode: 0,
            logStreamName: detail.container?.logStreamName,
            networkInterfaces: [{ attachmentId: expect.any(String), privateIpv4Address: expect.any(String) }],
          },
          startedAt: detail.startedAt,
          stoppedAt: detail.stoppedAt,
          statusReason: CONTAINER_EXITED_REASON,
        },
      ]);
      expect(detail.container?.vcpus).toBeUndefined();
      expect(detail).not.toHaveProperty('isTerminated');
    });
  });

  describe('how long a job runs and how it ends', () => {
    it('takes the run time from the overrides, else the job definition, else the default', async () => {
      simulator = fastSimulator({ defaultRunSeconds: 42 }).simulator;
      const batch = world();
      batch.register('timed', {
        platformCapabilities: ['FARGATE'],
        containerProperties: fargateContainer({ environment: [{ name: 'LOCAL_CLOUD_JOB_SECONDS', value: '7.5' }] }),
      });
      const submit = (jobDefinition: string, environment?: { name: string; value: string }[]) =>
        simulator.submitJob(
          { jobName: 'j', jobQueue: 'fargate', jobDefinition, containerOverrides: environment ? { environment } : {} },
          batch.caller(),
        );
      await submit('timed', [{ name: 'LOCAL_CLOUD_JOB_SECONDS', value: '0.25' }]);
      await submit('timed');
      await submit('fg');
      expect(simulator.snapshot().map((job) => job.runSeconds)).toEqual([0.25, 7.5, 42]);
    });

    it('keeps the job definition environment and adds or replaces variables from the overrides', async () => {
      simulator = fastSimulator().simulator;
      const batch = world();
      batch.register('env', {
        platformCapabilities: ['FARGATE'],
        containerProperties: fargateContainer({
          environment: [
            { name: 'A', value: '1' },
            { name: 'B', value: '2' },
          ],
        }),
      });
      const { jobId } = await simulator.submitJob(
        {
          jobName: 'j',
          jobQueue: 'fargate',
          jobDefinition: 'env',
          containerOverrides: {
            environment: [
              { name: 'B', value: 'x' },
              { name: 'C', value: '3' },
            ],
            command: ['run'],
          },
        },
        batch.caller(),
      );
      expect(describe1(batch, jobId as string).container).toMatchObject({
        environment: [
          { name: 'A', value: '1' },
          { name: 'B', value: 'x' },
          { name: 'C', value: '3' },
        ],
        command: ['run'],
      });
    });

    it('fails the job when LOCAL_CLOUD_JOB_EXIT_CODE is not 0, and retries it as the retry strategy says', async () => {
      simulator = fastSimulator().simulator;
      const batch = world();
      const { jobId } = await simulator.submitJob(
        {
          jobName: 'flaky',
          jobQueue: 'fargate',
          jobDefinition: 'fg',
          retryStrategy: { attempts: 2 },
          containerOverrides: { environment: [{ name: 'LOCAL_CLOUD_JOB_EXIT_CODE', value: '3' }] },
        },
        batch.caller(),
      );
      await waitUntil(() => statusOf(jobId as string) === 'FAILED', 'the job failed');
      const detail = describe1(batch, jobId as string);
      expect(detail.attempts?.map((attempt) => attempt.container?.exitCode)).toEqual([3, 3]);
      expect(detail).toMatchObject({ statusReason: CONTAINER_EXITED_REASON, container: { exitCode: 3 } });
      expect(simulator.snapshot()[0]?.statusHistory.map((entry) => entry.status)).toEqual([
        'SUBMITTED',
        'RUNNABLE',
        'STARTING',
        'RUNNING',
        'RUNNABLE',
        'STARTING',
        'RUNNING',
        'FAILED',
      ]);
    });

    it('does not retry when an evaluateOnExit condition says EXIT', async () => {
      simulator = fastSimulator().simulator;
      const batch = world();
      const { jobId } = await simulator.submitJob(
        {
          jobName: 'j',
          jobQueue: 'fargate',
          jobDefinition: 'fg',
          retryStrategy: { attempts: 3, evaluateOnExit: [{ onExitCode: '4*', action: 'exit' }] },
          containerOverrides: { environment: [{ name: 'LOCAL_CLOUD_JOB_EXIT_CODE', value: '42' }] },
        },
        batch.caller(),
      );
      await waitUntil(() => statusOf(jobId as string) === 'FAILED', 'the job failed');
      expect(describe1(batch, jobId as string).attempts).toHaveLength(1);
    });

    it('stops a job that runs past its timeout', async () => {
      simulator = fastSimulator().simulator;
      const batch = world();
      batch.register('slow', {
        platformCapabilities: ['FARGATE'],
        timeout: { attemptDurationSeconds: 0.02 },
        containerProperties: fargateContainer({ environment: [{ name: 'LOCAL_CLOUD_JOB_SECONDS', value: '3600' }] }),
      });
      const { jobId } = await simulator.submitJob(
        { jobName: 'j', jobQueue: 'fargate', jobDefinition: 'slow' },
        batch.caller(),
      );
      await waitUntil(() => statusOf(jobId as string) === 'FAILED', 'the job timed out');
      expect(describe1(batch, jobId as string)).toMatchObject({
        statusReason: TIMEOUT_REASON,
        container: { exitCode: STOPPED_CONTAINER_EXIT_CODE },
        timeout: { attemptDurationSeconds: 0.02 },
      });
    });
  });

  describe('SubmitJob', () => {
    it('refuses a missing queue and a DISABLED queue with AWS ClientExceptions', async () => {
      simulator = fastSimulator().simulator;
      const batch = world();
      await expectClientException(
        simulator.submitJob({ jobName: 'j', jobQueue: 'nope', jobDefinition: 'fg' }, batch.caller()),
        'JobQueue nope not found.',
      );
      batch.setQueueState('fargate', 'DISABLED');
      await expectClientException(
        simulator.submitJob({ jobName: 'j', jobQueue: 'fargate', jobDefinition: 'fg' }, batch.caller()),
        /^JobQueue fargate is DISABLED/,
      );
      expect(simulator.snapshot()).toEqual([]);
    });

    it('lets the jobs already in a queue that gets DISABLED finish', async () => {
      simulator = fastSimulator({ defaultRunSeconds: 0.05 }).simulator;
      const batch = world();
      const { jobId } = await simulator.submitJob(
        { jobName: 'j', jobQueue: 'fargate', jobDefinition: 'fg' },
        batch.caller(),
      );
      batch.setQueueState('fargate', 'DISABLED');
      await waitUntil(() => statusOf(jobId as string) === 'SUCCEEDED', 'the job succeeded');
    });

    it('accepts the queue by ARN and the job definition by name, name:revision or ARN', async () => {
      simulator = fastSimulator().simulator;
      const batch = world();
      const second = batch.register('fg', {
        platformCapabilities: ['FARGATE'],
        containerProperties: fargateContainer({ image: 'second' }),
      });
      const third = batch.register('fg', {
        platformCapabilities: ['FARGATE'],
        containerProperties: fargateContainer({ image: 'third' }),
      });
      batch.deregister(third);
      const queue = String(batch.queues.get('fargate')?.jobQueueArn);
      for (const jobDefinition of ['fg', 'fg:1', second]) {
        await simulator.submitJob({ jobName: 'j', jobQueue: queue, jobDefinition }, batch.caller());
      }
      expect(simulator.snapshot().map((job) => job.jobDefinitionArn.split('/')[1])).toEqual(['fg:2', 'fg:1', 'fg:2']);
      expect(simulator.snapshot().every((job) => job.jobQueueName === 'fargate')).toBe(true);
    });

    it('refuses a job definition that does not exist or is not ACTIVE', async () => {
      simulator = fastSimulator().simulator;
      const batch = world();
      await expectClientException(
        simulator.submitJob({ jobName: 'j', jobQueue: 'fargate', jobDefinition: 'missing' }, batch.caller()),
        'JobDefinition name missing does not exist or is not in ACTIVE status',
      );
      batch.deregister(batch.definitions[0]?.jobDefinitionArn as string);
      await expectClientException(
        simulator.submitJob({ jobName: 'j', jobQueue: 'fargate', jobDefinition: 'fg:1' }, batch.caller()),
        'does not exist or is not in ACTIVE status',
      );
    });

    it('reads vCPU and memory from resourceRequirements or the legacy fields, overridden by containerOverrides', async () => {
      simulator = fastSimulator().simulator;
      const batch = world();
      batch.register('arm', {
        platformCapabilities: ['FARGATE'],
        containerProperties: fargateContainer({ runtimePlatform: { cpuArchitecture: 'ARM64' } }),
      });
      await simulator.submitJob({ jobName: 'legacy', jobQueue: 'ec2', jobDefinition: 'ec2-job' }, batch.caller());
      await simulator.submitJob(
        {
          jobName: 'bigger',
          jobQueue: 'fargate',
          jobDefinition: 'arm',
          containerOverrides: { resourceRequirements: [{ type: 'MEMORY', value: '4096' }] },
        },
        batch.caller(),
      );
      const [legacy, bigger] = simulator.snapshot();
      expect(legacy).toMatchObject({
        platform: 'EC2',
        architecture: 'X86_64',
        resources: { vcpus: 2, memoryMiB: 2048, gpus: 0 },
        computeEnvironmentType: 'EC2',
      });
      expect(bigger).toMatchObject({
        platform: 'FARGATE',
        architecture: 'ARM64',
        resources: { vcpus: 0.25, memoryMiB: 4096, gpus: 0 },
      });
      const detail = describe1(batch, legacy?.jobId as string);
      expect(detail.container).toMatchObject({ vcpus: 2, memory: 2048 });
      expect(detail.platformCapabilities).toEqual(['EC2']);
    });

    it('substitutes Ref:: parameters in the command, and refuses a reference without a value', async () => {
      simulator = fastSimulator().simulator;
      const batch = world();
      batch.register('params', {
        platformCapabilities: ['FARGATE'],
        parameters: { input: 'default-input' },
        containerProperties: fargateContainer({ command: ['align', 'Ref::input', 'Ref::output'] }),
      });
      const { jobId } = await simulator.submitJob(
        { jobName: 'j', jobQueue: 'fargate', jobDefinition: 'params', parameters: { output: 's3://out' } },
        batch.caller(),
      );
      expect(describe1(batch, jobId as string)).toMatchObject({
        parameters: { input: 'default-input', output: 's3://out' },
        container: { command: ['align', 'default-input', 's3://out'] },
      });
      await expectClientException(
        simulator.submitJob({ jobName: 'j', jobQueue: 'fargate', jobDefinition: 'params' }, batch.caller()),
        'Unable to substitute value. No parameter found for reference output',
      );
    });

    it('refuses a job whose platform the queue cannot run', async () => {
      simulator = fastSimulator().simulator;
      const batch = world();
      await expectClientException(
        simulator.submitJob({ jobName: 'j', jobQueue: 'fargate', jobDefinition: 'ec2-job' }, batch.caller()),
        'Job Queue is attached to Compute Environment that can not run Jobs with capability EC2.',
      );
    });

    it('refuses what it does not simulate: array jobs and multi-node parallel jobs', async () => {
      simulator = fastSimulator().simulator;
      const batch = world();
      batch.register('mnp', {
        type: 'multinode',
        nodeProperties: { numNodes: 2, mainNode: 0, nodeRangeProperties: [] },
      });
      await expectClientException(
        simulator.submitJob(
          { jobName: 'j', jobQueue: 'fargate', jobDefinition: 'fg', arrayProperties: { size: 10 } },
          batch.caller(),
        ),
        /local AWS Batch simulator .* does not support array jobs/,
      );
      await expectClientException(
        simulator.submitJob({ jobName: 'j', jobQueue: 'ec2', jobDefinition: 'mnp' }, batch.caller()),
        /does not support multi-node parallel/,
      );
    });

    it('refuses a job name out of pattern, and a share identifier on a queue without fair share scheduling', async () => {
      simulator = fastSimulator().simulator;
      const batch = world();
      await expectClientException(
        simulator.submitJob({ jobName: '-bad name', jobQueue: 'fargate', jobDefinition: 'fg' }, batch.caller()),
        'Job name should match valid pattern',
      );
      await expectClientException(
        simulator.submitJob(
          { jobName: 'j', jobQueue: 'fargate', jobDefinition: 'fg', shareIdentifier: 'a' },
          batch.caller(),
        ),
        'can onlybe submitted to job queue with fair share scheduling policy',
      );
    });
  });

  describe('TerminateJob and CancelJob', () => {
    it('terminates a RUNNING job: FAILED with the reason, the attempt stopped with exit code 137', async () => {
      const fast = fastSimulator({ defaultRunSeconds: 3600 });
      simulator = fast.simulator;
      const batch = world();
      const { jobId } = await simulator.submitJob(
        { jobName: 'j', jobQueue: 'fargate', jobDefinition: 'fg' },
        batch.caller(),
      );
      await waitUntil(() => statusOf(jobId as string) === 'RUNNING', 'the job runs');
      expect(simulator.terminateJob({ jobId, reason: 'Budget exceeded' }, batch.caller())).toEqual({});
      const detail = describe1(batch, jobId as string);
      expect(detail).toMatchObject({
        status: 'FAILED',
        statusReason: 'Budget exceeded',
        isTerminated: true,
        container: { exitCode: STOPPED_CONTAINER_EXIT_CODE },
      });
      expect(detail.stoppedAt).toBeGreaterThanOrEqual(detail.startedAt as number);
      expect(detail.attempts).toHaveLength(1);
      expect(detail.attempts?.[0]).toMatchObject({
        startedAt: detail.startedAt,
        stoppedAt: detail.stoppedAt,
        container: { exitCode: STOPPED_CONTAINER_EXIT_CODE },
      });
      expect(fast.events.at(-1)?.detail).toMatchObject({ status: 'FAILED', statusReason: 'Budget exceeded' });
    });

    it('cancels a job that has not started, and leaves finished and unknown jobs alone', async () => {
      simulator = fastSimulator({ stepDelayMs: 60_000 }).simulator;
      const batch = world();
      const { jobId } = await simulator.submitJob(
        { jobName: 'j', jobQueue: 'fargate', jobDefinition: 'fg' },
        batch.caller(),
      );
      simulator.terminateJob({ jobId, reason: 'not needed' }, batch.caller());
      const detail = describe1(batch, jobId as string);
      expect(detail).toMatchObject({ status: 'FAILED', statusReason: 'not needed', attempts: [] });
      expect(detail.stoppedAt).toBeUndefined();
      simulator.terminateJob({ jobId, reason: 'again' }, batch.caller());
      expect(describe1(batch, jobId as string).statusReason).toBe('not needed');
      expect(simulator.terminateJob({ jobId: 'no-such-job', reason: 'x' }, batch.caller())).toEqual({});
      expect(simulator.cancelJob({ jobId: 'no-such-job', reason: 'x' }, batch.caller())).toEqual({});
    });

    it('CancelJob leaves a RUNNING job running but cancels a RUNNABLE one', async () => {
      simulator = fastSimulator({ defaultRunSeconds: 3600 }).simulator;
      const batch = world();
      const running = await simulator.submitJob(
        { jobName: 'r', jobQueue: 'fargate', jobDefinition: 'fg' },
        batch.caller(),
      );
      await waitUntil(() => statusOf(running.jobId as string) === 'RUNNING', 'the job runs');
      simulator.cancelJob({ jobId: running.jobId, reason: 'stop' }, batch.caller());
      expect(statusOf(running.jobId as string)).toBe('RUNNING');

      simulator.configure({ stepDelayMs: 60_000 });
      const waiting = await simulator.submitJob(
        { jobName: 'w', jobQueue: 'fargate', jobDefinition: 'fg' },
        batch.caller(),
      );
      simulator.cancelJob({ jobId: waiting.jobId, reason: 'stop' }, batch.caller());
      expect(describe1(batch, waiting.jobId as string)).toMatchObject({
        status: 'FAILED',
        statusReason: 'stop',
        isCancelled: true,
      });
    });

    it('requires a job id and a reason', async () => {
      simulator = fastSimulator().simulator;
      const batch = world();
      await expectClientException(
        () => simulator.terminateJob({ jobId: 'x' }, batch.caller()),
        'reason must be provided',
      );
      await expectClientException(() => simulator.cancelJob({ reason: 'x' }, batch.caller()), 'jobId must be provided');
    });
  });

  describe('dependencies', () => {
    it('keeps a job PENDING until the job it depends on SUCCEEDED', async () => {
      simulator = fastSimulator({ defaultRunSeconds: 0.05 }).simulator;
      const batch = world();
      const first = await simulator.submitJob(
        { jobName: 'a', jobQueue: 'fargate', jobDefinition: 'fg' },
        batch.caller(),
      );
      const second = await simulator.submitJob(
        { jobName: 'b', jobQueue: 'fargate', jobDefinition: 'fg', dependsOn: [{ jobId: first.jobId }] },
        batch.caller(),
      );
      await waitUntil(() => statusOf(second.jobId as string) === 'SUCCEEDED', 'the dependent job succeeded');
      const [a, b] = simulator.snapshot();
      expect(b?.statusHistory.map((entry) => entry.status)).toEqual([
        'SUBMITTED',
        'PENDING',
        'RUNNABLE',
        'STARTING',
        'RUNNING',
        'SUCCEEDED',
      ]);
      expect(b?.statusHistory[2]?.at).toBeGreaterThanOrEqual(a?.stoppedAt as number);
      expect(describe1(batch, second.jobId as string).dependsOn).toEqual([{ jobId: first.jobId }]);
    });

    it('fails the dependent job when the job it depends on fails', async () => {
      simulator = fastSimulator({ defaultRunSeconds: 3600 }).simulator;
      const batch = world();
      const first = await simulator.submitJob(
        { jobName: 'a', jobQueue: 'fargate', jobDefinition: 'fg' },
        batch.caller(),
      );
      const second = await simulator.submitJob(
        { jobName: 'b', jobQueue: 'fargate', jobDefinition: 'fg', dependsOn: [{ jobId: first.jobId }] },
        batch.caller(),
      );
      await waitUntil(() => statusOf(second.jobId as string) === 'PENDING', 'the dependent job waits');
      simulator.terminateJob({ jobId: first.jobId, reason: 'stop' }, batch.caller());
      await waitUntil(() => statusOf(second.jobId as string) === 'FAILED', 'the dependent job failed');
      expect(describe1(batch, second.jobId as string).statusReason).toBe('Dependent Job failed');
    });
  });

  describe('accounts, regions and scale', () => {
    it('shows a job only to its own account and region', async () => {
      simulator = fastSimulator({ stepDelayMs: 60_000 }).simulator;
      const batch = world();
      const other = new FakeBatchWorld(OTHER_ACCOUNT);
      const elsewhere = new FakeBatchWorld(ACCOUNT, 'us-east-1');
      const { jobId } = await simulator.submitJob(
        { jobName: 'j', jobQueue: 'fargate', jobDefinition: 'fg' },
        batch.caller(),
      );
      expect(simulator.describeJobs({ jobs: [jobId] }, other.caller()).jobs).toEqual([]);
      expect(simulator.describeJobs({ jobs: [jobId] }, elsewhere.caller()).jobs).toEqual([]);
      simulator.terminateJob({ jobId, reason: 'not yours' }, other.caller());
      expect(statusOf(jobId as string)).toBe('SUBMITTED');
      expect(
        simulator.listJobs({ jobQueue: 'fargate', jobStatus: 'SUBMITTED' }, batch.caller()).jobSummaryList,
      ).toHaveLength(1);
      expect(
        simulator.listJobs({ jobQueue: 'fargate', jobStatus: 'SUBMITTED' }, other.caller()).jobSummaryList,
      ).toEqual([]);
    });

    it('runs 300 jobs across queues at once', async () => {
      simulator = fastSimulator({ defaultRunSeconds: 0.05 }).simulator;
      const batch = world();
      batch.addQueue('fargate-2', batch.addEnvironment('fargate-ce-2', 'FARGATE'));
      await Promise.all(
        Array.from({ length: 300 }, (_, i) =>
          simulator.submitJob(
            { jobName: `job-${i}`, jobQueue: i % 2 === 0 ? 'fargate' : 'fargate-2', jobDefinition: 'fg' },
            batch.caller(),
          ),
        ),
      );
      await waitUntil(
        () => simulator.snapshot().every((job) => job.status === 'SUCCEEDED'),
        'all 300 jobs succeeded',
        30_000,
      );
      expect(new Set(simulator.snapshot().map((job) => job.jobQueueName))).toEqual(new Set(['fargate', 'fargate-2']));
    });

    it('stops moving jobs once stopped, and forgets them on reset', async () => {
      simulator = fastSimulator({ stepDelayMs: 30 }).simulator;
      const batch = world();
      const { jobId } = await simulator.submitJob(
        { jobName: 'j', jobQueue: 'fargate', jobDefinition: 'fg' },
        batch.caller(),
      );
      simulator.stop();
      await new Promise((resolveWait) => setTimeout(resolveWait, 100));
      expect(statusOf(jobId as string)).toBe('SUBMITTED');
      simulator.reset();
      expect(simulator.snapshot()).toEqual([]);
    });

    it('checks its settings', () => {
      simulator = fastSimulator().simulator;
      expect(simulator.configure({ defaultRunSeconds: 12 })).toEqual({ defaultRunSeconds: 12, stepDelayMs: 1 });
      expect(() => simulator.configure({ stepDelayMs: -1 })).toThrow(/stepDelayMs must be a number of 0 or more/);
    });
  });
});
