import { ListAccountsCommand, type OrganizationsClient } from '@aws-sdk/client-organizations';

/** The accounts of the organization with their status (ACTIVE, SUSPENDED, PENDING_CLOSURE). */
export type OrganizationAccounts = Map<string, string>;

/** Every account of the organization (ListAccounts, all pages); the hub runs in its management account. */
export async function listOrganizationAccounts(organizations: OrganizationsClient): Promise<OrganizationAccounts> {
  const accounts: OrganizationAccounts = new Map();
  let nextToken: string | undefined;
  do {
    const page = await organizations.send(new ListAccountsCommand({ ...(nextToken ? { NextToken: nextToken } : {}) }));
    for (const account of page.Accounts ?? []) {
      if (account.Id) accounts.set(account.Id, account.State ?? account.Status ?? 'ACTIVE');
    }
    nextToken = page.NextToken || undefined;
  } while (nextToken);
  return accounts;
}
