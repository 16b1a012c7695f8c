import { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { OrganizationsClient } from '@aws-sdk/client-organizations';
import middy from '@middy/core';
import {
  awsClientConfig,
  createDefaultItemsStore,
  readOrganizationTree,
  type OrganizationTree,
} from '@org-budgets/aws';
import { inheritedItem, validateDefaultItem } from '@org-budgets/contracts';
import type { DynamoDBStreamEvent, EventBridgeEvent } from 'aws-lambda';
import { sameCopy } from '../../lib/org-defaults';
import type { ExpandConfig } from './config';
import { expandDefault, recountDefault, resolveAccount, rollUp, sweep, type ExpandDeps } from './expand-org-defaults';
import { accountOfOrganizationsEvent } from './organizations-events';
import { defaultsWork } from './stream-changes';

export type ExpandEvent = DynamoDBStreamEvent | EventBridgeEvent<string, unknown>;

/**
 * expand-org-defaults: the table's stream (defaults and the copies' statuses), the management
 * account's Organizations events (accounts created, invited, moved, removed, closed) and an
 * hourly sweep, all keeping every account's copies of the organization defaults right.
 */
export function createExpandHandler(config: ExpandConfig, overrides: { logger?: Logger; now?: () => Date } = {}) {
  const logger = overrides.logger ?? new Logger({ serviceName: 'org-budgets-hub' });
  const clientConfig = awsClientConfig();
  const items = createDefaultItemsStore(new DynamoDBClient(clientConfig), config.tableName);
  const organizations = new OrganizationsClient(clientConfig);
  const now = overrides.now ?? (() => new Date());

  return middy<ExpandEvent, unknown>()
    .use(injectLambdaContext(logger, { resetKeys: true }))
    .handler(async (event) => {
      // The organization is read at most once per invocation: a batch sees one picture of it.
      let tree: Promise<OrganizationTree> | undefined;
      const deps: ExpandDeps = {
        items,
        tree: () => (tree ??= readOrganizationTree(organizations)),
        now,
        logger,
        maxConcurrency: config.maxConcurrency,
      };
      if ('Records' in event) return handleStream(event, deps);
      if (event['detail-type'] === 'Scheduled Event') return sweep(deps);
      const accountId = accountOfOrganizationsEvent(event);
      if (!accountId) {
        logger.info('Organizations event without one account; sweeping', { detailType: event['detail-type'] });
        return sweep(deps);
      }
      const { report, touched } = await resolveAccount(accountId, deps);
      for (const key of touched) await recountDefault(key, deps);
      return report;
    });
}

async function handleStream(event: DynamoDBStreamEvent, deps: ExpandDeps) {
  const work = defaultsWork(event.Records);
  for (const { key, revision } of work.defaults.values()) await expandDefault(key, revision, deps);
  // A copy that does not hold its default was edited by someone: resolving the account restores it.
  const defaultKeys = new Map(
    [...work.copies.values()].map((copy) => [
      `${copy.inheritedFrom}/${copy.key.budgetName}`,
      { accountId: copy.inheritedFrom, budgetName: copy.key.budgetName },
    ]),
  );
  const defaults = new Map(
    (await deps.items.getMany([...defaultKeys.values()])).map((item) => [`${item.accountId}/${item.budgetName}`, item]),
  );
  for (const copy of work.copies.values()) {
    const stored = defaults.get(`${copy.inheritedFrom}/${copy.key.budgetName}`);
    const validation = stored ? validateDefaultItem(stored.content) : undefined;
    if (validation?.valid && sameCopy(copy.content, inheritedItem(validation.item, copy.key.accountId))) continue;
    if (validation && !validation.valid) continue; // a rejected default: the last good copy stays as it is
    work.accounts.add(copy.key.accountId);
  }
  for (const accountId of work.accounts) {
    const { touched } = await resolveAccount(accountId, deps);
    // An own item or opt-out gone (the copy back), or a copy restored: counted again.
    for (const key of touched) work.recount.set(`${key.accountId}/${key.budgetName}`, key);
  }
  for (const [name, key] of work.recount) if (!work.defaults.has(name)) await recountDefault(key, deps);
  for (const [name, key] of work.rollups) {
    if (!work.defaults.has(name) && !work.recount.has(name)) await rollUp(key, undefined, deps);
  }
  deps.logger.info('table changes handled', {
    records: event.Records.length,
    defaults: work.defaults.size,
    accounts: work.accounts.size,
    rollups: work.rollups.size,
    recounts: work.recount.size,
  });
  return {};
}
