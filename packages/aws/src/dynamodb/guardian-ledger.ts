import { queryAll as queryEveryPage } from './paging';
import {
  DeleteItemCommand,
  DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
  type AttributeValue,
} from '@aws-sdk/client-dynamodb';
import { marshall, unmarshall } from '@aws-sdk/util-dynamodb';
import { gunzipSync, gzipSync } from 'node:zlib';
import {
  applyObservation,
  isTerminalStatus,
  ledgerWriteCondition,
  type FinishedJob,
  type GuardianState,
  type JobObservation,
  type JobRecord,
  type SpendMemory,
  type TrackedTotals,
} from '@org-budgets/guardian';
import { StateWriteConflictError } from '../errors';
import { isConditionFailure } from './condition-failure';

/**
 * The guardian ledger: one DynamoDB table in the spoke (see serverless.yml, GuardianLedgerTable).
 *
 *   pk `JOB#<jobId>`,      sk `JOB`             one Batch job (JobRecord), written by track-batch-jobs
 *   pk `BUDGET#<name>`,    sk `GUARDIAN`        the guardian's state of one budget (GuardianState)
 *   pk `BUDGET#<name>`,    sk `RUN#<iso>#<id>`  what one enforce-spend run did for the budget
 *
 * Index `byActivity` (pk `activity`, sk `activityAt`) finds what a run needs without a scan:
 *   `ACTIVE#<shard>`              jobs not finished (sk: created/first-seen time)
 *   `STOPPED#<yyyy-mm-dd>#<shard>` finished jobs by the UTC day their finish was recorded (sk: the
 *                                 time of the write, ISO; every later write of the finished record
 *                                 moves it), so that "finished since the last run" misses no late event
 * Jobs are spread over ACTIVITY_SHARDS shards (by job id), so that a burst of thousands of array
 * children does not write one index partition key beyond what a partition takes.
 *   `GUARDIAN`            every budget's guardian state (sk: budget name)
 * Every item but the states carries `expiresAt` (TTL): jobs and runs are kept 400 days, longer
 * than an annual budget period.
 *
 * Writes are conditional on `version` (optimistic concurrency): two writers never lose each
 * other's update, and two enforce-spend runs never both act on one decision.
 */

export const ACTIVITY_INDEX = 'byActivity';
export const ACTIVITY_SHARDS = 8;
export const RETENTION_DAYS = 400;
/**
 * Index queries a read of finished jobs runs at once. The read goes over one partition per day
 * and shard: from the start of an annual budget's period that is up to 366 × 8 queries, which
 * all at once would exhaust the client's sockets (calls that fail on their connection timeout).
 */
export const FINISHED_READ_CONCURRENCY = 16;
const DAY_MS = 86_400_000;

export interface StoredGuardianState {
  state: GuardianState;
  version: number;
  /** The AWS Budgets figure the guardian counts (see `rememberSpend` in @org-budgets/guardian). */
  spend?: SpendMemory;
  /** Running totals of the finished jobs the budget covers (see `advanceTotals`). */
  totals?: TrackedTotals;
  /** A run acting on the budget: others wait until it saves again or `until` (epoch ms) passes. */
  lease?: Lease;
  /** The budget's emails when last saved: who is told when the guardian lets go of a deleted budget. */
  recipients?: string[];
}

export interface Lease {
  owner: string;
  until: number;
}

/** What is saved beside the state: the spend memory, the totals, and the lease (`null` releases it). */
export interface StateExtras {
  spend?: SpendMemory;
  totals?: TrackedTotals;
  lease?: Lease | null;
  recipients?: readonly string[];
}

/** One enforce-spend run's record: the decision's numbers and every action with its outcome. */
export interface GuardianRunRecord {
  budgetName: string;
  runId: string;
  at: Date;
  mode: string;
  level: string;
  estimate: Record<string, unknown>;
  actions: { type: string; target: string; outcome: 'DONE' | 'FAILED' | 'WOULD'; error?: string }[];
  notices: { kind: string; subject: string; sent: boolean; body?: string }[];
}

/** Actions written out in a run record; all of them are in `actionsGz` (gzip of JSON) as well. */
export const RUN_ACTIONS_LISTED = 100;

export interface GuardianLedger {
  /** Merges one Batch Job State Change into the job's record; `false` when it added nothing. */
  recordObservation(observation: JobObservation): Promise<boolean>;
  /** Every job the ledger holds as unfinished. */
  activeJobs(): Promise<JobRecord[]>;
  /** Every finished job whose finish was recorded at or after `since` (up to `now`). */
  jobsFinishedSince(since: Date, now: Date): Promise<FinishedJob[]>;
  getState(budgetName: string): Promise<StoredGuardianState | undefined>;
  /** Budget names that have a guardian state. */
  budgetsWithState(): Promise<string[]>;
  /**
   * Saves a state if it is still at `expectedVersion` (undefined: if there is none yet); throws
   * StateWriteConflictError otherwise. Resolves with the new version.
   */
  saveState(
    budgetName: string,
    state: GuardianState,
    expectedVersion: number | undefined,
    extras?: StateExtras,
  ): Promise<number>;
  deleteState(budgetName: string, expectedVersion: number): Promise<void>;
  recordRun(run: GuardianRunRecord): Promise<void>;
}

const MAX_WRITE_ATTEMPTS = 8;

export function createGuardianLedger(
  dynamodb: DynamoDBClient,
  tableName: string,
  clock: () => number = Date.now,
): GuardianLedger {
  const jobKey = (jobId: string) => ({ pk: { S: `JOB#${jobId}` }, sk: { S: 'JOB' } });
  const stateKey = (budgetName: string) => ({ pk: { S: `BUDGET#${budgetName}` }, sk: { S: 'GUARDIAN' } });

  async function readJob(jobId: string): Promise<JobRecord | undefined> {
    const { Item } = await dynamodb.send(
      new GetItemCommand({ TableName: tableName, Key: jobKey(jobId), ConsistentRead: true }),
    );
    return Item ? jobFromItem(Item) : undefined;
  }

  async function queryAll(activity: string, sinceIso?: string): Promise<Record<string, AttributeValue>[]> {
    return queryEveryPage(dynamodb, {
      TableName: tableName,
      IndexName: ACTIVITY_INDEX,
      KeyConditionExpression:
        sinceIso === undefined ? 'activity = :activity' : 'activity = :activity AND activityAt >= :since',
      ExpressionAttributeValues: {
        ':activity': { S: activity },
        ...(sinceIso === undefined ? {} : { ':since': { S: sinceIso } }),
      },
    });
  }

  return {
    async recordObservation(observation) {
      for (let attempt = 1; ; attempt++) {
        const current = await readJob(observation.jobId);
        const next = applyObservation(current, observation);
        if (!next) return false;
        const condition = ledgerWriteCondition(current);
        try {
          await dynamodb.send(
            new PutItemCommand({
              TableName: tableName,
              Item: jobItem(next, clock()),
              ...onlyIfVersion(condition.kind === 'create' ? undefined : condition.expectedVersion),
            }),
          );
          return true;
        } catch (error) {
          // Another event of the same job was written meanwhile: read it and merge again.
          if (!isConditionFailure(error) || attempt >= MAX_WRITE_ATTEMPTS) throw error;
        }
      }
    },

    async activeJobs() {
      const shards = Array.from({ length: ACTIVITY_SHARDS }, (_, shard) => queryAll(`ACTIVE#${shard}`));
      return (await Promise.all(shards)).flat().map(jobFromItem);
    },

    async jobsFinishedSince(since, now) {
      const sinceIso = since.toISOString();
      const partitions: string[] = [];
      for (let day = startOfUtcDay(since); day <= now.getTime(); day += DAY_MS) {
        for (let shard = 0; shard < ACTIVITY_SHARDS; shard++) {
          partitions.push(`STOPPED#${new Date(day).toISOString().slice(0, 10)}#${shard}`);
        }
      }
      const pages = await mapLimited(partitions, FINISHED_READ_CONCURRENCY, (activity) => queryAll(activity, sinceIso));
      return pages.flat().map((item) => ({ job: jobFromItem(item), recordedAt: recordedAtOf(item) }));
    },

    async getState(budgetName) {
      const { Item } = await dynamodb.send(
        new GetItemCommand({ TableName: tableName, Key: stateKey(budgetName), ConsistentRead: true }),
      );
      if (!Item) return undefined;
      const item = unmarshall(Item) as StoredGuardianState & { stateGz?: Uint8Array };
      const state = item.stateGz
        ? (JSON.parse(gunzipSync(item.stateGz).toString('utf8')) as GuardianState)
        : item.state;
      return {
        state,
        version: item.version,
        ...(item.spend ? { spend: item.spend } : {}),
        ...(item.totals ? { totals: item.totals } : {}),
        ...(item.lease ? { lease: item.lease } : {}),
        ...(item.recipients ? { recipients: item.recipients } : {}),
      };
    },

    async budgetsWithState() {
      const items = await queryAll('GUARDIAN');
      return items.map((item) => (unmarshall(item) as { budgetName: string }).budgetName);
    },

    async saveState(budgetName, state, expectedVersion, extras = {}) {
      const version = (expectedVersion ?? 0) + 1;
      try {
        await dynamodb.send(
          new PutItemCommand({
            TableName: tableName,
            Item: {
              ...stateKey(budgetName),
              ...marshall(
                {
                  budgetName,
                  // Compressed: termination requests of thousands of jobs stay far below 400 KB.
                  stateGz: gzipSync(JSON.stringify(state)),
                  summary: {
                    periodStart: state.periodStart,
                    over: state.over,
                    heldQueues: state.heldQueues.map((h) => h.name),
                    terminationRequests: state.terminationRequests.length,
                  },
                  version,
                  spend: extras.spend,
                  totals: extras.totals,
                  lease: extras.lease ?? undefined,
                  recipients: extras.recipients === undefined ? undefined : [...extras.recipients],
                  activity: 'GUARDIAN',
                  activityAt: budgetName,
                  updatedAt: new Date().toISOString(),
                },
                { removeUndefinedValues: true },
              ),
            },
            ...onlyIfVersion(expectedVersion),
          }),
        );
        return version;
      } catch (error) {
        if (isConditionFailure(error)) throw new StateWriteConflictError(budgetName);
        throw error;
      }
    },

    async deleteState(budgetName, expectedVersion) {
      // Delete only the version read: a run that saved meanwhile keeps its state.
      try {
        await dynamodb.send(
          new DeleteItemCommand({
            TableName: tableName,
            Key: stateKey(budgetName),
            ...onlyIfVersion(expectedVersion),
          }),
        );
      } catch (error) {
        if (isConditionFailure(error)) throw new StateWriteConflictError(budgetName);
        throw error;
      }
    },

    async recordRun(run) {
      const at = run.at.toISOString();
      await dynamodb.send(
        new PutItemCommand({
          TableName: tableName,
          Item: {
            pk: { S: `BUDGET#${run.budgetName}` },
            sk: { S: `RUN#${at}#${run.runId}` },
            ...marshall(
              {
                budgetName: run.budgetName,
                runId: run.runId,
                at,
                mode: run.mode,
                level: run.level,
                estimate: run.estimate,
                actionCounts: countActions(run.actions),
                actions: run.actions.slice(0, RUN_ACTIONS_LISTED),
                actionsGz: run.actions.length > RUN_ACTIONS_LISTED ? gzipSync(JSON.stringify(run.actions)) : undefined,
                notices: run.notices,
                expiresAt: Math.floor(run.at.getTime() / 1000) + RETENTION_DAYS * 86_400,
              },
              { removeUndefinedValues: true },
            ),
          },
        }),
      );
    },
  };
}

/** `{ TERMINATE_JOB: { DONE: 300 } }`: how many actions of each type ended how. */
export function countActions(actions: GuardianRunRecord['actions']): Record<string, Record<string, number>> {
  const counts: Record<string, Record<string, number>> = {};
  for (const action of actions) {
    const byOutcome = (counts[action.type] ??= {});
    byOutcome[action.outcome] = (byOutcome[action.outcome] ?? 0) + 1;
  }
  return counts;
}

/**
 * The DynamoDB item of a job record written at `recordedAt` (epoch ms), with its index keys and
 * TTL. A finished job is indexed by when it was written (see the index at the top).
 */
export function jobItem(record: JobRecord, recordedAt: number): Record<string, AttributeValue> {
  const finished = isTerminalStatus(record.status);
  const stoppedAt = record.stoppedAt ?? record.statusEventTime;
  const activityAt = finished
    ? new Date(recordedAt).toISOString()
    : new Date(record.createdAt ?? record.statusEventTime).toISOString();
  const expiresFrom = finished ? stoppedAt : Math.max(record.lastEventTime, record.createdAt ?? 0);
  return {
    pk: { S: `JOB#${record.jobId}` },
    sk: { S: 'JOB' },
    ...marshall(
      {
        record,
        version: record.version,
        jobQueueName: record.jobQueueName,
        status: record.status,
        activity: finished
          ? `STOPPED#${activityAt.slice(0, 10)}#${shardOf(record.jobId)}`
          : `ACTIVE#${shardOf(record.jobId)}`,
        activityAt,
        recordedAt,
        expiresAt: Math.floor(expiresFrom / 1000) + RETENTION_DAYS * 86_400,
      },
      { removeUndefinedValues: true },
    ),
  };
}

export function jobFromItem(item: Record<string, AttributeValue>): JobRecord {
  return (unmarshall(item) as { record: JobRecord }).record;
}

/** When a job item was written; items written before `recordedAt` existed are indexed by stop time, which is earlier. */
function recordedAtOf(item: Record<string, AttributeValue>): number {
  const { recordedAt, activityAt } = unmarshall(item) as { recordedAt?: number; activityAt: string };
  return recordedAt ?? Date.parse(activityAt);
}

/** The index shard of a job: a stable hash of its id. */
export function shardOf(jobId: string): number {
  let hash = 0;
  for (let i = 0; i < jobId.length; i++) hash = (hash * 31 + jobId.charCodeAt(i)) >>> 0;
  return hash % ACTIVITY_SHARDS;
}

/** The condition of an optimistic write: the item is still at `expected`, or (undefined) there is none yet. */
function onlyIfVersion(expected: number | undefined): {
  ConditionExpression: string;
  ExpressionAttributeValues?: Record<string, AttributeValue>;
} {
  return expected === undefined
    ? { ConditionExpression: 'attribute_not_exists(pk)' }
    : {
        ConditionExpression: 'version = :expected',
        ExpressionAttributeValues: { ':expected': { N: String(expected) } },
      };
}

/** `task` over `items`, at most `limit` at once; results in the items' order. The first failure rejects. */
async function mapLimited<T, R>(items: readonly T[], limit: number, task: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array<R>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const index = next++;
      results[index] = await task(items[index] as T);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}

function startOfUtcDay(date: Date): number {
  return Date.UTC(date.getUTCFullYear(), date.getUTCMonth(), date.getUTCDate());
}
