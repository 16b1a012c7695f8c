import { readFile } from 'node:fs/promises';
import {
  BatchClient,
  CreateJobQueueCommand,
  DescribeComputeEnvironmentsCommand,
  SubmitJobCommand,
} from '@aws-sdk/client-batch';
import { DynamoDBClient, GetItemCommand, ListTablesCommand, paginateQuery } from '@aws-sdk/client-dynamodb';
import { GetQueueUrlCommand, ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { PutParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import { GUARD_TAG, JOB_DEFINITION } from './guardian-act';
import type { LocalCloud } from './local-cloud';

/**
 * More of the lab's AWS Batch for tests of the cost guardian: further job queues, bursts of
 * (tagged) jobs, what the guardian remembers of one budget, the spoke's dead letters, a parameter
 * written behind the hub's back, and the functions' clock moved to another time.
 */

type Cloud = Pick<LocalCloud, 'endpoint' | 'region' | 'accountCredentials' | 'runtime' | 'stage'>;

function clientConfig(cloud: Cloud, accountId: string) {
  return {
    region: cloud.region,
    endpoint: cloud.endpoint,
    credentials: () => cloud.accountCredentials.forAccount(accountId),
  };
}

/** The lab's compute environment (setUpLabBatch). */
const LAB_COMPUTE_ENVIRONMENT = 'lab-fargate';

/** One more job queue on the lab's compute environment (setUpLabBatch first); guarded by default. */
export async function addJobQueue(
  cloud: Cloud,
  accountId: string,
  name: string,
  tags: Record<string, string> = GUARD_TAG,
): Promise<void> {
  const batch = new BatchClient(clientConfig(cloud, accountId));
  try {
    const { computeEnvironments = [] } = await batch.send(
      new DescribeComputeEnvironmentsCommand({ computeEnvironments: [LAB_COMPUTE_ENVIRONMENT] }),
    );
    const arn = computeEnvironments[0]?.computeEnvironmentArn;
    if (!arn) throw new Error(`account ${accountId} has no compute environment ${LAB_COMPUTE_ENVIRONMENT}`);
    await batch.send(
      new CreateJobQueueCommand({
        jobQueueName: name,
        state: 'ENABLED',
        priority: 1,
        computeEnvironmentOrder: [{ order: 1, computeEnvironment: arn }],
        tags,
      }),
    );
  } finally {
    batch.destroy();
  }
}

export interface JobBurstOptions {
  /** How long each job runs; an hour by default. */
  runSeconds?: number;
  /** Tags of each job (SubmitJob `tags`), which Batch reports on the job. */
  tags?: Record<string, string>;
  /** SubmitJob calls at once; 16 by default. */
  concurrency?: number;
}

export interface JobBurst {
  /** The jobs the queue accepted. */
  jobIds: string[];
  /** Jobs not accepted because the queue was disabled meanwhile (the guardian reacting). */
  refused: number;
}

/**
 * Submits up to `count` jobs (the 16 vCPU definition) to a queue, `concurrency` at once, as a
 * burst would come; once the queue refuses one because it is DISABLED, submits no more. Any
 * other error fails.
 */
export async function submitJobBurst(
  cloud: Cloud,
  accountId: string,
  queue: string,
  count: number,
  options: JobBurstOptions = {},
): Promise<JobBurst> {
  const batch = new BatchClient(clientConfig(cloud, accountId));
  const jobIds: string[] = [];
  let refused = 0;
  let next = 0;
  const submitOne = async (i: number): Promise<void> => {
    try {
      const { jobId } = await batch.send(
        new SubmitJobCommand({
          jobName: `${queue}-${String(i + 1).padStart(3, '0')}`,
          jobQueue: queue,
          jobDefinition: JOB_DEFINITION,
          ...(options.tags ? { tags: options.tags } : {}),
          containerOverrides: {
            environment: [{ name: 'LOCAL_CLOUD_JOB_SECONDS', value: String(options.runSeconds ?? 3600) }],
          },
        }),
      );
      if (jobId) jobIds.push(jobId);
    } catch (error) {
      if (!/is DISABLED/.test((error as Error).message)) throw error;
      refused += 1;
    }
  };
  try {
    const worker = async () => {
      while (next < count && refused === 0) await submitOne(next++);
    };
    await Promise.all(Array.from({ length: Math.min(options.concurrency ?? 16, count) }, worker));
    return { jobIds, refused: count - jobIds.length };
  } finally {
    batch.destroy();
  }
}

/** The AWS Budgets figure the guardian counts for a budget (SpendMemory in @org-budgets/guardian). */
export interface GuardianSpendView {
  definition: string;
  periodStart: string;
  lastReading: number;
  counted: number;
  basis: 'REPORTED' | 'PREVIOUS_PERIOD' | 'KEPT_AFTER_ZERO';
  refreshedAfter?: string;
  checkedAt: string;
}

/** The watch the last run left (BudgetWatch in @org-budgets/guardian): its estimate in USD. */
export interface GuardianWatchView {
  estimate: number;
  at: string;
  level: 'BELOW' | 'DISABLE' | 'TERMINATE';
  disableAt: number;
  terminateAt: number;
  coverage: { queues?: string[]; tags?: Record<string, string[]>; services?: string[] };
  runningRate: number;
}

/** One run that acted, as the ledger keeps it. */
export interface GuardianRunView {
  at: string;
  mode: string;
  level: string;
  estimate: {
    total?: number;
    percentOfBudget?: number;
    actualSpend?: number;
    actualSpendCounted?: number;
    basis?: string;
    trackedBatchCost?: number;
    trackedSince?: string;
    periodStart?: string;
    reason?: string;
  };
  actionCounts: Record<string, Record<string, number>>;
  notices: { kind: string; subject: string; sent: boolean }[];
}

/** What the guardian remembers of one budget: its state, the figure it counts, its watch, its runs. */
export interface GuardianBudgetView {
  /** Absent when the guardian keeps no state for the budget. */
  state?: {
    summary: { periodStart: string; over: boolean; heldQueues: string[]; terminationRequests: number };
    spend?: GuardianSpendView;
    totals?: { from: string; cost: number; jobs: number };
    lease?: { owner: string; until: number };
    version: number;
  };
  watch?: GuardianWatchView;
  /** Oldest first. */
  runs: GuardianRunView[];
}

async function ledgerTable(dynamodb: DynamoDBClient, accountId: string): Promise<string> {
  const { TableNames = [] } = await dynamodb.send(new ListTablesCommand({}));
  const table = TableNames.find((name) => name.includes('GuardianLedgerTable'));
  if (!table) throw new Error(`account ${accountId} has no guardian ledger table (tables: ${TableNames.join(', ')})`);
  return table;
}

/** One budget's state, watch and runs in the account's guardian ledger (consistent reads). */
export async function guardianBudgetView(
  cloud: Cloud,
  accountId: string,
  budgetName: string,
): Promise<GuardianBudgetView> {
  const dynamodb = new DynamoDBClient(clientConfig(cloud, accountId));
  try {
    const table = await ledgerTable(dynamodb, accountId);
    const items: Record<string, unknown>[] = [];
    for await (const page of paginateQuery(
      { client: dynamodb },
      {
        TableName: table,
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': { S: `BUDGET#${budgetName}` } },
        ConsistentRead: true,
      },
    )) {
      items.push(...(page.Items ?? []).map((item) => unmarshall(item)));
    }
    const { Item: watches } = await dynamodb.send(
      new GetItemCommand({
        TableName: table,
        Key: { pk: { S: 'GUARDIAN#WATCH' }, sk: { S: 'WATCH' } },
        ConsistentRead: true,
      }),
    );
    const watch = watches ? (unmarshall(watches)[`watch:${budgetName}`] as GuardianWatchView | undefined) : undefined;
    const state = items.find((item) => item['sk'] === 'GUARDIAN');
    const runs = items
      .filter((item) => String(item['sk']).startsWith('RUN#'))
      .sort((a, b) => String(a['sk']).localeCompare(String(b['sk'])))
      .map((item) => item as unknown as GuardianRunView);
    return {
      ...(state ? { state: state as unknown as NonNullable<GuardianBudgetView['state']> } : {}),
      ...(watch ? { watch } : {}),
      runs,
    };
  } finally {
    dynamodb.destroy();
  }
}

/**
 * Writes a budget's spoke parameter in the member account behind the hub's back (as a newer hub,
 * or someone in the account, would): the Parameter Store Change event follows, as on AWS.
 */
export async function putSpokeParameter(
  cloud: Cloud,
  accountId: string,
  budgetName: string,
  document: string,
): Promise<void> {
  const ssm = new SSMClient(clientConfig(cloud, accountId));
  try {
    await ssm.send(
      new PutParameterCommand({
        Name: `/org-budgets/budgets/${budgetName}`,
        Value: document,
        Type: 'String',
        Overwrite: true,
      }),
    );
  } finally {
    ssm.destroy();
  }
}

/**
 * The bodies of the spoke dead-letter queue's messages (Lambda's failure records of the spoke's
 * functions, EventBridge's undelivered events). Each is hidden for `visibilityTimeoutSeconds`
 * once read, so a second call within it sees only newer ones; the queue keeps them all.
 */
export async function readSpokeDeadLetters(
  cloud: Cloud,
  accountId: string,
  visibilityTimeoutSeconds = 60,
): Promise<string[]> {
  const sqs = new SQSClient(clientConfig(cloud, accountId));
  try {
    const { QueueUrl } = await sqs.send(new GetQueueUrlCommand({ QueueName: `org-budgets-${cloud.stage}-spoke-dlq` }));
    const bodies = new Map<string, string>();
    for (;;) {
      const { Messages } = await sqs.send(
        new ReceiveMessageCommand({
          QueueUrl,
          MaxNumberOfMessages: 10,
          VisibilityTimeout: visibilityTimeoutSeconds,
        }),
      );
      const fresh = (Messages ?? []).filter((m) => m.MessageId && !bodies.has(m.MessageId));
      if (fresh.length === 0) return [...bodies.values()];
      for (const m of fresh) bodies.set(m.MessageId as string, m.Body ?? '');
    }
  } finally {
    sqs.destroy();
  }
}

/**
 * Shows the functions of the local cloud another time: from their next invocation on, their clock
 * reads `at` now and runs on from there (a cloud started with `runtime: { shiftableClock: true }`).
 * The front door, moto, the Batch simulator's job times and the runtime's EventBridge rule
 * schedules keep this machine's clock; EventBridge Scheduler's one-time schedules (at(), which
 * the functions create) are read on the functions' clock and fire when it reads their time.
 * Returns the offset in ms.
 */
export function setFunctionsClock(cloud: Pick<LocalCloud, 'runtime'>, at: Date): number {
  const offsetMs = at.getTime() - Date.now();
  cloud.runtime.setClockOffset(offsetMs);
  return offsetMs;
}

/** One JSON line a function logged (Powertools' structured log), with the request it belongs to. */
export type FunctionLogEntry = Record<string, unknown> & { level?: string; message?: string; timestamp?: string };

/**
 * The structured (JSON) lines of a spoke or hub function's log, oldest first: `functionSuffix` is
 * the end of its name, e.g. `enforceSpend`.
 */
export async function functionLogEntries(
  cloud: Pick<LocalCloud, 'runtime'>,
  accountId: string,
  functionSuffix: string,
): Promise<FunctionLogEntry[]> {
  const fn = cloud.runtime
    .functions()
    .find((f) => f.account === accountId && f.functionName.endsWith(`-${functionSuffix}`));
  if (!fn) throw new Error(`no function …-${functionSuffix} in account ${accountId}`);
  let text: string;
  try {
    text = await readFile(fn.logFile, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
  const entries: FunctionLogEntry[] = [];
  for (const line of text.split('\n')) {
    const start = line.indexOf('{');
    if (start < 0) continue;
    try {
      const parsed = JSON.parse(line.slice(start)) as unknown;
      if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) entries.push(parsed as FunctionLogEntry);
    } catch {
      // START/END/REPORT lines and plain text
    }
  }
  return entries;
}
