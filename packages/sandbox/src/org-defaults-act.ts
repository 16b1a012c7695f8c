import { eventually } from './eventually';
import type { LocalCloud } from './local-cloud';
import type { ItemKey } from './sync-watcher';

/**
 * The organization-defaults act `pnpm demo` plays (docs/organization-defaults.md): finance types
 * one item for the spokes' OU; every account of the OU gets that budget; an account that joins the
 * OU gets it too, by itself.
 */

export const ORG_DEFAULT_BUDGET = 'baseline';
export const ORG_DEFAULT_AMOUNT = 200;

type Cloud = Pick<
  LocalCloud,
  | 'putItem'
  | 'getItem'
  | 'organization'
  | 'memberAccounts'
  | 'outsideAccounts'
  | 'joinSpokeOu'
  | 'settled'
  | 'verifySpokesNow'
  | 'reconcileNow'
>;

export interface OrgDefaultsActResult {
  ouId: string;
  /** The accounts that got the budget from the OU item when it was typed. */
  accounts: string[];
  /** The OU item's status message once every account had it. */
  rollupMessage: string;
  /** The account that joined the OU afterwards, and its copy's status. */
  newcomer: string;
  newcomerStatus: string;
}

const syncOf = async (cloud: Cloud, key: ItemKey) =>
  (await cloud.getItem(key))?.['sync'] as { status?: string; message?: string } | undefined;

/** Waits until the account's copy of the OU's default is APPLIED. */
function appliedCopy(cloud: Cloud, accountId: string, ouId: string) {
  const key = { accountId, budgetName: ORG_DEFAULT_BUDGET };
  return eventually(`${accountId}/${ORG_DEFAULT_BUDGET} APPLIED from ${ouId}`, async () => {
    const item = await cloud.getItem(key);
    const sync = item?.['sync'] as { status?: string } | undefined;
    return item?.['inheritedFrom'] === ouId && sync?.status === 'APPLIED' ? sync.status : undefined;
  });
}

export async function playOrgDefaultsAct(
  cloud: Cloud,
  options: { newcomer: string; progress?: (message: string) => void },
): Promise<OrgDefaultsActResult> {
  const progress = options.progress ?? (() => undefined);
  const ouId = cloud.organization.spokeOuId;
  const accounts = [...cloud.memberAccounts];
  await cloud.putItem({
    accountId: ouId,
    budgetName: ORG_DEFAULT_BUDGET,
    amount: ORG_DEFAULT_AMOUNT,
    emails: ['finance@example.org'],
    notes: 'every account of the OU',
  });
  progress(`finance put one item for OU ${ouId}: ${ORG_DEFAULT_BUDGET}, ${ORG_DEFAULT_AMOUNT} USD a month`);
  for (const accountId of accounts) await appliedCopy(cloud, accountId, ouId);
  const ouKey = { accountId: ouId, budgetName: ORG_DEFAULT_BUDGET };
  const rollup = await eventually('the OU item APPLIED', async () => {
    const sync = await syncOf(cloud, ouKey);
    return sync?.status === 'APPLIED' ? sync : undefined;
  });
  progress(`the OU item: ${rollup.message ?? ''}`);

  // A new account joins the OU: the StackSet gives it the spoke; Organizations' MoveAccount event
  // gives it the OU's budget. If the copy was delivered before the spoke's rule existed, the
  // spoke's hourly check applies it; if before its role existed, the reconciler delivers it again.
  await cloud.joinSpokeOu(options.newcomer);
  progress(`account ${options.newcomer} joined the OU`);
  const newcomerKey = { accountId: options.newcomer, budgetName: ORG_DEFAULT_BUDGET };
  await eventually('the newcomer’s copy written', async () => ((await cloud.getItem(newcomerKey)) ? true : undefined));
  await cloud.settled(60_000);
  const status = (await syncOf(cloud, newcomerKey))?.status;
  if (status === 'DELIVERED') cloud.verifySpokesNow(options.newcomer);
  if (status === 'FAILED') cloud.reconcileNow();
  const newcomerStatus = await appliedCopy(cloud, options.newcomer, ouId);
  progress(`account ${options.newcomer} has the OU's budget: ${newcomerStatus}`);
  return { ouId, accounts, rollupMessage: rollup.message ?? '', newcomer: options.newcomer, newcomerStatus };
}
