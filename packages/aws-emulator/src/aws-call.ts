import type { IncomingHttpHeaders } from 'node:http';

/** How an AWS API call is put on the wire; decides where the operation name is and how errors look. */
export type AwsProtocol = 'json' | 'query' | 'ec2' | 'rest-json' | 'rest-xml' | 'rpc-v2-cbor';

/** What the front door knows about one incoming AWS API call. */
export interface CallInfo {
  /** Signing name from the SigV4 credential scope ('sts', 'ssm', 'dynamodb', ...); 'unknown' if unsigned. */
  service: string;
  /** 'PutItem', 'AssumeRole', ... For REST services (S3...) the HTTP method. */
  operation: string;
  protocol: AwsProtocol;
  method: string;
  /** Request path without the query string. */
  path: string;
  query: Record<string, string>;
  headers: IncomingHttpHeaders;
  region?: string;
  accessKeyId?: string;
  /**
   * Account the credentials act in; known to the front door for credentials it saw issued by
   * STS AssumeRole (moto maps other keys to its default account 123456789012).
   */
  accountId?: string;
  /** Name of the role the credentials are a session of, known as `accountId` is. */
  roleName?: string;
  /**
   * The parsed body: the JSON value for JSON protocols, the form fields as an object for the
   * query protocol (e.g. `{ Action: 'AssumeRole', RoleArn: '...' }`); undefined otherwise.
   */
  body?: unknown;
}

interface CredentialScope {
  accessKeyId: string;
  region: string;
  service: string;
}

const REST_XML_SERVICES = new Set(['s3', 's3control', 'cloudfront', 'route53']);

/** Works out service, operation and protocol of a request from its headers, query and body. */
export function identifyCall(request: {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  body: Buffer;
}): CallInfo {
  const { method, headers, body } = request;
  const queryStart = request.url.indexOf('?');
  const path = queryStart === -1 ? request.url : request.url.slice(0, queryStart);
  const search = new URLSearchParams(queryStart === -1 ? '' : request.url.slice(queryStart + 1));
  const query = Object.fromEntries(search);

  const scope = readCredentialScope(headers) ?? parseCredential(query['X-Amz-Credential']);
  const service = scope?.service ?? 'unknown';
  const base = { service, method, path, query, headers, region: scope?.region, accessKeyId: scope?.accessKeyId };
  const contentType = headerValue(headers, 'content-type')?.toLowerCase() ?? '';

  if (headerValue(headers, 'smithy-protocol') === 'rpc-v2-cbor') {
    const match = /\/operation\/([^/]+)$/.exec(path);
    return { ...base, protocol: 'rpc-v2-cbor', operation: match?.[1] ?? method };
  }

  const target = headerValue(headers, 'x-amz-target');
  if (target !== undefined) {
    return {
      ...base,
      protocol: 'json',
      operation: target.slice(target.lastIndexOf('.') + 1),
      body: parseJsonBody(body),
    };
  }

  const form = contentType.startsWith('application/x-www-form-urlencoded')
    ? Object.fromEntries(new URLSearchParams(body.toString('utf8')))
    : undefined;
  const action = form?.Action ?? query.Action;
  if (action !== undefined) {
    return {
      ...base,
      protocol: service === 'ec2' ? 'ec2' : 'query',
      operation: action,
      body: form ?? query,
    };
  }

  if (REST_XML_SERVICES.has(service)) return { ...base, protocol: 'rest-xml', operation: method };
  return {
    ...base,
    protocol: 'rest-json',
    operation: restJsonOperation(service, method, path) ?? method,
    body: contentType.includes('json') ? parseJsonBody(body) : undefined,
  };
}

/**
 * The operation of a REST-JSON call the front door looks at by name: AWS Batch's, Lambda's Invoke
 * and EventBridge Scheduler's; undefined for the others (named after their method).
 */
function restJsonOperation(service: string, method: string, path: string): string | undefined {
  if (service === 'batch') return batchOperation(method, path);
  if (service === 'lambda') {
    return method === 'POST' && /^\/2015-03-31\/functions\/[^/]+\/invocations\/?$/.test(path) ? 'Invoke' : undefined;
  }
  if (service === 'scheduler') return schedulerOperation(method, path);
  return undefined;
}

/** EventBridge Scheduler (REST-JSON): `/schedules/{Name}`, `/schedule-groups/{Name}`, `/tags/{ResourceArn}`. */
function schedulerOperation(method: string, path: string): string | undefined {
  const byMethod = (names: Record<string, string>): string | undefined => names[method];
  if (path === '/schedules') return byMethod({ GET: 'ListSchedules' });
  if (/^\/schedules\/[^/]+$/.test(path)) {
    return byMethod({ POST: 'CreateSchedule', GET: 'GetSchedule', PUT: 'UpdateSchedule', DELETE: 'DeleteSchedule' });
  }
  if (path === '/schedule-groups') return byMethod({ GET: 'ListScheduleGroups' });
  if (/^\/schedule-groups\/[^/]+$/.test(path)) {
    return byMethod({ POST: 'CreateScheduleGroup', GET: 'GetScheduleGroup', DELETE: 'DeleteScheduleGroup' });
  }
  if (path.startsWith('/tags/')) {
    return byMethod({ GET: 'ListTagsForResource', POST: 'TagResource', DELETE: 'UntagResource' });
  }
  return undefined;
}

/** AWS Batch operations (REST-JSON): each is `POST /v1/<name in lower case>`, but the tag calls. */
const BATCH_OPERATIONS: ReadonlyMap<string, string> = new Map(
  [
    'CancelJob',
    'CancelJobs',
    'CreateComputeEnvironment',
    'CreateConsumableResource',
    'CreateJobQueue',
    'CreateQuotaShare',
    'CreateSchedulingPolicy',
    'CreateServiceEnvironment',
    'DeleteComputeEnvironment',
    'DeleteConsumableResource',
    'DeleteJobQueue',
    'DeleteQuotaShare',
    'DeleteSchedulingPolicy',
    'DeleteServiceEnvironment',
    'DeregisterJobDefinition',
    'DescribeComputeEnvironments',
    'DescribeConsumableResource',
    'DescribeJobDefinitions',
    'DescribeJobQueues',
    'DescribeJobs',
    'DescribeQuotaShare',
    'DescribeSchedulingPolicies',
    'DescribeServiceEnvironments',
    'DescribeServiceJob',
    'GetJobQueueSnapshot',
    'ListConsumableResources',
    'ListJobs',
    'ListJobsByConsumableResource',
    'ListQuotaShares',
    'ListSchedulingPolicies',
    'ListServiceJobs',
    'RegisterJobDefinition',
    'SubmitJob',
    'SubmitServiceJob',
    'TerminateJob',
    'TerminateJobs',
    'TerminateServiceJob',
    'TerminateServiceJobs',
    'UpdateComputeEnvironment',
    'UpdateConsumableResource',
    'UpdateJobQueue',
    'UpdateQuotaShare',
    'UpdateSchedulingPolicy',
    'UpdateServiceEnvironment',
    'UpdateServiceJob',
  ].map((operation) => [operation.toLowerCase(), operation]),
);

/** `POST /v1/submitjob` → SubmitJob; `/v1/tags/{arn}` → TagResource (POST), ListTagsForResource (GET), UntagResource (DELETE). */
function batchOperation(method: string, path: string): string | undefined {
  if (path.startsWith('/v1/tags/')) {
    return { GET: 'ListTagsForResource', POST: 'TagResource', DELETE: 'UntagResource' }[method];
  }
  const match = /^\/v1\/([a-z]+)\/?$/.exec(path);
  return match ? BATCH_OPERATIONS.get(match[1] as string) : undefined;
}

function readCredentialScope(headers: IncomingHttpHeaders): CredentialScope | undefined {
  const authorization = headerValue(headers, 'authorization');
  const match = authorization === undefined ? null : /Credential=([^,\s]+)/.exec(authorization);
  return parseCredential(match?.[1]);
}

/** `AKID/20260101/us-east-1/sts/aws4_request` → its parts. */
function parseCredential(credential: string | undefined): CredentialScope | undefined {
  if (credential === undefined) return undefined;
  const [accessKeyId, , region, service] = credential.split('/');
  if (!accessKeyId || !region || !service) return undefined;
  return { accessKeyId, region, service };
}

export function headerValue(headers: IncomingHttpHeaders, name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value[0] : value;
}

function parseJsonBody(body: Buffer): unknown {
  if (body.length === 0) return undefined;
  try {
    return JSON.parse(body.toString('utf8')) as unknown;
  } catch {
    // Not JSON after all: the request is forwarded unchanged and moto answers it; rules just
    // see no body.
    return undefined;
  }
}
