import {
  ListAccountsForParentCommand,
  ListOrganizationalUnitsForParentCommand,
  ListRootsCommand,
  type OrganizationsClient,
} from '@aws-sdk/client-organizations';

/** An account of the organization, where it sits. */
export interface OrganizationTreeAccount {
  id: string;
  name: string;
  /** ACTIVE, SUSPENDED, PENDING_CLOSURE (State, or the older Status). */
  state: string;
  /** The root or OU that holds it. */
  parentId: string;
}

/** An organizational unit or the root. */
export interface OrganizationTreeUnit {
  id: string;
  name: string;
  /** undefined for a root. */
  parentId?: string;
}

/** The organization as a tree: roots and OUs by id, accounts by id. */
export interface OrganizationTree {
  units: Map<string, OrganizationTreeUnit>;
  accounts: Map<string, OrganizationTreeAccount>;
}

/**
 * Reads the whole organization (from its management account or a delegated administrator):
 * ListRoots, then for each root and OU its child OUs and accounts (every page). One call per OU
 * and page, not one per account.
 */
export async function readOrganizationTree(organizations: OrganizationsClient): Promise<OrganizationTree> {
  const tree: OrganizationTree = { units: new Map(), accounts: new Map() };
  const parents: string[] = [];
  let token: string | undefined;
  do {
    const page = await organizations.send(new ListRootsCommand({ ...(token ? { NextToken: token } : {}) }));
    for (const root of page.Roots ?? []) {
      if (!root.Id) continue;
      tree.units.set(root.Id, { id: root.Id, name: root.Name ?? 'Root' });
      parents.push(root.Id);
    }
    token = page.NextToken || undefined;
  } while (token);

  while (parents.length > 0) {
    const parentId = parents.shift() as string;
    let ouToken: string | undefined;
    do {
      const page = await organizations.send(
        new ListOrganizationalUnitsForParentCommand({ ParentId: parentId, ...(ouToken ? { NextToken: ouToken } : {}) }),
      );
      for (const unit of page.OrganizationalUnits ?? []) {
        if (!unit.Id) continue;
        tree.units.set(unit.Id, { id: unit.Id, name: unit.Name ?? unit.Id, parentId });
        parents.push(unit.Id);
      }
      ouToken = page.NextToken || undefined;
    } while (ouToken);
    let accountToken: string | undefined;
    do {
      const page = await organizations.send(
        new ListAccountsForParentCommand({ ParentId: parentId, ...(accountToken ? { NextToken: accountToken } : {}) }),
      );
      for (const account of page.Accounts ?? []) {
        if (!account.Id) continue;
        tree.accounts.set(account.Id, {
          id: account.Id,
          name: account.Name ?? '',
          state: account.State ?? account.Status ?? 'ACTIVE',
          parentId,
        });
      }
      accountToken = page.NextToken || undefined;
    } while (accountToken);
  }
  return tree;
}

/** The path of names from the root down to a unit: `Root/Research/Genomics`. */
export function organizationUnitPath(tree: OrganizationTree, unitId: string): string {
  const names: string[] = [];
  const seen = new Set<string>();
  for (
    let unit = tree.units.get(unitId);
    unit && !seen.has(unit.id);
    unit = unit.parentId ? tree.units.get(unit.parentId) : undefined
  ) {
    seen.add(unit.id);
    names.unshift(unit.name);
  }
  return names.join('/');
}
