import { identifyCall } from './aws-call';

const auth = (service: string, region = 'eu-west-1'): string =>
  `AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20260101/${region}/${service}/aws4_request, SignedHeaders=host;x-amz-date, Signature=abc`;

describe('identifyCall', () => {
  it('reads service, region and access key from the SigV4 scope and the operation from X-Amz-Target', () => {
    const call = identifyCall({
      method: 'POST',
      url: '/',
      headers: {
        authorization: auth('dynamodb'),
        'x-amz-target': 'DynamoDB_20120810.PutItem',
        'content-type': 'application/x-amz-json-1.0',
      },
      body: Buffer.from('{"TableName":"budgets"}'),
    });
    expect(call).toMatchObject({
      service: 'dynamodb',
      operation: 'PutItem',
      protocol: 'json',
      region: 'eu-west-1',
      accessKeyId: 'AKIDEXAMPLE',
      body: { TableName: 'budgets' },
    });
  });

  it.each([
    ['AmazonSSM.PutParameter', 'PutParameter'],
    ['DynamoDBStreams_20120810.GetRecords', 'GetRecords'],
  ])('takes the operation of target %s', (target, operation) => {
    const call = identifyCall({
      method: 'POST',
      url: '/',
      headers: { authorization: auth('ssm'), 'x-amz-target': target },
      body: Buffer.alloc(0),
    });
    expect(call.operation).toBe(operation);
    expect(call.body).toBeUndefined();
  });

  it('parses a query-protocol form body into an object', () => {
    const call = identifyCall({
      method: 'POST',
      url: '/',
      headers: { authorization: auth('sts'), 'content-type': 'application/x-www-form-urlencoded; charset=utf-8' },
      body: Buffer.from(
        'Action=AssumeRole&Version=2011-06-15&RoleArn=arn%3Aaws%3Aiam%3A%3A111111111111%3Arole%2FSpoke&RoleSessionName=s',
      ),
    });
    expect(call).toMatchObject({
      service: 'sts',
      operation: 'AssumeRole',
      protocol: 'query',
      body: { Action: 'AssumeRole', RoleArn: 'arn:aws:iam::111111111111:role/Spoke', RoleSessionName: 's' },
    });
  });

  it('takes Action from the query string, and the scope from a presigned URL', () => {
    const credential = encodeURIComponent('AKID/20260101/us-east-1/sqs/aws4_request');
    const call = identifyCall({
      method: 'GET',
      url: `/?Action=ListQueues&X-Amz-Credential=${credential}`,
      headers: {},
      body: Buffer.alloc(0),
    });
    expect(call).toMatchObject({ service: 'sqs', operation: 'ListQueues', protocol: 'query', path: '/' });
  });

  it('uses the method for REST services, XML for S3', () => {
    const call = identifyCall({
      method: 'PUT',
      url: '/bucket/key?x-id=PutObject',
      headers: { authorization: auth('s3') },
      body: Buffer.from('data'),
    });
    expect(call).toMatchObject({ service: 's3', operation: 'PUT', protocol: 'rest-xml', path: '/bucket/key' });
    const lambda = identifyCall({
      method: 'GET',
      url: '/2015-03-31/functions/',
      headers: { authorization: auth('lambda') },
      body: Buffer.alloc(0),
    });
    expect(lambda).toMatchObject({ service: 'lambda', operation: 'GET', protocol: 'rest-json' });
  });

  it.each([
    ['POST', '/v1/submitjob', 'SubmitJob'],
    ['POST', '/v1/describejobqueues', 'DescribeJobQueues'],
    ['POST', '/v1/listjobs', 'ListJobs'],
    ['POST', `/v1/tags/${encodeURIComponent('arn:aws:batch:eu-west-1:111111111111:job/abc')}`, 'TagResource'],
    ['GET', `/v1/tags/${encodeURIComponent('arn:aws:batch:eu-west-1:111111111111:job/abc')}`, 'ListTagsForResource'],
    ['DELETE', '/v1/tags/arn%3Aaws%3Abatch%3Aeu-west-1%3A111111111111%3Ajob%2Fabc?tagKeys=a', 'UntagResource'],
    ['POST', '/v1/unknownthing', 'POST'],
  ])('names the Batch call %s %s %s', (method, url, operation) => {
    const call = identifyCall({
      method,
      url,
      headers: { authorization: auth('batch'), 'content-type': 'application/json' },
      body: Buffer.from('{"jobName":"a"}'),
    });
    expect(call).toMatchObject({ service: 'batch', protocol: 'rest-json', operation });
  });

  it.each([
    [
      'lambda',
      'POST',
      `/2015-03-31/functions/${encodeURIComponent('arn:aws:lambda:eu-west-1:111111111111:function:f')}/invocations`,
      'Invoke',
    ],
    ['lambda', 'POST', '/2015-03-31/functions/f/invocations?Qualifier=live', 'Invoke'],
    ['lambda', 'GET', '/2015-03-31/functions/f', 'GET'],
    ['scheduler', 'POST', '/schedules/org-budgets-local-check-1', 'CreateSchedule'],
    ['scheduler', 'GET', '/schedules/org-budgets-local-check-1?groupName=default', 'GetSchedule'],
    ['scheduler', 'PUT', '/schedules/org-budgets-local-check-1', 'UpdateSchedule'],
    ['scheduler', 'DELETE', '/schedules/org-budgets-local-check-1?clientToken=t', 'DeleteSchedule'],
    ['scheduler', 'GET', '/schedules?NamePrefix=org', 'ListSchedules'],
    ['scheduler', 'POST', '/schedule-groups/checks', 'CreateScheduleGroup'],
    ['scheduler', 'GET', '/schedule-groups', 'ListScheduleGroups'],
    [
      'scheduler',
      'POST',
      `/tags/${encodeURIComponent('arn:aws:scheduler:eu-west-1:111111111111:schedule-group/checks')}`,
      'TagResource',
    ],
  ])('names the %s call %s %s %s', (service, method, url, operation) => {
    const call = identifyCall({
      method,
      url,
      headers: { authorization: auth(service), 'content-type': 'application/json' },
      body: Buffer.from('{}'),
    });
    expect(call).toMatchObject({ service, protocol: 'rest-json', operation });
  });

  it('reads the operation of an rpc-v2-cbor call from its path', () => {
    const call = identifyCall({
      method: 'POST',
      url: '/service/GraniteServiceVersion20100801/operation/PutMetricData',
      headers: { authorization: auth('monitoring'), 'smithy-protocol': 'rpc-v2-cbor' },
      body: Buffer.alloc(0),
    });
    expect(call).toMatchObject({ service: 'monitoring', operation: 'PutMetricData', protocol: 'rpc-v2-cbor' });
  });

  it('calls an unsigned request unknown', () => {
    const call = identifyCall({ method: 'GET', url: '/', headers: {}, body: Buffer.alloc(0) });
    expect(call.service).toBe('unknown');
    expect(call.region).toBeUndefined();
  });
});
