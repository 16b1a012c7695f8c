import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SYSTEM_ATTRIBUTES } from '@org-budgets/contracts';
import { scanPages } from './paging';
import { itemFromStreamImage, type StreamImage } from './stream-image';
import {
  readDeliveredAttribute,
  readRepairAttribute,
  readSyncAttribute,
  type DeliveryRecord,
  type RepairRecord,
} from './sync-status';
import type { SyncStatus } from '@org-budgets/contracts';

/** An item of the budgets table as the reconciler sees it. */
export interface ScannedBudgetItem {
  accountId: string;
  budgetName: string;
  /** The item's attributes as plain values (numbers as numbers, sets as Sets), without the system attributes. */
  content: Record<string, unknown>;
  /** `sync` as written, with the revision kept exactly (it is too long for a JS number). */
  sync?: Partial<SyncStatus>;
  /** What the hub last delivered to the spoke. */
  delivered?: DeliveryRecord;
  /** The reconciler's retries so far. */
  repair?: RepairRecord;
}

/** Every item of the budgets table, page by page (one read per item). */
export async function* scanBudgetItems(
  ddb: DynamoDBClient,
  tableName: string,
  pageSize = 500,
): AsyncGenerator<ScannedBudgetItem[]> {
  for await (const page of scanPages(ddb, { TableName: tableName, Limit: pageSize })) {
    yield (page.Items ?? []).map((raw) => {
      const image = raw as StreamImage;
      const sync = readSyncAttribute(raw['sync']);
      const delivered = readDeliveredAttribute(raw['delivered']);
      const repair = readRepairAttribute(raw['repair']);
      const content = itemFromStreamImage(image);
      for (const name of SYSTEM_ATTRIBUTES) delete content[name];
      return {
        accountId: image['accountId']?.S ?? '',
        budgetName: image['budgetName']?.S ?? '',
        content,
        ...(sync ? { sync } : {}),
        ...(delivered ? { delivered } : {}),
        ...(repair ? { repair } : {}),
      };
    });
  }
}
