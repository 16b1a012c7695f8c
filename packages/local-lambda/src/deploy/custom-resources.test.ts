import {
  CustomResourceFailedError,
  customResourcesOf,
  sendCustomResourceRequests,
  type CustomResourceOfStack,
} from './custom-resources';
import type { StackContext, Template } from './template-gaps';

const TEMPLATE: Template = {
  Parameters: { Enabled: { Default: 'yes' } },
  Conditions: { IsEnabled: { 'Fn::Equals': [{ Ref: 'Enabled' }, 'yes'] }, Never: { 'Fn::Equals': ['a', 'b'] } },
  Resources: {
    ReleaseLambdaFunction: { Type: 'AWS::Lambda::Function', Properties: { FunctionName: 'release' } },
    Table: { Type: 'AWS::DynamoDB::Table' },
    Release: {
      Type: 'AWS::CloudFormation::CustomResource',
      Condition: 'IsEnabled',
      Properties: {
        ServiceToken: { 'Fn::GetAtt': ['ReleaseLambdaFunction', 'Arn'] },
        TableName: { Ref: 'Table' },
      },
    },
    Seed: { Type: 'Custom::Seed', Properties: { ServiceToken: { 'Fn::GetAtt': ['ReleaseLambdaFunction', 'Arn'] } } },
    Skipped: { Type: 'Custom::Skipped', Condition: 'Never', Properties: { ServiceToken: 'x' } },
  },
};

const STACK: StackContext = {
  stackName: 'spoke',
  account: '111111111111',
  region: 'us-east-1',
  partition: 'aws',
  parameters: {},
  resources: [
    { logicalId: 'ReleaseLambdaFunction', type: 'AWS::Lambda::Function', physicalId: 'release' },
    { logicalId: 'Table', type: 'AWS::DynamoDB::Table', physicalId: 'spoke-Table-ABC' },
  ],
};
const FUNCTION_ARN = 'arn:aws:lambda:us-east-1:111111111111:function:release';
const STACK_ID = 'arn:aws:cloudformation:us-east-1:111111111111:stack/spoke/0f3c2a9e-0000-4000-8000-000000000001';

describe('customResourcesOf', () => {
  it('finds both kinds of custom resource whose Condition holds, resolved against the stack', () => {
    expect(customResourcesOf(TEMPLATE, STACK)).toEqual([
      {
        logicalId: 'Release',
        resourceType: 'AWS::CloudFormation::CustomResource',
        serviceToken: FUNCTION_ARN,
        properties: { ServiceToken: FUNCTION_ARN, TableName: 'spoke-Table-ABC' },
      },
      {
        logicalId: 'Seed',
        resourceType: 'Custom::Seed',
        serviceToken: FUNCTION_ARN,
        properties: { ServiceToken: FUNCTION_ARN },
      },
    ]);
  });

  it('refuses a ServiceToken that is no Lambda function (an SNS-backed one is not emulated)', () => {
    const template: Template = {
      Resources: { Topic: { Type: 'Custom::X', Properties: { ServiceToken: 'arn:aws:sns:us-east-1:1:t' } } },
    };
    expect(() => customResourcesOf(template, STACK)).toThrow(/Topic: ServiceToken .* is not a Lambda function ARN/);
  });
});

/** A function as the runtime would run it: answers at the ResponseURL, later, with `status`. */
function answeringFunction(status: (event: Record<string, string>) => 'SUCCESS' | 'FAILED' | 'SILENT') {
  const events: Record<string, string>[] = [];
  const invokeAsync = async (_arn: string, event: unknown) => {
    const request = event as Record<string, string>;
    events.push(request);
    const outcome = status(request);
    if (outcome === 'SILENT') return;
    setImmediate(() => {
      void fetch(request['ResponseURL'] ?? '', {
        method: 'PUT',
        body: JSON.stringify({
          Status: outcome,
          Reason: outcome === 'FAILED' ? 'queue research-a is still DISABLED' : 'done',
          PhysicalResourceId: request['PhysicalResourceId'] ?? `${request['LogicalResourceId']}-created`,
          StackId: request['StackId'],
          RequestId: request['RequestId'],
          LogicalResourceId: request['LogicalResourceId'],
        }),
      });
    });
  };
  return { invokeAsync, events };
}

const resources = (): CustomResourceOfStack[] => customResourcesOf(TEMPLATE, STACK);

describe('sendCustomResourceRequests', () => {
  it('sends Create to each resource in order, asynchronously, and collects the answers', async () => {
    const fn = answeringFunction(() => 'SUCCESS');
    const answers = await sendCustomResourceRequests(resources(), {
      requestType: 'Create',
      stackId: STACK_ID,
      invokeAsync: fn.invokeAsync,
    });

    expect(fn.events.map((e) => [e['RequestType'], e['LogicalResourceId']])).toEqual([
      ['Create', 'Release'],
      ['Create', 'Seed'],
    ]);
    expect(fn.events[0]).toMatchObject({
      StackId: STACK_ID,
      ResourceType: 'AWS::CloudFormation::CustomResource',
      ResourceProperties: { TableName: 'spoke-Table-ABC' },
      ResponseURL: expect.stringMatching(/^http:\/\/127\.0\.0\.1:\d+\//),
    });
    expect(fn.events[0]).not.toHaveProperty('PhysicalResourceId');
    expect(answers.get('Release')).toMatchObject({ Status: 'SUCCESS', PhysicalResourceId: 'Release-created' });
  });

  it('sends Delete in reverse order with the ids the resources were created with', async () => {
    const fn = answeringFunction(() => 'SUCCESS');
    await sendCustomResourceRequests(resources(), {
      requestType: 'Delete',
      stackId: STACK_ID,
      invokeAsync: fn.invokeAsync,
      physicalIds: new Map([['Release', 'Release-created']]),
    });

    expect(fn.events.map((e) => [e['RequestType'], e['LogicalResourceId'], e['PhysicalResourceId']])).toEqual([
      ['Delete', 'Seed', 'Seed-0f3c2a9e-0000-4000-8000-000000000001'],
      ['Delete', 'Release', 'Release-created'],
    ]);
  });

  it('stops at a FAILED answer with its reason, as CloudFormation stops the stack operation', async () => {
    const fn = answeringFunction((event) => (event['LogicalResourceId'] === 'Seed' ? 'FAILED' : 'SUCCESS'));
    const sent = sendCustomResourceRequests(resources(), {
      requestType: 'Delete',
      stackId: STACK_ID,
      invokeAsync: fn.invokeAsync,
    });

    await expect(sent).rejects.toThrow(CustomResourceFailedError);
    await expect(sent).rejects.toThrow('Delete of custom resource Seed failed: queue research-a is still DISABLED');
    expect(fn.events).toHaveLength(1);
  });

  it('fails a resource that never answers', async () => {
    const fn = answeringFunction(() => 'SILENT');
    await expect(
      sendCustomResourceRequests(resources(), {
        requestType: 'Create',
        stackId: STACK_ID,
        invokeAsync: fn.invokeAsync,
        timeoutMs: 20,
      }),
    ).rejects.toThrow('Create of custom resource Release failed: no answer at the ResponseURL');
  });
});
