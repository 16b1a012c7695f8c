import {
  isParameterMutation,
  namesToBeDeleted,
  parameterArn,
  ParameterCatalog,
  parameterChangesOf,
  parameterStoreChangeEvent,
} from './parameter-store-change';

const none = (): undefined => undefined;

describe('parameterStoreChangeEvent', () => {
  it('builds the event of the AWS documentation example', () => {
    expect(
      parameterStoreChangeEvent({
        detail: { operation: 'Create', name: 'foo', type: 'String', description: 'Sample Parameter' },
        accountId: '123456789012',
        region: 'us-east-1',
        id: '6a7e4feb-b491-4cf7-a9f1-bf3703497718',
        time: new Date('2017-05-22T16:43:48Z'),
      }),
    ).toEqual({
      version: '0',
      id: '6a7e4feb-b491-4cf7-a9f1-bf3703497718',
      'detail-type': 'Parameter Store Change',
      source: 'aws.ssm',
      account: '123456789012',
      time: '2017-05-22T16:43:48Z',
      region: 'us-east-1',
      resources: ['arn:aws:ssm:us-east-1:123456789012:parameter/foo'],
      detail: { operation: 'Create', name: 'foo', type: 'String', description: 'Sample Parameter' },
    });
  });

  it('names the parameter without its leading slash in the ARN, in the region’s partition', () => {
    expect(parameterArn('eu-west-1', '111111111111', '/org-budgets/budgets/team-a')).toBe(
      'arn:aws:ssm:eu-west-1:111111111111:parameter/org-budgets/budgets/team-a',
    );
    expect(parameterArn('cn-north-1', '111111111111', 'plain')).toBe(
      'arn:aws-cn:ssm:cn-north-1:111111111111:parameter/plain',
    );
  });
});

describe('parameterChangesOf', () => {
  it('tells Create from Update by the version PutParameter answers with', () => {
    const request = { Name: '/p', Value: 'v', Type: 'String', Description: 'd' };
    expect(parameterChangesOf('PutParameter', request, { Version: 1, Tier: 'Standard' }, none)).toEqual([
      { operation: 'Create', name: '/p', type: 'String', description: 'd' },
    ]);
    expect(parameterChangesOf('PutParameter', { ...request, Overwrite: true }, { Version: 2 }, none)).toEqual([
      { operation: 'Update', name: '/p', type: 'String', description: 'd' },
    ]);
  });

  it('keeps type and description an overwrite leaves out, where known', () => {
    const known = (name: string) => (name === '/p' ? { type: 'SecureString', description: 'old' } : undefined);
    expect(
      parameterChangesOf('PutParameter', { Name: '/p', Value: 'v', Overwrite: true }, { Version: 3 }, known),
    ).toEqual([{ operation: 'Update', name: '/p', type: 'SecureString', description: 'old' }]);
    expect(
      parameterChangesOf('PutParameter', { Name: '/q', Value: 'v', Overwrite: true }, { Version: 3 }, known),
    ).toEqual([{ operation: 'Update', name: '/q', type: undefined, description: undefined }]);
    // A created parameter has no past: no description means "".
    expect(
      parameterChangesOf('PutParameter', { Name: '/p', Value: 'v', Type: 'String' }, { Version: 1 }, known),
    ).toEqual([{ operation: 'Create', name: '/p', type: 'String', description: '' }]);
  });

  it('reports deletions with what was known of the parameters', () => {
    const known = (name: string) => (name === 'a' ? { type: 'StringList', description: 'x' } : undefined);
    expect(parameterChangesOf('DeleteParameter', { Name: 'a' }, {}, known)).toEqual([
      { operation: 'Delete', name: 'a', type: 'StringList', description: 'x' },
    ]);
    expect(
      parameterChangesOf(
        'DeleteParameters',
        { Names: ['a', 'b', 'c'] },
        { DeletedParameters: ['a', 'b'], InvalidParameters: ['c'] },
        known,
      ),
    ).toEqual([
      { operation: 'Delete', name: 'a', type: 'StringList', description: 'x' },
      { operation: 'Delete', name: 'b', type: undefined, description: undefined },
    ]);
  });

  it('ignores other calls and malformed bodies', () => {
    expect(parameterChangesOf('GetParameter', { Name: 'a' }, {}, none)).toEqual([]);
    expect(parameterChangesOf('PutParameter', undefined, { Version: 1 }, none)).toEqual([]);
    expect(parameterChangesOf('DeleteParameters', { Names: ['a'] }, undefined, none)).toEqual([]);
  });
});

describe('helpers', () => {
  it('knows the SSM calls that change parameters and what a deletion deletes', () => {
    expect(isParameterMutation('ssm', 'PutParameter')).toBe(true);
    expect(isParameterMutation('ssm', 'DeleteParameters')).toBe(true);
    expect(isParameterMutation('ssm', 'LabelParameterVersion')).toBe(false);
    expect(isParameterMutation('dynamodb', 'PutParameter')).toBe(false);
    expect(namesToBeDeleted('DeleteParameter', { Name: '/a' })).toEqual(['/a']);
    expect(namesToBeDeleted('DeleteParameters', { Names: ['/a', 3, '/b'] })).toEqual(['/a', '/b']);
    expect(namesToBeDeleted('PutParameter', { Name: '/a' })).toEqual([]);
  });

  it('keeps parameter facts per account, region and name', () => {
    const catalog = new ParameterCatalog();
    catalog.remember('1', 'r', '/p', { type: 'String', description: '' });
    expect(catalog.get('1', 'r', '/p')).toEqual({ type: 'String', description: '' });
    expect(catalog.get('2', 'r', '/p')).toBeUndefined();
    expect(catalog.get('1', 'other', '/p')).toBeUndefined();
    catalog.forget('1', 'r', '/p');
    expect(catalog.get('1', 'r', '/p')).toBeUndefined();
  });
});
