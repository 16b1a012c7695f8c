/**
 * What a SubmitJob request asks for, read against its job definition (as DescribeJobDefinitions
 * answers it): the job's container as DescribeJobs shows it, its resources, platform and
 * architecture, and how long the simulated container runs and with which exit code.
 *
 * AWS rules followed (AWS Batch API reference, SubmitJob and ContainerOverrides): parameters of the
 * request override the job definition's defaults; `containerOverrides.command` replaces the
 * command; `containerOverrides.environment` adds to or replaces the definition's variables by name;
 * `containerOverrides.resourceRequirements` replaces the definition's requirement of the same type
 * (vCPU and memory given in `resourceRequirements` cannot be overridden with the legacy `vcpus` and
 * `memory` fields); `Ref::name` arguments of the command are replaced by parameter values.
 */
import type {
  ContainerDetail,
  EvaluateOnExit,
  KeyValuePair,
  ResourceRequirement,
  RetryStrategy,
} from '@aws-sdk/client-batch';
import { clientException, notSupportedLocally } from './batch-errors';
import {
  asRecord,
  isRecord,
  optionalBoolean,
  optionalNumber,
  optionalRecordList,
  optionalString,
  optionalStringList,
  optionalStringMap,
  requiredString,
  withoutNulls,
  type JsonRecord,
} from './json-fields';

/** Environment variable (of the job definition or the container overrides): seconds the job runs. */
export const JOB_SECONDS_VARIABLE = 'LOCAL_CLOUD_JOB_SECONDS';
/** Environment variable: exit code of the job's container; not 0 makes the job FAILED. */
export const JOB_EXIT_CODE_VARIABLE = 'LOCAL_CLOUD_JOB_EXIT_CODE';

/** AWS: "Up to 128 letters (uppercase and lowercase), numbers, hyphens, and underscores", starting alphanumeric. */
const JOB_NAME = /^[A-Za-z0-9][A-Za-z0-9_-]{0,127}$/;
/** AWS Batch: a job can depend on up to 20 jobs (User Guide, "Job dependencies"). */
export const MAX_DEPENDENCIES = 20;

/** Where the job's containers run: `platformCapabilities` `["FARGATE"]` or `["EC2"]` (empty or absent means EC2). */
export type Platform = 'FARGATE' | 'EC2';
/** `containerProperties.runtimePlatform.cpuArchitecture`; absent means X86_64 (the AWS default). */
export type Architecture = 'X86_64' | 'ARM64';

/** Resources the job reserved, as its job definition and container overrides ask for them. */
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

/** A SubmitJob request, checked. */
export interface SubmitJobInput {
  jobName: string;
  jobQueue: string;
  jobDefinition: string;
  dependsOn: { jobId: string; type?: string }[];
  parameters?: Record<string, string>;
  containerOverrides: JsonRecord;
  retryStrategy?: RetryStrategy;
  propagateTags?: boolean;
  timeoutSeconds?: number;
  tags?: Record<string, string>;
  shareIdentifier?: string;
  schedulingPriorityOverride?: number;
}

/** Reads a SubmitJob request body; throws ClientException where AWS would, or for what the simulator lacks. */
export function parseSubmitJobRequest(body: unknown): SubmitJobInput {
  const input = asRecord(body);
  const jobName = requiredString(input, 'jobName');
  if (!JOB_NAME.test(jobName)) {
    // AWS's answer to a name out of pattern (as reported by users of the API).
    throw clientException('Error executing request, Exception : Job name should match valid pattern');
  }
  const jobQueue = requiredString(input, 'jobQueue');
  const jobDefinition = requiredString(input, 'jobDefinition');
  if (isRecord(input.arrayProperties) && input.arrayProperties.size !== undefined) {
    throw notSupportedLocally('array jobs (arrayProperties); submit the children as separate jobs');
  }
  if (input.nodeOverrides !== undefined && input.nodeOverrides !== null) {
    throw notSupportedLocally('multi-node parallel jobs (nodeOverrides)');
  }
  for (const name of ['eksPropertiesOverride', 'ecsPropertiesOverride', 'consumableResourcePropertiesOverride']) {
    if (input[name] !== undefined && input[name] !== null) throw notSupportedLocally(name);
  }
  const dependsOn = (optionalRecordList(input, 'dependsOn') ?? []).map((dependency) => {
    const jobId = optionalString(dependency, 'jobId');
    if (jobId === undefined) throw notSupportedLocally('dependencies without a jobId (array job dependencies)');
    const type = optionalString(dependency, 'type');
    return { jobId, ...(type === undefined ? {} : { type }) };
  });
  if (dependsOn.length > MAX_DEPENDENCIES) {
    throw clientException(`A job can depend on at most ${MAX_DEPENDENCIES} jobs, got ${dependsOn.length}`);
  }
  const timeout = input.timeout === null || input.timeout === undefined ? undefined : asRecord(input.timeout);
  const timeoutSeconds = timeout === undefined ? undefined : optionalNumber(timeout, 'attemptDurationSeconds');
  const parameters = optionalStringMap(input, 'parameters');
  const propagateTags = optionalBoolean(input, 'propagateTags');
  const tags = optionalStringMap(input, 'tags');
  const shareIdentifier = optionalString(input, 'shareIdentifier');
  const schedulingPriorityOverride = optionalNumber(input, 'schedulingPriorityOverride');
  const retryStrategy = readRetryStrategy(input.retryStrategy);
  return {
    jobName,
    jobQueue,
    jobDefinition,
    dependsOn,
    containerOverrides: withoutNulls(asRecord(input.containerOverrides)),
    ...(parameters === undefined ? {} : { parameters }),
    ...(retryStrategy === undefined ? {} : { retryStrategy }),
    ...(propagateTags === undefined ? {} : { propagateTags }),
    ...(timeoutSeconds === undefined ? {} : { timeoutSeconds }),
    ...(tags === undefined ? {} : { tags }),
    ...(shareIdentifier === undefined ? {} : { shareIdentifier }),
    ...(schedulingPriorityOverride === undefined ? {} : { schedulingPriorityOverride }),
  };
}

/** A job definition reference: an ARN, `name:revision`, or a bare name (its latest ACTIVE revision). */
export type JobDefinitionRef =
  { kind: 'arn'; arn: string } | { kind: 'revision'; name: string; revision: number } | { kind: 'name'; name: string };

export function parseJobDefinitionRef(reference: string): JobDefinitionRef {
  if (reference.startsWith('arn:')) return { kind: 'arn', arn: reference };
  const match = /^(.+):(\d+)$/.exec(reference);
  if (match) return { kind: 'revision', name: match[1] as string, revision: Number(match[2]) };
  return { kind: 'name', name: reference };
}

/** The job definition a reference picks among the definitions found for it; undefined when none is ACTIVE. */
export function pickJobDefinition(reference: JobDefinitionRef, candidates: readonly unknown[]): JsonRecord | undefined {
  const active = candidates.map(asRecord).filter((definition) => definition.status === 'ACTIVE');
  switch (reference.kind) {
    case 'arn':
      return active.find((definition) => definition.jobDefinitionArn === reference.arn);
    case 'revision':
      return active.find(
        (definition) => definition.jobDefinitionName === reference.name && definition.revision === reference.revision,
      );
    case 'name':
      return active
        .filter((definition) => definition.jobDefinitionName === reference.name)
        .sort((a, b) => Number(b.revision) - Number(a.revision))[0];
  }
}

/** AWS's answer when the job definition does not exist or is not ACTIVE. */
export function jobDefinitionNotFound(reference: string): Error {
  return clientException(
    reference.startsWith('arn:')
      ? `JobDefinition ${reference} does not exist or is not in ACTIVE status`
      : `JobDefinition name ${reference} does not exist or is not in ACTIVE status`,
  );
}

/** The job's container, resources and simulated behaviour. */
export interface JobSpec {
  /** The container as DescribeJobs shows it before the job runs (no exitCode, taskArn...). */
  container: ContainerDetail;
  parameters: Record<string, string>;
  platformCapabilities: Platform[];
  platform: Platform;
  architecture: Architecture;
  resources: JobResources;
  retryStrategy?: RetryStrategy;
  timeoutSeconds?: number;
  propagateTags: boolean;
  /** How long the container runs once RUNNING, in milliseconds. */
  runMs: number;
  /** Exit code of the container: 0 succeeds, anything else fails the attempt. */
  exitCode: number;
}

/**
 * Works out the job from the request and its job definition (an ACTIVE definition as moto
 * describes it). `defaultRunSeconds` applies when neither sets LOCAL_CLOUD_JOB_SECONDS.
 */
export function buildJobSpec(input: SubmitJobInput, definition: JsonRecord, defaultRunSeconds: number): JobSpec {
  const type = definition.type;
  if (type === 'multinode' || isRecord(definition.nodeProperties)) {
    throw notSupportedLocally('multi-node parallel job definitions');
  }
  if (isRecord(definition.eksProperties) || isRecord(definition.ecsProperties)) {
    throw notSupportedLocally('job definitions with eksProperties or ecsProperties (only containerProperties)');
  }
  const properties = withoutNulls(asRecord(definition.containerProperties));
  const overrides = input.containerOverrides;
  const platformCapabilities: Platform[] = (optionalStringList(definition, 'platformCapabilities') ?? []).includes(
    'FARGATE',
  )
    ? ['FARGATE']
    : ['EC2'];
  const platform = platformCapabilities[0] as Platform;

  const parameters = { ...optionalStringMap(definition, 'parameters'), ...input.parameters };
  const command = (optionalStringList(overrides, 'command') ?? optionalStringList(properties, 'command') ?? []).map(
    (argument) => substituteParameter(argument, parameters),
  );
  const environment = mergeEnvironment(readEnvironment(properties.environment), readEnvironment(overrides.environment));
  const resourceRequirements = mergeRequirements(
    readRequirements(properties.resourceRequirements),
    readRequirements(overrides.resourceRequirements),
  );
  const byType = (kind: string): number | undefined => {
    const requirement = resourceRequirements.find((entry) => entry.type === kind);
    return requirement === undefined ? undefined : Number(requirement.value);
  };
  const legacyVcpus = optionalNumber(overrides, 'vcpus') ?? optionalNumber(properties, 'vcpus');
  const legacyMemory = optionalNumber(overrides, 'memory') ?? optionalNumber(properties, 'memory');
  const vcpus = byType('VCPU') ?? legacyVcpus;
  const memoryMiB = byType('MEMORY') ?? legacyMemory;
  if (vcpus === undefined || !(vcpus > 0)) {
    throw clientException('Error executing request, Exception : Resource vcpus is required.');
  }
  if (memoryMiB === undefined || !(memoryMiB > 0)) {
    throw clientException('Error executing request, Exception : Resource memory is required.');
  }
  const runtimePlatform = asRecord(properties.runtimePlatform);
  const architecture: Architecture = runtimePlatform.cpuArchitecture === 'ARM64' ? 'ARM64' : 'X86_64';
  const instanceType = optionalString(overrides, 'instanceType');

  const container: ContainerDetail = {
    ...(properties as ContainerDetail),
    command,
    environment,
    resourceRequirements,
    ...(properties.vcpus !== undefined || overrides.vcpus !== undefined ? { vcpus: legacyVcpus } : {}),
    ...(properties.memory !== undefined || overrides.memory !== undefined ? { memory: legacyMemory } : {}),
    ...(instanceType === undefined ? {} : { instanceType }),
  };
  const retryStrategy = input.retryStrategy ?? readRetryStrategy(definition.retryStrategy);
  const timeoutSeconds = input.timeoutSeconds ?? optionalNumber(asRecord(definition.timeout), 'attemptDurationSeconds');
  return {
    container,
    parameters,
    platformCapabilities,
    platform,
    architecture,
    resources: { vcpus, memoryMiB, gpus: byType('GPU') ?? 0 },
    ...(retryStrategy === undefined ? {} : { retryStrategy }),
    ...(timeoutSeconds === undefined ? {} : { timeoutSeconds }),
    propagateTags: input.propagateTags ?? optionalBoolean(definition, 'propagateTags') ?? false,
    runMs: Math.round(readRunSeconds(environment, defaultRunSeconds) * 1000),
    exitCode: readExitCode(environment),
  };
}

/** `Ref::name` as a whole argument of the command becomes the parameter's value (AWS: an error when it has none). */
function substituteParameter(argument: string, parameters: Record<string, string>): string {
  const match = /^Ref::(.+)$/.exec(argument);
  if (!match) return argument;
  const value = parameters[match[1] as string];
  if (value === undefined) {
    throw clientException(`Unable to substitute value. No parameter found for reference ${match[1] as string}`);
  }
  return value;
}

function readEnvironment(value: unknown): KeyValuePair[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) throw clientException('environment must be a list of name and value pairs');
  return value.map((entry) => {
    const pair = asRecord(entry);
    const name = optionalString(pair, 'name');
    const pairValue = optionalString(pair, 'value');
    return { ...(name === undefined ? {} : { name }), ...(pairValue === undefined ? {} : { value: pairValue }) };
  });
}

/** The definition's variables with the overrides' replacing those of the same name, then the new ones. */
function mergeEnvironment(base: KeyValuePair[], overrides: KeyValuePair[]): KeyValuePair[] {
  const overridden = new Map(overrides.map((pair) => [pair.name, pair]));
  const merged = base.map((pair) => overridden.get(pair.name) ?? pair);
  const known = new Set(base.map((pair) => pair.name));
  return [...merged, ...overrides.filter((pair) => !known.has(pair.name))];
}

function readRequirements(value: unknown): ResourceRequirement[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) throw clientException('resourceRequirements must be a list');
  return value.map((entry) => {
    const requirement = asRecord(entry);
    const type = requirement.type;
    const requirementValue = requirement.value;
    if (typeof type !== 'string' || typeof requirementValue !== 'string') {
      throw clientException('resourceRequirements entries need a type and a value (a string)');
    }
    if (['VCPU', 'MEMORY', 'GPU'].includes(type) && !(Number(requirementValue) >= 0)) {
      throw clientException(`resourceRequirements value for ${type} must be a number, got ${requirementValue}`);
    }
    return { type: type as ResourceRequirement['type'], value: requirementValue };
  });
}

function mergeRequirements(base: ResourceRequirement[], overrides: ResourceRequirement[]): ResourceRequirement[] {
  const overridden = new Map(overrides.map((requirement) => [requirement.type, requirement]));
  const merged = base.map((requirement) => overridden.get(requirement.type) ?? requirement);
  const known = new Set(base.map((requirement) => requirement.type));
  return [...merged, ...overrides.filter((requirement) => !known.has(requirement.type))];
}

function readRetryStrategy(value: unknown): RetryStrategy | undefined {
  if (value === undefined || value === null) return undefined;
  const strategy = asRecord(value);
  const attempts = optionalNumber(strategy, 'attempts');
  if (attempts !== undefined && (!Number.isInteger(attempts) || attempts < 1 || attempts > 10)) {
    throw clientException('retryStrategy.attempts must be between 1 and 10');
  }
  const evaluateOnExit = optionalRecordList(strategy, 'evaluateOnExit')?.map((condition): EvaluateOnExit => {
    const action = optionalString(condition, 'action');
    if (action === undefined || !['RETRY', 'EXIT'].includes(action.toUpperCase())) {
      throw clientException('retryStrategy.evaluateOnExit action must be RETRY or EXIT');
    }
    const patterns = Object.fromEntries(
      ['onStatusReason', 'onReason', 'onExitCode'].flatMap((name) => {
        const pattern = optionalString(condition, name);
        return pattern === undefined ? [] : [[name, pattern]];
      }),
    );
    return { ...patterns, action: action as EvaluateOnExit['action'] };
  });
  return {
    ...(attempts === undefined ? {} : { attempts }),
    ...(evaluateOnExit === undefined ? {} : { evaluateOnExit }),
  };
}

function variable(environment: readonly KeyValuePair[], name: string): string | undefined {
  return environment.find((pair) => pair.name === name)?.value;
}

function readRunSeconds(environment: readonly KeyValuePair[], defaultRunSeconds: number): number {
  const text = variable(environment, JOB_SECONDS_VARIABLE);
  if (text === undefined || text.trim() === '') return defaultRunSeconds;
  const seconds = Number(text);
  if (!Number.isFinite(seconds) || seconds < 0) {
    throw clientException(`${JOB_SECONDS_VARIABLE} must be a number of seconds (0 or more), got "${text}"`);
  }
  return seconds;
}

function readExitCode(environment: readonly KeyValuePair[]): number {
  const text = variable(environment, JOB_EXIT_CODE_VARIABLE);
  if (text === undefined || text.trim() === '') return 0;
  const code = Number(text);
  if (!Number.isInteger(code) || code < 0 || code > 255) {
    throw clientException(`${JOB_EXIT_CODE_VARIABLE} must be a whole number from 0 to 255, got "${text}"`);
  }
  return code;
}
