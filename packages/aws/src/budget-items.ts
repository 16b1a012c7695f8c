import { ScanCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { itemFromStreamImage, type StreamImage } from './stream-image';

/** An item of the budgets table as the reconciler sees it. */
export interface ScannedBudgetItem {
  accountId: string;
  budgetName: string;
  /** The item's attributes as plain values (numbers as numbers, sets as Sets), `sync` included. */
  content: Record<string, unknown>;
  /** `sync` as written, with the revision kept exactly (it is too long for a JS number). */
  sync?: { status?: string; stage?: string; revision?: string; message?: string };
}

/** Every item of the budgets table, page by page (one read per item). */
export async function* scanBudgetItems(
  ddb: DynamoDBClient,
  tableName: string,
  pageSize = 500,
): AsyncGenerator<ScannedBudgetItem[]> {
  let startKey: Record<string, unknown> | undefined;
  do {
    const page = await ddb.send(
      new ScanCommand({
        TableName: tableName,
        Limit: pageSize,
        ...(startKey ? { ExclusiveStartKey: startKey as never } : {}),
      }),
    );
    yield (page.Items ?? []).map((raw) => {
      const image = raw as StreamImage;
      const sync = image['sync']?.M;
      return {
        accountId: image['accountId']?.S ?? '',
        budgetName: image['budgetName']?.S ?? '',
        content: itemFromStreamImage(image),
        ...(sync
          ? {
              sync: {
                ...(sync['status']?.S ? { status: sync['status'].S } : {}),
                ...(sync['stage']?.S ? { stage: sync['stage'].S } : {}),
                ...(sync['revision']?.N ? { revision: sync['revision'].N } : {}),
                ...(sync['message']?.S ? { message: sync['message'].S } : {}),
              },
            }
          : {}),
      };
    });
    startKey = page.LastEvaluatedKey;
  } while (startKey);
}
