import { GetCallerIdentityCommand, STSClient, type STSClientConfig } from '@aws-sdk/client-sts';

/**
 * The ARN of the credentials' identity (STS GetCallerIdentity, which needs no permission): an
 * assumed role's session (`arn:aws:sts::…:assumed-role/Finance/alice`) or a user. The client is
 * built from `config` (the caller's region, profile, endpoint) and closed after the call.
 */
export async function readCallerArn(config: STSClientConfig): Promise<string> {
  const sts = new STSClient(config);
  try {
    const { Arn } = await sts.send(new GetCallerIdentityCommand({}));
    if (!Arn) throw new Error('STS GetCallerIdentity returned no Arn');
    return Arn;
  } finally {
    sts.destroy();
  }
}
