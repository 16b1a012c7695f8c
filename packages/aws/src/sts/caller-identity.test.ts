import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { readCallerArn } from './caller-identity';

const sts = mockClient(STSClient);

beforeEach(() => sts.reset());

describe('readCallerArn', () => {
  it('returns the ARN STS names for the credentials', async () => {
    sts.on(GetCallerIdentityCommand).resolves({ Arn: 'arn:aws:sts::123456789012:assumed-role/Finance/alice' });

    await expect(readCallerArn({ region: 'us-east-1' })).resolves.toBe(
      'arn:aws:sts::123456789012:assumed-role/Finance/alice',
    );
  });

  it('fails when STS names no ARN', async () => {
    sts.on(GetCallerIdentityCommand).resolves({});

    await expect(readCallerArn({ region: 'us-east-1' })).rejects.toThrow(/no Arn/);
  });
});
