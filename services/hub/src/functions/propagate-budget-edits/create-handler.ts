import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { STSClient } from '@aws-sdk/client-sts';
import middy from '@middy/core';
import {
  awsClientConfig,
  createAlertsTopic,
  createEditHistoryStore,
  createSpokeCredentials,
  createSpokeParameters,
  createSyncStatusStore,
  lazySnsClient,
} from '@org-budgets/aws';
import type { DynamoDBBatchResponse, DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda';
import { historyWorkFromRecord } from '../../lib/edit-history';
import { createKeyedScheduler } from '../../lib/keyed-scheduler';
import type { PropagateConfig } from './config';
import {
  budgetEditFromRecord,
  propagateBudgetEdit,
  type PropagateDeps,
  type PropagationOutcome,
} from './propagate-budget-edit';
import { deliverAndRecord, recordEditHistory, type HistoryDeps } from './record-edit-history';

export interface HandlerOverrides {
  logger?: Logger;
  now?: () => Date;
}

/**
 * The configuration the handler is built from. A deployed function always has the history
 * (HISTORY_TABLE_NAME is required in its environment); without `historyTableName` (benchmarks and
 * integration tests of the propagation alone) no history is written.
 */
export type PropagateHandlerConfig = Omit<PropagateConfig, 'historyTableName' | 'historyRetentionDays'> &
  Partial<Pick<PropagateConfig, 'historyTableName' | 'historyRetentionDays'>>;

/** Wires the propagation: clients, credentials cache and batch processing. */
export function createPropagateHandler(config: PropagateHandlerConfig, overrides: HandlerOverrides = {}) {
  const logger = overrides.logger ?? new Logger({ serviceName: 'org-budgets-hub' });
  const clientConfig = awsClientConfig();
  const credentials = createSpokeCredentials(new STSClient(clientConfig), {
    partition: config.partition,
    roleName: config.spokeRoleName,
    externalId: config.spokeExternalId,
    sessionPrefix: 'org-budgets-hub',
    ...(config.spokeAccessRoleArn ? { accessRoleArn: config.spokeAccessRoleArn } : {}),
  });
  const ddb = new DynamoDBClient(clientConfig);
  const deps: PropagateDeps = {
    spokeParameters: createSpokeParameters(credentials, awsClientConfig()),
    syncStatus: createSyncStatusStore(ddb, config.tableName),
    // Alerts are rare: SNS is loaded at the first one, not at the cold start.
    alerts: createAlertsTopic(lazySnsClient(clientConfig), config.alertsTopicArn),
    now: overrides.now ?? (() => new Date()),
    logger,
  };
  const historyDeps: HistoryDeps | undefined = config.historyTableName
    ? { history: createEditHistoryStore(ddb, config.historyTableName), logger }
    : undefined;
  const historyOptions = { retentionDays: config.historyRetentionDays ?? 400, now: deps.now };
  const processor = new BatchProcessor(EventType.DynamoDBStreams);

  return middy<DynamoDBStreamEvent, DynamoDBBatchResponse>()
    .use(injectLambdaContext(logger, { resetKeys: true }))
    .handler(async (event, context) => {
      // Records of different items run concurrently (bounded); records of one item in order, each
      // record's delivery and edit history together (an outcome is recorded after its edit's entry).
      const scheduler = createKeyedScheduler(config.maxConcurrency);
      const outcomes: Record<string, number> = {};
      const recordHandler = async (record: DynamoDBRecord): Promise<PropagationOutcome> => {
        const edit = budgetEditFromRecord(record);
        const history = historyDeps ? historyWorkFromRecord(record, historyOptions) : {};
        const outcome = await scheduler.run(`${edit.key.accountId}/${edit.key.budgetName}`, () =>
          historyDeps
            ? deliverAndRecord(
                edit.kind === 'remove' && history.edit?.kind === 'deleted'
                  ? { key: edit.key, revision: edit.revision }
                  : undefined,
                propagateBudgetEdit(edit, deps),
                recordEditHistory(history, historyDeps),
                { ...historyDeps, now: deps.now },
              )
            : propagateBudgetEdit(edit, deps),
        );
        outcomes[outcome.result] = (outcomes[outcome.result] ?? 0) + 1;
        return outcome;
      };
      const response = await processPartialResponse(event, recordHandler, processor, {
        context,
        processInParallel: true,
      });
      logger.info('batch processed', {
        records: event.Records.length,
        failed: response.batchItemFailures.length,
        outcomes,
      });
      return response;
    });
}
