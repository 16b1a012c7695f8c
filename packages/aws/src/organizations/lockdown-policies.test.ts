import {
  AttachPolicyCommand,
  CreatePolicyCommand,
  DeletePolicyCommand,
  DescribePolicyCommand,
  DetachPolicyCommand,
  DuplicatePolicyAttachmentException,
  ListPoliciesCommand,
  ListPoliciesForTargetCommand,
  ListTagsForResourceCommand,
  ListTargetsForPolicyCommand,
  OrganizationsClient,
  UpdatePolicyCommand,
} from '@aws-sdk/client-organizations';
import { lockdownPolicyDocument } from '@org-budgets/budgets';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { LockdownPolicyNotManagedError } from '../errors';
import { createLockdownPolicies } from './lockdown-policies';

const organizations = mockClient(OrganizationsClient);
const ACCOUNT = '111111111111';
const NAME = `org-budgets-lockdown-${ACCOUNT}`;
const RESEARCH = { budgetName: 'research', apis: ['ec2:RunInstances'] };
const GPU = { budgetName: 'gpu', apis: ['sagemaker:Create*'] };
const policies = () => createLockdownPolicies(new OrganizationsClient({ region: 'us-east-1' }));

function existing(locks: { budgetName: string; apis: string[] }[], options: { attached: boolean; managed?: boolean }) {
  organizations
    .on(ListPoliciesCommand)
    .resolvesOnce({ Policies: [{ Id: 'p-other', Name: 'FullAWSAccess' }], NextToken: 'page-2' })
    .resolves({ Policies: [{ Id: 'p-lock', Name: NAME }] });
  organizations.on(ListTagsForResourceCommand, { ResourceId: 'p-lock' }).resolves({
    Tags: options.managed === false ? [] : [{ Key: 'org-budgets:managed', Value: 'true' }],
  });
  organizations
    .on(DescribePolicyCommand, { PolicyId: 'p-lock' })
    .resolves({ Policy: { Content: lockdownPolicyDocument(locks) } });
  organizations
    .on(ListTargetsForPolicyCommand, { PolicyId: 'p-lock' })
    .resolves({ Targets: options.attached ? [{ TargetId: ACCOUNT }] : [] });
}

beforeEach(() => {
  organizations.reset();
  organizations.on(ListPoliciesCommand).resolves({ Policies: [] });
});

describe('createLockdownPolicies', () => {
  it('creates the account’s policy, tagged as org-budgets’, and attaches it', async () => {
    organizations.on(CreatePolicyCommand).resolves({ Policy: { PolicySummary: { Id: 'p-new' } } });
    organizations.on(AttachPolicyCommand).resolves({});

    await expect(policies().apply(ACCOUNT, [RESEARCH])).resolves.toEqual({
      policyId: 'p-new',
      attached: true,
      locks: [RESEARCH],
    });

    expect(organizations).toHaveReceivedCommandWith(CreatePolicyCommand, {
      Name: NAME,
      Type: 'SERVICE_CONTROL_POLICY',
      Content: lockdownPolicyDocument([RESEARCH]),
      Tags: [
        { Key: 'org-budgets:managed', Value: 'true' },
        { Key: 'org-budgets:account', Value: ACCOUNT },
      ],
    });
    expect(organizations).toHaveReceivedCommandWith(AttachPolicyCommand, { PolicyId: 'p-new', TargetId: ACCOUNT });
  });

  it('reads which budgets lock the account from its policy (all pages of ListPolicies)', async () => {
    existing([GPU, RESEARCH], { attached: true });
    await expect(policies().read(ACCOUNT)).resolves.toEqual({
      policyId: 'p-lock',
      attached: true,
      locks: [GPU, RESEARCH],
    });
  });

  it('reads the policy attached to the account from the account’s policies alone (no listing of the organization’s)', async () => {
    existing([GPU], { attached: true });
    organizations
      .on(ListPoliciesForTargetCommand, { TargetId: ACCOUNT, Filter: 'SERVICE_CONTROL_POLICY' })
      .resolvesOnce({ Policies: [{ Id: 'p-full', Name: 'FullAWSAccess' }], NextToken: 'page-2' })
      .resolves({ Policies: [{ Id: 'p-lock', Name: NAME }] });

    await expect(policies().readAttached(ACCOUNT)).resolves.toEqual({
      policyId: 'p-lock',
      attached: true,
      locks: [GPU],
    });
    expect(organizations).not.toHaveReceivedCommand(ListPoliciesCommand);
    expect(organizations).not.toHaveReceivedCommand(ListTargetsForPolicyCommand);
  });

  it('reads no lock when the account’s lockdown policy is not attached, and refuses a policy it does not manage', async () => {
    organizations.on(ListPoliciesForTargetCommand).resolves({ Policies: [{ Id: 'p-full', Name: 'FullAWSAccess' }] });
    await expect(policies().readAttached(ACCOUNT)).resolves.toEqual({ attached: false, locks: [] });

    existing([GPU], { attached: true, managed: false });
    organizations.on(ListPoliciesForTargetCommand).resolves({ Policies: [{ Id: 'p-lock', Name: NAME }] });
    await expect(policies().readAttached(ACCOUNT)).rejects.toThrow(LockdownPolicyNotManagedError);
  });

  it('lists every account’s lockdown policy that org-budgets manages, across pages, and no other', async () => {
    const OTHER_ACCOUNT = '222222222222';
    organizations
      .on(ListPoliciesCommand)
      .resolvesOnce({
        Policies: [
          { Id: 'p-full', Name: 'FullAWSAccess' },
          { Id: 'p-lock', Name: NAME },
        ],
        NextToken: 'page-2',
      })
      .resolves({
        Policies: [
          { Id: 'p-theirs', Name: `org-budgets-lockdown-${OTHER_ACCOUNT}` },
          { Id: 'p-odd', Name: 'org-budgets-lockdown-not-an-account' },
        ],
      });
    organizations.on(ListTagsForResourceCommand).resolves({ Tags: [{ Key: 'org-budgets:managed', Value: 'true' }] });
    organizations.on(ListTagsForResourceCommand, { ResourceId: 'p-theirs' }).resolves({ Tags: [] });
    organizations
      .on(DescribePolicyCommand, { PolicyId: 'p-lock' })
      .resolves({ Policy: { Content: lockdownPolicyDocument([GPU]) } });
    organizations.on(ListTargetsForPolicyCommand, { PolicyId: 'p-lock' }).resolves({ Targets: [] });

    const listed = [];
    for await (const policy of policies().list()) listed.push(policy);
    expect(listed).toEqual([{ accountId: ACCOUNT, policyId: 'p-lock', attached: false, locks: [GPU] }]);
    expect(organizations).not.toHaveReceivedCommandWith(DescribePolicyCommand, { PolicyId: 'p-theirs' });
  });

  it('deletes the policy of an account that left the organization (leaving detached it)', async () => {
    existing([RESEARCH], { attached: true });
    organizations
      .on(DetachPolicyCommand)
      .rejects(Object.assign(new Error('gone'), { name: 'TargetNotFoundException' }));
    organizations.on(DeletePolicyCommand).resolves({});
    await expect(policies().apply(ACCOUNT, [])).resolves.toEqual({ attached: false, locks: [] });
    expect(organizations).toHaveReceivedCommandWith(DeletePolicyCommand, { PolicyId: 'p-lock' });
  });

  it('updates the content of an existing policy and attaches it only when it is not attached', async () => {
    existing([GPU], { attached: true });
    organizations.on(UpdatePolicyCommand).resolves({});

    await policies().apply(ACCOUNT, [GPU, RESEARCH]);

    expect(organizations).toHaveReceivedCommandWith(UpdatePolicyCommand, {
      PolicyId: 'p-lock',
      Content: lockdownPolicyDocument([GPU, RESEARCH]),
    });
    expect(organizations).not.toHaveReceivedCommand(AttachPolicyCommand);
    expect(organizations).not.toHaveReceivedCommand(CreatePolicyCommand);
  });

  it('reads the policy once to update it, and writes nothing when the change says so', async () => {
    existing([GPU], { attached: true });
    organizations.on(UpdatePolicyCommand).resolves({});

    await expect(policies().update(ACCOUNT, () => undefined)).resolves.toEqual({
      policyId: 'p-lock',
      attached: true,
      locks: [GPU],
    });
    expect(organizations).not.toHaveReceivedCommand(UpdatePolicyCommand);

    await policies().update(ACCOUNT, (current) => [...current.locks, RESEARCH]);
    expect(organizations).toHaveReceivedCommandWith(UpdatePolicyCommand, {
      Content: lockdownPolicyDocument([GPU, RESEARCH]),
    });
    expect(organizations).toHaveReceivedCommandTimes(DescribePolicyCommand, 2);
  });

  it('takes an attachment made meanwhile as done', async () => {
    existing([RESEARCH], { attached: false });
    organizations
      .on(AttachPolicyCommand)
      .rejects(new DuplicatePolicyAttachmentException({ message: 'attached', $metadata: {} }));
    await expect(policies().apply(ACCOUNT, [RESEARCH])).resolves.toMatchObject({ attached: true });
  });

  it('detaches and deletes the policy when no budget locks the account any more', async () => {
    existing([RESEARCH], { attached: true });
    organizations.on(DetachPolicyCommand).resolves({});
    organizations.on(DeletePolicyCommand).resolves({});

    await expect(policies().apply(ACCOUNT, [])).resolves.toEqual({ attached: false, locks: [] });

    expect(organizations).toHaveReceivedCommandWith(DetachPolicyCommand, { PolicyId: 'p-lock', TargetId: ACCOUNT });
    expect(organizations).toHaveReceivedCommandWith(DeletePolicyCommand, { PolicyId: 'p-lock' });
  });

  it('leaves a policy of that name alone when org-budgets does not manage it', async () => {
    existing([RESEARCH], { attached: true, managed: false });
    await expect(policies().apply(ACCOUNT, [])).rejects.toThrow(LockdownPolicyNotManagedError);
    expect(organizations).not.toHaveReceivedCommand(DetachPolicyCommand);
  });
});
