import type { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import { CloudFormationStackSets, deploymentTargets, type CloudFormationDialect } from './stackset-api';
import type { InstanceTargets } from './plan';

interface SentCommand {
  name: string;
  input: Record<string, unknown>;
}

/** A client that records the commands and answers with `answer(command)`. */
function recordingClient(answer: (command: SentCommand) => unknown = () => ({ OperationId: 'op-1' })) {
  const sent: SentCommand[] = [];
  const client = {
    send: jest.fn(async (command: { constructor: { name: string }; input: Record<string, unknown> }) => {
      const record = { name: command.constructor.name, input: command.input };
      sent.push(record);
      return answer(record);
    }),
  };
  return { client: client as unknown as CloudFormationClient, sent };
}

const OU = 'ou-abcd-11111111';
const wholeOu: InstanceTargets = {
  organizationalUnitIds: [OU],
  regions: ['us-east-1'],
  accounts: ['111111111111'],
  accountFilter: 'NONE',
};
const oneAccount: InstanceTargets = { ...wholeOu, accounts: ['222222222222'], accountFilter: 'INTERSECTION' };

function api(dialect: CloudFormationDialect, answer?: (command: SentCommand) => unknown) {
  const recording = recordingClient(answer);
  const sleeps: number[] = [];
  const stackSets = new CloudFormationStackSets({
    client: recording.client,
    dialect,
    sleep: async (ms) => {
      sleeps.push(ms);
    },
  });
  return { stackSets, sent: recording.sent, sleeps };
}

describe('CloudFormationStackSets on AWS', () => {
  it('creates instances of whole OUs through DeploymentTargets', async () => {
    const { stackSets, sent } = api('aws');

    await stackSets.createInstances('spoke', wholeOu, { MaxConcurrentPercentage: 25 });

    expect(sent[0]).toMatchObject({
      name: 'CreateStackInstancesCommand',
      input: {
        StackSetName: 'spoke',
        Regions: ['us-east-1'],
        DeploymentTargets: { OrganizationalUnitIds: [OU] },
        OperationPreferences: { MaxConcurrentPercentage: 25 },
        CallAs: 'SELF',
      },
    });
    expect(sent[0]?.input['Accounts']).toBeUndefined();
  });

  it('narrows to accounts with AccountFilterType INTERSECTION', async () => {
    const { stackSets, sent } = api('aws');

    await stackSets.createInstances('spoke', oneAccount, {});

    expect(sent[0]?.input['DeploymentTargets']).toEqual({
      OrganizationalUnitIds: [OU],
      Accounts: ['222222222222'],
      AccountFilterType: 'INTERSECTION',
    });
  });

  it('deletes instances through DeploymentTargets, without retaining the stacks', async () => {
    const { stackSets, sent } = api('aws');

    await stackSets.deleteInstances('spoke', oneAccount, {});

    expect(sent[0]).toMatchObject({
      name: 'DeleteStackInstancesCommand',
      input: {
        DeploymentTargets: {
          OrganizationalUnitIds: [OU],
          Accounts: ['222222222222'],
          AccountFilterType: 'INTERSECTION',
        },
        RetainStacks: false,
      },
    });
    expect(sent[0]?.input['Accounts']).toBeUndefined();
  });

  it('updates the StackSet with auto-deployment and named-IAM capability, and no targets (every instance)', async () => {
    const { stackSets, sent } = api('aws');

    await stackSets.update(
      {
        name: 'spoke',
        description: 'd',
        templateBody: '{}',
        parameters: { A: '1' },
        autoDeployment: { enabled: true, retainStacksOnAccountRemoval: false },
        tags: { project: 'x' },
      },
      { FailureTolerancePercentage: 0 },
    );

    expect(sent[0]).toMatchObject({
      name: 'UpdateStackSetCommand',
      input: {
        Parameters: [{ ParameterKey: 'A', ParameterValue: '1' }],
        Capabilities: ['CAPABILITY_NAMED_IAM'],
        AutoDeployment: { Enabled: true, RetainStacksOnAccountRemoval: false },
        Tags: [{ Key: 'project', Value: 'x' }],
        OperationPreferences: { FailureTolerancePercentage: 0 },
      },
    });
    expect(sent[0]?.input['DeploymentTargets']).toBeUndefined();
    expect(sent[0]?.input['Regions']).toBeUndefined();
  });

  it('waits while another operation of the StackSet runs, then goes ahead', async () => {
    let calls = 0;
    const { stackSets, sleeps } = api('aws', () => {
      calls += 1;
      if (calls < 3) throw Object.assign(new Error('busy'), { name: 'OperationInProgressException' });
      return { OperationId: 'op-3' };
    });

    await expect(stackSets.createInstances('spoke', wholeOu, {})).resolves.toBe('op-3');
    expect(sleeps).toEqual([5000, 10000]);
  });

  it('treats a missing StackSet as none', async () => {
    const { stackSets } = api('aws', () => {
      throw Object.assign(new Error('not found'), { name: 'StackSetNotFoundException' });
    });

    await expect(stackSets.describe('spoke')).resolves.toBeUndefined();
  });

  it('reads the instances of every page', async () => {
    const { stackSets } = api('aws', (command) =>
      command.input['NextToken']
        ? { Summaries: [{ Account: '2', Region: 'us-east-1', Status: 'OUTDATED', OrganizationalUnitId: OU }] }
        : { Summaries: [{ Account: '1', Region: 'us-east-1', Status: 'CURRENT' }], NextToken: 't' },
    );

    await expect(stackSets.listInstances('spoke')).resolves.toEqual([
      { account: '1', region: 'us-east-1', status: 'CURRENT' },
      { account: '2', region: 'us-east-1', status: 'OUTDATED', organizationalUnitId: OU },
    ]);
  });
});

describe('CloudFormationStackSets on moto', () => {
  it('creates instances of whole OUs as on AWS', async () => {
    const { stackSets, sent } = api('moto');

    await stackSets.createInstances('spoke', wholeOu, {});

    expect(sent[0]?.input['DeploymentTargets']).toEqual({ OrganizationalUnitIds: [OU] });
  });

  it('names the accounts for INTERSECTION, which moto ignores in DeploymentTargets', async () => {
    const { stackSets, sent } = api('moto');

    await stackSets.createInstances('spoke', oneAccount, {});

    expect(sent[0]?.input).toMatchObject({
      Accounts: ['222222222222'],
      DeploymentTargets: { OrganizationalUnitIds: [] },
    });
  });

  it('deletes by account, since moto ignores DeploymentTargets there', async () => {
    const { stackSets, sent } = api('moto');

    await stackSets.deleteInstances('spoke', wholeOu, {});

    expect(sent[0]?.input).toMatchObject({ Accounts: ['111111111111'], Regions: ['us-east-1'] });
    expect(sent[0]?.input['DeploymentTargets']).toBeUndefined();
  });
});

describe('deploymentTargets', () => {
  it('refuses instances without an OU (a service-managed StackSet addresses them by OU)', () => {
    expect(() => deploymentTargets({ ...wholeOu, organizationalUnitIds: [] })).toThrow(/have no known OU/);
  });
});
