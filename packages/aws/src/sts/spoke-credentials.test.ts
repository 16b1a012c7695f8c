import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { SpokeRoleUnavailableError } from '../errors';
import { createSpokeCredentials, spokeRoleArn, spokeSessionName } from './spoke-credentials';

const sts = mockClient(STSClient);
const settings = { partition: 'aws-us-gov', roleName: 'org-budgets-spoke', externalId: 'ext-123' };

function credentialsExpiringAt(expiration: Date) {
  return {
    Credentials: { AccessKeyId: 'AKIA', SecretAccessKey: 'secret', SessionToken: 'token', Expiration: expiration },
  };
}

beforeEach(() => sts.reset());

describe('createSpokeCredentials', () => {
  it('assumes the spoke role of the account in the configured partition with the ExternalId', async () => {
    sts.on(AssumeRoleCommand).resolves(credentialsExpiringAt(new Date(Date.now() + 3600_000)));
    const credentials = createSpokeCredentials(new STSClient({}), settings);

    await credentials.forAccount('222222222222');

    expect(sts).toHaveReceivedCommandWith(AssumeRoleCommand, {
      RoleArn: 'arn:aws-us-gov:iam::222222222222:role/org-budgets-spoke',
      ExternalId: 'ext-123',
      RoleSessionName: 'org-budgets-hub-222222222222',
    });
  });

  it('caches credentials per account, also for concurrent callers', async () => {
    sts.on(AssumeRoleCommand).resolves(credentialsExpiringAt(new Date(Date.now() + 3600_000)));
    const credentials = createSpokeCredentials(new STSClient({}), settings);

    await Promise.all([credentials.forAccount('111111111111'), credentials.forAccount('111111111111')]);
    await credentials.forAccount('111111111111');
    await credentials.forAccount('222222222222');

    expect(sts).toHaveReceivedCommandTimes(AssumeRoleCommand, 2);
  });

  it('renews credentials shortly before they expire', async () => {
    let now = 0;
    sts.on(AssumeRoleCommand).resolves(credentialsExpiringAt(new Date(15 * 60_000)));
    const credentials = createSpokeCredentials(new STSClient({}), settings, () => now);

    await credentials.forAccount('111111111111');
    now = 9 * 60_000;
    await credentials.forAccount('111111111111');
    expect(sts).toHaveReceivedCommandTimes(AssumeRoleCommand, 1);
    now = 11 * 60_000;
    await credentials.forAccount('111111111111');

    expect(sts).toHaveReceivedCommandTimes(AssumeRoleCommand, 2);
  });

  it('turns access errors into SpokeRoleUnavailableError naming the account and role', async () => {
    sts
      .on(AssumeRoleCommand)
      .rejects(Object.assign(new Error('not authorized to perform sts:AssumeRole'), { name: 'AccessDenied' }));
    const credentials = createSpokeCredentials(new STSClient({}), settings);

    const error = await credentials.forAccount('333333333333').catch((e: unknown) => e);

    expect(error).toBeInstanceOf(SpokeRoleUnavailableError);
    expect((error as Error).message).toMatch(/333333333333.*AccessDenied/);
  });

  it('does not cache a failure', async () => {
    sts
      .on(AssumeRoleCommand)
      .rejectsOnce(Object.assign(new Error('Rate exceeded'), { name: 'Throttling' }))
      .resolves(credentialsExpiringAt(new Date(Date.now() + 3600_000)));
    const credentials = createSpokeCredentials(new STSClient({}), settings);

    await expect(credentials.forAccount('111111111111')).rejects.toThrow('Rate exceeded');
    await expect(credentials.forAccount('111111111111')).resolves.toMatchObject({ accessKeyId: 'AKIA' });
  });
});

describe('names', () => {
  it('builds role ARNs and session names within IAM limits', () => {
    expect(spokeRoleArn('aws-cn', '111111111111', 'r')).toBe('arn:aws-cn:iam::111111111111:role/r');
    expect(spokeSessionName('x'.repeat(70), '111111111111')).toHaveLength(64);
  });
});

describe('through the hub’s spoke access role', () => {
  it('assumes the access role once, then each spoke role from that session', async () => {
    sts.on(AssumeRoleCommand).resolves(credentialsExpiringAt(new Date(Date.now() + 3600_000)));
    const credentials = createSpokeCredentials(new STSClient({}), {
      ...settings,
      partition: 'aws',
      accessRoleArn: 'arn:aws:iam::123456789012:role/org-budgets-prod-us-east-1-spoke-access',
    });

    await credentials.forAccount('111111111111');
    await credentials.forAccount('222222222222');

    const roles = sts.commandCalls(AssumeRoleCommand).map((call) => call.args[0].input.RoleArn);
    expect(roles).toEqual([
      'arn:aws:iam::123456789012:role/org-budgets-prod-us-east-1-spoke-access',
      'arn:aws:iam::111111111111:role/org-budgets-spoke',
      'arn:aws:iam::222222222222:role/org-budgets-spoke',
    ]);
    expect(sts.commandCalls(AssumeRoleCommand)[0]?.args[0].input.ExternalId).toBeUndefined();
  });
});
