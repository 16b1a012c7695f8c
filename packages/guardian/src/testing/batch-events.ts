/**
 * Test data only: not exported from the package. Real-shaped "Batch Job State Change" events,
 * following the example and the JobDetail fields of the AWS Batch documentation.
 */

export const ACCOUNT_ID = '111111111111';
export const REGION = 'us-east-1';
export const QUEUE_NAME = 'research-fargate';
export const QUEUE_ARN = `arn:aws:batch:${REGION}:${ACCOUNT_ID}:job-queue/${QUEUE_NAME}`;
export const JOB_ID = '4c7599ae-0a82-49aa-ba5a-4727fcce14a8';

/** The example event of the AWS Batch User Guide ("Job state change events"), verbatim but for indentation. */
export const DOCUMENTED_EXAMPLE_EVENT = {
  version: '0',
  id: 'c8f9c4b5-76e5-d76a-f980-7011e206042b',
  'detail-type': 'Batch Job State Change',
  source: 'aws.batch',
  account: '123456789012',
  time: '2022-01-11T23:36:40Z',
  region: 'us-east-1',
  resources: ['arn:aws:batch:us-east-1:123456789012:job/4c7599ae-0a82-49aa-ba5a-4727fcce14a8'],
  detail: {
    jobArn: 'arn:aws:batch:us-east-1:123456789012:job/4c7599ae-0a82-49aa-ba5a-4727fcce14a8',
    jobName: 'event-test',
    jobId: '4c7599ae-0a82-49aa-ba5a-4727fcce14a8',
    jobQueue: 'arn:aws:batch:us-east-1:123456789012:job-queue/PexjEHappyPathCanary2JobQueue',
    status: 'RUNNABLE',
    attempts: [],
    createdAt: 1641944200058,
    retryStrategy: { attempts: 2, evaluateOnExit: [] },
    dependsOn: [],
    jobDefinition: 'arn:aws:batch:us-east-1:123456789012:job-definition/first-run-job-definition:1',
    parameters: {},
    container: {
      image: '137112412989.dkr.ecr.us-east-1.amazonaws.com/amazonlinux:latest',
      command: ['sleep', '600'],
      volumes: [],
      environment: [],
      mountPoints: [],
      ulimits: [],
      networkInterfaces: [],
      resourceRequirements: [
        { value: '2', type: 'VCPU' },
        { value: '256', type: 'MEMORY' },
      ],
      secrets: [],
    },
    tags: { resourceArn: 'arn:aws:batch:us-east-1:123456789012:job/4c7599ae-0a82-49aa-ba5a-4727fcce14a8' },
    propagateTags: false,
    platformCapabilities: [],
  },
};

export interface FargateEventOptions {
  status?: string;
  /** Envelope time. */
  time?: string;
  jobId?: string;
  jobName?: string;
  queueName?: string;
  vcpu?: string;
  memory?: string;
  architecture?: 'X86_64' | 'ARM64';
  startedAt?: number;
  stoppedAt?: number;
  statusReason?: string;
  attempts?: Array<{ startedAt: number; stoppedAt: number; exitCode?: number; statusReason?: string }>;
  eventId?: string;
}

const ms = (iso: string) => Date.parse(iso);

/** A Fargate job's event as AWS Batch sends it: single container, resources in resourceRequirements. */
export function fargateJobEvent(options: FargateEventOptions = {}) {
  const jobId = options.jobId ?? JOB_ID;
  const queueName = options.queueName ?? QUEUE_NAME;
  const time = options.time ?? '2026-11-23T10:00:00Z';
  return {
    version: '0',
    id: options.eventId ?? `evt-${jobId.slice(0, 8)}-${options.status ?? 'RUNNING'}-${time}`,
    'detail-type': 'Batch Job State Change',
    source: 'aws.batch',
    account: ACCOUNT_ID,
    time,
    region: REGION,
    resources: [`arn:aws:batch:${REGION}:${ACCOUNT_ID}:job/${jobId}`],
    detail: {
      jobArn: `arn:aws:batch:${REGION}:${ACCOUNT_ID}:job/${jobId}`,
      jobName: options.jobName ?? 'align-genomes',
      jobId,
      jobQueue: `arn:aws:batch:${REGION}:${ACCOUNT_ID}:job-queue/${queueName}`,
      status: options.status ?? 'RUNNING',
      ...(options.statusReason ? { statusReason: options.statusReason } : {}),
      attempts: (options.attempts ?? []).map((a, i) => ({
        container: {
          taskArn: `arn:aws:ecs:${REGION}:${ACCOUNT_ID}:task/AWSBatch-research-fargate-ce/${i}a1b2c3d4e5f6`,
          exitCode: a.exitCode ?? 0,
          logStreamName: `align-genomes/default/${i}a1b2c3d4e5f6`,
          networkInterfaces: [{ attachmentId: `eni-attach-${i}`, privateIpv4Address: '10.0.1.23' }],
        },
        startedAt: a.startedAt,
        stoppedAt: a.stoppedAt,
        statusReason: a.statusReason ?? 'Essential container in task exited',
      })),
      createdAt: ms('2026-11-23T09:55:00Z'),
      retryStrategy: { attempts: 3, evaluateOnExit: [] },
      ...(options.startedAt !== undefined ? { startedAt: options.startedAt } : {}),
      ...(options.stoppedAt !== undefined ? { stoppedAt: options.stoppedAt } : {}),
      dependsOn: [],
      jobDefinition: `arn:aws:batch:${REGION}:${ACCOUNT_ID}:job-definition/align-genomes:7`,
      parameters: {},
      container: {
        image: `${ACCOUNT_ID}.dkr.ecr.${REGION}.amazonaws.com/align:2.4`,
        command: ['align', '--input', 's3://research-data/run-17/'],
        executionRoleArn: `arn:aws:iam::${ACCOUNT_ID}:role/batch-execution`,
        volumes: [],
        environment: [],
        mountPoints: [],
        ulimits: [],
        networkInterfaces: [],
        resourceRequirements: [
          { value: options.vcpu ?? '1', type: 'VCPU' },
          { value: options.memory ?? '2048', type: 'MEMORY' },
        ],
        logConfiguration: { logDriver: 'awslogs', options: {}, secretOptions: [] },
        secrets: [],
        networkConfiguration: { assignPublicIp: 'DISABLED' },
        fargatePlatformConfiguration: { platformVersion: 'LATEST' },
        runtimePlatform: { operatingSystemFamily: 'LINUX', cpuArchitecture: options.architecture ?? 'X86_64' },
      },
      tags: { resourceArn: `arn:aws:batch:${REGION}:${ACCOUNT_ID}:job/${jobId}` },
      propagateTags: false,
      platformCapabilities: ['FARGATE'],
    },
  };
}

/** An EC2 job with the older `vcpus`/`memory` fields and no platformCapabilities. */
export function ec2LegacyJobEvent() {
  const event = fargateJobEvent({ status: 'RUNNING', startedAt: ms('2026-11-23T10:00:00Z') });
  const {
    resourceRequirements: _r,
    runtimePlatform: _p,
    fargatePlatformConfiguration: _f,
    networkConfiguration: _n,
    ...container
  } = event.detail.container;
  const { platformCapabilities: _pc, ...detail } = event.detail;
  return {
    ...event,
    detail: { ...detail, container: { ...container, vcpus: 4, memory: 16000, resourceRequirements: [] } },
  };
}

/** The parent of an array job of 10 children: it runs nothing itself. */
export function arrayParentEvent() {
  const event = fargateJobEvent({ status: 'PENDING', jobId: 'a0b1c2d3-0000-4000-8000-000000000001' });
  return { ...event, detail: { ...event.detail, arrayProperties: { statusSummary: {}, size: 10 } } };
}

/** Child 3 of that array job. */
export function arrayChildEvent() {
  const event = fargateJobEvent({ status: 'RUNNING', jobId: 'a0b1c2d3-0000-4000-8000-000000000001:3' });
  return { ...event, detail: { ...event.detail, arrayProperties: { index: 3 } } };
}

/** A multi-node parallel parent: no container of its own. */
export function multiNodeParentEvent() {
  const event = fargateJobEvent({ status: 'RUNNABLE', jobId: 'b0b1c2d3-0000-4000-8000-000000000002' });
  const { container: _c, platformCapabilities: _p, ...detail } = event.detail;
  return {
    ...event,
    detail: {
      ...detail,
      nodeProperties: {
        numNodes: 4,
        mainNode: 0,
        nodeRangeProperties: [{ targetNodes: '0:3', container: { vcpus: 8, memory: 30000 } }],
      },
    },
  };
}

/** A multi-container job (ecsProperties): two containers on Fargate whose sum is not a Fargate size. */
export function ecsPropertiesJobEvent() {
  const event = fargateJobEvent({ status: 'RUNNING', startedAt: ms('2026-11-23T10:00:00Z') });
  const { container: _c, ...detail } = event.detail;
  return {
    ...event,
    detail: {
      ...detail,
      container: {},
      ecsProperties: {
        taskProperties: [
          {
            containers: [
              {
                name: 'main',
                essential: true,
                resourceRequirements: [
                  { type: 'VCPU', value: '1' },
                  { type: 'MEMORY', value: '2048' },
                ],
              },
              {
                name: 'sidecar',
                essential: false,
                resourceRequirements: [
                  { type: 'VCPU', value: '0.25' },
                  { type: 'MEMORY', value: '512' },
                ],
              },
            ],
            runtimePlatform: { operatingSystemFamily: 'LINUX', cpuArchitecture: 'ARM64' },
          },
        ],
      },
    },
  };
}

/** A job on an Amazon EKS compute environment: resources as Kubernetes quantities. */
export function eksJobEvent() {
  const event = fargateJobEvent({ status: 'RUNNING', startedAt: ms('2026-11-23T10:00:00Z') });
  const { container: _c, platformCapabilities: _p, ...detail } = event.detail;
  return {
    ...event,
    detail: {
      ...detail,
      eksProperties: {
        podProperties: {
          hostNetwork: true,
          containers: [
            {
              name: 'train',
              image: 'public.ecr.aws/amazonlinux/amazonlinux:2',
              resources: {
                limits: { cpu: '1500m', memory: '4Gi', 'nvidia.com/gpu': '1' },
                requests: { cpu: '1', memory: '2048Mi' },
              },
            },
          ],
        },
      },
    },
  };
}
