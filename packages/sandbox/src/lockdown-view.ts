import {
  DescribePolicyCommand,
  ListPoliciesCommand,
  ListPoliciesForTargetCommand,
  ListTagsForResourceCommand,
  OrganizationsClient,
} from '@aws-sdk/client-organizations';
import { MANAGEMENT_CREDENTIALS, type LocalCloud } from './local-cloud';

/** An account's org-budgets lockdown policy as the management account holds it (moto's Organizations). */
export interface LockdownPolicyView {
  id: string;
  content: string;
  tags: Record<string, string>;
  /** Attached to the account: its APIs are denied there. */
  attached: boolean;
}

/** The account's lockdown policy (`org-budgets-lockdown-<account>`), attached or not; undefined when there is none. */
export async function lockdownPolicyOf(
  cloud: Pick<LocalCloud, 'region' | 'endpoint'>,
  accountId: string,
): Promise<LockdownPolicyView | undefined> {
  const organizations = new OrganizationsClient({
    region: cloud.region,
    endpoint: cloud.endpoint,
    credentials: MANAGEMENT_CREDENTIALS,
  });
  try {
    const name = `org-budgets-lockdown-${accountId}`;
    const { Policies } = await organizations.send(new ListPoliciesCommand({ Filter: 'SERVICE_CONTROL_POLICY' }));
    const id = (Policies ?? []).find((policy) => policy.Name === name)?.Id;
    if (!id) return undefined;
    const [{ Policy }, { Tags }, targets] = await Promise.all([
      organizations.send(new DescribePolicyCommand({ PolicyId: id })),
      organizations.send(new ListTagsForResourceCommand({ ResourceId: id })),
      organizations.send(new ListPoliciesForTargetCommand({ TargetId: accountId, Filter: 'SERVICE_CONTROL_POLICY' })),
    ]);
    return {
      id,
      content: Policy?.Content ?? '',
      tags: Object.fromEntries((Tags ?? []).map((tag) => [tag.Key ?? '', tag.Value ?? ''])),
      attached: (targets.Policies ?? []).some((policy) => policy.Id === id),
    };
  } finally {
    organizations.destroy();
  }
}
