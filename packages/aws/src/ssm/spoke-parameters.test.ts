import {
  DeleteParameterCommand,
  GetParameterCommand,
  ParameterNotFound,
  PutParameterCommand,
  SSMClient,
} from '@aws-sdk/client-ssm';
import { toBudgetParameter, validateBudgetItem } from '@org-budgets/contracts';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { awsClientConfig } from '../client-config';
import { SpokeParameterError } from '../errors';
import { createSpokeParameters } from './spoke-parameters';

const ssm = mockClient(SSMClient);
const credentials = {
  forAccount: async (accountId: string) => ({
    accessKeyId: `key-${accountId}`,
    secretAccessKey: 's',
    sessionToken: 't',
  }),
  forget: () => undefined,
};
const notFound = () => new ParameterNotFound({ message: 'not found', $metadata: {} });

function parameter() {
  const result = validateBudgetItem({ accountId: '111111111111', budgetName: 'team-a', amount: 10 });
  if (!result.valid) throw new Error(result.message);
  return toBudgetParameter(result.item, '77', new Date('2026-11-23T00:00:00Z'));
}

beforeEach(() => ssm.reset());

describe('createSpokeParameters', () => {
  it('puts the document as a String parameter under /org-budgets/budgets/', async () => {
    const spokes = createSpokeParameters(credentials);

    await spokes.put('111111111111', parameter());

    expect(ssm).toHaveReceivedCommandWith(PutParameterCommand, {
      Name: '/org-budgets/budgets/team-a',
      Type: 'String',
      Overwrite: true,
      Value: expect.stringContaining('"revision":"77"'),
    });
  });

  it('signs each account with that account’s credentials', async () => {
    const spokes = createSpokeParameters(credentials);
    ssm.on(GetParameterCommand).rejects(notFound());

    await spokes.get('111111111111', 'a');
    await spokes.get('222222222222', 'a');

    const keys = await Promise.all(
      ssm.calls().map(async (call) => {
        const client = call.thisValue as SSMClient;
        const identity = await (client.config.credentials as () => Promise<{ accessKeyId: string }>)();
        return identity.accessKeyId;
      }),
    );
    expect(keys).toEqual(['key-111111111111', 'key-222222222222']);
  });

  it('keeps one client per account, all on one connection pool, across records and invocations', async () => {
    const clientConfig = awsClientConfig();
    const spokes = createSpokeParameters(credentials, clientConfig);
    ssm.on(GetParameterCommand).rejects(notFound());

    await spokes.get('111111111111', 'a');
    await spokes.get('111111111111', 'b');
    await spokes.get('222222222222', 'a');

    const clients = ssm.calls().map((call) => call.thisValue as SSMClient);
    expect(clients[0]).toBe(clients[1]);
    expect(clients[2]).not.toBe(clients[0]);
    // The keep-alive agent of awsClientConfig() is shared: a new account opens no new pool.
    const handlers = clients.map((client) => client.config.requestHandler);
    expect(new Set(handlers).size).toBe(1);
    expect(handlers[0]).toBe(clientConfig.requestHandler);
  });

  it('reads a missing parameter as absent and a present one as parsed', async () => {
    const spokes = createSpokeParameters(credentials);
    ssm.on(GetParameterCommand, { Name: '/org-budgets/budgets/none' }).rejects(notFound());
    ssm
      .on(GetParameterCommand, { Name: '/org-budgets/budgets/team-a' })
      .resolves({ Parameter: { Value: JSON.stringify(parameter()) } });

    await expect(spokes.get('111111111111', 'none')).resolves.toEqual({ exists: false });
    await expect(spokes.get('111111111111', 'team-a')).resolves.toMatchObject({ exists: true, valid: true });
  });

  it('reports whether a deletion found a parameter', async () => {
    const spokes = createSpokeParameters(credentials);
    ssm.on(DeleteParameterCommand).rejectsOnce(notFound()).resolves({});

    await expect(spokes.delete('111111111111', 'team-a')).resolves.toBe(false);
    await expect(spokes.delete('111111111111', 'team-a')).resolves.toBe(true);
  });

  it('wraps other SSM errors with the account and parameter', async () => {
    const spokes = createSpokeParameters(credentials);
    ssm.on(PutParameterCommand).rejects(Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' }));

    const error = await spokes.put('111111111111', parameter()).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(SpokeParameterError);
    expect((error as Error).message).toBe(
      'PutParameter /org-budgets/budgets/team-a in account 111111111111 failed: ThrottlingException: Rate exceeded',
    );
  });
});
