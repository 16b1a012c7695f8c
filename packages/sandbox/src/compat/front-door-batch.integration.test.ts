/**
 * Simulated AWS Batch jobs through the front door in front of a real moto, with the real
 * @aws-sdk/client-batch: queues, compute environments and job definitions live in moto; jobs are
 * the front door's. No test here times anything: jobs run for fractions of a second and the tests
 * wait for their states.
 */
import {
  BatchClient,
  ClientException,
  CreateComputeEnvironmentCommand,
  CreateJobQueueCommand,
  DescribeJobsCommand,
  ListJobsCommand,
  paginateListJobs,
  RegisterJobDefinitionCommand,
  SubmitJobCommand,
  TerminateJobCommand,
  UpdateJobQueueCommand,
  type JobStatus,
} from '@aws-sdk/client-batch';
import { CreateRoleCommand, IAMClient } from '@aws-sdk/client-iam';
import { parseBatchJobEvent } from '@org-budgets/guardian';
import { startFrontDoor, startMotoServer, type FrontDoor, type MotoServer } from '@org-budgets/aws-emulator';
import { stopAll } from '@org-budgets/aws-emulator/testing';

const region = 'eu-west-1';
const ACCOUNT = '123456789012';
const credentials = { accessKeyId: 'test', secretAccessKey: 'test' };

/** One EC2 query call straight to moto (no EC2 client in the workspace): the default VPC's first match of `pattern`. */
async function firstOfDefaultVpc(motoEndpoint: string, action: string, pattern: RegExp): Promise<string> {
  const response = await fetch(`${motoEndpoint}/`, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      authorization: `AWS4-HMAC-SHA256 Credential=test/20260101/${region}/ec2/aws4_request, SignedHeaders=host, Signature=0`,
    },
    body: `Action=${action}&Version=2016-11-15`,
  });
  const match = pattern.exec(await response.text());
  if (!match?.[1]) throw new Error(`moto's ${action} named no default resource`);
  return match[1];
}

describe('Batch jobs through the front door (simulated) in front of moto', () => {
  let moto: MotoServer;
  let door: FrontDoor;
  let batch: BatchClient;
  let iam: IAMClient;

  beforeAll(async () => {
    moto = await startMotoServer();
    door = await startFrontDoor({
      upstream: moto.endpoint,
      env: {},
      batchSimulation: { stepDelayMs: 10, defaultRunSeconds: 0.2 },
    });
    const config = { endpoint: door.endpoint, region, credentials, maxAttempts: 1 };
    batch = new BatchClient(config);
    iam = new IAMClient(config);

    // No POST /moto-api/config {"batch":{"use_docker":false}}: jobs never reach moto, and moto
    // creates compute environments, queues and job definitions without Docker.
    const { Role } = await iam.send(
      new CreateRoleCommand({ RoleName: 'batch-service', AssumeRolePolicyDocument: '{"Version":"2012-10-17"}' }),
    );
    const subnet = await firstOfDefaultVpc(moto.endpoint, 'DescribeSubnets', /<subnetId>([^<]+)<\/subnetId>/);
    const securityGroup = await firstOfDefaultVpc(
      moto.endpoint,
      'DescribeSecurityGroups',
      /<groupId>([^<]+)<\/groupId>/,
    );
    for (const [name, type] of [
      ['research', 'FARGATE'],
      ['research-spot', 'FARGATE_SPOT'],
    ] as const) {
      const environment = await batch.send(
        new CreateComputeEnvironmentCommand({
          computeEnvironmentName: `${name}-ce`,
          type: 'MANAGED',
          serviceRole: Role?.Arn,
          computeResources: { type, maxvCpus: 64, subnets: [subnet], securityGroupIds: [securityGroup] },
        }),
      );
      await batch.send(
        new CreateJobQueueCommand({
          jobQueueName: name,
          state: 'ENABLED',
          priority: 1,
          computeEnvironmentOrder: [{ order: 1, computeEnvironment: environment.computeEnvironmentArn }],
        }),
      );
    }
    await batch.send(
      new RegisterJobDefinitionCommand({
        jobDefinitionName: 'align',
        type: 'container',
        platformCapabilities: ['FARGATE'],
        containerProperties: {
          image: 'public.ecr.aws/docker/library/busybox:latest',
          command: ['sleep', '1'],
          executionRoleArn: Role?.Arn,
          environment: [{ name: 'LOCAL_CLOUD_JOB_SECONDS', value: '0.3' }],
          resourceRequirements: [
            { type: 'VCPU', value: '0.5' },
            { type: 'MEMORY', value: '1024' },
          ],
          runtimePlatform: { cpuArchitecture: 'ARM64', operatingSystemFamily: 'LINUX' },
          networkConfiguration: { assignPublicIp: 'ENABLED' },
        },
      }),
    );
  });

  afterAll(() =>
    stopAll(
      () => batch?.destroy(),
      () => iam?.destroy(),
      () => door?.stop(),
      () => moto?.stop(),
    ),
  );

  beforeEach(async () => {
    door.setBatchSimulation({ stepDelayMs: 10, defaultRunSeconds: 0.2 });
    await door.eventsSettled();
    door.clearEvents();
  });

  const statusOf = async (jobId: string): Promise<JobStatus | undefined> =>
    (await batch.send(new DescribeJobsCommand({ jobs: [jobId] }))).jobs?.[0]?.status;

  /** Asks DescribeJobs until the job is in `status`. */
  async function waitForStatus(jobId: string, status: JobStatus): Promise<void> {
    const deadline = Date.now() + 60_000;
    let seen = await statusOf(jobId);
    while (seen !== status) {
      if (Date.now() > deadline) throw new Error(`job ${jobId} never reached ${status} (last seen ${String(seen)})`);
      await new Promise((resolveWait) => setTimeout(resolveWait, 20));
      seen = await statusOf(jobId);
    }
  }

  const submit = async (jobName: string, jobQueue = 'research', seconds?: string): Promise<string> => {
    const { jobId } = await batch.send(
      new SubmitJobCommand({
        jobName,
        jobQueue,
        jobDefinition: 'align',
        ...(seconds === undefined
          ? {}
          : { containerOverrides: { environment: [{ name: 'LOCAL_CLOUD_JOB_SECONDS', value: seconds }] } }),
      }),
    );
    if (!jobId) throw new Error('SubmitJob answered no jobId');
    return jobId;
  };

  it('runs a submitted job: RUNNING, then SUCCEEDED, with an event for each change that the guardian reads', async () => {
    const jobId = await submit('align-run-17');
    await waitForStatus(jobId, 'RUNNING');
    await waitForStatus(jobId, 'SUCCEEDED');

    const { jobs = [] } = await batch.send(new DescribeJobsCommand({ jobs: [jobId] }));
    expect(jobs[0]).toMatchObject({
      jobId,
      jobName: 'align-run-17',
      jobArn: `arn:aws:batch:${region}:${ACCOUNT}:job/${jobId}`,
      jobQueue: `arn:aws:batch:${region}:${ACCOUNT}:job-queue/research`,
      jobDefinition: `arn:aws:batch:${region}:${ACCOUNT}:job-definition/align:1`,
      status: 'SUCCEEDED',
      statusReason: 'Essential container in task exited',
      platformCapabilities: ['FARGATE'],
      container: {
        exitCode: 0,
        runtimePlatform: { cpuArchitecture: 'ARM64', operatingSystemFamily: 'LINUX' },
        resourceRequirements: [
          { type: 'VCPU', value: '0.5' },
          { type: 'MEMORY', value: '1024' },
        ],
      },
    });
    expect(jobs[0]?.attempts).toHaveLength(1);

    await door.eventsSettled();
    const events = door.events().filter((event) => event.resources[0] === jobs[0]?.jobArn);
    const observations = events.map((event) => parseBatchJobEvent(event));
    expect(observations.map((observation) => observation.status)).toEqual([
      'RUNNABLE',
      'STARTING',
      'RUNNING',
      'SUCCEEDED',
    ]);
    expect(observations[3]).toMatchObject({
      accountId: ACCOUNT,
      region,
      jobQueueName: 'research',
      platform: 'FARGATE',
      architecture: 'ARM64',
      resources: { vcpus: 0.5, memoryMiB: 1024, gpus: 0 },
    });

    const [simulated] = door.batchJobs().filter((job) => job.jobId === jobId);
    expect(simulated).toMatchObject({
      accountId: ACCOUNT,
      region,
      jobQueueName: 'research',
      status: 'SUCCEEDED',
      runSeconds: 0.3,
      computeEnvironmentType: 'FARGATE',
    });
    const operations = door.calls().map((call) => `${call.service}:${call.operation}`);
    expect(operations).toContain('batch:SubmitJob');
    expect(operations).toContain('batch:DescribeJobs');
  });

  it('refuses SubmitJob on a DISABLED queue, lets the jobs already in it finish, and refuses a missing queue', async () => {
    const before = await submit('before-disable', 'research-spot');
    await batch.send(new UpdateJobQueueCommand({ jobQueue: 'research-spot', state: 'DISABLED' }));
    try {
      const refused = submit('after-disable', 'research-spot');
      await expect(refused).rejects.toBeInstanceOf(ClientException);
      await expect(refused).rejects.toMatchObject({
        message: 'JobQueue research-spot is DISABLED and does not accept new jobs.',
        $metadata: { httpStatusCode: 400 },
      });
      await waitForStatus(before, 'SUCCEEDED');
      expect(door.batchJobs().find((job) => job.jobId === before)?.computeEnvironmentType).toBe('FARGATE_SPOT');
    } finally {
      await batch.send(new UpdateJobQueueCommand({ jobQueue: 'research-spot', state: 'ENABLED' }));
    }
    await expect(submit('nowhere', 'no-such-queue')).rejects.toMatchObject({
      name: 'ClientException',
      message: 'JobQueue no-such-queue not found.',
    });
  });

  it('terminates a RUNNING job: FAILED with the reason; an unknown job id is no error', async () => {
    const jobId = await submit('long-one', 'research', '3600');
    await waitForStatus(jobId, 'RUNNING');
    await batch.send(new TerminateJobCommand({ jobId, reason: 'Budget exceeded: org-budgets guardian' }));
    const { jobs = [] } = await batch.send(new DescribeJobsCommand({ jobs: [jobId, 'no-such-job'] }));
    expect(jobs).toHaveLength(1);
    expect(jobs[0]).toMatchObject({
      status: 'FAILED',
      statusReason: 'Budget exceeded: org-budgets guardian',
      isTerminated: true,
    });
    expect(jobs[0]?.stoppedAt).toBeGreaterThanOrEqual(jobs[0]?.startedAt ?? Infinity);
    await expect(batch.send(new TerminateJobCommand({ jobId: 'no-such-job', reason: 'x' }))).resolves.toBeDefined();

    await door.eventsSettled();
    const last = door
      .events()
      .filter((event) => event.resources[0] === jobs[0]?.jobArn)
      .at(-1);
    expect(parseBatchJobEvent(last)).toMatchObject({
      status: 'FAILED',
      statusReason: 'Budget exceeded: org-budgets guardian',
    });
  });

  it('lists 250 waiting jobs in pages of 100, 100 and 50, each exactly once', async () => {
    door.setBatchSimulation({ stepDelayMs: 600_000 });
    const submitted = new Set<string>();
    for (let start = 0; start < 250; start += 25) {
      const ids = await Promise.all(Array.from({ length: 25 }, (_, i) => submit(`waiting-${start + i}`)));
      for (const id of ids) submitted.add(id);
    }
    const pageSizes: number[] = [];
    const listed: string[] = [];
    for await (const page of paginateListJobs(
      { client: batch, pageSize: 100 },
      { jobQueue: 'research', jobStatus: 'SUBMITTED' },
    )) {
      pageSizes.push(page.jobSummaryList?.length ?? 0);
      listed.push(...(page.jobSummaryList ?? []).map((summary) => summary.jobId as string));
    }
    expect(pageSizes).toEqual([100, 100, 50]);
    expect(new Set(listed)).toEqual(submitted);
    expect(listed).toHaveLength(250);

    const first = await batch.send(
      new ListJobsCommand({ jobQueue: 'research', jobStatus: 'SUBMITTED', maxResults: 1 }),
    );
    expect(first.jobSummaryList?.[0]).toMatchObject({
      jobArn: expect.stringMatching(/^arn:aws:batch:eu-west-1:123456789012:job\//),
      jobName: expect.stringMatching(/^waiting-\d+$/),
      status: 'SUBMITTED',
      createdAt: expect.any(Number),
      jobDefinition: `arn:aws:batch:${region}:${ACCOUNT}:job-definition/align:1`,
    });
    const described = await batch.send(new DescribeJobsCommand({ jobs: listed.slice(0, 100) }));
    expect(described.jobs).toHaveLength(100);
    await expect(batch.send(new DescribeJobsCommand({ jobs: listed.slice(0, 101) }))).rejects.toBeInstanceOf(
      ClientException,
    );
    for (const jobId of submitted) await batch.send(new TerminateJobCommand({ jobId, reason: 'clean up' }));
  });

  it('runs 300 jobs across two queues at once to the end', async () => {
    const ids = await Promise.all(
      Array.from({ length: 300 }, (_, i) => submit(`many-${i}`, i % 2 === 0 ? 'research' : 'research-spot', '0.2')),
    );
    const wanted = new Set(ids);
    const deadline = Date.now() + 90_000;
    const done = () => door.batchJobs().filter((job) => wanted.has(job.jobId) && job.status === 'SUCCEEDED').length;
    while (done() < 300) {
      if (Date.now() > deadline) throw new Error(`only ${done()} of 300 jobs succeeded`);
      await new Promise((resolveWait) => setTimeout(resolveWait, 50));
    }
    const listed = await batch.send(new ListJobsCommand({ jobQueue: 'research-spot', jobStatus: 'SUCCEEDED' }));
    expect(listed.jobSummaryList?.filter((summary) => wanted.has(summary.jobId as string))).toHaveLength(150);
  });

  it('offers the simulation on the control API', async () => {
    const simulation = await fetch(`${door.endpoint}/_front-door/batch/simulation`, {
      method: 'POST',
      body: JSON.stringify({ defaultRunSeconds: 1.5 }),
    });
    expect(await simulation.json()).toEqual({ simulation: { defaultRunSeconds: 1.5, stepDelayMs: 10 } });
    const jobs = (await (await fetch(`${door.endpoint}/_front-door/batch/jobs`)).json()) as { jobs: unknown[] };
    expect(jobs.jobs.length).toBe(door.batchJobs().length);
    const refused = await fetch(`${door.endpoint}/_front-door/batch/simulation`, {
      method: 'POST',
      body: JSON.stringify({ stepDelayMs: -1 }),
    });
    expect(refused.status).toBe(400);
  });
});
