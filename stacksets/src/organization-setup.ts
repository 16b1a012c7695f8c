/**
 * Builds an organization in the local cloud (moto's Organizations): the accounts and OUs that
 * AWS accounts would already have. For tests and local set-ups, not for AWS.
 */
import {
  CreateAccountCommand,
  CreateOrganizationalUnitCommand,
  CreateOrganizationCommand,
  DescribeCreateAccountStatusCommand,
  DescribeOrganizationCommand,
  ListParentsCommand,
  ListRootsCommand,
  MoveAccountCommand,
  OrganizationsClient,
} from '@aws-sdk/client-organizations';

/** An Organizations client (its one endpoint is in us-east-1). */
export function createOrganizationsClient(region = 'us-east-1'): OrganizationsClient {
  return new OrganizationsClient({ region });
}

export interface LocalOrganization {
  id: string;
  rootId: string;
  managementAccountId: string;
}

/** The caller's organization, created (all features) if the account has none. */
export async function ensureOrganization(client: OrganizationsClient): Promise<LocalOrganization> {
  try {
    await client.send(new CreateOrganizationCommand({ FeatureSet: 'ALL' }));
  } catch (error) {
    if ((error as Error).name !== 'AlreadyInOrganizationException') throw error;
  }
  const { Organization: organization } = await client.send(new DescribeOrganizationCommand({}));
  const { Roots: roots } = await client.send(new ListRootsCommand({}));
  const rootId = roots?.[0]?.Id;
  if (!organization?.Id || !organization.MasterAccountId || !rootId)
    throw new Error('the organization has no id, management account or root');
  return { id: organization.Id, rootId, managementAccountId: organization.MasterAccountId };
}

export async function createOrganizationalUnit(
  client: OrganizationsClient,
  parentId: string,
  name: string,
): Promise<string> {
  const { OrganizationalUnit: ou } = await client.send(
    new CreateOrganizationalUnitCommand({ ParentId: parentId, Name: name }),
  );
  if (!ou?.Id) throw new Error(`CreateOrganizationalUnit ${name} returned no id`);
  return ou.Id;
}

/** Creates a member account (under the root) and waits until it exists. */
export async function createMemberAccount(client: OrganizationsClient, name: string, email: string): Promise<string> {
  const { CreateAccountStatus: status } = await client.send(
    new CreateAccountCommand({ AccountName: name, Email: email }),
  );
  let current = status;
  for (let attempt = 0; current?.State === 'IN_PROGRESS' && attempt < 60; attempt++) {
    await new Promise((resolve) => setTimeout(resolve, 500));
    ({ CreateAccountStatus: current } = await client.send(
      new DescribeCreateAccountStatusCommand({ CreateAccountRequestId: status?.Id }),
    ));
  }
  if (current?.State !== 'SUCCEEDED' || !current.AccountId) {
    throw new Error(`account ${name} was not created: ${current?.State ?? '?'} ${current?.FailureReason ?? ''}`.trim());
  }
  return current.AccountId;
}

/** Moves an account from wherever it is to the destination OU (or root). */
export async function moveAccount(
  client: OrganizationsClient,
  accountId: string,
  destinationParentId: string,
): Promise<void> {
  const { Parents: parents } = await client.send(new ListParentsCommand({ ChildId: accountId }));
  const source = parents?.[0]?.Id;
  if (!source) throw new Error(`account ${accountId} has no parent`);
  if (source === destinationParentId) return;
  await client.send(
    new MoveAccountCommand({ AccountId: accountId, SourceParentId: source, DestinationParentId: destinationParentId }),
  );
}
