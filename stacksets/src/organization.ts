import {
  DescribeOrganizationCommand,
  ListAccountsForParentCommand,
  ListOrganizationalUnitsForParentCommand,
  ListParentsCommand,
  OrganizationsClient,
} from '@aws-sdk/client-organizations';

/** What the rollout reads from AWS Organizations. */
export interface OrganizationView {
  organizationId(): Promise<string>;
  /** Active accounts in the OU and every OU below it. */
  accountsUnder(organizationalUnitId: string): Promise<string[]>;
  /** The account's parent, its parent, … up to the root. */
  ancestorsOf(accountId: string): Promise<string[]>;
}

/** OrganizationView over @aws-sdk/client-organizations (management or delegated admin account). */
export class AwsOrganization implements OrganizationView {
  constructor(private readonly client: OrganizationsClient) {}

  async organizationId(): Promise<string> {
    const { Organization: organization } = await this.client.send(new DescribeOrganizationCommand({}));
    if (!organization?.Id)
      throw new Error('DescribeOrganization returned no organization id: is this account in an organization?');
    return organization.Id;
  }

  async accountsUnder(organizationalUnitId: string): Promise<string[]> {
    const accounts: string[] = [];
    const pending = [organizationalUnitId];
    for (let parent = pending.shift(); parent !== undefined; parent = pending.shift()) {
      let nextToken: string | undefined;
      do {
        const page = await this.client.send(
          new ListAccountsForParentCommand({ ParentId: parent, NextToken: nextToken }),
        );
        for (const account of page.Accounts ?? []) {
          // Suspended and closing accounts cannot take stack instances.
          const state = account.State ?? account.Status;
          if (account.Id && (state === undefined || state === 'ACTIVE')) accounts.push(account.Id);
        }
        nextToken = page.NextToken;
      } while (nextToken);
      do {
        const page = await this.client.send(
          new ListOrganizationalUnitsForParentCommand({ ParentId: parent, NextToken: nextToken }),
        );
        for (const ou of page.OrganizationalUnits ?? []) if (ou.Id) pending.push(ou.Id);
        nextToken = page.NextToken;
      } while (nextToken);
    }
    return accounts;
  }

  async ancestorsOf(accountId: string): Promise<string[]> {
    const ancestors: string[] = [];
    for (let child = accountId; ancestors.length < 10;) {
      const { Parents: parents } = await this.client.send(new ListParentsCommand({ ChildId: child }));
      const parent = parents?.[0];
      if (!parent?.Id) break;
      ancestors.push(parent.Id);
      if (parent.Type === 'ROOT') break;
      child = parent.Id;
    }
    return ancestors;
  }
}
