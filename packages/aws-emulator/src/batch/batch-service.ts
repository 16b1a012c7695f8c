/**
 * The job calls of AWS Batch (REST-JSON) answered from the BatchJobSimulator, without HTTP: which
 * calls it answers, and the rendering of answers and errors as AWS Batch sends them. Every other
 * Batch call (queues, compute environments, job definitions...) goes on to moto.
 */
import type { OutgoingHttpHeaders } from 'node:http';
import { renderAwsError } from '../aws-error';
import { BatchError, clientException } from './batch-errors';
import type { BatchCaller, BatchJobSimulator } from './batch-simulator';

/** SigV4 signing name of AWS Batch. */
export const BATCH_SIGNING_NAME = 'batch';

/** The Batch operations the simulator answers (besides the tag calls on job ARNs). */
export const SIMULATED_BATCH_OPERATIONS: ReadonlySet<string> = new Set([
  'SubmitJob',
  'ListJobs',
  'DescribeJobs',
  'TerminateJob',
  'CancelJob',
  'TerminateJobs',
  'CancelJobs',
]);

const TAG_OPERATIONS = new Set(['TagResource', 'UntagResource', 'ListTagsForResource']);

/** One Batch call as the front door identified it. */
export interface BatchRequest {
  operation: string;
  /** Request path without the query string, e.g. `/v1/tags/arn%3Aaws%3Abatch...`. */
  path: string;
  /** The query string (UntagResource names the tag keys there, `tagKeys` repeated). */
  search: URLSearchParams;
  body: Buffer;
}

export interface BatchReply {
  status: number;
  headers: OutgoingHttpHeaders;
  body: Buffer;
}

/** Whether the simulator answers this call: the job operations, and tag calls on a job ARN. */
export function isSimulatedBatchCall(service: string, operation: string, path: string): boolean {
  if (service !== BATCH_SIGNING_NAME) return false;
  if (SIMULATED_BATCH_OPERATIONS.has(operation)) return true;
  return TAG_OPERATIONS.has(operation) && /:job\/[^/]+$/.test(tagResourceArn(path));
}

/** Runs the call on the simulator and renders AWS Batch's answer or error. */
export async function answerBatchRequest(
  simulator: BatchJobSimulator,
  request: BatchRequest,
  caller: BatchCaller,
  requestId: string,
): Promise<BatchReply> {
  try {
    const result = await runBatchOperation(simulator, request, caller);
    const body = Buffer.from(JSON.stringify(result));
    return {
      status: 200,
      headers: { 'content-type': 'application/json', 'x-amzn-requestid': requestId, 'content-length': body.length },
      body,
    };
  } catch (error) {
    const batchError =
      error instanceof BatchError
        ? error
        : new BatchError('ServerException', error instanceof Error ? error.message : String(error));
    const reply = renderAwsError(
      'rest-json',
      { code: batchError.code, message: batchError.message, httpStatus: batchError.httpStatus },
      requestId,
    );
    return {
      status: reply.status,
      headers: { ...reply.headers, 'content-length': reply.body.length },
      body: reply.body,
    };
  }
}

async function runBatchOperation(
  simulator: BatchJobSimulator,
  request: BatchRequest,
  caller: BatchCaller,
): Promise<unknown> {
  switch (request.operation) {
    case 'SubmitJob':
      return simulator.submitJob(parseBody(request.body), caller);
    case 'ListJobs':
      return simulator.listJobs(parseBody(request.body), caller);
    case 'DescribeJobs':
      return simulator.describeJobs(parseBody(request.body), caller);
    case 'TerminateJob':
      return simulator.terminateJob(parseBody(request.body), caller);
    case 'CancelJob':
      return simulator.cancelJob(parseBody(request.body), caller);
    case 'TerminateJobs':
      return simulator.terminateJobs(parseBody(request.body), caller);
    case 'CancelJobs':
      return simulator.cancelJobs(parseBody(request.body), caller);
    case 'ListTagsForResource':
      return simulator.listTags(tagResourceArn(request.path), caller);
    case 'TagResource':
      return simulator.tagResource(tagResourceArn(request.path), parseBody(request.body), caller);
    case 'UntagResource':
      return simulator.untagResource(tagResourceArn(request.path), request.search.getAll('tagKeys'), caller);
    default:
      throw clientException(`The local AWS Batch simulator does not answer ${request.operation}`);
  }
}

/** The resource ARN of `/v1/tags/{resourceArn}`. */
function tagResourceArn(path: string): string {
  const encoded = path.startsWith('/v1/tags/') ? path.slice('/v1/tags/'.length) : '';
  try {
    return decodeURIComponent(encoded);
  } catch {
    return encoded;
  }
}

function parseBody(body: Buffer): unknown {
  if (body.length === 0) return {};
  try {
    return JSON.parse(body.toString('utf8')) as unknown;
  } catch {
    throw clientException('The request body is not valid JSON');
  }
}
