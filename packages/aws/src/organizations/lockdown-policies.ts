import {
  AttachPolicyCommand,
  CreatePolicyCommand,
  DeletePolicyCommand,
  DescribePolicyCommand,
  DetachPolicyCommand,
  ListPoliciesCommand,
  ListPoliciesForTargetCommand,
  ListTagsForResourceCommand,
  ListTargetsForPolicyCommand,
  UpdatePolicyCommand,
  type OrganizationsClient,
} from '@aws-sdk/client-organizations';
import { lockdownPolicyDocument, locksOfPolicy, type BudgetLock } from '@org-budgets/budgets';
import { LockdownPolicyNotManagedError, lockdownPolicyName } from '../errors';

/** The tag that marks what org-budgets manages; the hub role may attach and detach only such policies. */
export const MANAGED_TAG_KEY = 'org-budgets:managed';
export const LOCKDOWN_ACCOUNT_TAG_KEY = 'org-budgets:account';
const SCP = 'SERVICE_CONTROL_POLICY';

/** An account's lockdown policy as the management account holds it: the record of which budgets lock it. */
export interface AccountLockdownPolicy {
  /** The account's lockdown policy, when there is one. */
  policyId?: string;
  /** True when it is attached to the account (its APIs are denied there). */
  attached: boolean;
  /** The budgets whose APIs it denies (one statement each). */
  locks: BudgetLock[];
}

/** The accounts' lockdown policies: service control policies of org-budgets, one per account. */
export interface LockdownPolicies {
  /** The account's lockdown policy (ListPolicies, its tags, its content, its targets). */
  read(accountId: string): Promise<AccountLockdownPolicy>;
  /**
   * The account's lockdown policy if it is attached to the account, else none (`attached: false`,
   * no locks): one ListPoliciesForTarget when the account is not locked down (an account has at
   * most five SCPs attached), three when it is. Cheaper than `read` in a large organization,
   * for the question "what locks this account now?".
   */
  readAttached(accountId: string): Promise<AccountLockdownPolicy>;
  /**
   * Every account's lockdown policy in the organization (ListPolicies, all pages; then per policy
   * its tags, content and targets), for the hourly sweep. Policies named like ours without the
   * managed tag are left out (and left alone).
   */
  list(): AsyncIterable<AccountLockdownPolicy & { accountId: string }>;
  /**
   * Makes the account's lockdown policy deny exactly the `locks` and be attached to the account;
   * with no locks, detaches and deletes it. Idempotent: run it again with the same locks, nothing changes.
   */
  apply(accountId: string, locks: readonly BudgetLock[]): Promise<AccountLockdownPolicy>;
  /**
   * Reads the account's lockdown policy once and applies the locks `change` makes of it, as
   * `apply` does; `change` returning undefined leaves the policy as it is (nothing written).
   */
  update(
    accountId: string,
    change: (current: AccountLockdownPolicy) => readonly BudgetLock[] | undefined,
  ): Promise<AccountLockdownPolicy>;
}

function isNamed(error: unknown, name: string): boolean {
  return (error as { name?: unknown } | null)?.name === name;
}

export function createLockdownPolicies(organizations: OrganizationsClient): LockdownPolicies {
  /** The account's lockdown policy id (ListPolicies, all pages; names are unique in an organization). */
  async function findPolicy(accountId: string): Promise<string | undefined> {
    const name = lockdownPolicyName(accountId);
    let nextToken: string | undefined;
    do {
      const page = await organizations.send(
        new ListPoliciesCommand({ Filter: SCP, ...(nextToken ? { NextToken: nextToken } : {}) }),
      );
      const found = (page.Policies ?? []).find((policy) => policy.Name === name);
      if (found?.Id) return found.Id;
      nextToken = page.NextToken || undefined;
    } while (nextToken);
    return undefined;
  }

  async function assertManaged(accountId: string, policyId: string): Promise<void> {
    if (!(await isManaged(policyId))) throw new LockdownPolicyNotManagedError(accountId, policyId);
  }

  async function isAttached(accountId: string, policyId: string): Promise<boolean> {
    let nextToken: string | undefined;
    do {
      const page = await organizations.send(
        new ListTargetsForPolicyCommand({ PolicyId: policyId, ...(nextToken ? { NextToken: nextToken } : {}) }),
      );
      if ((page.Targets ?? []).some((target) => target.TargetId === accountId)) return true;
      nextToken = page.NextToken || undefined;
    } while (nextToken);
    return false;
  }

  async function isManaged(policyId: string): Promise<boolean> {
    const { Tags } = await organizations.send(new ListTagsForResourceCommand({ ResourceId: policyId }));
    return (Tags ?? []).some((tag) => tag.Key === MANAGED_TAG_KEY && tag.Value === 'true');
  }

  async function read(accountId: string): Promise<AccountLockdownPolicy & { content?: string }> {
    const policyId = await findPolicy(accountId);
    if (!policyId) return { attached: false, locks: [] };
    await assertManaged(accountId, policyId);
    const { Policy } = await organizations.send(new DescribePolicyCommand({ PolicyId: policyId }));
    const content = Policy?.Content ?? '';
    return { policyId, attached: await isAttached(accountId, policyId), locks: locksOfPolicy(content), content };
  }

  async function findAttachedPolicy(accountId: string): Promise<string | undefined> {
    const name = lockdownPolicyName(accountId);
    let nextToken: string | undefined;
    do {
      const page = await organizations.send(
        new ListPoliciesForTargetCommand({
          TargetId: accountId,
          Filter: SCP,
          ...(nextToken ? { NextToken: nextToken } : {}),
        }),
      );
      const found = (page.Policies ?? []).find((policy) => policy.Name === name);
      if (found?.Id) return found.Id;
      nextToken = page.NextToken || undefined;
    } while (nextToken);
    return undefined;
  }

  return {
    async *list() {
      const prefix = lockdownPolicyName('');
      let nextToken: string | undefined;
      do {
        const page = await organizations.send(
          new ListPoliciesCommand({ Filter: SCP, ...(nextToken ? { NextToken: nextToken } : {}) }),
        );
        for (const summary of page.Policies ?? []) {
          const accountId = summary.Name?.startsWith(prefix) ? summary.Name.slice(prefix.length) : '';
          if (!summary.Id || !/^\d{12}$/.test(accountId) || !(await isManaged(summary.Id))) continue;
          const { Policy } = await organizations.send(new DescribePolicyCommand({ PolicyId: summary.Id }));
          yield {
            accountId,
            policyId: summary.Id,
            attached: await isAttached(accountId, summary.Id),
            locks: locksOfPolicy(Policy?.Content ?? ''),
          };
        }
        nextToken = page.NextToken || undefined;
      } while (nextToken);
    },

    async readAttached(accountId) {
      const policyId = await findAttachedPolicy(accountId);
      if (!policyId) return { attached: false, locks: [] };
      await assertManaged(accountId, policyId);
      const { Policy } = await organizations.send(new DescribePolicyCommand({ PolicyId: policyId }));
      return { policyId, attached: true, locks: locksOfPolicy(Policy?.Content ?? '') };
    },

    async read(accountId) {
      const { content: _content, ...policy } = await read(accountId);
      return policy;
    },

    apply: (accountId, locks) => update(accountId, () => locks),
    update,
  };

  async function update(...[accountId, change]: Parameters<LockdownPolicies['update']>) {
    const existing = await read(accountId);
    const { content: _content, ...current } = existing;
    const locks = change(current);
    return locks === undefined ? current : applyTo(accountId, existing, locks);
  }

  async function applyTo(
    accountId: string,
    existing: AccountLockdownPolicy & { content?: string },
    locks: readonly BudgetLock[],
  ): Promise<AccountLockdownPolicy> {
    if (locks.length === 0) {
      if (!existing.policyId) return { attached: false, locks: [] };
      try {
        await organizations.send(new DetachPolicyCommand({ PolicyId: existing.policyId, TargetId: accountId }));
      } catch (error) {
        // Not attached (any more), or the account left the organization (which detached it).
        if (!isNamed(error, 'PolicyNotAttachedException') && !isNamed(error, 'TargetNotFoundException')) throw error;
      }
      await organizations.send(new DeletePolicyCommand({ PolicyId: existing.policyId }));
      return { attached: false, locks: [] };
    }
    const content = lockdownPolicyDocument(locks);
    let policyId = existing.policyId;
    if (!policyId) {
      const created = await organizations.send(
        new CreatePolicyCommand({
          Name: lockdownPolicyName(accountId),
          Description: `org-budgets lockdown of account ${accountId}: one statement per budget that locks it`,
          Type: SCP,
          Content: content,
          Tags: [
            { Key: MANAGED_TAG_KEY, Value: 'true' },
            { Key: LOCKDOWN_ACCOUNT_TAG_KEY, Value: accountId },
          ],
        }),
      );
      policyId = created.Policy?.PolicySummary?.Id;
      if (!policyId) throw new Error(`CreatePolicy returned no policy id for account ${accountId}`);
    } else if (existing.content !== content) {
      await organizations.send(new UpdatePolicyCommand({ PolicyId: policyId, Content: content }));
    }
    if (!existing.attached) {
      try {
        await organizations.send(new AttachPolicyCommand({ PolicyId: policyId, TargetId: accountId }));
      } catch (error) {
        if (!isNamed(error, 'DuplicatePolicyAttachmentException')) throw error;
      }
    }
    return { policyId, attached: true, locks: locksOfPolicy(content) };
  }
}
