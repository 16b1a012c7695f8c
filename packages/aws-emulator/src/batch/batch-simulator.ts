/**
 * Simulated AWS Batch jobs: moto finishes every job the moment it is submitted, so the front door
 * answers the job calls itself (SubmitJob, ListJobs, DescribeJobs, TerminateJob(s), CancelJob(s),
 * tags of jobs) and lets each job run through its states on timers, as AWS Batch does:
 *
 *   SUBMITTED → (PENDING while dependencies are outstanding) → RUNNABLE → STARTING → RUNNING
 *   → SUCCEEDED (exit code 0) | FAILED (any other exit code, timeout, TerminateJob, CancelJob)
 *
 * (AWS Batch User Guide, "Job states" and "Job dependencies"). Each step takes `stepDelayMs`; a job
 * stays RUNNING for LOCAL_CLOUD_JOB_SECONDS (containerOverrides.environment, else the job
 * definition's environment) or `defaultRunSeconds`, then its container exits with
 * LOCAL_CLOUD_JOB_EXIT_CODE (0 by default). A failed attempt is retried as the retry strategy says.
 * Every status change but the submission emits a "Batch Job State Change" event.
 *
 * Job queues, job definitions and compute environments stay in moto: SubmitJob reads them there
 * with the caller's credentials (the `BatchLookup` of each call), so a DISABLED or missing queue
 * refuses new jobs as AWS does, while jobs already in a queue that gets disabled carry on.
 *
 * Not simulated: array and multi-node parallel jobs, EKS and ECS-properties jobs (refused with a
 * ClientException saying so), compute environment capacity (every job starts at once) and the
 * state of compute environments.
 */
import { randomUUID } from 'node:crypto';
import type {
  AttemptDetail,
  ContainerDetail,
  DescribeJobsResponse,
  JobDetail,
  JobSummary,
  ListJobsResponse,
  SubmitJobResponse,
} from '@aws-sdk/client-batch';
import { partitionOfRegion } from '../budgets/partition';
import type { EmittedEvent } from '../events/event-bus';
import { BatchError, clientException } from './batch-errors';
import {
  buildJobSpec,
  jobDefinitionNotFound,
  parseJobDefinitionRef,
  parseSubmitJobRequest,
  pickJobDefinition,
  type Architecture,
  type JobResources,
  type JobSpec,
  type Platform,
} from './job-spec';
import { batchJobStateChangeEvent } from './job-state-change';
import { asRecord, optionalString, optionalStringList, type JsonRecord } from './json-fields';
import { listJobsPage, parseListJobsRequest, type BatchJobStatus, type ListableJob } from './list-jobs';

/** How the simulated jobs behave; changeable at any time (a job's run time is fixed when it is submitted). */
export interface BatchSimulationSettings {
  /** Seconds a job stays RUNNING when LOCAL_CLOUD_JOB_SECONDS is not set; 300 by default. */
  defaultRunSeconds: number;
  /** Milliseconds of each step SUBMITTED → (PENDING) → RUNNABLE → STARTING → RUNNING; 50 by default. */
  stepDelayMs: number;
}

export const DEFAULT_BATCH_SIMULATION: Readonly<BatchSimulationSettings> = { defaultRunSeconds: 300, stepDelayMs: 50 };

/** AWS's statusReason of a job (and attempt) whose container exited by itself. */
export const CONTAINER_EXITED_REASON = 'Essential container in task exited';
/** AWS's statusReason of a job stopped for running longer than its timeout. */
export const TIMEOUT_REASON = 'Job attempt duration exceeded timeout';
/** Exit code of a container stopped by TerminateJob or a timeout: SIGKILL after the SIGTERM grace period. */
export const STOPPED_CONTAINER_EXIT_CODE = 137;
/** DescribeJobs takes up to 100 job ids. */
export const MAX_DESCRIBE_JOBS = 100;
/** TerminateJobs and CancelJobs take up to 50 job ids. */
export const MAX_BULK_JOB_IDS = 50;

/**
 * Reads queues, job definitions and compute environments from moto, in the caller's account and
 * region. Each method answers the `jobQueues`, `jobDefinitions` or `computeEnvironments` list of
 * the matching Describe call (every page).
 */
export interface BatchLookup {
  describeJobQueues(jobQueues: string[]): Promise<unknown[]>;
  describeJobDefinitions(request: { jobDefinitionName?: string; jobDefinitions?: string[] }): Promise<unknown[]>;
  describeComputeEnvironments(computeEnvironments: string[]): Promise<unknown[]>;
}

/** Who makes a call: the account its credentials act in, its region, and how to read Batch resources as them. */
export interface BatchCaller {
  accountId: string;
  region: string;
  lookup: BatchLookup;
}

/** A simulated job as `FrontDoor.batchJobs()` shows it. Times are epoch milliseconds. */
export interface SimulatedBatchJob {
  jobId: string;
  jobArn: string;
  jobName: string;
  accountId: string;
  region: string;
  jobQueueArn: string;
  jobQueueName: string;
  jobDefinitionArn: string;
  status: BatchJobStatus;
  statusReason?: string;
  createdAt: number;
  startedAt?: number;
  stoppedAt?: number;
  platform: Platform;
  architecture: Architecture;
  resources: JobResources;
  /** The compute environment that runs the job (the first of its queue) and its type: FARGATE, FARGATE_SPOT, EC2, SPOT. */
  computeEnvironmentArn?: string;
  computeEnvironmentType?: string;
  /** How long the container runs once RUNNING, and the exit code it will end with. */
  runSeconds: number;
  exitCode: number;
  /** Attempts started so far. */
  attempts: number;
  isCancelled: boolean;
  isTerminated: boolean;
  /** Every status the job has been in, with when it entered it. */
  statusHistory: { status: BatchJobStatus; at: number }[];
}

export interface BatchJobSimulatorOptions {
  /** Where the state change events go (the front door's LocalEventBus). */
  emit: (event: EmittedEvent) => void;
  settings?: Partial<BatchSimulationSettings>;
  /** Clock in epoch milliseconds; Date.now by default. */
  now?: () => number;
}

interface ComputeEnvironmentFacts {
  arn: string;
  platform: Platform;
  type: string;
  clusterName: string;
}

interface CurrentAttempt {
  taskId: string;
  attachmentId: string;
  containerInstanceId: string;
  startedAt?: number;
}

interface SimulatedJob extends ListableJob {
  accountId: string;
  region: string;
  partition: string;
  jobArn: string;
  jobDefinitionName: string;
  spec: JobSpec;
  dependsOn: { jobId: string; type?: string }[];
  tags: Record<string, string>;
  schedulingPriority?: number;
  statusReason?: string;
  startedAt?: number;
  stoppedAt?: number;
  attempts: AttemptDetail[];
  attemptsStarted: number;
  current?: CurrentAttempt;
  /** Container fields of the latest attempt (taskArn, exitCode...), shown in DescribeJobs. */
  lastContainer: Partial<ContainerDetail>;
  isCancelled: boolean;
  isTerminated: boolean;
  computeEnvironment?: ComputeEnvironmentFacts;
  timer?: NodeJS.Timeout;
  history: { status: BatchJobStatus; at: number }[];
}

/** The longest delay setTimeout honours (2^31 - 1 ms, about 24.8 days). */
const MAX_TIMER_MS = 2_147_483_647;
const ACTIVE = new Set<BatchJobStatus>(['SUBMITTED', 'PENDING', 'RUNNABLE', 'STARTING', 'RUNNING']);
const NOT_STARTED = new Set<BatchJobStatus>(['SUBMITTED', 'PENDING', 'RUNNABLE']);

/** The simulated jobs of every account and region the front door serves. */
export class BatchJobSimulator {
  private readonly jobs = new Map<string, SimulatedJob>();
  private readonly environments = new Map<string, ComputeEnvironmentFacts>();
  private settingsNow: BatchSimulationSettings;
  private readonly emit: (event: EmittedEvent) => void;
  private readonly now: () => number;
  private nextSeq = 1;
  private stopped = false;

  constructor(options: BatchJobSimulatorOptions) {
    this.emit = options.emit;
    this.now = options.now ?? Date.now;
    this.settingsNow = checkSettings({ ...DEFAULT_BATCH_SIMULATION, ...options.settings });
  }

  /** The current settings. */
  settings(): BatchSimulationSettings {
    return { ...this.settingsNow };
  }

  /** Changes the given settings; returns all of them. Throws on a negative or non-numeric value. */
  configure(settings: Partial<BatchSimulationSettings>): BatchSimulationSettings {
    this.settingsNow = checkSettings({ ...this.settingsNow, ...settings });
    return this.settings();
  }

  /** Copies of every simulated job, in the order they were submitted. */
  snapshot(): SimulatedBatchJob[] {
    return [...this.jobs.values()].map((job) => this.publicCopy(job));
  }

  /** Forgets every job and cancels their timers (as moto forgets its queues on reset). */
  reset(): void {
    for (const job of this.jobs.values()) clearTimeout(job.timer);
    this.jobs.clear();
    this.environments.clear();
  }

  /** Cancels every timer: the jobs stay where they are. */
  stop(): void {
    this.stopped = true;
    for (const job of this.jobs.values()) {
      clearTimeout(job.timer);
      delete job.timer;
    }
  }

  /** SubmitJob. */
  async submitJob(body: unknown, caller: BatchCaller): Promise<SubmitJobResponse> {
    const input = parseSubmitJobRequest(body);
    const queue = await this.findQueue(input.jobQueue, caller);
    const queueArn = String(queue.jobQueueArn);
    const queueName = String(queue.jobQueueName);
    if (queue.state !== 'ENABLED') {
      throw clientException(`JobQueue ${input.jobQueue} is DISABLED and does not accept new jobs.`);
    }
    const fairShare = typeof queue.schedulingPolicyArn === 'string' && queue.schedulingPolicyArn !== '';
    if (!fairShare && (input.shareIdentifier !== undefined || input.schedulingPriorityOverride !== undefined)) {
      // AWS's message, typo included.
      throw clientException(
        'Job with shareIdentifier or schedulingPriority can onlybe submitted to job queue with fair share scheduling policy.',
      );
    }
    const definition = await this.findJobDefinition(input.jobDefinition, caller);
    const spec = buildJobSpec(input, definition, this.settingsNow.defaultRunSeconds);
    const environment = await this.firstComputeEnvironment(queue, caller);
    if (environment && environment.platform !== spec.platform) {
      throw clientException(
        `Job Queue is attached to Compute Environment that can not run Jobs with capability ${spec.platform}.`,
      );
    }
    for (const dependency of input.dependsOn) {
      const found = this.jobs.get(dependency.jobId);
      if (!found || found.accountId !== caller.accountId || found.region !== caller.region) {
        throw clientException(`Dependency job ${dependency.jobId} not found.`);
      }
    }

    const createdAt = this.now();
    const jobId = randomUUID();
    const partition = partitionOfRegion(caller.region);
    const job: SimulatedJob = {
      seq: this.nextSeq++,
      jobId,
      jobName: input.jobName,
      jobQueueArn: queueArn,
      jobQueueName: queueName,
      jobDefinitionArn: String(definition.jobDefinitionArn),
      jobDefinitionName: String(definition.jobDefinitionName),
      status: 'SUBMITTED',
      createdAt,
      accountId: caller.accountId,
      region: caller.region,
      partition,
      jobArn: `arn:${partition}:batch:${caller.region}:${caller.accountId}:job/${jobId}`,
      spec,
      dependsOn: input.dependsOn,
      tags: { ...input.tags },
      ...(input.shareIdentifier === undefined ? {} : { shareIdentifier: input.shareIdentifier }),
      ...(input.schedulingPriorityOverride === undefined
        ? {}
        : { schedulingPriority: input.schedulingPriorityOverride }),
      attempts: [],
      attemptsStarted: 0,
      lastContainer: {},
      isCancelled: false,
      isTerminated: false,
      ...(environment ? { computeEnvironment: environment } : {}),
      history: [{ status: 'SUBMITTED', at: createdAt }],
    };
    this.jobs.set(jobId, job);
    this.after(job, () => this.evaluate(job));
    return { jobArn: job.jobArn, jobName: job.jobName, jobId };
  }

  /** ListJobs. */
  listJobs(body: unknown, caller: BatchCaller): ListJobsResponse {
    const query = parseListJobsRequest(body);
    const page = listJobsPage(this.jobsOf(caller), query);
    return {
      jobSummaryList: page.jobs.map((job) => this.summary(job)),
      ...(page.nextToken === undefined ? {} : { nextToken: page.nextToken }),
    };
  }

  /** DescribeJobs: the jobs found, in the order asked; unknown ids are left out. */
  describeJobs(body: unknown, caller: BatchCaller): DescribeJobsResponse {
    const ids = optionalStringList(asRecord(body), 'jobs');
    if (ids === undefined) throw clientException('jobs must be provided');
    if (ids.length > MAX_DESCRIBE_JOBS) {
      throw clientException(`The jobs list can contain at most ${MAX_DESCRIBE_JOBS} job IDs, got ${ids.length}`);
    }
    const found = ids.flatMap((id) => {
      const job = this.ownJob(id, caller);
      return job ? [this.detail(job)] : [];
    });
    return { jobs: found };
  }

  /** TerminateJob: succeeds for finished and unknown jobs too, as AWS does. */
  terminateJob(body: unknown, caller: BatchCaller): Record<string, never> {
    const { jobId, reason } = readJobAndReason(body, 'jobId');
    const job = this.ownJob(jobId, caller);
    if (job) this.terminate(job, reason);
    return {};
  }

  /** CancelJob: jobs that reached STARTING carry on; succeeds anyway, as AWS does. */
  cancelJob(body: unknown, caller: BatchCaller): Record<string, never> {
    const { jobId, reason } = readJobAndReason(body, 'jobId');
    const job = this.ownJob(jobId, caller);
    if (job) this.cancel(job, reason);
    return {};
  }

  /** TerminateJobs: up to 50 jobs; every id is accepted (unknown ones as by TerminateJob). */
  terminateJobs(body: unknown, caller: BatchCaller): { successful: string[]; errors: never[] } {
    const { jobIds, reason } = readJobsAndReason(body);
    for (const jobId of jobIds) {
      const job = this.ownJob(jobId, caller);
      if (job) this.terminate(job, reason);
    }
    return { successful: jobIds, errors: [] };
  }

  /** CancelJobs: up to 50 jobs; every id is accepted (unknown ones as by CancelJob). */
  cancelJobs(body: unknown, caller: BatchCaller): { successful: string[]; errors: never[] } {
    const { jobIds, reason } = readJobsAndReason(body);
    for (const jobId of jobIds) {
      const job = this.ownJob(jobId, caller);
      if (job) this.cancel(job, reason);
    }
    return { successful: jobIds, errors: [] };
  }

  /** Whether `arn` names a job the simulator knows in the caller's account and region. */
  ownsJobArn(arn: string, caller: BatchCaller): boolean {
    const jobId = /:job\/([^/]+)$/.exec(arn)?.[1];
    return jobId !== undefined && this.ownJob(jobId, caller)?.jobArn === arn;
  }

  /** ListTagsForResource of a simulated job. */
  listTags(arn: string, caller: BatchCaller): { tags: Record<string, string> } {
    return { tags: { ...this.jobByArn(arn, caller).tags } };
  }

  /** TagResource of a simulated job. */
  tagResource(arn: string, body: unknown, caller: BatchCaller): Record<string, never> {
    const tags = asRecord(asRecord(body).tags);
    const job = this.jobByArn(arn, caller);
    for (const [key, value] of Object.entries(tags)) {
      if (typeof value !== 'string') throw clientException('tags must be a map of strings');
      job.tags[key] = value;
    }
    return {};
  }

  /** UntagResource of a simulated job. */
  untagResource(arn: string, tagKeys: readonly string[], caller: BatchCaller): Record<string, never> {
    const job = this.jobByArn(arn, caller);
    for (const key of tagKeys) delete job.tags[key];
    return {};
  }

  // ---- lookups in moto ----

  private async findQueue(reference: string, caller: BatchCaller): Promise<JsonRecord> {
    const queues = (await lookup(() => caller.lookup.describeJobQueues([reference]), 'DescribeJobQueues')).map(
      asRecord,
    );
    const queue = queues.find(
      (candidate) =>
        (candidate.jobQueueArn === reference || candidate.jobQueueName === reference) &&
        candidate.status !== 'DELETED' &&
        candidate.status !== 'DELETING',
    );
    if (!queue) throw clientException(`JobQueue ${reference} not found.`);
    return queue;
  }

  private async findJobDefinition(reference: string, caller: BatchCaller): Promise<JsonRecord> {
    const parsed = parseJobDefinitionRef(reference);
    const candidates = await lookup(
      () =>
        caller.lookup.describeJobDefinitions(
          parsed.kind === 'arn' ? { jobDefinitions: [parsed.arn] } : { jobDefinitionName: parsed.name },
        ),
      'DescribeJobDefinitions',
    );
    const definition = pickJobDefinition(parsed, candidates);
    if (!definition) throw jobDefinitionNotFound(reference);
    return definition;
  }

  /** The compute environment a job of `queue` runs in: the first in the queue's order (remembered by ARN). */
  private async firstComputeEnvironment(
    queue: JsonRecord,
    caller: BatchCaller,
  ): Promise<ComputeEnvironmentFacts | undefined> {
    const order = (Array.isArray(queue.computeEnvironmentOrder) ? queue.computeEnvironmentOrder : [])
      .map(asRecord)
      .sort((a, b) => Number(a.order) - Number(b.order));
    const arn = optionalString(order[0] ?? {}, 'computeEnvironment');
    if (arn === undefined) return undefined;
    const known = this.environments.get(arn);
    if (known) return known;
    const [found] = (
      await lookup(() => caller.lookup.describeComputeEnvironments([arn]), 'DescribeComputeEnvironments')
    ).map(asRecord);
    if (!found) return undefined;
    const resources = asRecord(found.computeResources);
    const type = typeof resources.type === 'string' ? resources.type : 'EC2';
    const cluster = typeof found.ecsClusterArn === 'string' ? found.ecsClusterArn : '';
    const facts: ComputeEnvironmentFacts = {
      arn,
      type,
      platform: type.startsWith('FARGATE') ? 'FARGATE' : 'EC2',
      clusterName: cluster.split('/').pop() || `AWSBatch-${String(found.computeEnvironmentName)}`,
    };
    this.environments.set(arn, facts);
    return facts;
  }

  // ---- the life of a job ----

  /** Runs `step` after `ms` (the step delay by default), replacing the job's pending step. */
  private after(job: SimulatedJob, step: () => void, ms = this.settingsNow.stepDelayMs): void {
    clearTimeout(job.timer);
    delete job.timer;
    if (this.stopped) return;
    // Node fires longer timeouts at once: a job meant to run for weeks waits in hops.
    const hop = Math.min(ms, MAX_TIMER_MS);
    job.timer = setTimeout(() => {
      delete job.timer;
      if (ms > hop) this.after(job, step, ms - hop);
      else step();
    }, hop);
    job.timer.unref();
  }

  /** From SUBMITTED or PENDING: on to RUNNABLE, or PENDING while dependencies run, or FAILED when one failed. */
  private evaluate(job: SimulatedJob): void {
    if (job.status !== 'SUBMITTED' && job.status !== 'PENDING') return;
    const dependencies = job.dependsOn.map((dependency) => this.jobs.get(dependency.jobId));
    const failed = dependencies.some((dependency) => dependency === undefined || dependency.status === 'FAILED');
    const outstanding = dependencies.some(
      (dependency) => dependency !== undefined && dependency.status !== 'SUCCEEDED',
    );
    if (job.status === 'SUBMITTED' && (failed || outstanding)) {
      this.changeStatus(job, 'PENDING');
      if (failed) this.after(job, () => this.failDependent(job));
      return;
    }
    if (failed) {
      this.failDependent(job);
      return;
    }
    if (outstanding) return;
    this.changeStatus(job, 'RUNNABLE');
    this.after(job, () => this.start(job));
  }

  private failDependent(job: SimulatedJob): void {
    if (job.status !== 'PENDING') return;
    job.statusReason = 'Dependent Job failed';
    this.finish(job, 'FAILED');
  }

  /** RUNNABLE → STARTING: an attempt begins (its ECS task exists). */
  private start(job: SimulatedJob): void {
    if (job.status !== 'RUNNABLE') return;
    const taskId = randomUUID().replaceAll('-', '');
    job.current = {
      taskId,
      attachmentId: randomUUID(),
      containerInstanceId: randomUUID().replaceAll('-', ''),
    };
    job.attemptsStarted++;
    job.lastContainer = this.attemptContainer(job, job.current);
    this.changeStatus(job, 'STARTING');
    this.after(job, () => this.run(job));
  }

  /** STARTING → RUNNING: the container runs for the job's run time, or until its timeout. */
  private run(job: SimulatedJob): void {
    const current = job.current;
    if (!current || job.status !== 'STARTING') return;
    const startedAt = this.now();
    current.startedAt = startedAt;
    job.startedAt = startedAt;
    job.lastContainer = this.attemptContainer(job, current);
    this.changeStatus(job, 'RUNNING');
    const timeoutMs = job.spec.timeoutSeconds === undefined ? Infinity : job.spec.timeoutSeconds * 1000;
    if (timeoutMs < job.spec.runMs) {
      this.after(job, () => this.exit(job, STOPPED_CONTAINER_EXIT_CODE, TIMEOUT_REASON), timeoutMs);
    } else {
      this.after(job, () => this.exit(job, job.spec.exitCode), job.spec.runMs);
    }
  }

  /** The container exited (by itself, or stopped at its timeout): SUCCEEDED, FAILED or another attempt. */
  private exit(job: SimulatedJob, exitCode: number, timeoutReason?: string): void {
    this.endAttempt(job, exitCode, CONTAINER_EXITED_REASON);
    if (exitCode === 0) {
      job.statusReason = CONTAINER_EXITED_REASON;
      this.finish(job, 'SUCCEEDED');
    } else if (timeoutReason === undefined && this.retries(job, exitCode)) {
      job.statusReason = CONTAINER_EXITED_REASON;
      this.changeStatus(job, 'RUNNABLE');
      this.after(job, () => this.start(job));
    } else {
      job.statusReason = timeoutReason ?? CONTAINER_EXITED_REASON;
      this.finish(job, 'FAILED');
    }
  }

  /**
   * Whether a failed attempt is retried (User Guide, "Automated job retries"): while attempts are
   * left, by the first evaluateOnExit condition that matches; retried when none matches.
   */
  private retries(job: SimulatedJob, exitCode: number): boolean {
    const strategy = job.spec.retryStrategy;
    if (job.attemptsStarted >= (strategy?.attempts ?? 1)) return false;
    const attempt = job.attempts[job.attempts.length - 1];
    for (const condition of strategy?.evaluateOnExit ?? []) {
      const matches =
        globMatches(condition.onExitCode, String(exitCode)) &&
        globMatches(condition.onReason, attempt?.container?.reason ?? '') &&
        globMatches(condition.onStatusReason, attempt?.statusReason ?? '');
      if (matches) return String(condition.action).toUpperCase() === 'RETRY';
    }
    return true;
  }

  /** TerminateJob of one job: cancelled before STARTING, stopped (exit code 137) from STARTING on. */
  private terminate(job: SimulatedJob, reason: string): void {
    if (!ACTIVE.has(job.status)) return;
    job.isTerminated = true;
    if (job.current)
      this.endAttempt(job, job.current.startedAt === undefined ? undefined : STOPPED_CONTAINER_EXIT_CODE);
    job.statusReason = reason;
    this.finish(job, 'FAILED');
  }

  /** CancelJob of one job: only before STARTING. */
  private cancel(job: SimulatedJob, reason: string): void {
    if (!NOT_STARTED.has(job.status)) return;
    job.isCancelled = true;
    job.statusReason = reason;
    this.finish(job, 'FAILED');
  }

  /** Records the current attempt as stopped now. */
  private endAttempt(job: SimulatedJob, exitCode: number | undefined, statusReason = CONTAINER_EXITED_REASON): void {
    const current = job.current;
    if (!current) return;
    const stoppedAt = this.now();
    job.lastContainer = {
      ...this.attemptContainer(job, current),
      ...(exitCode === undefined ? {} : { exitCode }),
    };
    job.attempts.push({
      container: {
        ...(job.lastContainer.containerInstanceArn === undefined
          ? {}
          : { containerInstanceArn: job.lastContainer.containerInstanceArn }),
        taskArn: job.lastContainer.taskArn,
        ...(exitCode === undefined ? {} : { exitCode }),
        ...(current.startedAt === undefined ? {} : { logStreamName: job.lastContainer.logStreamName }),
        networkInterfaces: job.lastContainer.networkInterfaces ?? [],
      },
      ...(current.startedAt === undefined ? {} : { startedAt: current.startedAt }),
      stoppedAt,
      statusReason,
    });
    delete job.current;
  }

  /** To SUCCEEDED or FAILED; jobs waiting on this one are looked at again. */
  private finish(job: SimulatedJob, status: 'SUCCEEDED' | 'FAILED'): void {
    clearTimeout(job.timer);
    delete job.timer;
    // AWS: stoppedAt is when the job went from RUNNING (its last attempt) to SUCCEEDED or FAILED.
    const lastStop = job.attempts[job.attempts.length - 1]?.stoppedAt;
    if (lastStop === undefined) delete job.stoppedAt;
    else job.stoppedAt = lastStop;
    this.changeStatus(job, status);
    for (const other of this.jobs.values()) {
      if (other.status === 'PENDING' && other.dependsOn.some((dependency) => dependency.jobId === job.jobId)) {
        this.after(other, () => this.evaluate(other));
      }
    }
  }

  private changeStatus(job: SimulatedJob, status: BatchJobStatus): void {
    job.status = status;
    const at = this.now();
    job.history.push({ status, at });
    if (status === 'SUBMITTED') return;
    try {
      this.emit(
        batchJobStateChangeEvent({
          detail: this.detail(job),
          accountId: job.accountId,
          region: job.region,
          id: randomUUID(),
          time: new Date(at),
        }),
      );
    } catch (error) {
      process.stderr.write(`front door: emitting the Batch event of job ${job.jobId} failed: ${String(error)}\n`);
    }
  }

  /** Container fields of an attempt: its ECS task, log stream once running, network interface on Fargate. */
  private attemptContainer(job: SimulatedJob, attempt: CurrentAttempt): Partial<ContainerDetail> {
    const environment = job.computeEnvironment;
    const cluster = environment?.clusterName ?? `AWSBatch-${job.jobQueueName}`;
    const ecs = `arn:${job.partition}:ecs:${job.region}:${job.accountId}`;
    const fargate = job.spec.platform === 'FARGATE';
    return {
      taskArn: `${ecs}:task/${cluster}/${attempt.taskId}`,
      ...(fargate
        ? {}
        : { containerInstanceArn: `${ecs}:container-instance/${cluster}/${attempt.containerInstanceId}` }),
      ...(attempt.startedAt === undefined
        ? {}
        : { logStreamName: `${job.jobDefinitionName}/default/${attempt.taskId}` }),
      networkInterfaces: fargate
        ? [{ attachmentId: attempt.attachmentId, privateIpv4Address: `10.0.${(job.seq >> 8) & 255}.${job.seq & 255}` }]
        : [],
    };
  }

  // ---- views ----

  /** The job as DescribeJobs answers it (absent fields left out, not undefined). */
  private detail(job: SimulatedJob): JobDetail {
    const spec = job.spec;
    const detail = {
      jobArn: job.jobArn,
      jobName: job.jobName,
      jobId: job.jobId,
      jobQueue: job.jobQueueArn,
      status: job.status,
      ...(job.shareIdentifier === undefined ? {} : { shareIdentifier: job.shareIdentifier }),
      ...(job.schedulingPriority === undefined ? {} : { schedulingPriority: job.schedulingPriority }),
      attempts: structuredClone(job.attempts),
      ...(job.statusReason === undefined ? {} : { statusReason: job.statusReason }),
      createdAt: job.createdAt,
      ...(spec.retryStrategy === undefined ? {} : { retryStrategy: structuredClone(spec.retryStrategy) }),
      ...(job.startedAt === undefined ? {} : { startedAt: job.startedAt }),
      ...(job.stoppedAt === undefined ? {} : { stoppedAt: job.stoppedAt }),
      dependsOn: job.dependsOn.map((dependency) => ({ ...dependency })) as JobDetail['dependsOn'],
      jobDefinition: job.jobDefinitionArn,
      parameters: { ...spec.parameters },
      container: { ...structuredClone(spec.container), ...structuredClone(job.lastContainer) },
      ...(spec.timeoutSeconds === undefined ? {} : { timeout: { attemptDurationSeconds: spec.timeoutSeconds } }),
      tags: { ...job.tags },
      propagateTags: spec.propagateTags,
      platformCapabilities: [...spec.platformCapabilities],
      ...(job.isCancelled ? { isCancelled: true } : {}),
      ...(job.isTerminated ? { isTerminated: true } : {}),
    };
    return detail as JobDetail;
  }

  /** The job as ListJobs answers it. */
  private summary(job: SimulatedJob): JobSummary {
    const exitCode = job.lastContainer.exitCode;
    return {
      jobArn: job.jobArn,
      jobId: job.jobId,
      jobName: job.jobName,
      createdAt: job.createdAt,
      ...(job.shareIdentifier === undefined ? {} : { shareIdentifier: job.shareIdentifier }),
      status: job.status,
      ...(job.statusReason === undefined ? {} : { statusReason: job.statusReason }),
      ...(job.startedAt === undefined ? {} : { startedAt: job.startedAt }),
      ...(job.stoppedAt === undefined ? {} : { stoppedAt: job.stoppedAt }),
      ...(exitCode === undefined ? {} : { container: { exitCode } }),
      jobDefinition: job.jobDefinitionArn,
      ...(job.isCancelled ? { isCancelled: true } : {}),
      ...(job.isTerminated ? { isTerminated: true } : {}),
    };
  }

  private publicCopy(job: SimulatedJob): SimulatedBatchJob {
    return {
      jobId: job.jobId,
      jobArn: job.jobArn,
      jobName: job.jobName,
      accountId: job.accountId,
      region: job.region,
      jobQueueArn: job.jobQueueArn,
      jobQueueName: job.jobQueueName,
      jobDefinitionArn: job.jobDefinitionArn,
      status: job.status,
      ...(job.statusReason === undefined ? {} : { statusReason: job.statusReason }),
      createdAt: job.createdAt,
      ...(job.startedAt === undefined ? {} : { startedAt: job.startedAt }),
      ...(job.stoppedAt === undefined ? {} : { stoppedAt: job.stoppedAt }),
      platform: job.spec.platform,
      architecture: job.spec.architecture,
      resources: { ...job.spec.resources },
      ...(job.computeEnvironment
        ? { computeEnvironmentArn: job.computeEnvironment.arn, computeEnvironmentType: job.computeEnvironment.type }
        : {}),
      runSeconds: job.spec.runMs / 1000,
      exitCode: job.spec.exitCode,
      attempts: job.attemptsStarted,
      isCancelled: job.isCancelled,
      isTerminated: job.isTerminated,
      statusHistory: job.history.map((entry) => ({ ...entry })),
    };
  }

  private *jobsOf(caller: BatchCaller): Iterable<SimulatedJob> {
    for (const job of this.jobs.values()) {
      if (job.accountId === caller.accountId && job.region === caller.region) yield job;
    }
  }

  private ownJob(jobId: string, caller: BatchCaller): SimulatedJob | undefined {
    const job = this.jobs.get(jobId);
    return job && job.accountId === caller.accountId && job.region === caller.region ? job : undefined;
  }

  private jobByArn(arn: string, caller: BatchCaller): SimulatedJob {
    const jobId = /:job\/([^/]+)$/.exec(arn)?.[1];
    const job = jobId === undefined ? undefined : this.ownJob(jobId, caller);
    if (!job || job.jobArn !== arn) throw clientException(`Resource ${arn} not found.`);
    return job;
  }
}

function checkSettings(settings: BatchSimulationSettings): BatchSimulationSettings {
  for (const [name, value] of Object.entries(settings)) {
    if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
      throw new Error(`Batch simulation setting ${name} must be a number of 0 or more, got ${String(value)}`);
    }
  }
  return { defaultRunSeconds: settings.defaultRunSeconds, stepDelayMs: settings.stepDelayMs };
}

/** Runs a lookup in moto; a failure that is not already a Batch error becomes a ServerException. */
async function lookup<T>(call: () => Promise<T>, operation: string): Promise<T> {
  try {
    return await call();
  } catch (error) {
    if (error instanceof BatchError) throw error;
    throw new BatchError(
      'ServerException',
      `front door: ${operation} in moto failed: ${error instanceof Error ? error.message : String(error)}`,
    );
  }
}

function readJobAndReason(body: unknown, idField: string): { jobId: string; reason: string } {
  const input = asRecord(body);
  const jobId = input[idField];
  const reason = input.reason;
  if (typeof jobId !== 'string' || jobId === '') throw clientException(`${idField} must be provided`);
  if (typeof reason !== 'string' || reason === '') throw clientException('reason must be provided');
  if (reason.length > 1024) throw clientException('reason must be at most 1024 characters');
  return { jobId, reason };
}

function readJobsAndReason(body: unknown): { jobIds: string[]; reason: string } {
  const input = asRecord(body);
  const jobIds = optionalStringList(input, 'jobs');
  if (jobIds === undefined || jobIds.length === 0) throw clientException('jobs must be provided');
  if (jobIds.length > MAX_BULK_JOB_IDS) {
    throw clientException(`The jobs list can contain at most ${MAX_BULK_JOB_IDS} job IDs, got ${jobIds.length}`);
  }
  const { reason } = readJobAndReason({ jobId: jobIds[0], reason: input.reason }, 'jobId');
  return { jobIds, reason };
}

/** evaluateOnExit patterns: exact, or a prefix ending in `*`; an absent pattern matches anything. */
function globMatches(pattern: string | undefined, value: string): boolean {
  if (pattern === undefined) return true;
  return pattern.endsWith('*') ? value.startsWith(pattern.slice(0, -1)) : value === pattern;
}
