import { organizationUnitPath, type OrganizationTree } from '@org-budgets/aws';

/** What an item's accountId names in the organization. */
export type DirectoryEntry =
  | { kind: 'account'; id: string; name: string; state: string; unitId: string; unitPath: string }
  | { kind: 'unit'; id: string; name: string; unitId: string; unitPath: string };

/** An OU id (`ou-…`) or a root id (`r-…`): an item for a whole OU (see docs/cli.md). */
export const isUnitId = (id: string): boolean => /^(ou|r)-[0-9a-z-]+$/.test(id);

/** The organization, for names, OUs and checks of account ids. */
export class OrganizationDirectory {
  constructor(private readonly tree: OrganizationTree) {}

  /** How many accounts the organization has. */
  get accountCount(): number {
    return this.tree.accounts.size;
  }

  /** The account, OU or root an id names; undefined when it is none of the organization's. */
  find(id: string): DirectoryEntry | undefined {
    const account = this.tree.accounts.get(id);
    if (account) {
      return {
        kind: 'account',
        id,
        name: account.name,
        state: account.state,
        unitId: account.parentId,
        unitPath: organizationUnitPath(this.tree, account.parentId),
      };
    }
    const unit = this.tree.units.get(id);
    if (unit) return { kind: 'unit', id, name: unit.name, unitId: id, unitPath: organizationUnitPath(this.tree, id) };
    return undefined;
  }

  /**
   * The account an argument names: its id, or its name (case-insensitive) when exactly one
   * account has it; an OU or root id as is.
   */
  resolveAccount(text: string): { id: string } | { problem: string } {
    const trimmed = text.trim();
    if (this.tree.accounts.has(trimmed) || this.tree.units.has(trimmed)) return { id: trimmed };
    const byName = [...this.tree.accounts.values()].filter((a) => a.name.toLowerCase() === trimmed.toLowerCase());
    if (byName.length === 1) return { id: (byName[0] as { id: string }).id };
    if (byName.length > 1) {
      return {
        problem: `${byName.length} accounts are named "${trimmed}" (${byName.map((a) => a.id).join(', ')}): give the id`,
      };
    }
    return { problem: this.unknownMessage(trimmed) };
  }

  /** Why an id is not one an item may have, or undefined when it is an active account, an OU or a root. */
  problemWith(id: string): string | undefined {
    const entry = this.find(id);
    if (!entry) return this.unknownMessage(id);
    if (entry.kind === 'account' && entry.state !== 'ACTIVE') {
      return `account ${id} (${entry.name}) is ${entry.state} in the organization: it cannot get a budget`;
    }
    return undefined;
  }

  private unknownMessage(id: string): string {
    if (isUnitId(id)) return `${id} is not an OU or root of the organization`;
    if (/^\d{12}$/.test(id)) {
      return `account ${id} is not in the organization (${this.accountCount} accounts): a typo, or an account that left or was closed?`;
    }
    return `"${id}" is not an account id or name of the organization`;
  }

  /**
   * Whether an id sits in an OU (given by id, name or path, case-insensitive), directly or in
   * one of its child OUs; an OU's own id matches itself.
   */
  isUnder(id: string, unit: string): boolean {
    const entry = this.find(id);
    if (!entry) return false;
    const wanted = unit.trim().toLowerCase();
    for (let current = this.tree.units.get(entry.unitId), seen = 0; current && seen < 100; seen += 1) {
      if (
        current.id.toLowerCase() === wanted ||
        current.name.toLowerCase() === wanted ||
        organizationUnitPath(this.tree, current.id).toLowerCase() === wanted
      ) {
        return true;
      }
      current = current.parentId ? this.tree.units.get(current.parentId) : undefined;
    }
    return false;
  }

  /** Whether an OU of that id, name or path exists. */
  hasUnit(unit: string): boolean {
    const wanted = unit.trim().toLowerCase();
    return [...this.tree.units.values()].some(
      (u) =>
        u.id.toLowerCase() === wanted ||
        u.name.toLowerCase() === wanted ||
        organizationUnitPath(this.tree, u.id).toLowerCase() === wanted,
    );
  }
}
