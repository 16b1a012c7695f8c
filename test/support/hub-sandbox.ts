import {
  CreateTableCommand,
  DeleteItemCommand,
  DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
  waitUntilTableExists,
} from '@aws-sdk/client-dynamodb';
import { CreateRoleCommand, IAMClient } from '@aws-sdk/client-iam';
import { CreateTopicCommand, SNSClient } from '@aws-sdk/client-sns';
import { DescribeParametersCommand, GetParameterCommand, ParameterNotFound, SSMClient } from '@aws-sdk/client-ssm';
import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import { marshall, unmarshall } from '@aws-sdk/util-dynamodb';
import { budgetParameterName, parseBudgetParameter, type BudgetParameterParse } from '@org-budgets/contracts';
import {
  startFrontDoor,
  startMotoServer,
  type FrontDoor,
  type LatencyRule,
  type MotoServer,
} from '@org-budgets/aws-emulator';
import { createStreamReader, toLambdaBatches, type StreamReader } from '@org-budgets/local-lambda';
import type { AwsCredentialIdentity } from '@smithy/types';
import type { Context, DynamoDBBatchResponse, DynamoDBStreamEvent } from 'aws-lambda';
import { createPropagateHandler } from '../../services/hub/src/functions/propagate-budget-edits/create-handler';
import { createReconcileHandler } from '../../services/hub/src/functions/reconcile-budgets/create-handler';
import type { ReconcileReport } from '../../services/hub/src/functions/reconcile-budgets/reconcile-budgets';

/** moto maps credentials it did not issue to this account: the management (hub) account. */
export const MANAGEMENT_ACCOUNT_ID = '123456789012';
export const SPOKE_ROLE_NAME = 'org-budgets-spoke';
export const SPOKE_EXTERNAL_ID = 'org-budgets-sandbox-external-id';
const ADMIN_ROLE_NAME = 'OrganizationAccountAccessRole';

export type StreamHandler = (event: DynamoDBStreamEvent, context: Context) => Promise<DynamoDBBatchResponse>;

export interface HubSandboxOptions {
  spokeAccounts: readonly string[];
  tableName?: string;
  region?: string;
  latency?: LatencyRule[];
  /** The event source mapping's batch size (services/hub/serverless.yml). */
  batchSize?: number;
}

export interface ProcessResult {
  records: number;
  batches: number;
  failedRecords: string[];
  /** Errors the handler raised (every record of the batch failed); Lambda would bisect and retry. */
  batchErrors: string[];
}

/**
 * The hub's table, stream and spoke accounts on moto behind the local-cloud front door: the
 * environment the propagation runs in for the integration tests, the benchmark and `npm start`.
 * The AWS SDK of this process is pointed at it through AWS_ENDPOINT_URL, as the handler would be.
 */
export class HubSandbox {
  readonly ddb: DynamoDBClient;
  private readonly reader: StreamReader;
  private readonly context = {
    functionName: 'org-budgets-hub-local-propagateBudgetEdits',
    awsRequestId: 'local',
    getRemainingTimeInMillis: () => 60_000,
  } as unknown as Context;

  private constructor(
    readonly moto: MotoServer,
    readonly frontDoor: FrontDoor,
    readonly tableName: string,
    readonly region: string,
    readonly batchSize: number,
    /** The hub's alerts topic (an SNS topic in moto). */
    readonly alertsTopicArn: string,
  ) {
    this.ddb = new DynamoDBClient({ region });
    this.reader = createStreamReader({
      endpoint: frontDoor.endpoint,
      region,
      tableName,
      startingPosition: 'TRIM_HORIZON',
    });
  }

  static async start(options: HubSandboxOptions): Promise<HubSandbox> {
    const moto = await startMotoServer();
    let frontDoor: FrontDoor | undefined;
    try {
      frontDoor = await startFrontDoor({
        upstream: moto.endpoint,
        latency: options.latency ?? [],
        faults: [],
        // As on AWS, an account without its spoke refuses the hub: moto alone would not.
        requireExistingRoles: [SPOKE_ROLE_NAME],
      });
      const region = options.region ?? 'us-east-1';
      Object.assign(process.env, {
        AWS_ENDPOINT_URL: frontDoor.endpoint,
        AWS_REGION: region,
        AWS_ACCESS_KEY_ID: 'management-account',
        AWS_SECRET_ACCESS_KEY: 'management-account',
        AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
      });
      delete process.env.AWS_SESSION_TOKEN;
      delete process.env.AWS_PROFILE;
      const tableName = options.tableName ?? 'org-budgets-local';
      const { TopicArn: alertsTopicArn = '' } = await new SNSClient({ region }).send(
        new CreateTopicCommand({ Name: `${tableName}-alerts` }),
      );
      const sandbox = new HubSandbox(moto, frontDoor, tableName, region, options.batchSize ?? 100, alertsTopicArn);
      await sandbox.createTable();
      await sandbox.addSpokeAccounts(options.spokeAccounts);
      return sandbox;
    } catch (error) {
      await frontDoor?.stop();
      await moto.stop();
      throw error;
    }
  }

  private async createTable(): Promise<void> {
    await this.ddb.send(
      new CreateTableCommand({
        TableName: this.tableName,
        BillingMode: 'PAY_PER_REQUEST',
        AttributeDefinitions: [
          { AttributeName: 'accountId', AttributeType: 'S' },
          { AttributeName: 'budgetName', AttributeType: 'S' },
        ],
        KeySchema: [
          { AttributeName: 'accountId', KeyType: 'HASH' },
          { AttributeName: 'budgetName', KeyType: 'RANGE' },
        ],
        StreamSpecification: {
          StreamEnabled: true,
          StreamViewType: 'NEW_AND_OLD_IMAGES',
        },
      }),
    );
    await waitUntilTableExists({ client: this.ddb, maxWaitTime: 30 }, { TableName: this.tableName });
    // The edit history, keyed as in services/hub/serverless.yml (HistoryTable).
    await this.ddb.send(
      new CreateTableCommand({
        TableName: this.historyTableName,
        BillingMode: 'PAY_PER_REQUEST',
        AttributeDefinitions: [
          { AttributeName: 'itemKey', AttributeType: 'S' },
          { AttributeName: 'revision', AttributeType: 'N' },
        ],
        KeySchema: [
          { AttributeName: 'itemKey', KeyType: 'HASH' },
          { AttributeName: 'revision', KeyType: 'RANGE' },
        ],
      }),
    );
    await waitUntilTableExists({ client: this.ddb, maxWaitTime: 30 }, { TableName: this.historyTableName });
  }

  /** The edit history table (docs/history.md). */
  get historyTableName(): string {
    return `${this.tableName}-history`;
  }

  /** Credentials of the administrator role in a member account (as StackSets would use). */
  async accountCredentials(accountId: string): Promise<AwsCredentialIdentity> {
    const { Credentials: c } = await new STSClient({
      region: this.region,
    }).send(
      new AssumeRoleCommand({
        RoleArn: `arn:aws:iam::${accountId}:role/${ADMIN_ROLE_NAME}`,
        RoleSessionName: `sandbox-${accountId}`,
      }),
    );
    if (!c?.AccessKeyId || !c.SecretAccessKey) throw new Error(`no credentials for account ${accountId}`);
    return {
      accessKeyId: c.AccessKeyId,
      secretAccessKey: c.SecretAccessKey,
      sessionToken: c.SessionToken,
    };
  }

  /** Creates the spoke role in each account, trusting the hub, as the spoke stack will. */
  async addSpokeAccounts(accountIds: readonly string[]): Promise<void> {
    await forEachLimited(accountIds, 16, async (accountId) => {
      const credentials = await this.accountCredentials(accountId);
      const iam = new IAMClient({ region: this.region, credentials });
      await iam.send(
        new CreateRoleCommand({
          RoleName: SPOKE_ROLE_NAME,
          AssumeRolePolicyDocument: JSON.stringify({
            Version: '2012-10-17',
            Statement: [
              {
                Effect: 'Allow',
                Principal: {
                  AWS: `arn:aws:iam::${MANAGEMENT_ACCOUNT_ID}:root`,
                },
                Action: 'sts:AssumeRole',
                Condition: {
                  StringEquals: { 'sts:ExternalId': SPOKE_EXTERNAL_ID },
                },
              },
            ],
          }),
        }),
      );
      // Touch the account's Parameter Store once: moto builds an account's backend on first use,
      // a cost real accounts do not have and that would otherwise land in the measurements.
      await new SSMClient({ region: this.region, credentials }).send(new DescribeParametersCommand({ MaxResults: 1 }));
    });
  }

  /** The real propagate-budget-edits handler, configured for this sandbox. */
  propagateHandler(maxConcurrency = 8) {
    return createPropagateHandler({
      tableName: this.tableName,
      spokeRoleName: SPOKE_ROLE_NAME,
      spokeExternalId: SPOKE_EXTERNAL_ID,
      partition: 'aws',
      maxConcurrency,
      alertsTopicArn: this.alertsTopicArn,
    });
  }

  /** Runs the real reconcile-budgets handler once, as its schedule would. */
  async reconcile(options: { now?: () => Date } = {}): Promise<ReconcileReport> {
    // The sandbox's spoke accounts are not in moto's organization: only accounts with items.
    const handler = createReconcileHandler(
      {
        TABLE_NAME: this.tableName,
        SPOKE_ROLE_NAME,
        SPOKE_EXTERNAL_ID,
        PARTITION: 'aws',
        ALERTS_TOPIC_ARN: this.alertsTopicArn,
        MAX_CONCURRENCY: 4,
        ACCOUNTS_TO_CHECK: 'items',
      },
      options.now ? { now: options.now } : {},
    );
    return handler(undefined, { ...this.context, functionName: 'org-budgets-hub-local-reconcileBudgets' });
  }

  async putItem(item: Record<string, unknown>): Promise<void> {
    await this.ddb.send(
      new PutItemCommand({
        TableName: this.tableName,
        Item: marshall(item, { removeUndefinedValues: true }),
      }),
    );
  }

  async deleteItem(accountId: string, budgetName: string): Promise<void> {
    await this.ddb.send(
      new DeleteItemCommand({
        TableName: this.tableName,
        Key: marshall({ accountId, budgetName }),
      }),
    );
  }

  async getItem(accountId: string, budgetName: string): Promise<Record<string, unknown> | undefined> {
    const { Item } = await this.ddb.send(
      new GetItemCommand({
        TableName: this.tableName,
        Key: marshall({ accountId, budgetName }),
        ConsistentRead: true,
      }),
    );
    return Item ? unmarshall(Item) : undefined;
  }

  async getSync(accountId: string, budgetName: string): Promise<Record<string, unknown> | undefined> {
    return (await this.getItem(accountId, budgetName))?.['sync'] as Record<string, unknown> | undefined;
  }

  /** The budget parameter in a spoke, read with that account's own credentials. */
  async spokeParameter(accountId: string, budgetName: string): Promise<BudgetParameterParse | undefined> {
    const ssm = new SSMClient({
      region: this.region,
      credentials: await this.accountCredentials(accountId),
    });
    try {
      const { Parameter } = await ssm.send(new GetParameterCommand({ Name: budgetParameterName(budgetName) }));
      return parseBudgetParameter(Parameter?.Value ?? '');
    } catch (error) {
      if (error instanceof ParameterNotFound || (error as Error).name === 'ParameterNotFound') return undefined;
      throw error;
    }
  }

  /** Reads what is new on the stream. */
  readStream(): Promise<DynamoDBStreamEvent['Records']> {
    return this.reader.readAvailable();
  }

  /** Runs the handler over records in batches of the mapping's size, as Lambda would. */
  async runHandler(handler: StreamHandler, records: DynamoDBStreamEvent['Records']): Promise<ProcessResult> {
    const result: ProcessResult = {
      records: records.length,
      batches: 0,
      failedRecords: [],
      batchErrors: [],
    };
    for (const event of toLambdaBatches(records, this.batchSize)) {
      result.batches += 1;
      try {
        const response = await handler(event, this.context);
        result.failedRecords.push(...response.batchItemFailures.map((f) => f.itemIdentifier));
      } catch (error) {
        result.batchErrors.push((error as Error).message);
        result.failedRecords.push(...event.Records.map((r) => r.dynamodb?.SequenceNumber ?? '?'));
      }
    }
    return result;
  }

  /** Reads the stream and runs the handler over everything new. */
  async processEdits(handler: StreamHandler): Promise<ProcessResult> {
    return this.runHandler(handler, await this.readStream());
  }

  async stop(): Promise<void> {
    this.reader.close();
    this.ddb.destroy();
    await this.frontDoor.stop();
    await this.moto.stop();
  }
}

/** Runs `task` over `items` with at most `limit` at once. */
export async function forEachLimited<T>(
  items: readonly T[],
  limit: number,
  task: (item: T) => Promise<void>,
): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const item = items[next++] as T;
      await task(item);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}
