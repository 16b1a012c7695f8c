import type { ArtifactStore, ArtifactUpload } from './artifact-store';
import { parseRolloutConfig } from './config';
import type { LoadedBuild } from './manifest';
import { StackSetOperationFailedError } from './operation-wait';
import type { OrganizationView } from './organization';
import type { CurrentStackSet, InstanceSummary, InstanceTargets } from './plan';
import { deploySpokeStackSet, MAX_TEMPLATE_BODY_BYTES, type RolloutDeps } from './rollout';
import type { OperationResult, OperationState, StackSetApi, StackSetWrite } from './stackset-api';
import { removeSpokeStackSet } from './teardown';

const OU = 'ou-abcd-11111111';
const ACCOUNTS = ['111111111111', '111111111112'];
const SHA = 'a'.repeat(64);

const config = parseRolloutConfig(
  {
    targets: { organizationalUnitIds: [OU], regions: ['us-east-1'] },
    artifactBucketPrefix: 'artifacts',
    organizationId: 'o-abcdefghij',
    hub: {
      accountId: '999999999999',
      propagationRoleArn: 'arn:aws:iam::999999999999:role/hub',
      statusBusArn: 'arn:aws:events:us-east-1:999999999999:event-bus/status',
    },
  },
  'test',
);

function loadedBuild(templateBody = '{\n  "Resources": {}\n}\n'): LoadedBuild {
  return {
    dir: '/build',
    templateBody,
    manifest: {
      schemaVersion: 1,
      template: { file: 'spoke-stackset.template.json', sha256: SHA, bytes: templateBody.length },
      artifactKeyPrefix: `spoke/${SHA}`,
      artifacts: [
        {
          file: `artifacts/spoke/${SHA}/apply.zip`,
          key: `spoke/${SHA}/apply.zip`,
          sha256: SHA,
          bytes: 10,
          logicalIds: ['ApplyLambdaFunction'],
        },
      ],
      source: { service: 'services/spoke', stage: 'prod', params: {} },
    },
  };
}

/** An in-memory StackSet service: operations end as `outcome` says. */
class FakeStackSets implements StackSetApi {
  stackSet: CurrentStackSet | undefined;
  readonly calls: string[] = [];
  written: StackSetWrite | undefined;
  outcome: { state: OperationState; results: OperationResult[] } = { state: { status: 'SUCCEEDED' }, results: [] };

  async describe(): Promise<CurrentStackSet | undefined> {
    this.calls.push('describe');
    return this.stackSet && structuredClone(this.stackSet);
  }
  async listInstances(): Promise<InstanceSummary[]> {
    return [...(this.stackSet?.instances ?? [])];
  }
  async create(input: StackSetWrite): Promise<void> {
    this.calls.push('create');
    this.written = input;
    this.stackSet = {
      name: input.name,
      status: 'ACTIVE',
      permissionModel: 'SERVICE_MANAGED',
      description: input.description,
      instances: [],
    };
  }
  async update(input: StackSetWrite): Promise<string> {
    this.calls.push('update');
    this.written = input;
    return 'op-update';
  }
  async createInstances(_name: string, targets: InstanceTargets): Promise<string> {
    this.calls.push(`createInstances ${targets.organizationalUnitIds.join(',')} ${targets.regions.join(',')}`);
    if (this.outcome.state.status === 'SUCCEEDED') {
      for (const region of targets.regions)
        for (const account of targets.accounts) this.stackSet?.instances.push({ account, region, status: 'CURRENT' });
    }
    return 'op-create';
  }
  async updateInstances(): Promise<string> {
    this.calls.push('updateInstances');
    return 'op-update-instances';
  }
  async deleteInstances(_name: string, targets: InstanceTargets): Promise<string> {
    this.calls.push(`deleteInstances ${targets.accounts.join(',')}`);
    if (this.stackSet)
      this.stackSet.instances = this.stackSet.instances.filter((i) => !targets.accounts.includes(i.account));
    return 'op-delete';
  }
  async deleteStackSet(): Promise<void> {
    this.calls.push('deleteStackSet');
    this.stackSet = undefined;
  }
  async describeOperation(): Promise<OperationState> {
    return this.outcome.state;
  }
  async listOperationResults(): Promise<OperationResult[]> {
    return this.outcome.results;
  }
}

function fakes() {
  const stackSets = new FakeStackSets();
  const order: string[] = [];
  const uploads: ArtifactUpload[] = [];
  const artifacts: ArtifactStore = {
    ensureBucket: jest.fn(async (bucket: string) => {
      order.push(`bucket ${bucket}`);
      return 'created' as const;
    }),
    upload: jest.fn(async (upload: ArtifactUpload) => {
      order.push(`upload ${upload.bucket}/${upload.key}`);
      uploads.push(upload);
      return 'uploaded' as const;
    }),
  };
  const organization: OrganizationView = {
    organizationId: async () => 'o-abcdefghij',
    accountsUnder: async () => ACCOUNTS,
    ancestorsOf: async () => [OU],
  };
  const lines: string[] = [];
  const deps: RolloutDeps = {
    stackSets,
    artifacts,
    organization,
    report: (line) => lines.push(line),
    sleep: async () => undefined,
    now: () => 0,
  };
  return { deps, stackSets, artifacts, uploads, order, lines };
}

describe('deploySpokeStackSet', () => {
  it('uploads the code to the artifact bucket of the target region before it creates the StackSet', async () => {
    const { deps, stackSets, order } = fakes();
    const originalCreate = stackSets.create.bind(stackSets);
    jest.spyOn(stackSets, 'create').mockImplementation(async (input) => {
      order.push('create StackSet');
      return originalCreate(input);
    });

    await deploySpokeStackSet({ config, build: loadedBuild(), spokeExternalId: 'ext-id' }, deps);

    expect(order).toEqual([
      'bucket artifacts-us-east-1',
      `upload artifacts-us-east-1/spoke/${SHA}/apply.zip`,
      'create StackSet',
    ]);
  });

  it('creates the StackSet with every parameter and then the instances of the OU', async () => {
    const { deps, stackSets } = fakes();

    const result = await deploySpokeStackSet({ config, build: loadedBuild(), spokeExternalId: 'ext-id' }, deps);

    expect(stackSets.calls.filter((c) => c !== 'describe')).toEqual(['create', `createInstances ${OU} us-east-1`]);
    expect(stackSets.written?.parameters).toEqual({
      HubAccountId: '999999999999',
      HubPropagationRoleArn: 'arn:aws:iam::999999999999:role/hub',
      SpokeExternalId: 'ext-id',
      OrganizationId: 'o-abcdefghij',
      HubStatusBusArn: 'arn:aws:events:us-east-1:999999999999:event-bus/status',
      AlertEmail: '',
      SpokeRoleName: 'org-budgets-spoke',
      GuardianSchedule: 'rate(5 minutes)',
      GuardianPrices: '',
      ArtifactBucketPrefix: 'artifacts',
      ArtifactKeyPrefix: `spoke/${SHA}`,
    });
    expect(stackSets.written?.templateBody).toBe('{"Resources":{}}');
    expect(result.missing).toEqual([]);
  });

  it('changes nothing in a dry run', async () => {
    const { deps, stackSets, uploads, lines } = fakes();

    const result = await deploySpokeStackSet(
      { config, build: loadedBuild(), spokeExternalId: 'ext-id', dryRun: true },
      deps,
    );

    expect(result.plan.steps.map((s) => s.kind)).toEqual(['create-stack-set', 'create-instances']);
    expect(stackSets.calls).toEqual(['describe']);
    expect(uploads).toEqual([]);
    expect(lines).toContain('1. create the StackSet (service-managed, auto-deployment on)');
  });

  it('passes a template over the TemplateBody limit through S3', async () => {
    const { deps, stackSets, uploads } = fakes();
    const big = JSON.stringify({ Resources: {}, Metadata: { Padding: 'x'.repeat(MAX_TEMPLATE_BODY_BYTES) } });

    await deploySpokeStackSet({ config, build: loadedBuild(big), spokeExternalId: 'ext-id' }, deps);

    expect(uploads.map((u) => u.key)).toContain(`spoke/${SHA}/spoke-stackset.template.json`);
    expect(stackSets.written?.templateUrl).toBe(
      `https://artifacts-us-east-1.s3.us-east-1.amazonaws.com/spoke/${SHA}/spoke-stackset.template.json`,
    );
    expect(stackSets.written?.templateBody).toBeUndefined();
  });

  it('fails naming the accounts whose instances failed', async () => {
    const { deps, stackSets } = fakes();
    stackSets.outcome = {
      state: { status: 'FAILED' },
      results: [
        {
          account: '111111111112',
          region: 'us-east-1',
          status: 'FAILED',
          statusReason: 'Resource handler returned message: "Role already exists"',
        },
      ],
    };

    const error = await deploySpokeStackSet({ config, build: loadedBuild(), spokeExternalId: 'ext-id' }, deps).catch(
      (e: unknown) => e,
    );

    expect(error).toBeInstanceOf(StackSetOperationFailedError);
    expect((error as StackSetOperationFailedError).failedAccounts).toEqual(['111111111112']);
    expect((error as Error).message).toContain(
      'account 111111111112 us-east-1: FAILED (Resource handler returned message: "Role already exists")',
    );
  });
});

describe('removeSpokeStackSet', () => {
  it('deletes the instances, waits, then deletes the StackSet', async () => {
    const { deps, stackSets } = fakes();
    await deploySpokeStackSet({ config, build: loadedBuild(), spokeExternalId: 'ext-id' }, deps);
    stackSets.calls.length = 0;

    const result = await removeSpokeStackSet(
      { stackSetName: config.stackSetName, preferences: {}, timeoutMs: 60_000 },
      deps,
    );

    expect(result.operations.map((o) => o.status)).toEqual(['SUCCEEDED']);
    expect(stackSets.calls).toEqual(['describe', `deleteInstances ${ACCOUNTS.join(',')}`, 'deleteStackSet']);
  });

  it('does nothing when there is no StackSet', async () => {
    const { deps, stackSets } = fakes();

    await expect(
      removeSpokeStackSet({ stackSetName: 'gone', preferences: {}, timeoutMs: 1 }, deps),
    ).resolves.toMatchObject({ existed: false });
    expect(stackSets.calls).toEqual(['describe']);
  });
});
