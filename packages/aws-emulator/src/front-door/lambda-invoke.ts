/**
 * Lambda's Invoke (REST-JSON: `POST /2015-03-31/functions/{FunctionName}/invocations`, the
 * invocation type in `X-Amz-Invocation-Type`) as the front door hands it to a local Lambda
 * runtime (FrontDoor.onLambdaInvoke), and the runtime's outcome as Lambda answers it.
 */
import type { OutgoingHttpHeaders } from 'node:http';
import { headerValue, type CallInfo } from '../aws-call';
import { renderAwsError, type AwsErrorSpec } from '../aws-error';
import { partitionOfRegion } from '../budgets/partition';

export type LambdaInvocationType = 'Event' | 'RequestResponse' | 'DryRun';

/** An Invoke call, its function resolved to an ARN. */
export interface LambdaInvoke {
  /**
   * `arn:partition:lambda:region:account:function:name`, without qualifier: the account of the
   * ARN the caller named (full or partial), else the caller's own; the region likewise.
   */
  functionArn: string;
  /** The function as the caller named it (URL-decoded): a name, `name:qualifier`, a partial or full ARN. */
  functionName: string;
  /** From the name, the ARN or the `Qualifier` query parameter; the local runtime has only $LATEST. */
  qualifier?: string;
  /** The function's account (see functionArn). */
  accountId: string;
  region: string;
  /** The account of the credentials that called. */
  callerAccountId: string;
  invocationType: LambdaInvocationType;
  /** The Payload parsed as JSON (`{}` when empty), as the function gets it. */
  event: unknown;
}

/** What the runtime made of an Invoke. */
export type LambdaInvokeOutcome =
  /** No such function (here): 404 ResourceNotFoundException. */
  | { kind: 'notFound' }
  /** Event: accepted for an asynchronous invocation, 202. */
  | { kind: 'accepted'; requestId: string }
  /** DryRun: the function exists (and the caller may invoke it), 204. */
  | { kind: 'verified' }
  /** RequestResponse: the function returned `payload` (null for undefined), 200. */
  | { kind: 'returned'; requestId: string; payload: unknown }
  /** RequestResponse: the function failed, 200 with `X-Amz-Function-Error: Unhandled` and the error as payload. */
  | { kind: 'failed'; requestId: string; error: { errorType: string; errorMessage: string; trace?: string[] } };

/** Takes the Invoke calls instead of moto (one at a time per function, as the runtime runs them). */
export type LambdaInvokeHandler = (invoke: LambdaInvoke) => Promise<LambdaInvokeOutcome>;

export interface LambdaReply {
  status: number;
  headers: OutgoingHttpHeaders;
  body: Buffer;
}

const INVOCATION_TYPES: ReadonlySet<string> = new Set(['Event', 'RequestResponse', 'DryRun']);
const FUNCTION_ARN = /^arn:(aws[\w-]*):lambda:([a-z0-9-]+):(\d{12}):function:([\w-]{1,64})(?::([\w$-]{1,128}))?$/;
const PARTIAL_ARN = /^(\d{12}):function:([\w-]{1,64})(?::([\w$-]{1,128}))?$/;
const NAME = /^([\w-]{1,64})(?::([\w$-]{1,128}))?$/;

/**
 * The Invoke call `call` (an Invoke by its operation) with its `body`, or the error Lambda
 * answers for it: a malformed function name, invocation type or JSON payload.
 */
export function lambdaInvokeOf(call: CallInfo, body: Buffer, callerAccountId: string): LambdaInvoke | AwsErrorSpec {
  const encoded = /^\/2015-03-31\/functions\/([^/]+)\/invocations\/?$/.exec(call.path)?.[1] ?? '';
  let functionName: string;
  try {
    functionName = decodeURIComponent(encoded);
  } catch {
    functionName = encoded;
  }
  const callRegion = call.region ?? 'us-east-1';
  let partition = partitionOfRegion(callRegion);
  let region = callRegion;
  let accountId = callerAccountId;
  let name: string;
  let qualifier: string | undefined;
  const full = FUNCTION_ARN.exec(functionName);
  const partial = PARTIAL_ARN.exec(functionName);
  const bare = NAME.exec(functionName);
  if (full) {
    partition = full[1] as string;
    region = full[2] as string;
    accountId = full[3] as string;
    name = full[4] as string;
    qualifier = full[5];
  } else if (partial) {
    accountId = partial[1] as string;
    name = partial[2] as string;
    qualifier = partial[3];
  } else if (bare) {
    name = bare[1] as string;
    qualifier = bare[2];
  } else {
    return validation(
      `1 validation error detected: Value '${functionName}' at 'functionName' failed to satisfy constraint`,
    );
  }
  qualifier = call.query['Qualifier'] ?? qualifier;

  const invocationType = headerValue(call.headers, 'x-amz-invocation-type') ?? 'RequestResponse';
  if (!INVOCATION_TYPES.has(invocationType)) {
    return validation(
      `1 validation error detected: Value '${invocationType}' at 'invocationType' failed to satisfy constraint: Member must satisfy enum value set: [Event, RequestResponse, DryRun]`,
    );
  }
  const text = body.toString('utf8');
  let event: unknown = {};
  if (text.trim() !== '') {
    try {
      event = JSON.parse(text) as unknown;
    } catch (error) {
      return {
        code: 'InvalidRequestContentException',
        message: `Could not parse request body into json: ${(error as Error).message}`,
        httpStatus: 400,
      };
    }
  }
  return {
    functionArn: `arn:${partition}:lambda:${region}:${accountId}:function:${name}`,
    functionName,
    ...(qualifier === undefined ? {} : { qualifier }),
    accountId,
    region,
    callerAccountId,
    invocationType: invocationType as LambdaInvocationType,
    event,
  };
}

/** Lambda's answer to an Invoke: what the SDK's InvokeCommand parses (StatusCode, FunctionError, Payload). */
export function renderLambdaInvokeOutcome(
  outcome: LambdaInvokeOutcome,
  invoke: LambdaInvoke,
  requestId: string,
): LambdaReply {
  switch (outcome.kind) {
    case 'notFound':
      return lambdaError(
        { code: 'ResourceNotFoundException', message: `Function not found: ${invoke.functionArn}`, httpStatus: 404 },
        requestId,
      );
    case 'accepted':
      return { status: 202, headers: requestIdHeaders(outcome.requestId), body: Buffer.alloc(0) };
    case 'verified':
      return { status: 204, headers: requestIdHeaders(requestId), body: Buffer.alloc(0) };
    case 'returned':
      return payloadReply(outcome.requestId, JSON.stringify(outcome.payload ?? null));
    case 'failed':
      return payloadReply(
        outcome.requestId,
        JSON.stringify({
          errorType: outcome.error.errorType,
          errorMessage: outcome.error.errorMessage,
          trace: outcome.error.trace ?? [],
        }),
        'Unhandled',
      );
  }
}

/** An error of the Lambda API (REST-JSON), as the SDK parses it into an exception named `code`. */
export function lambdaError(error: AwsErrorSpec, requestId: string): LambdaReply {
  const reply = renderAwsError('rest-json', error, requestId);
  return { status: reply.status, headers: { ...reply.headers, 'x-amz-request-id': requestId }, body: reply.body };
}

function validation(message: string): AwsErrorSpec {
  return { code: 'ValidationException', message, httpStatus: 400 };
}

function requestIdHeaders(requestId: string): OutgoingHttpHeaders {
  return { 'x-amzn-requestid': requestId, 'x-amz-request-id': requestId };
}

function payloadReply(requestId: string, payload: string, functionError?: 'Unhandled'): LambdaReply {
  return {
    status: 200,
    headers: {
      ...requestIdHeaders(requestId),
      'content-type': 'application/json',
      'x-amz-executed-version': '$LATEST',
      ...(functionError === undefined ? {} : { 'x-amz-function-error': functionError }),
    },
    body: Buffer.from(payload),
  };
}
