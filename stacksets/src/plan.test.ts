import {
  describePlan,
  fingerprintFromDescription,
  fingerprintOf,
  planAccountMove,
  planRollout,
  PlanError,
  stackSetDescription,
  type CurrentStackSet,
  type DesiredStackSet,
  type InstanceSummary,
} from './plan';

const OU_A = 'ou-abcd-11111111';
const OU_B = 'ou-abcd-22222222';
const A1 = '111111111111';
const A2 = '111111111112';
const B1 = '222222222221';

function desired(overrides: Partial<DesiredStackSet> = {}): DesiredStackSet {
  return {
    name: 'org-budgets-spoke',
    templateBody: '{"Resources":{}}',
    parameters: { HubAccountId: '999999999999', SpokeExternalId: 'secret' },
    autoDeployment: { enabled: true, retainStacksOnAccountRemoval: false },
    targets: { organizationalUnitIds: [OU_A], regions: ['us-east-1'] },
    ...overrides,
  };
}

/** A StackSet deployed with `desired` (same fingerprint) and the given instances. */
function current(
  instances: InstanceSummary[],
  overrides: Partial<CurrentStackSet> = {},
  from = desired(),
): CurrentStackSet {
  return {
    name: from.name,
    status: 'ACTIVE',
    permissionModel: 'SERVICE_MANAGED',
    autoDeployment: { enabled: true, retainStacksOnAccountRemoval: false },
    description: stackSetDescription(fingerprintOf(from.templateBody, from.parameters)),
    templateBody: from.templateBody,
    instances,
    ...overrides,
  };
}

const instance = (account: string, region: string, extra: Partial<InstanceSummary> = {}): InstanceSummary => ({
  account,
  region,
  status: 'CURRENT',
  ...extra,
});

describe('planRollout', () => {
  it('creates the StackSet and then the instances of every target OU and region in one operation', () => {
    const plan = planRollout(
      desired({ targets: { organizationalUnitIds: [OU_A, OU_B], regions: ['us-east-1', 'eu-west-1'] } }),
      undefined,
      new Map([
        [OU_A, [A1, A2]],
        [OU_B, [B1]],
      ]),
    );

    expect(plan.steps).toEqual([
      { kind: 'create-stack-set' },
      {
        kind: 'create-instances',
        organizationalUnitIds: [OU_A, OU_B],
        regions: ['us-east-1', 'eu-west-1'],
        accounts: [A1, A2, B1],
        accountFilter: 'NONE',
      },
    ]);
  });

  it('does nothing when the StackSet is deployed everywhere with the same template and parameters', () => {
    const plan = planRollout(
      desired(),
      current([instance(A1, 'us-east-1'), instance(A2, 'us-east-1')]),
      new Map([[OU_A, [A1, A2]]]),
    );

    expect(plan.steps).toEqual([]);
    expect(describePlan(plan)).toEqual(['StackSet org-budgets-spoke is up to date: nothing to do']);
  });

  it('updates the StackSet (and so every instance) when the template changes', () => {
    const plan = planRollout(
      desired({ templateBody: '{"Resources":{"X":{}}}' }),
      current([instance(A1, 'us-east-1')]),
      new Map([[OU_A, [A1]]]),
    );

    expect(plan.steps).toEqual([
      { kind: 'update-stack-set', reasons: [expect.stringMatching(/^template changed \(\w{16} → \w{16}\)$/)] },
    ]);
  });

  it('updates the StackSet when a parameter changes, the NoEcho ExternalId included', () => {
    const plan = planRollout(
      desired({ parameters: { HubAccountId: '999999999999', SpokeExternalId: 'rotated' } }),
      current([instance(A1, 'us-east-1')]),
      new Map([[OU_A, [A1]]]),
    );

    expect(plan.steps).toEqual([
      { kind: 'update-stack-set', reasons: [expect.stringMatching(/^parameters or tags changed/)] },
    ]);
  });

  it('updates the StackSet when its auto-deployment setting differs', () => {
    const plan = planRollout(
      desired(),
      current([instance(A1, 'us-east-1')], { autoDeployment: { enabled: false, retainStacksOnAccountRemoval: false } }),
      new Map([[OU_A, [A1]]]),
    );

    expect(plan.steps).toEqual([{ kind: 'update-stack-set', reasons: ['auto-deployment disabled → enabled'] }]);
  });

  it('updates a StackSet that carries no fingerprint (made by hand or an older deploy)', () => {
    const plan = planRollout(
      desired(),
      current([instance(A1, 'us-east-1')], { description: 'something else' }),
      new Map([[OU_A, [A1]]]),
    );

    expect(plan.steps).toEqual([
      { kind: 'update-stack-set', reasons: ['parameters unknown (no fingerprint in the description)'] },
    ]);
  });

  it('adds a new region for every account of the OU', () => {
    const plan = planRollout(
      desired({ targets: { organizationalUnitIds: [OU_A], regions: ['us-east-1', 'eu-west-1'] } }),
      current([instance(A1, 'us-east-1'), instance(A2, 'us-east-1')]),
      new Map([[OU_A, [A1, A2]]]),
    );

    expect(plan.steps).toEqual([
      {
        kind: 'create-instances',
        organizationalUnitIds: [OU_A],
        regions: ['eu-west-1'],
        accounts: [A1, A2],
        accountFilter: 'NONE',
      },
    ]);
  });

  it('adds a new OU', () => {
    const plan = planRollout(
      desired({ targets: { organizationalUnitIds: [OU_A, OU_B], regions: ['us-east-1'] } }),
      current([instance(A1, 'us-east-1')]),
      new Map([
        [OU_A, [A1]],
        [OU_B, [B1]],
      ]),
    );

    expect(plan.steps).toEqual([
      {
        kind: 'create-instances',
        organizationalUnitIds: [OU_B],
        regions: ['us-east-1'],
        accounts: [B1],
        accountFilter: 'NONE',
      },
    ]);
  });

  it('deploys only to the accounts of a deployed OU that lack an instance', () => {
    const plan = planRollout(desired(), current([instance(A1, 'us-east-1')]), new Map([[OU_A, [A1, A2]]]));

    expect(plan.steps).toEqual([
      {
        kind: 'create-instances',
        organizationalUnitIds: [OU_A],
        regions: ['us-east-1'],
        accounts: [A2],
        accountFilter: 'INTERSECTION',
      },
    ]);
  });

  it('targets an OU without accounts once, so that auto-deployment covers accounts that join it', () => {
    const first = planRollout(desired(), undefined, new Map([[OU_A, []]]));
    const later = planRollout(desired(), current([], { organizationalUnitIds: [OU_A] }), new Map([[OU_A, []]]));

    expect(first.steps).toContainEqual({
      kind: 'create-instances',
      organizationalUnitIds: [OU_A],
      regions: ['us-east-1'],
      accounts: [],
      accountFilter: 'NONE',
    });
    expect(later.steps).toEqual([]);
    expect(later.notes).toEqual([expect.stringContaining(`OU ${OU_A} has no active accounts yet`)]);
  });

  it('retries OUTDATED instances when nothing else changes', () => {
    const plan = planRollout(
      desired(),
      current([
        instance(A1, 'us-east-1', { status: 'OUTDATED', organizationalUnitId: OU_A }),
        instance(A2, 'us-east-1'),
      ]),
      new Map([[OU_A, [A1, A2]]]),
    );

    expect(plan.steps).toEqual([
      {
        kind: 'update-instances',
        reason: 'OUTDATED after an earlier operation',
        organizationalUnitIds: [OU_A],
        regions: ['us-east-1'],
        accounts: [A1],
        accountFilter: 'INTERSECTION',
      },
    ]);
  });

  it('keeps instances outside the targets, with a note, unless told to prune', () => {
    const instances = [
      instance(A1, 'us-east-1'),
      instance(A1, 'eu-west-1', { organizationalUnitId: OU_A }),
      instance(B1, 'us-east-1', { organizationalUnitId: OU_B }),
    ];

    const kept = planRollout(desired(), current(instances), new Map([[OU_A, [A1]]]));
    const pruned = planRollout(desired(), current(instances), new Map([[OU_A, [A1]]]), { prune: true });

    expect(kept.steps).toEqual([]);
    expect(kept.stale.map((i) => `${i.account} ${i.region}`)).toEqual([`${A1} eu-west-1`, `${B1} us-east-1`]);
    expect(kept.notes).toEqual([expect.stringContaining('--prune deletes them')]);
    expect(pruned.steps).toEqual([
      expect.objectContaining({
        kind: 'delete-instances',
        organizationalUnitIds: [OU_A],
        regions: ['eu-west-1'],
        accounts: [A1],
      }),
      expect.objectContaining({
        kind: 'delete-instances',
        organizationalUnitIds: [OU_B],
        regions: ['us-east-1'],
        accounts: [B1],
      }),
    ]);
  });

  it('refuses a StackSet with self-managed permissions', () => {
    expect(() => planRollout(desired(), current([], { permissionModel: 'SELF_MANAGED' }), new Map())).toThrow(
      PlanError,
    );
  });

  it('reports INOPERABLE instances', () => {
    const plan = planRollout(
      desired(),
      current([instance(A1, 'us-east-1', { status: 'INOPERABLE', statusReason: 'delete failed' })]),
      new Map([[OU_A, [A1]]]),
    );

    expect(plan.notes).toEqual([
      `stack instance ${A1} us-east-1 is INOPERABLE (delete failed): see the CloudFormation console`,
    ]);
  });
});

describe('the fingerprint in the description', () => {
  it('reads back what it wrote', () => {
    const fingerprint = fingerprintOf('{}', { A: '1' });

    expect(fingerprintFromDescription(stackSetDescription(fingerprint))).toEqual(fingerprint);
  });

  it('changes with the tags', () => {
    expect(fingerprintOf('{}', { A: '1' }, { team: 'x' })).not.toEqual(fingerprintOf('{}', { A: '1' }));
  });

  it('does not depend on the order of the parameters', () => {
    expect(fingerprintOf('{}', { A: '1', B: '2' })).toEqual(fingerprintOf('{}', { B: '2', A: '1' }));
  });
});

describe('planAccountMove', () => {
  const instances = [instance(A1, 'us-east-1'), instance(A1, 'eu-west-1')];

  it('deploys an account that joined a target OU to the regions of its OU', () => {
    expect(
      planAccountMove(
        { accountId: A2, ancestors: [OU_A, 'r-root'] },
        [OU_A],
        ['us-east-1', 'eu-west-1'],
        instances,
        false,
      ),
    ).toEqual([
      {
        kind: 'create-instances',
        organizationalUnitIds: [OU_A],
        regions: ['us-east-1', 'eu-west-1'],
        accounts: [A2],
        accountFilter: 'INTERSECTION',
      },
    ]);
  });

  it('counts an account in an OU below a target OU as under the target', () => {
    const steps = planAccountMove(
      { accountId: A2, ancestors: ['ou-abcd-child000', OU_A, 'r-root'] },
      [OU_A],
      ['us-east-1'],
      [],
      false,
    );

    expect(steps).toEqual([
      expect.objectContaining({ kind: 'create-instances', organizationalUnitIds: [OU_A], accounts: [A2] }),
    ]);
  });

  it('only adds the regions the account lacks', () => {
    expect(
      planAccountMove({ accountId: A1, ancestors: [OU_A] }, [OU_A], ['us-east-1', 'eu-west-1'], instances, false),
    ).toEqual([]);
  });

  it('deletes the instances of an account that left the target OUs', () => {
    expect(
      planAccountMove({ accountId: A1, ancestors: [OU_B, 'r-root'] }, [OU_A], ['us-east-1'], instances, false),
    ).toEqual([
      expect.objectContaining({ kind: 'delete-instances', regions: ['us-east-1', 'eu-west-1'], accounts: [A1] }),
    ]);
  });

  it('keeps them when the StackSet retains stacks on account removal', () => {
    expect(planAccountMove({ accountId: A1, ancestors: [OU_B] }, [OU_A], ['us-east-1'], instances, true)).toEqual([]);
  });
});
