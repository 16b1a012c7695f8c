import {
  AttachPolicyCommand,
  CreatePolicyCommand,
  DeletePolicyCommand,
  DescribePolicyCommand,
  DetachPolicyCommand,
  ListPoliciesCommand,
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
   * Makes the account's lockdown policy deny exactly the `locks` and be attached to the account;
   * with no locks, detaches and deletes it. Idempotent: run it again with the same locks, nothing changes.
   */
  apply(accountId: string, locks: readonly BudgetLock[]): Promise<AccountLockdownPolicy>;
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
    const { Tags } = await organizations.send(new ListTagsForResourceCommand({ ResourceId: policyId }));
    if (!(Tags ?? []).some((tag) => tag.Key === MANAGED_TAG_KEY && tag.Value === 'true')) {
      throw new LockdownPolicyNotManagedError(accountId, policyId);
    }
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

  async function read(accountId: string): Promise<AccountLockdownPolicy & { content?: string }> {
    const policyId = await findPolicy(accountId);
    if (!policyId) return { attached: false, locks: [] };
    await assertManaged(accountId, policyId);
    const { Policy } = await organizations.send(new DescribePolicyCommand({ PolicyId: policyId }));
    const content = Policy?.Content ?? '';
    return { policyId, attached: await isAttached(accountId, policyId), locks: locksOfPolicy(content), content };
  }

  return {
    async read(accountId) {
      const { content: _content, ...policy } = await read(accountId);
      return policy;
    },

    async apply(accountId, locks) {
      const existing = await read(accountId);
      if (locks.length === 0) {
        if (!existing.policyId) return { attached: false, locks: [] };
        try {
          await organizations.send(new DetachPolicyCommand({ PolicyId: existing.policyId, TargetId: accountId }));
        } catch (error) {
          if (!isNamed(error, 'PolicyNotAttachedException')) throw error;
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
    },
  };
}
