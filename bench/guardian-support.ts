import { existsSync, readFileSync, statSync } from 'node:fs';
import { BatchClient, SubmitJobCommand } from '@aws-sdk/client-batch';
import {
  BatchWriteItemCommand,
  DeleteItemCommand,
  DynamoDBClient,
  GetItemCommand,
  ListTablesCommand,
  type WriteRequest,
} from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import { GUARDIAN_CHECK_SOURCE, jobItem, WATCH_KEY, type GuardianCheckEvent } from '@org-budgets/aws';
import { forEachLimited, JOB_DEFINITION, type LocalCloud } from '@org-budgets/sandbox';
import type { SeededJob } from './guardian-seed';

/**
 * What `pnpm bench:guardian` does in a member account of the local cloud besides what
 * @org-budgets/sandbox offers: the guardian ledger read and written directly (through the front
 * door's DynamoDB, with the account's credentials), a burst of Batch jobs that tolerates queues the
 * guardian disables meanwhile, and a check as enforce-spend receives it.
 */
type Cloud = Pick<LocalCloud, 'endpoint' | 'region' | 'accountCredentials' | 'runtime'>;

function clientConfig(cloud: Cloud, accountId: string) {
  return {
    region: cloud.region,
    endpoint: cloud.endpoint,
    credentials: () => cloud.accountCredentials.forAccount(accountId),
  };
}

async function withDynamoDb<T>(cloud: Cloud, accountId: string, use: (dynamodb: DynamoDBClient) => Promise<T>) {
  const dynamodb = new DynamoDBClient(clientConfig(cloud, accountId));
  try {
    return await use(dynamodb);
  } finally {
    dynamodb.destroy();
  }
}

/** The account's GuardianLedgerTable. */
export async function ledgerTableName(cloud: Cloud, accountId: string): Promise<string> {
  return withDynamoDb(cloud, accountId, async (dynamodb) => {
    const { TableNames = [] } = await dynamodb.send(new ListTablesCommand({}));
    const table = TableNames.find((name) => name.includes('GuardianLedgerTable'));
    if (!table) throw new Error(`account ${accountId} has no guardian ledger table (tables: ${TableNames.join(', ')})`);
    return table;
  });
}

/** Writes finished jobs into the ledger as the tracker would (`jobItem`), 25 to a BatchWriteItem. */
export async function writeLedgerJobs(
  cloud: Cloud,
  accountId: string,
  jobs: readonly SeededJob[],
  concurrency = 8,
): Promise<void> {
  const table = await ledgerTableName(cloud, accountId);
  const batches: WriteRequest[][] = [];
  for (let i = 0; i < jobs.length; i += 25) {
    batches.push(
      jobs.slice(i, i + 25).map(({ record, recordedAt }) => ({ PutRequest: { Item: jobItem(record, recordedAt) } })),
    );
  }
  await withDynamoDb(cloud, accountId, async (dynamodb) => {
    await forEachLimited(batches, concurrency, async (batch) => {
      let requests: WriteRequest[] = batch;
      for (let attempt = 1; requests.length > 0; attempt++) {
        if (attempt > 10) throw new Error(`ledger seed: ${requests.length} items left unprocessed`);
        const { UnprocessedItems } = await dynamodb.send(
          new BatchWriteItemCommand({ RequestItems: { [table]: requests } }),
        );
        requests = UnprocessedItems?.[table] ?? [];
      }
    });
  });
}

/** A ledger item as stored (strongly consistent), or undefined. */
async function ledgerItem(
  cloud: Cloud,
  accountId: string,
  key: Record<string, { S: string }>,
): Promise<Record<string, unknown> | undefined> {
  const table = await ledgerTableName(cloud, accountId);
  return withDynamoDb(cloud, accountId, async (dynamodb) => {
    const { Item } = await dynamodb.send(new GetItemCommand({ TableName: table, Key: key, ConsistentRead: true }));
    return Item ? unmarshall(Item) : undefined;
  });
}

/** The budget's guardian state item as stored (spend memory, totals, summary), or undefined. */
export function guardianStateItem(
  cloud: Cloud,
  accountId: string,
  budgetName: string,
): Promise<Record<string, unknown> | undefined> {
  return ledgerItem(cloud, accountId, { pk: { S: `BUDGET#${budgetName}` }, sk: { S: 'GUARDIAN' } });
}

/**
 * Deletes the budget's guardian state: its next run is the guardian's first sight of the budget
 * (the AWS figure's time taken from the budget, running totals built from the window start).
 */
export async function deleteGuardianState(cloud: Cloud, accountId: string, budgetName: string): Promise<void> {
  const table = await ledgerTableName(cloud, accountId);
  await withDynamoDb(cloud, accountId, (dynamodb) =>
    dynamodb.send(
      new DeleteItemCommand({ TableName: table, Key: { pk: { S: `BUDGET#${budgetName}` }, sk: { S: 'GUARDIAN' } } }),
    ),
  );
}

/** The watch a run left for the budget (see watch.ts in @org-budgets/guardian), or undefined. */
export async function guardianWatch(
  cloud: Cloud,
  accountId: string,
  budgetName: string,
): Promise<Record<string, unknown> | undefined> {
  const item = await ledgerItem(cloud, accountId, { pk: WATCH_KEY.pk, sk: WATCH_KEY.sk });
  return item?.[`watch:${budgetName}`] as Record<string, unknown> | undefined;
}

/**
 * Submits `count` jobs of the lab's job definition (16 vCPU, 120 GiB, an hour each) across
 * `queues`, `concurrency` at a time, as fast as it can. A queue the guardian has disabled
 * meanwhile refuses the rest: those are counted, not thrown.
 */
export async function submitBurst(
  cloud: Cloud,
  accountId: string,
  queues: readonly string[],
  count: number,
  concurrency: number,
): Promise<{ jobIds: string[]; refused: number; firstSubmitAt: number; lastSubmitAt: number }> {
  const batch = new BatchClient(clientConfig(cloud, accountId));
  let refused = 0;
  const firstSubmitAt = Date.now();
  try {
    const ids = await forEachLimited(
      Array.from({ length: count }, (_, i) => i),
      concurrency,
      async (i) => {
        const queue = queues[i % queues.length] as string;
        try {
          const { jobId } = await batch.send(
            new SubmitJobCommand({
              jobName: `burst-${String(i + 1).padStart(3, '0')}`,
              jobQueue: queue,
              jobDefinition: JOB_DEFINITION,
              containerOverrides: { environment: [{ name: 'LOCAL_CLOUD_JOB_SECONDS', value: '3600' }] },
            }),
          );
          return jobId ?? '';
        } catch (error) {
          if (!/DISABLED/.test((error as Error).message)) throw error;
          refused++;
          return '';
        }
      },
    );
    return { jobIds: ids.filter((id) => id !== ''), refused, firstSubmitAt, lastSubmitAt: Date.now() };
  } finally {
    batch.destroy();
  }
}

function spokeFunction(cloud: Cloud, accountId: string, name: 'enforceSpend' | 'delayGuardianCheck') {
  const fn = cloud.runtime.functions().find((f) => f.account === accountId && f.functionName.endsWith(`-${name}`));
  if (!fn) throw new Error(`no ${name} function in account ${accountId}`);
  return fn;
}

/** The account's enforce-spend function as the local runtime runs it. */
export function enforceSpendArn(cloud: Cloud, accountId: string): string {
  return spokeFunction(cloud, accountId, 'enforceSpend').functionArn;
}

/** Invocations a function's log reports (REPORT lines): how many, and their billed milliseconds. */
export interface FunctionReports {
  count: number;
  billedMs: number;
}

/** The REPORT lines of a log's text: invocations and billed milliseconds. */
export function billedReports(text: string): FunctionReports {
  let count = 0;
  let billedMs = 0;
  for (const match of text.matchAll(/^REPORT RequestId: \S+\tDuration: [\d.]+ ms\tBilled Duration: (\d+) ms/gm)) {
    count += 1;
    billedMs += Number(match[1]);
  }
  return { count, billedMs };
}

/**
 * A guardian function's log in the account from now on: `reportsSince()` reads the invocations
 * reported since this call (the local runtime writes START/END/REPORT lines as Lambda does).
 */
export function functionLog(
  cloud: Cloud,
  accountId: string,
  name: 'enforceSpend' | 'delayGuardianCheck',
): { reportsSince(): FunctionReports } {
  const file = cloud.runtime.logFile(accountId, spokeFunction(cloud, accountId, name).functionName);
  const sizeOf = () => (existsSync(file) ? statSync(file).size : 0);
  const from = sizeOf();
  return {
    reportsSince() {
      return billedReports(readFileSync(file).subarray(from).toString('utf8'));
    },
  };
}

/**
 * A check of one budget as enforce-spend receives it (from track-batch-jobs' invocation, its own,
 * or a one-time schedule: the event `createGuardianChecks` in @org-budgets/aws sends), due now.
 */
export function checkEvent(budgetName: string, at: Date): GuardianCheckEvent {
  return {
    source: GUARDIAN_CHECK_SOURCE,
    budgetName,
    reason: 'pnpm bench:guardian',
    requestedAt: at.toISOString(),
    notBefore: at.toISOString(),
  };
}
