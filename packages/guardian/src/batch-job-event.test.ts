import { jobQueueNameFromArn, parseBatchJobEvent } from './batch-job-event';
import { BatchJobEventInvalidError } from './errors';
import {
  arrayChildEvent,
  arrayParentEvent,
  DOCUMENTED_EXAMPLE_EVENT,
  ec2LegacyJobEvent,
  ecsPropertiesJobEvent,
  eksJobEvent,
  fargateJobEvent,
  JOB_ID,
  multiNodeParentEvent,
  QUEUE_ARN,
  QUEUE_NAME,
} from './testing/batch-events';

const ms = (iso: string) => Date.parse(iso);

function problemsOf(event: unknown): string[] {
  try {
    parseBatchJobEvent(event);
  } catch (error) {
    if (error instanceof BatchJobEventInvalidError) return error.problems;
    throw error;
  }
  throw new Error('expected the event to be rejected');
}

describe('parseBatchJobEvent', () => {
  it('reads the example event of the AWS Batch documentation', () => {
    const observation = parseBatchJobEvent(DOCUMENTED_EXAMPLE_EVENT);

    expect(observation).toEqual({
      eventId: 'c8f9c4b5-76e5-d76a-f980-7011e206042b',
      eventTime: ms('2022-01-11T23:36:40Z'),
      accountId: '123456789012',
      region: 'us-east-1',
      jobId: '4c7599ae-0a82-49aa-ba5a-4727fcce14a8',
      jobName: 'event-test',
      jobArn: 'arn:aws:batch:us-east-1:123456789012:job/4c7599ae-0a82-49aa-ba5a-4727fcce14a8',
      jobQueueArn: 'arn:aws:batch:us-east-1:123456789012:job-queue/PexjEHappyPathCanary2JobQueue',
      jobQueueName: 'PexjEHappyPathCanary2JobQueue',
      status: 'RUNNABLE',
      kind: 'SINGLE',
      billable: true,
      resources: { vcpus: 2, memoryMiB: 256, gpus: 0 },
      platform: 'EC2',
      architecture: 'X86_64',
      capacity: 'UNKNOWN',
      createdAt: 1641944200058,
      attempts: [],
      // The documentation's example carries this tag; a budget's tag filter is matched against the tags.
      tags: { resourceArn: 'arn:aws:batch:us-east-1:123456789012:job/4c7599ae-0a82-49aa-ba5a-4727fcce14a8' },
    });
  });

  it('reads a running Fargate job on ARM with fractional vCPU', () => {
    const observation = parseBatchJobEvent(
      fargateJobEvent({ vcpu: '0.25', memory: '512', architecture: 'ARM64', startedAt: ms('2026-11-23T10:00:00Z') }),
    );

    expect(observation).toMatchObject({
      jobId: JOB_ID,
      jobQueueArn: QUEUE_ARN,
      jobQueueName: QUEUE_NAME,
      status: 'RUNNING',
      platform: 'FARGATE',
      architecture: 'ARM64',
      resources: { vcpus: 0.25, memoryMiB: 512, gpus: 0 },
      startedAt: ms('2026-11-23T10:00:00Z'),
    });
  });

  it('reads finished attempts with their start and stop times', () => {
    const attempts = [
      { startedAt: ms('2026-11-23T10:00:00Z'), stoppedAt: ms('2026-11-23T10:05:00Z'), exitCode: 1 },
      { startedAt: ms('2026-11-23T10:07:00Z'), stoppedAt: ms('2026-11-23T10:09:30Z') },
    ];
    const observation = parseBatchJobEvent(
      fargateJobEvent({
        status: 'SUCCEEDED',
        attempts,
        startedAt: attempts[1]!.startedAt,
        stoppedAt: attempts[1]!.stoppedAt,
      }),
    );

    expect(observation.attempts).toEqual(attempts.map(({ startedAt, stoppedAt }) => ({ startedAt, stoppedAt })));
    expect(observation.stoppedAt).toBe(ms('2026-11-23T10:09:30Z'));
  });

  it('takes Spot or on-demand from the resolver, with the queue it needs to look it up', () => {
    const resolveCapacity = jest.fn().mockReturnValue('SPOT');

    const observation = parseBatchJobEvent(fargateJobEvent(), { resolveCapacity });

    expect(observation.capacity).toBe('SPOT');
    expect(resolveCapacity).toHaveBeenCalledWith({
      jobQueueArn: QUEUE_ARN,
      jobQueueName: QUEUE_NAME,
      platform: 'FARGATE',
    });
  });

  it('leaves capacity UNKNOWN when the resolver does not know', () => {
    expect(parseBatchJobEvent(fargateJobEvent(), { resolveCapacity: () => undefined }).capacity).toBe('UNKNOWN');
  });

  it('reads EC2 jobs that use the older vcpus and memory fields', () => {
    const observation = parseBatchJobEvent(ec2LegacyJobEvent());

    expect(observation).toMatchObject({
      platform: 'EC2',
      architecture: 'X86_64',
      resources: { vcpus: 4, memoryMiB: 16000, gpus: 0 },
    });
  });

  it('marks array parents as not billable and array children as billable', () => {
    expect(parseBatchJobEvent(arrayParentEvent())).toMatchObject({ kind: 'ARRAY_PARENT', billable: false });
    expect(parseBatchJobEvent(arrayParentEvent()).resources).toBeUndefined();
    expect(parseBatchJobEvent(arrayChildEvent())).toMatchObject({
      kind: 'ARRAY_CHILD',
      billable: true,
      jobId: 'a0b1c2d3-0000-4000-8000-000000000001:3',
    });
  });

  it('accepts a multi-node parent without a container and does not bill it', () => {
    expect(parseBatchJobEvent(multiNodeParentEvent())).toMatchObject({
      kind: 'MULTI_NODE_PARENT',
      billable: false,
      platform: 'EC2',
    });
  });

  it('adds up the containers of a multi-container job', () => {
    expect(parseBatchJobEvent(ecsPropertiesJobEvent())).toMatchObject({
      architecture: 'ARM64',
      resources: { vcpus: 1.25, memoryMiB: 2560, gpus: 0 },
    });
  });

  it('reads Kubernetes quantities of an EKS job, taking the larger of limits and requests', () => {
    expect(parseBatchJobEvent(eksJobEvent())).toMatchObject({
      platform: 'EC2',
      resources: { vcpus: 1.5, memoryMiB: 4096, gpus: 1 },
    });
  });

  it('ignores properties it does not know', () => {
    const event = fargateJobEvent();
    const withExtras = {
      ...event,
      detail: { ...event.detail, schedulingPriority: 5, shareIdentifier: 'lab-a', brandNew: { x: 1 } },
    };

    expect(() => parseBatchJobEvent(withExtras)).not.toThrow();
  });

  it('rejects an event of another kind, naming the field', () => {
    const problems = problemsOf({ ...fargateJobEvent(), 'detail-type': 'Batch Service Job State Change' });

    expect(problems).toEqual(['detail-type must be "Batch Job State Change", got "Batch Service Job State Change"']);
  });

  it('rejects an unknown status', () => {
    const event = fargateJobEvent();
    const problems = problemsOf({ ...event, detail: { ...event.detail, status: 'PAUSED' } });

    expect(problems).toEqual([
      'detail.status must be one of SUBMITTED, PENDING, RUNNABLE, STARTING, RUNNING, SUCCEEDED, FAILED, got "PAUSED"',
    ]);
  });

  it('rejects a job queue that is not an ARN', () => {
    const event = fargateJobEvent();
    const problems = problemsOf({ ...event, detail: { ...event.detail, jobQueue: 'research-fargate' } });

    expect(problems[0]).toMatch(/^detail\.jobQueue must be a job queue ARN/);
  });

  it('reports every problem at once, with the event and job ids', () => {
    const event = fargateJobEvent({ eventId: 'evt-1' });
    const broken = {
      ...event,
      time: 'yesterday',
      detail: { ...event.detail, startedAt: '1641944200058', jobName: undefined },
    };

    let error: unknown;
    try {
      parseBatchJobEvent(broken);
    } catch (e) {
      error = e;
    }

    expect(error).toBeInstanceOf(BatchJobEventInvalidError);
    expect(error).toMatchObject({ name: 'BatchJobEventInvalidError', eventId: 'evt-1', jobId: JOB_ID });
    expect((error as BatchJobEventInvalidError).problems).toEqual([
      'time must be an ISO 8601 date-time, got "yesterday"',
      'detail.jobName is required',
      'detail.startedAt must be epoch milliseconds (a number), got "1641944200058"',
    ]);
    expect((error as Error).message).toMatch(/^Batch Job State Change event evt-1 \(job 4c7599ae-.*\) is invalid: /);
  });

  it('rejects a billable job without vCPU and memory', () => {
    const event = fargateJobEvent();
    const problems = problemsOf({
      ...event,
      detail: { ...event.detail, container: { image: 'x', resourceRequirements: [] } },
    });

    expect(problems).toEqual([
      'detail has no vCPU and memory (looked in container.resourceRequirements, container.vcpus/memory, ecsProperties and eksProperties)',
    ]);
  });

  it('rejects a resource requirement that is not a number', () => {
    const event = fargateJobEvent({ vcpu: 'two' });

    expect(problemsOf(event)).toEqual([
      'detail.container.resourceRequirements[0].value must be a number for VCPU, got "two"',
    ]);
  });

  it('rejects something that is not an event at all', () => {
    expect(problemsOf(null)).toEqual(['event must be an object']);
    expect(problemsOf({})).toContain('detail is required');
  });
});

describe('jobQueueNameFromArn', () => {
  it('reads the name, in every partition', () => {
    expect(jobQueueNameFromArn('arn:aws-us-gov:batch:us-gov-west-1:123456789012:job-queue/gpu_q-1')).toBe('gpu_q-1');
    expect(jobQueueNameFromArn('arn:aws:batch:us-east-1:123456789012:job-definition/x:1')).toBeUndefined();
  });
});
