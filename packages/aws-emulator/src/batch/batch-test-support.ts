/**
 * Test support only (not in the package's index; tests import it from
 * `@org-budgets/aws-emulator/testing`): an in-memory stand-in for the job queues, job definitions
 * and compute environments moto holds, shaped as moto's Describe calls answer them (nulls
 * included), and a helper that waits for a condition without timing anything.
 */
import type { EmittedEvent } from '../events/event-bus';
import { BatchJobSimulator, type BatchCaller, type BatchSimulationSettings } from './batch-simulator';
import type { JsonRecord } from './json-fields';

export const ACCOUNT = '111111111111';
export const OTHER_ACCOUNT = '222222222222';
export const REGION = 'eu-west-1';

export const queueArn = (name: string, account = ACCOUNT, region = REGION): string =>
  `arn:aws:batch:${region}:${account}:job-queue/${name}`;
export const environmentArn = (name: string, account = ACCOUNT, region = REGION): string =>
  `arn:aws:batch:${region}:${account}:compute-environment/${name}`;
export const definitionArn = (name: string, revision: number, account = ACCOUNT, region = REGION): string =>
  `arn:aws:batch:${region}:${account}:job-definition/${name}:${revision}`;

/** A Fargate job definition's containerProperties: 0.25 vCPU, 512 MiB. */
export const fargateContainer = (extra: JsonRecord = {}): JsonRecord => ({
  image: 'public.ecr.aws/docker/library/busybox:latest',
  command: ['sleep', '600'],
  executionRoleArn: `arn:aws:iam::${ACCOUNT}:role/batch-execution`,
  environment: [],
  resourceRequirements: [
    { value: '0.25', type: 'VCPU' },
    { value: '512', type: 'MEMORY' },
  ],
  networkConfiguration: { assignPublicIp: 'ENABLED' },
  fargatePlatformConfiguration: { platformVersion: 'LATEST' },
  secrets: [],
  mountPoints: [],
  ulimits: [],
  volumes: [],
  ...extra,
});

/** An EC2 job definition's containerProperties, with the legacy vcpus and memory fields. */
export const ec2Container = (extra: JsonRecord = {}): JsonRecord => ({
  image: 'public.ecr.aws/docker/library/busybox:latest',
  vcpus: 2,
  memory: 2048,
  command: ['sleep', '600'],
  environment: [],
  resourceRequirements: [],
  secrets: [],
  mountPoints: [],
  ulimits: [],
  volumes: [],
  ...extra,
});

/** The Batch resources of one account and region, as moto would describe them. */
export class FakeBatchWorld {
  readonly queues = new Map<string, JsonRecord>();
  readonly definitions: JsonRecord[] = [];
  readonly environments = new Map<string, JsonRecord>();
  /** Every Describe call made, e.g. `DescribeJobQueues`. */
  readonly lookups: string[] = [];

  constructor(
    readonly accountId = ACCOUNT,
    readonly region = REGION,
  ) {}

  addEnvironment(name: string, type: 'FARGATE' | 'FARGATE_SPOT' | 'EC2' | 'SPOT'): string {
    const arn = environmentArn(name, this.accountId, this.region);
    this.environments.set(arn, {
      computeEnvironmentArn: arn,
      computeEnvironmentName: name,
      ecsClusterArn: `arn:aws:ecs:${this.region}:${this.accountId}:cluster/OnDemand_Batch_${name}`,
      state: null,
      type: 'MANAGED',
      status: 'VALID',
      computeResources: { type, maxvCpus: 256, subnets: ['subnet-1'], securityGroupIds: ['sg-1'] },
    });
    return arn;
  }

  addQueue(name: string, environment: string, extra: JsonRecord = {}): string {
    const arn = queueArn(name, this.accountId, this.region);
    this.queues.set(name, {
      computeEnvironmentOrder: [{ order: 1, computeEnvironment: environment }],
      jobQueueArn: arn,
      jobQueueName: name,
      priority: 1,
      schedulingPolicyArn: null,
      state: 'ENABLED',
      status: 'VALID',
      tags: {},
      ...extra,
    });
    return arn;
  }

  setQueueState(name: string, state: 'ENABLED' | 'DISABLED'): void {
    const queue = this.queues.get(name);
    if (!queue) throw new Error(`no queue ${name}`);
    queue.state = state;
  }

  /** Registers a revision (1, 2, ...) of a job definition; FARGATE when `platformCapabilities` says so. */
  register(name: string, fields: JsonRecord): string {
    const revision = this.definitions.filter((definition) => definition.jobDefinitionName === name).length + 1;
    const arn = definitionArn(name, revision, this.accountId, this.region);
    this.definitions.push({
      jobDefinitionArn: arn,
      jobDefinitionName: name,
      parameters: {},
      revision,
      status: 'ACTIVE',
      type: 'container',
      tags: {},
      platformCapabilities: [],
      retryStrategy: null,
      propagateTags: null,
      ...fields,
    });
    return arn;
  }

  deregister(arn: string): void {
    const definition = this.definitions.find((candidate) => candidate.jobDefinitionArn === arn);
    if (definition) definition.status = 'INACTIVE';
  }

  caller(): BatchCaller {
    return {
      accountId: this.accountId,
      region: this.region,
      lookup: {
        describeJobQueues: async (references) => {
          this.lookups.push('DescribeJobQueues');
          return [...this.queues.values()].filter(
            (queue) =>
              references.includes(String(queue.jobQueueArn)) || references.includes(String(queue.jobQueueName)),
          );
        },
        describeJobDefinitions: async (request) => {
          this.lookups.push('DescribeJobDefinitions');
          return this.definitions.filter((definition) =>
            request.jobDefinitions
              ? request.jobDefinitions.includes(String(definition.jobDefinitionArn))
              : definition.jobDefinitionName === request.jobDefinitionName,
          );
        },
        describeComputeEnvironments: async (arns) => {
          this.lookups.push('DescribeComputeEnvironments');
          return arns.flatMap((arn) => {
            const environment = this.environments.get(arn);
            return environment ? [environment] : [];
          });
        },
      },
    };
  }
}

/** A simulator with fast steps that records the events it emits. */
export function fastSimulator(settings: Partial<BatchSimulationSettings> = {}): {
  simulator: BatchJobSimulator;
  events: EmittedEvent[];
} {
  const events: EmittedEvent[] = [];
  const simulator = new BatchJobSimulator({
    emit: (event) => events.push(structuredClone(event)),
    settings: { stepDelayMs: 1, defaultRunSeconds: 0.01, ...settings },
  });
  return { simulator, events };
}

/** Resolves once `condition` holds (checked every few milliseconds); rejects after `timeoutMs` with `what`. */
export async function waitUntil(condition: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await new Promise((resolveWait) => setTimeout(resolveWait, 5));
  }
}
