import { CreateRoleCommand, IAMClient } from '@aws-sdk/client-iam';
import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import { startFrontDoor, type FrontDoor } from './front-door';
import { startMotoServer, type MotoServer } from './moto-server';
import { stopAll } from './test-support';

const credentials = { accessKeyId: 'test', secretAccessKey: 'test' };

describe('front door: AssumeRole of roles that must exist', () => {
  let moto: MotoServer;
  let door: FrontDoor;

  beforeAll(async () => {
    moto = await startMotoServer();
    door = await startFrontDoor({
      upstream: moto.endpoint,
      latency: [],
      faults: [],
      requireExistingRoles: ['org-budgets-spoke'],
    });
  });
  afterAll(() =>
    stopAll(
      () => door?.stop(),
      () => moto?.stop(),
    ),
  );

  const sts = () => new STSClient({ endpoint: door.endpoint, region: 'us-east-1', credentials, maxAttempts: 1 });

  it('refuses a required role that does not exist in the target account, as AWS would', async () => {
    const attempt = sts().send(
      new AssumeRoleCommand({ RoleArn: 'arn:aws:iam::111111111111:role/org-budgets-spoke', RoleSessionName: 's' }),
    );

    await expect(attempt).rejects.toMatchObject({ name: 'AccessDenied' });
  });

  it('lets it through once the role exists there', async () => {
    const admin = await sts().send(
      new AssumeRoleCommand({
        RoleArn: 'arn:aws:iam::111111111111:role/OrganizationAccountAccessRole',
        RoleSessionName: 'admin',
      }),
    );
    const iam = new IAMClient({
      endpoint: door.endpoint,
      region: 'us-east-1',
      credentials: {
        accessKeyId: admin.Credentials?.AccessKeyId ?? '',
        secretAccessKey: admin.Credentials?.SecretAccessKey ?? '',
        sessionToken: admin.Credentials?.SessionToken ?? '',
      },
    });
    await iam.send(
      new CreateRoleCommand({
        RoleName: 'org-budgets-spoke',
        AssumeRolePolicyDocument: '{"Version":"2012-10-17","Statement":[]}',
      }),
    );

    const assumed = await sts().send(
      new AssumeRoleCommand({ RoleArn: 'arn:aws:iam::111111111111:role/org-budgets-spoke', RoleSessionName: 's' }),
    );

    expect(assumed.Credentials?.AccessKeyId).toBeDefined();
  });

  it('does not check roles it was not asked to', async () => {
    await expect(
      sts().send(new AssumeRoleCommand({ RoleArn: 'arn:aws:iam::222222222222:role/anything', RoleSessionName: 's' })),
    ).resolves.toBeDefined();
  });
});
