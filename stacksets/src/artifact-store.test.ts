import { artifactBucketPolicy, partitionOf } from './artifact-store';

describe('artifactBucketPolicy', () => {
  it('lets principals of the organization read objects, over TLS only', () => {
    expect(artifactBucketPolicy('code-eu-west-1', 'eu-west-1', 'o-abcdefghij')).toEqual({
      Version: '2012-10-17',
      Statement: [
        {
          Sid: 'OrganizationReadsFunctionCode',
          Effect: 'Allow',
          Principal: '*',
          Action: 's3:GetObject',
          Resource: 'arn:aws:s3:::code-eu-west-1/*',
          Condition: { StringEquals: { 'aws:PrincipalOrgID': 'o-abcdefghij' } },
        },
        {
          Sid: 'TlsOnly',
          Effect: 'Deny',
          Principal: '*',
          Action: 's3:*',
          Resource: ['arn:aws:s3:::code-eu-west-1', 'arn:aws:s3:::code-eu-west-1/*'],
          Condition: { Bool: { 'aws:SecureTransport': 'false' } },
        },
      ],
    });
  });

  it('uses the partition of the region', () => {
    expect(partitionOf('cn-north-1')).toBe('aws-cn');
    expect(partitionOf('us-gov-west-1')).toBe('aws-us-gov');
    expect(JSON.stringify(artifactBucketPolicy('b', 'cn-north-1', 'o-abcdefghij'))).toContain('arn:aws-cn:s3:::b/*');
  });
});
