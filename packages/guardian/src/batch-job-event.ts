// zod's messages are English wherever the contracts are loaded (packages/contracts/src/zod-helpers.ts).
import { onFirstUse } from '@org-budgets/contracts';
import * as z from 'zod/mini';
import { BatchJobEventInvalidError } from './errors';

/**
 * Reads an EventBridge "Batch Job State Change" event (source `aws.batch`) into a `JobObservation`.
 *
 * Shape: AWS Batch User Guide, "Job state change events"
 * (https://docs.aws.amazon.com/batch/latest/userguide/batch_job_events.html): the `detail` section
 * resembles the `JobDetail` object of DescribeJobs (API reference, JobDetail, ContainerDetail,
 * AttemptDetail, RuntimePlatform). Times in `detail` are epoch milliseconds; the envelope `time` is
 * ISO 8601 to the second. AWS may add properties at any time, so unknown properties are ignored.
 * No event is sent for the initial submission, so the first event of a job is usually RUNNABLE
 * (or PENDING when it has dependencies).
 */

export const JOB_STATUSES = ['SUBMITTED', 'PENDING', 'RUNNABLE', 'STARTING', 'RUNNING', 'SUCCEEDED', 'FAILED'] as const;
export type JobStatus = (typeof JOB_STATUSES)[number];

/** Statuses of a job that has not finished: the ones the guardian terminates. */
export const ACTIVE_JOB_STATUSES = ['SUBMITTED', 'PENDING', 'RUNNABLE', 'STARTING', 'RUNNING'] as const;
export type ActiveJobStatus = (typeof ACTIVE_JOB_STATUSES)[number];

export const TERMINAL_JOB_STATUSES = ['SUCCEEDED', 'FAILED'] as const;

export function isTerminalStatus(status: JobStatus): status is 'SUCCEEDED' | 'FAILED' {
  return status === 'SUCCEEDED' || status === 'FAILED';
}

export function isActiveStatus(status: JobStatus): status is ActiveJobStatus {
  return !isTerminalStatus(status);
}

/** Where the job's containers run. `platformCapabilities` is `["FARGATE"]` or `["EC2"]`; empty or absent means EC2. */
export type Platform = 'FARGATE' | 'EC2';
/** `container.runtimePlatform.cpuArchitecture`; absent means X86_64 (the AWS default, and the dearer rate). */
export type Architecture = 'X86_64' | 'ARM64';
/**
 * Spot or on-demand. A job does not say which: for Fargate it depends on the compute environment
 * (FARGATE or FARGATE_SPOT) that took it, so a `CapacityResolver` may supply it. UNKNOWN is priced
 * as on-demand.
 */
export type CapacityType = 'ON_DEMAND' | 'SPOT' | 'UNKNOWN';

/**
 * What kind of Batch job the event is about. Array and multi-node parents do not run containers of
 * their own (their children do, and each child has its own events), so they are never billed.
 */
export type JobKind = 'SINGLE' | 'ARRAY_PARENT' | 'ARRAY_CHILD' | 'MULTI_NODE_PARENT' | 'MULTI_NODE_CHILD';

/** Resources the job reserved: what Fargate bills, and what EC2 jobs are priced by. */
export interface JobResources {
  /** vCPUs, e.g. 0.25 on Fargate. */
  vcpus: number;
  /** Memory in MiB (Batch's unit). */
  memoryMiB: number;
  /** GPUs (EC2 only; Fargate has none). */
  gpus: number;
  /** Fargate ephemeral storage in GiB, when the job asked for more than the default. */
  ephemeralStorageGiB?: number;
}

/** One finished (or finishing) attempt: epoch milliseconds. */
export interface AttemptTimes {
  startedAt: number;
  stoppedAt?: number;
}

/** What is known of one job: the facts an event reports and the ledger keeps. Epoch milliseconds. */
export interface JobFacts {
  jobId: string;
  jobName: string;
  jobArn?: string;
  jobQueueArn: string;
  jobQueueName: string;
  status: JobStatus;
  statusReason?: string;
  kind: JobKind;
  /** False for array and multi-node parents: their children carry the cost. */
  billable: boolean;
  /** Present whenever `billable` is true. */
  resources?: JobResources;
  platform: Platform;
  architecture: Architecture;
  capacity: CapacityType;
  createdAt?: number;
  /** Batch's `startedAt`: when the latest attempt known went from STARTING to RUNNING. */
  startedAt?: number;
  /** Batch's `stoppedAt`. */
  stoppedAt?: number;
  /** Attempts that have started, in the order Batch lists them (in the ledger: from the event that listed the most). */
  attempts: AttemptTimes[];
  /**
   * The job's tags as Batch reports them (from the submit, the job definition and the queue):
   * what a budget's tag cost filter is matched against (see coverage.ts).
   */
  tags?: Record<string, string>;
}

/** One Batch Job State Change event, read. Times are epoch milliseconds. */
export interface JobObservation extends JobFacts {
  /** EventBridge event id (for logs; the ledger does not need it to be idempotent). */
  eventId: string;
  /** Envelope `time`. */
  eventTime: number;
  accountId: string;
  region: string;
}

/** Supplies Spot or on-demand for a job, e.g. from the compute environments of its queue. */
export type CapacityResolver = (job: {
  jobQueueArn: string;
  jobQueueName: string;
  platform: Platform;
}) => CapacityType | undefined;

export interface ParseBatchJobEventOptions {
  resolveCapacity?: CapacityResolver;
}

export const BATCH_JOB_STATE_CHANGE = 'Batch Job State Change';
export const BATCH_EVENT_SOURCE = 'aws.batch';

const JOB_QUEUE_ARN = /^arn:aws[a-z-]*:batch:[a-z0-9-]+:\d{12}:job-queue\/([A-Za-z0-9_-]{1,128})$/;

const epochMillis = onFirstUse(() =>
  z
    .number({ error: (issue) => `must be epoch milliseconds (a number), got ${describe(issue.input)}` })
    .check(
      z.int({ error: (issue) => `must be whole epoch milliseconds, got ${describe(issue.input)}` }),
      z.nonnegative({ error: (issue) => `must not be negative, got ${describe(issue.input)}` }),
    ),
);

const resourceRequirementSchema = onFirstUse(() =>
  z.object({
    type: z.string({ error: 'must be a resource type (VCPU, MEMORY or GPU)' }),
    value: z.string({ error: (issue) => `must be a number written as text, got ${describe(issue.input)}` }),
  }),
);

const resourceRequirementsSchema = onFirstUse(() =>
  z.optional(z.array(resourceRequirementSchema, { error: 'must be a list' })),
);

const containerSchema = onFirstUse(() =>
  z.object({
    vcpus: z.optional(z.number().check(z.positive())),
    memory: z.optional(z.number().check(z.positive())),
    resourceRequirements: resourceRequirementsSchema,
    runtimePlatform: z.optional(
      z.object({
        cpuArchitecture: z.optional(
          z.enum(['X86_64', 'ARM64'], {
            error: (issue) => `must be X86_64 or ARM64, got ${describe(issue.input)}`,
          }),
        ),
        operatingSystemFamily: z.optional(z.string()),
      }),
    ),
    ephemeralStorage: z.optional(z.object({ sizeInGiB: z.number().check(z.positive()) })),
    instanceType: z.optional(z.string()),
  }),
);

const attemptSchema = onFirstUse(() =>
  z.object({
    startedAt: z.optional(epochMillis),
    stoppedAt: z.optional(epochMillis),
    statusReason: z.optional(z.string()),
  }),
);

const k8sQuantities = onFirstUse(() => z.optional(z.record(z.string(), z.union([z.string(), z.number()]))));

const detailSchema = onFirstUse(() =>
  z.object(
    {
      jobArn: z.optional(z.string()),
      jobName: z.string({ error: requiredText }),
      jobId: z.string({ error: requiredText }).check(z.minLength(1, { error: 'must not be empty' })),
      jobQueue: z.string({ error: requiredText }).check(
        z.regex(JOB_QUEUE_ARN, {
          error: (issue) =>
            `must be a job queue ARN (arn:aws:batch:<region>:<account>:job-queue/<name>), got ${describe(issue.input)}`,
        }),
      ),
      status: z.enum(JOB_STATUSES, {
        error: (issue) => `must be one of ${JOB_STATUSES.join(', ')}, got ${describe(issue.input)}`,
      }),
      statusReason: z.optional(z.string()),
      attempts: z.optional(z.array(attemptSchema, { error: 'must be a list' })),
      createdAt: z.optional(epochMillis),
      startedAt: z.optional(epochMillis),
      stoppedAt: z.optional(epochMillis),
      container: z.optional(containerSchema),
      ecsProperties: z.optional(
        z.object({
          taskProperties: z.array(
            z.object({
              containers: z.array(z.object({ resourceRequirements: resourceRequirementsSchema })),
              ephemeralStorage: z.optional(z.object({ sizeInGiB: z.number().check(z.positive()) })),
              runtimePlatform: containerSchema.shape.runtimePlatform,
            }),
          ),
        }),
      ),
      eksProperties: z.optional(
        z.object({
          podProperties: z.object({
            containers: z.array(
              z.object({
                resources: z.optional(z.object({ limits: k8sQuantities, requests: k8sQuantities })),
              }),
            ),
          }),
        }),
      ),
      nodeProperties: z.optional(z.object({ numNodes: z.optional(z.number()) })),
      nodeDetails: z.optional(z.object({ nodeIndex: z.optional(z.number()), isMainNode: z.optional(z.boolean()) })),
      arrayProperties: z.optional(z.object({ size: z.optional(z.number()), index: z.optional(z.number()) })),
      tags: z.optional(z.record(z.string(), z.string(), { error: 'must be a map of tag keys to text values' })),
      platformCapabilities: z.optional(
        z.array(
          z.enum(['EC2', 'FARGATE'], { error: (issue) => `must be EC2 or FARGATE, got ${describe(issue.input)}` }),
        ),
      ),
    },
    { error: (issue) => (issue.input === undefined ? 'is required' : 'must be an object') },
  ),
);

const eventSchema = onFirstUse(() =>
  z.object(
    {
      id: z.string({ error: requiredText }).check(z.minLength(1, { error: 'must not be empty' })),
      'detail-type': z.literal(BATCH_JOB_STATE_CHANGE, {
        error: (issue) => `must be "${BATCH_JOB_STATE_CHANGE}", got ${describe(issue.input)}`,
      }),
      source: z.literal(BATCH_EVENT_SOURCE, {
        error: (issue) => `must be "${BATCH_EVENT_SOURCE}", got ${describe(issue.input)}`,
      }),
      account: z.string({ error: requiredText }).check(z.regex(/^\d{12}$/, { error: 'must be a 12-digit account id' })),
      time: z.iso.datetime({
        offset: true,
        error: (issue) => `must be an ISO 8601 date-time, got ${describe(issue.input)}`,
      }),
      region: z.string({ error: requiredText }).check(z.minLength(1, { error: 'must not be empty' })),
      detail: detailSchema,
    },
    { error: (issue) => (issue.input === undefined ? 'is required' : 'must be an object') },
  ),
);

type BatchJobDetail = z.output<typeof detailSchema>;

/** The documented envelope of a Batch Job State Change event, as far as the guardian reads it. */
export type BatchJobStateChangeEvent = z.input<typeof eventSchema>;

/**
 * Reads one event. Throws `BatchJobEventInvalidError` (with every problem, by path) when the event is
 * not a Batch Job State Change event or lacks what the guardian needs.
 */
export function parseBatchJobEvent(event: unknown, options: ParseBatchJobEventOptions = {}): JobObservation {
  const parsed = eventSchema.safeParse(event);
  const eventId = pickText(event, ['id']);
  const jobId = pickText(event, ['detail', 'jobId']);
  if (!parsed.success) {
    throw new BatchJobEventInvalidError(
      eventId,
      jobId,
      parsed.error.issues.map((issue) => `${formatPath(issue.path) || 'event'} ${issue.message}`),
    );
  }
  const { detail } = parsed.data;
  const problems: string[] = [];
  const jobQueueName = JOB_QUEUE_ARN.exec(detail.jobQueue)?.[1] ?? '';
  const kind = jobKind(detail);
  const billable = kind !== 'ARRAY_PARENT' && kind !== 'MULTI_NODE_PARENT';
  const platform: Platform = detail.platformCapabilities?.includes('FARGATE') ? 'FARGATE' : 'EC2';
  const resources = readResources(detail, problems);
  if (billable && !resources && problems.length === 0) {
    problems.push(
      'detail has no vCPU and memory (looked in container.resourceRequirements, container.vcpus/memory, ecsProperties and eksProperties)',
    );
  }
  if (problems.length > 0) throw new BatchJobEventInvalidError(eventId, jobId, problems);

  const capacity = options.resolveCapacity?.({ jobQueueArn: detail.jobQueue, jobQueueName, platform }) ?? 'UNKNOWN';
  const attempts = (detail.attempts ?? []).flatMap((attempt): AttemptTimes[] =>
    attempt.startedAt === undefined
      ? []
      : [
          {
            startedAt: attempt.startedAt,
            ...(attempt.stoppedAt !== undefined ? { stoppedAt: attempt.stoppedAt } : {}),
          },
        ],
  );
  return {
    eventId: parsed.data.id,
    eventTime: Date.parse(parsed.data.time),
    accountId: parsed.data.account,
    region: parsed.data.region,
    jobId: detail.jobId,
    jobName: detail.jobName,
    ...(detail.jobArn !== undefined ? { jobArn: detail.jobArn } : {}),
    jobQueueArn: detail.jobQueue,
    jobQueueName,
    status: detail.status,
    ...(detail.statusReason !== undefined ? { statusReason: detail.statusReason } : {}),
    kind,
    billable,
    ...(billable && resources ? { resources } : {}),
    platform,
    architecture: readArchitecture(detail),
    capacity,
    ...(detail.createdAt !== undefined ? { createdAt: detail.createdAt } : {}),
    ...(detail.startedAt !== undefined ? { startedAt: detail.startedAt } : {}),
    ...(detail.stoppedAt !== undefined ? { stoppedAt: detail.stoppedAt } : {}),
    attempts,
    ...(detail.tags !== undefined && Object.keys(detail.tags).length > 0 ? { tags: detail.tags } : {}),
  };
}

/** The job queue name in a job queue ARN, or undefined when it is not one. */
export function jobQueueNameFromArn(arn: string): string | undefined {
  return JOB_QUEUE_ARN.exec(arn)?.[1];
}

function jobKind(detail: BatchJobDetail): JobKind {
  if (detail.arrayProperties?.index !== undefined) return 'ARRAY_CHILD';
  if (detail.arrayProperties?.size !== undefined) return 'ARRAY_PARENT';
  if (detail.nodeDetails !== undefined) return 'MULTI_NODE_CHILD';
  if (detail.nodeProperties !== undefined) return 'MULTI_NODE_PARENT';
  return 'SINGLE';
}

function readArchitecture(detail: BatchJobDetail): Architecture {
  return (
    detail.container?.runtimePlatform?.cpuArchitecture ??
    detail.ecsProperties?.taskProperties.find((task) => task.runtimePlatform?.cpuArchitecture)?.runtimePlatform
      ?.cpuArchitecture ??
    'X86_64'
  );
}

interface ResourceSum {
  vcpus: number;
  memoryMiB: number;
  gpus: number;
}

/** Resources from the first place that has them; multi-container jobs add up their containers. */
function readResources(detail: BatchJobDetail, problems: string[]): JobResources | undefined {
  const container = detail.container;
  if (container) {
    const fromRequirements = sumRequirements(container.resourceRequirements ?? [], 'detail.container', problems);
    const vcpus = fromRequirements.vcpus || container.vcpus || 0;
    const memoryMiB = fromRequirements.memoryMiB || container.memory || 0;
    if (vcpus > 0 && memoryMiB > 0) {
      return withStorage({ vcpus, memoryMiB, gpus: fromRequirements.gpus }, container.ephemeralStorage?.sizeInGiB);
    }
  }
  const tasks = detail.ecsProperties?.taskProperties ?? [];
  if (tasks.length > 0) {
    const total = { vcpus: 0, memoryMiB: 0, gpus: 0 };
    tasks.forEach((task, t) =>
      task.containers.forEach((c, i) =>
        addTo(
          total,
          sumRequirements(
            c.resourceRequirements ?? [],
            `detail.ecsProperties.taskProperties[${t}].containers[${i}]`,
            problems,
          ),
        ),
      ),
    );
    const storage = tasks.reduce((sum, task) => sum + (task.ephemeralStorage?.sizeInGiB ?? 0), 0);
    if (total.vcpus > 0 && total.memoryMiB > 0) return withStorage(total, storage || undefined);
  }
  const pods = detail.eksProperties?.podProperties.containers ?? [];
  if (pods.length > 0) {
    const total = { vcpus: 0, memoryMiB: 0, gpus: 0 };
    pods.forEach((c, i) => {
      const path = `detail.eksProperties.podProperties.containers[${i}].resources`;
      const limits = c.resources?.limits ?? {};
      const requests = c.resources?.requests ?? {};
      const cpu = Math.max(
        readCpu(limits.cpu, `${path}.limits.cpu`, problems),
        readCpu(requests.cpu, `${path}.requests.cpu`, problems),
      );
      const memory = Math.max(
        readMemoryMiB(limits.memory, `${path}.limits.memory`, problems),
        readMemoryMiB(requests.memory, `${path}.requests.memory`, problems),
      );
      const gpus = Number(limits['nvidia.com/gpu'] ?? requests['nvidia.com/gpu'] ?? 0);
      addTo(total, { vcpus: cpu, memoryMiB: memory, gpus: Number.isFinite(gpus) ? gpus : 0 });
    });
    if (total.vcpus > 0 && total.memoryMiB > 0) return total;
  }
  return undefined;
}

function withStorage(sum: ResourceSum, ephemeralStorageGiB: number | undefined): JobResources {
  return ephemeralStorageGiB !== undefined ? { ...sum, ephemeralStorageGiB } : { ...sum };
}

function addTo(total: ResourceSum, part: ResourceSum): void {
  total.vcpus += part.vcpus;
  total.memoryMiB += part.memoryMiB;
  total.gpus += part.gpus;
}

function sumRequirements(
  requirements: ReadonlyArray<{ type: string; value: string }>,
  path: string,
  problems: string[],
): ResourceSum {
  const sum = { vcpus: 0, memoryMiB: 0, gpus: 0 };
  requirements.forEach((requirement, i) => {
    const value = Number(requirement.value);
    const valid = requirement.value.trim() !== '' && Number.isFinite(value) && value >= 0;
    if (!valid && ['VCPU', 'MEMORY', 'GPU'].includes(requirement.type)) {
      problems.push(
        `${path}.resourceRequirements[${i}].value must be a number for ${requirement.type}, got ${describe(requirement.value)}`,
      );
      return;
    }
    if (requirement.type === 'VCPU') sum.vcpus += value;
    else if (requirement.type === 'MEMORY') sum.memoryMiB += value;
    else if (requirement.type === 'GPU') sum.gpus += value;
  });
  return sum;
}

/** Kubernetes CPU quantity: "2", "0.5", "500m". */
function readCpu(quantity: string | number | undefined, path: string, problems: string[]): number {
  if (quantity === undefined) return 0;
  const text = String(quantity).trim();
  const match = /^(\d+(?:\.\d+)?)(m?)$/.exec(text);
  if (!match) {
    problems.push(`${path} must be a CPU quantity such as "2" or "500m", got ${describe(quantity)}`);
    return 0;
  }
  return Number(match[1]) / (match[2] === 'm' ? 1000 : 1);
}

const MEMORY_UNITS: Record<string, number> = {
  '': 1 / (1024 * 1024),
  k: 1000 / (1024 * 1024),
  M: 1e6 / (1024 * 1024),
  G: 1e9 / (1024 * 1024),
  T: 1e12 / (1024 * 1024),
  Ki: 1 / 1024,
  Mi: 1,
  Gi: 1024,
  Ti: 1024 * 1024,
};

/** Kubernetes memory quantity in MiB: "2048Mi", "2Gi", "1G", bytes. */
function readMemoryMiB(quantity: string | number | undefined, path: string, problems: string[]): number {
  if (quantity === undefined) return 0;
  const text = String(quantity).trim();
  const match = /^(\d+(?:\.\d+)?)(|k|M|G|T|Ki|Mi|Gi|Ti)$/.exec(text);
  const factor = match ? MEMORY_UNITS[match[2] ?? ''] : undefined;
  if (!match || factor === undefined) {
    problems.push(`${path} must be a memory quantity such as "2048Mi" or "2Gi", got ${describe(quantity)}`);
    return 0;
  }
  return Number(match[1]) * factor;
}

function requiredText(issue: { input?: unknown }): string {
  return issue.input === undefined ? 'is required' : `must be text, got ${describe(issue.input)}`;
}

function describe(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'string') return JSON.stringify(value.length > 60 ? `${value.slice(0, 60)}…` : value);
  if (typeof value === 'object') return 'an object';
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') return String(value);
  return `a ${typeof value}`;
}

function formatPath(path: readonly PropertyKey[]): string {
  return path.reduce<string>((out, key) => {
    if (typeof key === 'number') return `${out}[${key}]`;
    return out === '' ? String(key) : `${out}.${String(key)}`;
  }, '');
}

function pickText(value: unknown, path: string[]): string | undefined {
  let current = value;
  for (const key of path) {
    if (typeof current !== 'object' || current === null) return undefined;
    current = (current as Record<string, unknown>)[key];
  }
  return typeof current === 'string' && current !== '' ? current : undefined;
}
