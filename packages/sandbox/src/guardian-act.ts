import {
  BatchClient,
  CreateComputeEnvironmentCommand,
  CreateJobQueueCommand,
  DescribeJobQueuesCommand,
  DescribeJobsCommand,
  RegisterJobDefinitionCommand,
  SubmitJobCommand,
  type JobDetail,
} from '@aws-sdk/client-batch';
import { DynamoDBClient, ListTablesCommand, paginateScan } from '@aws-sdk/client-dynamodb';
import { CreateSecurityGroupCommand, CreateSubnetCommand, CreateVpcCommand, EC2Client } from '@aws-sdk/client-ec2';
import { CreateRoleCommand, IAMClient } from '@aws-sdk/client-iam';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import type { StoredEmail } from '@org-budgets/local-lambda';
import { forEachLimited, type BudgetItemInput, type LocalCloud } from './local-cloud';
import { itemKeyString } from './sync-watcher';

/**
 * The cost guardian on the local cloud: a lab's AWS Batch in one member account (two research
 * queues the guardian guards, one production queue it does not), jobs that really run in the
 * front door's Batch simulator, and the act `pnpm demo` plays and test/e2e checks.
 */

export const GUARDED_QUEUES = ['research-a', 'research-b'] as const;
/** Production work: not tagged, so the guardian never stops it (but its spend counts). */
export const UNGUARDED_QUEUE = 'ops';
export const JOB_DEFINITION = 'simulate-16vcpu';
export const GUARD_TAG = { 'org-budgets:guard': 'true' };
/** The largest Fargate task: 16 vCPU, 120 GiB (x86 in us-east-1: about $1.18 an hour, $0.0197 for its first minute). */
export const JOB_VCPUS = 16;
export const JOB_MEMORY_MIB = 120 * 1024;

type Cloud = Pick<LocalCloud, 'endpoint' | 'region' | 'accountCredentials' | 'runtime' | 'settled'>;

function clientConfig(cloud: Cloud, accountId: string) {
  return {
    region: cloud.region,
    endpoint: cloud.endpoint,
    credentials: () => cloud.accountCredentials.forAccount(accountId),
  };
}

/** A lab's AWS Batch: a Fargate compute environment, the three queues and a 16 vCPU job definition. */
export async function setUpLabBatch(cloud: Cloud, accountId: string): Promise<void> {
  const iam = new IAMClient(clientConfig(cloud, accountId));
  const batch = new BatchClient(clientConfig(cloud, accountId));
  const ec2 = new EC2Client(clientConfig(cloud, accountId));
  try {
    // moto's Batch checks that the compute environment's subnets and security groups exist.
    const { Vpc } = await ec2.send(new CreateVpcCommand({ CidrBlock: '10.20.0.0/16' }));
    const { Subnet } = await ec2.send(new CreateSubnetCommand({ VpcId: Vpc?.VpcId, CidrBlock: '10.20.1.0/24' }));
    const { GroupId } = await ec2.send(
      new CreateSecurityGroupCommand({ GroupName: 'lab-batch', Description: 'lab Batch jobs', VpcId: Vpc?.VpcId }),
    );
    const { Role } = await iam.send(
      new CreateRoleCommand({
        RoleName: 'AWSBatchServiceRole',
        AssumeRolePolicyDocument: JSON.stringify({
          Version: '2012-10-17',
          Statement: [{ Effect: 'Allow', Principal: { Service: 'batch.amazonaws.com' }, Action: 'sts:AssumeRole' }],
        }),
      }),
    );
    const { computeEnvironmentArn } = await batch.send(
      new CreateComputeEnvironmentCommand({
        computeEnvironmentName: 'lab-fargate',
        type: 'MANAGED',
        state: 'ENABLED',
        serviceRole: Role?.Arn,
        computeResources: {
          type: 'FARGATE',
          maxvCpus: 10_000,
          subnets: [Subnet?.SubnetId ?? ''],
          securityGroupIds: [GroupId ?? ''],
        },
      }),
    );
    for (const [name, tags] of [
      [GUARDED_QUEUES[0], GUARD_TAG],
      [GUARDED_QUEUES[1], GUARD_TAG],
      [UNGUARDED_QUEUE, { team: 'ops' }],
    ] as const) {
      await batch.send(
        new CreateJobQueueCommand({
          jobQueueName: name,
          state: 'ENABLED',
          priority: 1,
          computeEnvironmentOrder: [{ order: 1, computeEnvironment: computeEnvironmentArn }],
          tags,
        }),
      );
    }
    await batch.send(
      new RegisterJobDefinitionCommand({
        jobDefinitionName: JOB_DEFINITION,
        type: 'container',
        platformCapabilities: ['FARGATE'],
        containerProperties: {
          image: 'public.ecr.aws/docker/library/busybox:latest',
          command: ['sleep', '3600'],
          executionRoleArn: Role?.Arn,
          resourceRequirements: [
            { type: 'VCPU', value: String(JOB_VCPUS) },
            { type: 'MEMORY', value: String(JOB_MEMORY_MIB) },
          ],
          networkConfiguration: { assignPublicIp: 'DISABLED' },
          fargatePlatformConfiguration: { platformVersion: 'LATEST' },
          runtimePlatform: { operatingSystemFamily: 'LINUX', cpuArchitecture: 'X86_64' },
        },
      }),
    );
  } finally {
    iam.destroy();
    batch.destroy();
    ec2.destroy();
  }
}

/** Submits `count` jobs to a queue that run for `runSeconds` each; resolves with their ids. */
export async function submitJobs(
  cloud: Cloud,
  accountId: string,
  queue: string,
  count: number,
  runSeconds = 3600,
): Promise<string[]> {
  const batch = new BatchClient(clientConfig(cloud, accountId));
  try {
    return await forEachLimited(
      Array.from({ length: count }, (_, i) => i),
      8,
      async (i) => {
        const { jobId } = await batch.send(
          new SubmitJobCommand({
            jobName: `${queue}-${String(i + 1).padStart(3, '0')}`,
            jobQueue: queue,
            jobDefinition: JOB_DEFINITION,
            containerOverrides: { environment: [{ name: 'LOCAL_CLOUD_JOB_SECONDS', value: String(runSeconds) }] },
          }),
        );
        return jobId ?? '';
      },
    );
  } finally {
    batch.destroy();
  }
}

/** The jobs, as DescribeJobs tells (100 at a time). */
export async function describeJobs(cloud: Cloud, accountId: string, jobIds: readonly string[]): Promise<JobDetail[]> {
  const batch = new BatchClient(clientConfig(cloud, accountId));
  try {
    const jobs: JobDetail[] = [];
    for (let i = 0; i < jobIds.length; i += 100) {
      const { jobs: page = [] } = await batch.send(new DescribeJobsCommand({ jobs: jobIds.slice(i, i + 100) }));
      jobs.push(...page);
    }
    return jobs;
  } finally {
    batch.destroy();
  }
}

/** Waits until every job is in one of `statuses`, then until the runtime is quiet (the tracker has them). */
export async function waitForJobs(
  cloud: Cloud,
  accountId: string,
  jobIds: readonly string[],
  statuses: readonly string[],
  timeoutMs = 120_000,
): Promise<JobDetail[]> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const jobs = await describeJobs(cloud, accountId, jobIds);
    const waiting = jobs.filter((job) => !statuses.includes(job.status ?? ''));
    if (jobs.length === jobIds.length && waiting.length === 0) {
      await cloud.settled(Math.max(1000, deadline - Date.now()));
      return jobs;
    }
    if (Date.now() > deadline) {
      throw new Error(
        `timed out waiting for ${jobIds.length} jobs to be ${statuses.join('/')}: ${waiting.length} are not (e.g. ${waiting[0]?.jobId} ${waiting[0]?.status})`,
      );
    }
    await new Promise((resolveWait) => setTimeout(resolveWait, 200));
  }
}

/** State of each job queue of the account. */
export async function queueStates(cloud: Cloud, accountId: string): Promise<Record<string, string>> {
  const batch = new BatchClient(clientConfig(cloud, accountId));
  try {
    const { jobQueues = [] } = await batch.send(new DescribeJobQueuesCommand({}));
    return Object.fromEntries(jobQueues.map((q) => [q.jobQueueName ?? '', q.state ?? '']));
  } finally {
    batch.destroy();
  }
}

/**
 * Fires the cost guardian's schedule now (enforce-spend), in one account or in all; resolves once
 * the runtime is quiet again. Returns how many schedules fired.
 */
export async function runGuardianNow(cloud: Cloud, accountId?: string, timeoutMs = 120_000): Promise<number> {
  const rules = cloud.runtime
    .inventory()
    .rules.filter(
      (rule) =>
        rule.schedule !== undefined &&
        (accountId === undefined || rule.account === accountId) &&
        rule.targets.some((target) => /:function:[^:]*-enforceSpend$/.test(target)),
    );
  const fired = rules.reduce(
    (count, rule) =>
      count + cloud.runtime.fireSchedule(`arn:aws:events:${cloud.region}:${rule.account}:rule/${rule.name}`),
    0,
  );
  if (fired === 0) throw new Error(`no enforce-spend schedule found${accountId ? ` in account ${accountId}` : ''}`);
  await cloud.settled(timeoutMs);
  return fired;
}

/** Every item of the account's guardian ledger (jobs, guardian states, runs). */
export async function guardianLedger(cloud: Cloud, accountId: string): Promise<Record<string, unknown>[]> {
  const dynamodb = new DynamoDBClient(clientConfig(cloud, accountId));
  try {
    const { TableNames = [] } = await dynamodb.send(new ListTablesCommand({}));
    const table = TableNames.find((name) => name.includes('GuardianLedgerTable'));
    if (!table) throw new Error(`account ${accountId} has no guardian ledger table (tables: ${TableNames.join(', ')})`);
    const items: Record<string, unknown>[] = [];
    for await (const page of paginateScan({ client: dynamodb }, { TableName: table })) {
      items.push(...(page.Items ?? []).map((item) => unmarshall(item)));
    }
    return items;
  } finally {
    dynamodb.destroy();
  }
}

/** The guardian's budget in the act: $10 a month, alerts and guardian notices to the lab. */
export function guardianBudget(accountId: string, amount = 10): BudgetItemInput {
  return {
    accountId,
    budgetName: 'batch-grant',
    amount,
    emails: ['lab@example.org'],
    alertAt: [80, 100],
    guardian: { mode: 'enforce', disableQueuesAt: 80, terminateJobsAt: 100 },
  };
}

export interface GuardianActStep {
  title: string;
  percentOfBudget?: number;
  queues: Record<string, string>;
  jobs: Record<string, number>;
  emails: StoredEmail[];
  seconds: number;
}

export interface GuardianActResult {
  accountId: string;
  guardedJobIds: string[];
  opsJobIds: string[];
  steps: GuardianActStep[];
}

type ActCloud = Cloud &
  Pick<LocalCloud, 'putItem' | 'waitForSync' | 'frontDoor' | 'outbox' | 'budgets'> & { memberAccounts: string[] };

/**
 * The act: 300 research jobs (150 per guarded queue) and AWS Budgets' $2.50 of actual spend put
 * the $10 budget past 80% (research queues disabled, notice to the lab); 100 production jobs
 * push it past 100% (every research job terminated, every page, the production jobs left);
 * finance raises the budget to $20 and the research queues are enabled again.
 */
export async function playGuardianAct(
  cloud: ActCloud,
  options: { accountId?: string; jobsPerQueue?: number; opsJobs?: number; progress?: (line: string) => void } = {},
): Promise<GuardianActResult> {
  const accountId = options.accountId ?? cloud.memberAccounts[0];
  if (!accountId) throw new Error('the guardian act needs a member account');
  const progress = options.progress ?? (() => undefined);
  const jobsPerQueue = options.jobsPerQueue ?? 150;
  const opsJobs = options.opsJobs ?? 100;
  const steps: GuardianActStep[] = [];
  let stepStart = Date.now();

  const snapshot = async (title: string, jobIds: string[]): Promise<GuardianActStep> => {
    const jobs = await describeJobs(cloud, accountId, jobIds);
    const counts: Record<string, number> = {};
    for (const job of jobs) counts[job.status ?? '?'] = (counts[job.status ?? '?'] ?? 0) + 1;
    const ledger = await guardianLedger(cloud, accountId);
    const lastRun = ledger
      .filter((item) => String(item['sk']).startsWith('RUN#'))
      .sort((a, b) => String(a['at']).localeCompare(String(b['at'])))
      .at(-1);
    const estimate = lastRun?.['estimate'] as { percentOfBudget?: number } | undefined;
    const step: GuardianActStep = {
      title,
      ...(estimate?.percentOfBudget === undefined ? {} : { percentOfBudget: estimate.percentOfBudget }),
      queues: await queueStates(cloud, accountId),
      jobs: counts,
      emails: await cloud.outbox('lab@example.org'),
      seconds: (Date.now() - stepStart) / 1000,
    };
    steps.push(step);
    stepStart = Date.now();
    return step;
  };

  await setUpLabBatch(cloud, accountId);
  const budget = guardianBudget(accountId);
  const edit = await cloud.putItem(budget);
  await waitApplied(cloud, edit, 'the guardian budget');
  // AWS Budgets refreshed an hour ago: $2.50 of this month's spend is known; what ran since is not.
  cloud.frontDoor.setBudgetSpend({
    accountId,
    budgetName: budget.budgetName,
    actual: 2.5,
    calculatedAt: new Date(Date.now() - 3_600_000),
  });
  progress(
    `guardian: budget ${budget.budgetName} $10/month in ${accountId}, AWS Budgets actual $2.50 (an hour old); queues ${GUARDED_QUEUES.join(', ')} guarded, ${UNGUARDED_QUEUE} not`,
  );

  const guardedJobIds = [
    ...(await submitJobs(cloud, accountId, GUARDED_QUEUES[0], jobsPerQueue)),
    ...(await submitJobs(cloud, accountId, GUARDED_QUEUES[1], jobsPerQueue)),
  ];
  await waitForJobs(cloud, accountId, guardedJobIds, ['RUNNING']);
  await runGuardianNow(cloud, accountId);
  const first = await snapshot(`${guardedJobIds.length} research jobs running`, guardedJobIds);
  progress(describeStep(first));

  const opsJobIds = await submitJobs(cloud, accountId, UNGUARDED_QUEUE, opsJobs);
  await waitForJobs(cloud, accountId, opsJobIds, ['RUNNING']);
  await runGuardianNow(cloud, accountId);
  await waitForJobs(cloud, accountId, guardedJobIds, ['FAILED', 'SUCCEEDED']);
  const second = await snapshot(`${opsJobIds.length} production jobs started`, guardedJobIds);
  progress(describeStep(second));

  const raise = await cloud.putItem(guardianBudget(accountId, 20));
  await waitApplied(cloud, raise, 'the raised budget');
  const third = await snapshot('finance raised the budget to $20', guardedJobIds);
  progress(describeStep(third));
  return { accountId, guardedJobIds, opsJobIds, steps };
}

async function waitApplied(
  cloud: ActCloud,
  edit: { key: { accountId: string; budgetName: string }; at: number },
  what: string,
) {
  const outcomes = await cloud.waitForSync([edit.key], {
    since: edit.at,
    timeoutMs: 60_000,
    statuses: ['APPLIED', 'REJECTED', 'FAILED'],
  });
  const outcome = outcomes.get(itemKeyString(edit.key));
  if (outcome?.status !== 'APPLIED')
    throw new Error(`${what} was not applied: ${outcome?.status} ${outcome?.message ?? ''}`);
  await cloud.settled(60_000);
}

export function describeStep(step: GuardianActStep): string {
  const pct = step.percentOfBudget === undefined ? '' : ` → estimate ${step.percentOfBudget.toFixed(1)}% of the budget`;
  const queues = Object.entries(step.queues)
    .map(([name, state]) => `${name} ${state}`)
    .join(', ');
  const jobs = Object.entries(step.jobs)
    .map(([status, count]) => `${count} ${status}`)
    .join(', ');
  const last = step.emails.at(-1);
  return `guardian: ${step.title}${pct}; queues: ${queues}; research jobs: ${jobs}; lab@example.org has ${step.emails.length} email(s)${last ? `, latest "${last.subject}"` : ''} (${step.seconds.toFixed(1)} s)`;
}
