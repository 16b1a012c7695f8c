import { replaceSentinelsIn, toStackSetTemplate, type StackSetTemplateOptions } from './transform-template';
import type { CfnTemplate } from './template';

const SENTINELS = new Map([
  ['ORGBUDGETSPARAMhubRoleArn', 'HubRoleArn'],
  ['ORGBUDGETSPARAMroleName', 'RoleName'],
  ['ORGBUDGETSPARAMroleNameSuffix', 'RoleNameSuffix'],
  ['ORGBUDGETSPARAMalertEmail', 'AlertEmail'],
]);

function options(overrides: Partial<StackSetTemplateOptions> = {}): StackSetTemplateOptions {
  return {
    sentinels: SENTINELS,
    parameters: {
      HubRoleArn: { Type: 'String' },
      RoleName: { Type: 'String', Default: 'spoke' },
      RoleNameSuffix: { Type: 'String', Default: '' },
      AlertEmail: { Type: 'String', Default: '' },
      ArtifactBucketPrefix: { Type: 'String' },
      ArtifactKeyPrefix: { Type: 'String' },
    },
    artifactBucketPrefixParameter: 'ArtifactBucketPrefix',
    artifactKeyPrefixParameter: 'ArtifactKeyPrefix',
    description: 'the spoke for a StackSet',
    ...overrides,
  };
}

/** The shape `serverless package` gives, reduced to what the transform touches. */
function packagedTemplate(): CfnTemplate {
  return {
    AWSTemplateFormatVersion: '2010-09-09',
    Description: 'The AWS CloudFormation template for this Serverless application',
    Parameters: {
      AlertEmail: {
        Type: 'String',
        Description: 'alerts',
        Default: 'ORGBUDGETSPARAMalertEmail',
        AllowedPattern: '^$|^.+@.+$',
      },
    },
    Resources: {
      ServerlessDeploymentBucket: { Type: 'AWS::S3::Bucket', Properties: {} },
      ServerlessDeploymentBucketPolicy: {
        Type: 'AWS::S3::BucketPolicy',
        Properties: { Bucket: { Ref: 'ServerlessDeploymentBucket' }, PolicyDocument: {} },
      },
      ApplyLogGroup: { Type: 'AWS::Logs::LogGroup', Properties: { LogGroupName: '/aws/lambda/apply' } },
      ApplyLambdaFunction: {
        Type: 'AWS::Lambda::Function',
        Properties: {
          Code: {
            S3Bucket: { Ref: 'ServerlessDeploymentBucket' },
            S3Key: 'serverless/svc/prod/1700000000000-2026/apply.zip',
          },
          Handler: 'handler.handler',
          Runtime: 'nodejs22.x',
          Role: { 'Fn::GetAtt': ['ApplyRole', 'Arn'] },
        },
        DependsOn: ['ApplyLogGroup', 'ServerlessDeploymentBucket'],
      },
      SpokeRole: {
        Type: 'AWS::IAM::Role',
        Properties: {
          RoleName: 'ORGBUDGETSPARAMroleName',
          AssumeRolePolicyDocument: { Statement: [{ Principal: { AWS: 'ORGBUDGETSPARAMhubRoleArn' } }] },
          Policies: [
            {
              PolicyName: 'p',
              PolicyDocument: {
                Statement: [
                  {
                    Resource: {
                      'Fn::Sub': 'arn:${AWS::Partition}:iam::${AWS::AccountId}:role/ORGBUDGETSPARAMroleName',
                    },
                  },
                ],
              },
            },
          ],
        },
      },
    },
    Outputs: {
      ServerlessDeploymentBucketName: { Value: { Ref: 'ServerlessDeploymentBucket' }, Export: { Name: 'sls-bucket' } },
      SpokeRoleArn: { Value: { 'Fn::GetAtt': ['SpokeRole', 'Arn'] } },
    },
  };
}

describe('toStackSetTemplate', () => {
  it('removes the serverless deployment bucket, its policy, its output and dependencies on it', () => {
    const { template } = toStackSetTemplate(packagedTemplate(), options());

    expect(Object.keys(template.Resources)).toEqual(['ApplyLogGroup', 'ApplyLambdaFunction', 'SpokeRole']);
    expect(template.Resources['ApplyLambdaFunction']?.DependsOn).toEqual(['ApplyLogGroup']);
    expect(Object.keys(template.Outputs ?? {})).toEqual(['SpokeRoleArn']);
  });

  it("points each function's code at the per-region artifact bucket under the key prefix parameter", () => {
    const { template, code } = toStackSetTemplate(packagedTemplate(), options());

    expect(template.Resources['ApplyLambdaFunction']?.Properties?.['Code']).toEqual({
      S3Bucket: { 'Fn::Sub': '${ArtifactBucketPrefix}-${AWS::Region}' },
      S3Key: { 'Fn::Sub': '${ArtifactKeyPrefix}/apply.zip' },
    });
    expect(code).toEqual([{ logicalId: 'ApplyLambdaFunction', zipName: 'apply.zip' }]);
  });

  it('turns a sentinel that is a whole value into a Ref and one inside Fn::Sub into a variable', () => {
    const { template } = toStackSetTemplate(packagedTemplate(), options());
    const role = template.Resources['SpokeRole']?.Properties;

    expect(role?.['RoleName']).toEqual({ Ref: 'RoleName' });
    expect(role?.['AssumeRolePolicyDocument']).toEqual({ Statement: [{ Principal: { AWS: { Ref: 'HubRoleArn' } } }] });
    expect(JSON.stringify(role?.['Policies'])).toContain('role/${RoleName}');
  });

  it('declares the StackSet parameters and keeps a service parameter with the default of its StackSet parameter', () => {
    const { template } = toStackSetTemplate(packagedTemplate(), options());

    expect(Object.keys(template.Parameters ?? {})).toEqual([
      'HubRoleArn',
      'RoleName',
      'RoleNameSuffix',
      'AlertEmail',
      'ArtifactBucketPrefix',
      'ArtifactKeyPrefix',
    ]);
    expect(template.Parameters?.['AlertEmail']).toEqual({
      Type: 'String',
      Description: 'alerts',
      Default: '',
      AllowedPattern: '^$|^.+@.+$',
    });
  });

  it('sets the description, extra outputs and metadata', () => {
    const { template } = toStackSetTemplate(
      packagedTemplate(),
      options({ outputs: { Hub: { Value: { Ref: 'HubRoleArn' } } }, metadata: { Note: 'x' } }),
    );

    expect(template.Description).toBe('the spoke for a StackSet');
    expect(template.Outputs?.['Hub']).toEqual({ Value: { Ref: 'HubRoleArn' } });
    expect(template.Metadata).toEqual({ Note: 'x' });
  });

  it('leaves its input unchanged', () => {
    const packaged = packagedTemplate();
    const before = JSON.stringify(packaged);

    toStackSetTemplate(packaged, options());

    expect(JSON.stringify(packaged)).toBe(before);
  });

  it('fails when another resource still needs the deployment bucket', () => {
    const packaged = packagedTemplate();
    packaged.Resources['Uses'] = {
      Type: 'AWS::SSM::Parameter',
      Properties: { Value: { Ref: 'ServerlessDeploymentBucket' } },
    };

    expect(() => toStackSetTemplate(packaged, options())).toThrow(/Uses refers to ServerlessDeploymentBucket/);
  });

  it('fails when a sentinel is left over (a param without a StackSet parameter)', () => {
    const packaged = packagedTemplate();
    packaged.Resources['Other'] = { Type: 'AWS::SNS::Topic', Properties: { TopicName: 'ORGBUDGETSPARAMunknown' } };

    expect(() => toStackSetTemplate(packaged, options())).toThrow(/sentinel is left/);
  });

  it('fails on a function whose code is not a packaged zip', () => {
    const packaged = packagedTemplate();
    packaged.Resources['Inline'] = {
      Type: 'AWS::Lambda::Function',
      Properties: { Code: { ZipFile: 'exports.handler=1' } },
    };

    expect(() => toStackSetTemplate(packaged, options())).toThrow(/Inline: Code.S3Key/);
  });
});

describe('replaceSentinelsIn', () => {
  it('makes a Fn::Sub of a plain string holding a sentinel, escaping literal ${', () => {
    expect(replaceSentinelsIn('name-ORGBUDGETSPARAMroleName-${literal}', SENTINELS)).toEqual({
      'Fn::Sub': 'name-${RoleName}-${!literal}',
    });
  });

  it('matches the longest sentinel first', () => {
    expect(replaceSentinelsIn('ORGBUDGETSPARAMroleNameSuffix', SENTINELS)).toEqual({ Ref: 'RoleNameSuffix' });
    expect(
      replaceSentinelsIn({ 'Fn::Sub': 'ORGBUDGETSPARAMroleNameSuffix/ORGBUDGETSPARAMroleName' }, SENTINELS),
    ).toEqual({
      'Fn::Sub': '${RoleNameSuffix}/${RoleName}',
    });
  });

  it('replaces in both parts of the list form of Fn::Sub', () => {
    expect(
      replaceSentinelsIn(
        { 'Fn::Sub': ['${X}/ORGBUDGETSPARAMroleName', { X: 'ORGBUDGETSPARAMhubRoleArn' }] },
        SENTINELS,
      ),
    ).toEqual({ 'Fn::Sub': ['${X}/${RoleName}', { X: { Ref: 'HubRoleArn' } }] });
  });

  it('replaces inside Fn::Join lists and keeps other values', () => {
    expect(
      replaceSentinelsIn({ 'Fn::Join': ['', ['a', 'ORGBUDGETSPARAMroleName', 3, true, null]] }, SENTINELS),
    ).toEqual({
      'Fn::Join': ['', ['a', { Ref: 'RoleName' }, 3, true, null]],
    });
  });

  it('refuses a sentinel in an object key', () => {
    expect(() => replaceSentinelsIn({ ORGBUDGETSPARAMroleName: 1 }, SENTINELS)).toThrow(/used as the key/);
  });
});
