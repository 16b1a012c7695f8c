import { CreateTopicCommand, SNSClient } from '@aws-sdk/client-sns';
import { EventRouter } from '@org-budgets/local-lambda';
import type { Context } from 'aws-lambda';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { createRecordStatusHandler } from '../../services/hub/src/functions/record-spoke-status/create-handler';
import {
  createApplyBudgetHandler,
  type ParameterChangeEvent,
} from '../../services/spoke/src/functions/apply-budget/create-handler';
import { HubSandbox, MANAGEMENT_ACCOUNT_ID, type HubSandboxOptions } from './hub-sandbox';

const ROOT = resolve(__dirname, '../..');
/** The rule patterns as deployed: the same files the serverless.yml files include. */
const PARAMETER_CHANGE_PATTERN = JSON.parse(
  readFileSync(resolve(ROOT, 'services/spoke/src/functions/apply-budget/parameter-change-pattern.json'), 'utf8'),
) as object;
const STATUS_EVENT_PATTERN = JSON.parse(
  readFileSync(resolve(ROOT, 'packages/contracts/src/spoke-status-event-pattern.json'), 'utf8'),
) as object;

export const STATUS_BUS = 'org-budgets-local-status';

function lambdaContext(accountId: string, functionName: string): Context {
  return {
    functionName,
    invokedFunctionArn: `arn:aws:lambda:us-east-1:${accountId}:function:${functionName}`,
    awsRequestId: 'local',
    getRemainingTimeInMillis: () => 60_000,
  } as unknown as Context;
}

/**
 * Hub and spokes on the local cloud, wired as the templates wire them: the table's stream runs
 * propagate-budget-edits; each spoke's Parameter Store Change events run its own apply-budget
 * (with that account's credentials) through the spoke rule's pattern; status events go from the
 * spoke's default bus to the hub's status bus (keeping the spoke's account) and run
 * record-spoke-status. The handlers run in this process; the local Lambda runtime runs the
 * deployed bundles instead.
 */
export class LocalPipeline {
  readonly router = new EventRouter();
  readonly alertTopics = new Map<string, string>();

  private constructor(readonly hub: HubSandbox) {}

  static async start(options: HubSandboxOptions): Promise<LocalPipeline> {
    const hub = await HubSandbox.start(options);
    const pipeline = new LocalPipeline(hub);
    try {
      hub.frontDoor.onEvent((event) => {
        pipeline.router.put(event.account, event.region, 'default', event);
      });
      hub.frontDoor.routeBusEvents((put) => {
        pipeline.router.put(put.busAccount, put.region, put.busName, put.event);
      });
      const record = createRecordStatusHandler({
        TABLE_NAME: hub.tableName,
        HISTORY_TABLE_NAME: hub.historyTableName,
        ALERTS_TOPIC_ARN: hub.alertsTopicArn,
      });
      pipeline.router.addRule({
        name: 'org-budgets-hub-local-recordSpokeStatus-rule-1',
        account: MANAGEMENT_ACCOUNT_ID,
        region: hub.region,
        busName: STATUS_BUS,
        pattern: STATUS_EVENT_PATTERN,
        targets: [
          {
            kind: 'function',
            id: 'recordSpokeStatus',
            invoke: (event) =>
              record(event, lambdaContext(MANAGEMENT_ACCOUNT_ID, 'org-budgets-hub-local-recordSpokeStatus')),
          },
        ],
      });
      await pipeline.deploySpokes(options.spokeAccounts);
      return pipeline;
    } catch (error) {
      await hub.stop();
      throw error;
    }
  }

  /** What the spoke stack gives an account: its alert topic, apply-budget and the two rules. */
  async deploySpokes(accountIds: readonly string[]): Promise<void> {
    for (const accountId of accountIds) {
      const credentials = await this.hub.accountCredentials(accountId);
      const { TopicArn } = await new SNSClient({ region: this.hub.region, credentials }).send(
        new CreateTopicCommand({ Name: 'org-budgets-local-budget-alerts' }),
      );
      if (!TopicArn) throw new Error(`no alert topic created in ${accountId}`);
      this.alertTopics.set(accountId, TopicArn);
      const apply = createApplyBudgetHandler(
        { alertTopicArn: TopicArn, partition: 'aws', statusEventBus: 'default' },
        { credentials },
      );
      const context = lambdaContext(accountId, 'org-budgets-spoke-local-applyBudget');
      this.router.addRule({
        name: 'org-budgets-spoke-local-applyBudget-rule-1',
        account: accountId,
        region: this.hub.region,
        busName: 'default',
        pattern: PARAMETER_CHANGE_PATTERN,
        targets: [
          { kind: 'function', id: 'applyBudget', invoke: (event) => apply(event as ParameterChangeEvent, context) },
        ],
      });
      this.router.addRule({
        name: 'ForwardStatusToHubRule',
        account: accountId,
        region: this.hub.region,
        busName: 'default',
        pattern: STATUS_EVENT_PATTERN,
        targets: [
          {
            kind: 'bus',
            id: 'hub-status-bus',
            account: MANAGEMENT_ACCOUNT_ID,
            region: this.hub.region,
            busName: STATUS_BUS,
          },
        ],
      });
    }
  }

  propagateHandler() {
    return this.hub.propagateHandler(16);
  }

  /**
   * Runs everything until nothing moves: stream records through propagation, the events they
   * cause through the spokes, the status reports back onto the items, and their write-backs.
   */
  async settle(handler = this.propagateHandler()): Promise<{ records: number; failedRecords: string[] }> {
    let records = 0;
    const failedRecords: string[] = [];
    for (let round = 0; round < 20; round += 1) {
      const result = await this.hub.processEdits(handler);
      records += result.records;
      failedRecords.push(...result.failedRecords);
      await this.hub.frontDoor.eventsSettled();
      await this.router.settled();
      if (result.records === 0) return { records, failedRecords };
    }
    throw new Error('the pipeline did not settle after 20 rounds');
  }

  async stop(): Promise<void> {
    await this.router.settled();
    await this.hub.stop();
  }
}
