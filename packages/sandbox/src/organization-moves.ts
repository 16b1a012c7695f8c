import {
  CreateOrganizationalUnitCommand,
  MoveAccountCommand,
  OrganizationsClient,
  RemoveAccountFromOrganizationCommand,
} from '@aws-sdk/client-organizations';
import { MANAGEMENT_CREDENTIALS, type LocalCloud } from './local-cloud';

/**
 * Changes of the organization made as its management account would make them, through the front
 * door (which sends the Organizations events AWS would send, so that the hub's
 * expand-org-defaults sees them). No StackSet follows: for moves in and out of the spokes' OU,
 * use `joinSpokeOu` / `leaveSpokeOu`.
 */
function organizationsOf(cloud: Pick<LocalCloud, 'region' | 'endpoint'>): OrganizationsClient {
  return new OrganizationsClient({
    region: cloud.region,
    endpoint: cloud.endpoint,
    credentials: MANAGEMENT_CREDENTIALS,
  });
}

/** Creates an OU under `parentId` (an OU or the root); returns its id. */
export async function createOrganizationalUnitIn(
  cloud: Pick<LocalCloud, 'region' | 'endpoint'>,
  parentId: string,
  name: string,
): Promise<string> {
  const organizations = organizationsOf(cloud);
  try {
    const created = await organizations.send(new CreateOrganizationalUnitCommand({ ParentId: parentId, Name: name }));
    const id = created.OrganizationalUnit?.Id;
    if (!id) throw new Error(`CreateOrganizationalUnit ${name} under ${parentId} returned no id`);
    return id;
  } finally {
    organizations.destroy();
  }
}

/** Moves an account from one parent (OU or root) to another. */
export async function moveAccountBetween(
  cloud: Pick<LocalCloud, 'region' | 'endpoint'>,
  accountId: string,
  sourceParentId: string,
  destinationParentId: string,
): Promise<void> {
  const organizations = organizationsOf(cloud);
  try {
    await organizations.send(
      new MoveAccountCommand({
        AccountId: accountId,
        SourceParentId: sourceParentId,
        DestinationParentId: destinationParentId,
      }),
    );
  } finally {
    organizations.destroy();
  }
}

/**
 * Removes an account from the organization (as the management account does), through the front
 * door, which sends Organizations' event for it. The local cloud's own lists of accounts are not
 * changed: the account's spoke stays deployed there, out of the hub's reach.
 */
export async function removeAccountFromOrganization(
  cloud: Pick<LocalCloud, 'region' | 'endpoint'>,
  accountId: string,
): Promise<void> {
  const organizations = organizationsOf(cloud);
  try {
    await organizations.send(new RemoveAccountFromOrganizationCommand({ AccountId: accountId }));
  } finally {
    organizations.destroy();
  }
}
