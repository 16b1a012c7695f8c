import { answerBatchRequest, isSimulatedBatchCall } from './batch-service';
import { ACCOUNT, fargateContainer, FakeBatchWorld, fastSimulator, REGION } from './batch-test-support';

const jobArn = `arn:aws:batch:${REGION}:${ACCOUNT}:job/4c7599ae-0a82-49aa-ba5a-4727fcce14a8`;
const tagsPath = (arn: string) => `/v1/tags/${encodeURIComponent(arn)}`;

describe('the Batch calls the simulator answers', () => {
  it('takes the job calls and the tag calls on job ARNs, and leaves everything else to moto', () => {
    for (const operation of ['SubmitJob', 'ListJobs', 'DescribeJobs', 'TerminateJob', 'CancelJob', 'TerminateJobs']) {
      expect(isSimulatedBatchCall('batch', operation, '/v1/x')).toBe(true);
    }
    expect(isSimulatedBatchCall('batch', 'TagResource', tagsPath(jobArn))).toBe(true);
    expect(isSimulatedBatchCall('batch', 'ListTagsForResource', tagsPath(jobArn))).toBe(true);
    const queue = `arn:aws:batch:${REGION}:${ACCOUNT}:job-queue/research`;
    expect(isSimulatedBatchCall('batch', 'TagResource', tagsPath(queue))).toBe(false);
    for (const operation of ['CreateJobQueue', 'UpdateJobQueue', 'DescribeJobQueues', 'RegisterJobDefinition']) {
      expect(isSimulatedBatchCall('batch', operation, '/v1/x')).toBe(false);
    }
    expect(isSimulatedBatchCall('ecs', 'SubmitJob', '/v1/submitjob')).toBe(false);
  });
});

describe('answerBatchRequest', () => {
  const request = (operation: string, body: unknown, path = '/v1/x', search = '') => ({
    operation,
    path,
    search: new URLSearchParams(search),
    body: Buffer.from(JSON.stringify(body)),
  });

  it('answers with JSON and a request id', async () => {
    const { simulator } = fastSimulator();
    const reply = await answerBatchRequest(
      simulator,
      request('DescribeJobs', { jobs: ['nope'] }),
      new FakeBatchWorld().caller(),
      'req-1',
    );
    expect(reply.status).toBe(200);
    expect(reply.headers).toMatchObject({ 'content-type': 'application/json', 'x-amzn-requestid': 'req-1' });
    expect(JSON.parse(reply.body.toString())).toEqual({ jobs: [] });
  });

  it('renders a ClientException as AWS Batch does: HTTP 400, x-amzn-errortype, __type and message', async () => {
    const { simulator } = fastSimulator();
    const reply = await answerBatchRequest(
      simulator,
      request('SubmitJob', { jobName: 'j', jobQueue: 'missing', jobDefinition: 'd' }),
      new FakeBatchWorld().caller(),
      'req-2',
    );
    expect(reply.status).toBe(400);
    expect(reply.headers).toMatchObject({ 'x-amzn-errortype': 'ClientException', 'x-amzn-requestid': 'req-2' });
    expect(JSON.parse(reply.body.toString())).toEqual({
      __type: 'ClientException',
      message: 'JobQueue missing not found.',
    });
  });

  it('turns a failed lookup in moto into a ServerException (HTTP 500)', async () => {
    const { simulator } = fastSimulator();
    const caller = new FakeBatchWorld().caller();
    caller.lookup.describeJobQueues = () => Promise.reject(new Error('connection refused'));
    const reply = await answerBatchRequest(
      simulator,
      request('SubmitJob', { jobName: 'j', jobQueue: 'q', jobDefinition: 'd' }),
      caller,
      'req-3',
    );
    expect(reply.status).toBe(500);
    expect(JSON.parse(reply.body.toString())).toEqual({
      __type: 'ServerException',
      message: 'front door: DescribeJobQueues in moto failed: connection refused',
    });
  });

  it('tags, lists and untags a simulated job', async () => {
    const { simulator } = fastSimulator({ stepDelayMs: 60_000 });
    const batch = new FakeBatchWorld();
    batch.addQueue('fargate', batch.addEnvironment('fargate-ce', 'FARGATE'));
    batch.register('fg', { platformCapabilities: ['FARGATE'], containerProperties: fargateContainer() });
    const { jobArn: arn } = await simulator.submitJob(
      { jobName: 'j', jobQueue: 'fargate', jobDefinition: 'fg', tags: { a: '1' } },
      batch.caller(),
    );
    const path = tagsPath(arn as string);
    await answerBatchRequest(
      simulator,
      request('TagResource', { tags: { b: '2', c: '3' } }, path),
      batch.caller(),
      'r',
    );
    await answerBatchRequest(simulator, request('UntagResource', {}, path, 'tagKeys=a&tagKeys=c'), batch.caller(), 'r');
    const listed = await answerBatchRequest(simulator, request('ListTagsForResource', {}, path), batch.caller(), 'r');
    expect(JSON.parse(listed.body.toString())).toEqual({ tags: { b: '2' } });
    simulator.stop();
  });
});
