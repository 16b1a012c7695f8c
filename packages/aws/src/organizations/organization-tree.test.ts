import {
  ListAccountsForParentCommand,
  ListOrganizationalUnitsForParentCommand,
  ListRootsCommand,
  OrganizationsClient,
} from '@aws-sdk/client-organizations';
import { mockClient } from 'aws-sdk-client-mock';
import { organizationUnitPath, readOrganizationTree } from './organization-tree';

const organizations = mockClient(OrganizationsClient);
const client = new OrganizationsClient({ region: 'us-east-1' });

beforeEach(() => organizations.reset());

describe('readOrganizationTree', () => {
  beforeEach(() => {
    organizations.on(ListRootsCommand).resolves({ Roots: [{ Id: 'r-ab12', Name: 'Root' }] });
    organizations
      .on(ListOrganizationalUnitsForParentCommand, { ParentId: 'r-ab12' })
      .resolves({ OrganizationalUnits: [{ Id: 'ou-ab12-research', Name: 'Research' }] });
    organizations
      .on(ListOrganizationalUnitsForParentCommand, { ParentId: 'ou-ab12-research' })
      .resolvesOnce({ OrganizationalUnits: [{ Id: 'ou-ab12-genomics', Name: 'Genomics' }], NextToken: 't' })
      .resolvesOnce({ OrganizationalUnits: [] });
    organizations.on(ListOrganizationalUnitsForParentCommand, { ParentId: 'ou-ab12-genomics' }).resolves({});
    organizations
      .on(ListAccountsForParentCommand, { ParentId: 'r-ab12' })
      .resolves({ Accounts: [{ Id: '000000000000', Name: 'management', State: 'ACTIVE' }] });
    organizations.on(ListAccountsForParentCommand, { ParentId: 'ou-ab12-research' }).resolves({});
    organizations
      .on(ListAccountsForParentCommand, { ParentId: 'ou-ab12-genomics' })
      .resolves({ Accounts: [{ Id: '111111111111', Name: 'lab', Status: 'SUSPENDED' }] });
  });

  it('walks the roots and OUs, every page, and places each account', async () => {
    const tree = await readOrganizationTree(client);

    expect([...tree.units.keys()]).toEqual(['r-ab12', 'ou-ab12-research', 'ou-ab12-genomics']);
    expect(tree.accounts.get('111111111111')).toEqual({
      id: '111111111111',
      name: 'lab',
      state: 'SUSPENDED',
      parentId: 'ou-ab12-genomics',
    });
    expect(tree.accounts.get('000000000000')?.parentId).toBe('r-ab12');
  });

  it('names a unit by its path from the root', async () => {
    const tree = await readOrganizationTree(client);

    expect(organizationUnitPath(tree, 'ou-ab12-genomics')).toBe('Root/Research/Genomics');
    expect(organizationUnitPath(tree, 'r-ab12')).toBe('Root');
  });
});
