import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { resolveValue, type StackContext, type Template } from './template-gaps';

/**
 * Lambda-backed custom resources on the local cloud. moto 5.2.1 invokes a `Custom::` resource's
 * function itself, in Docker, and cannot do it in a service-managed StackSet's (hidden) stack at
 * all; an `AWS::CloudFormation::CustomResource` it skips; and it never sends a Delete. So the
 * local cloud plays CloudFormation's part: it sends the requests (Create after a deploy, Delete
 * before the stack goes) to the function through the local Lambda runtime, asynchronously as
 * CloudFormation does, with a ResponseURL on a loopback server of its own, and waits for the answer.
 */

export const CUSTOM_RESOURCE_TYPE = 'AWS::CloudFormation::CustomResource';

/** A custom resource of a template, resolved against a stack. */
export interface CustomResourceOfStack {
  logicalId: string;
  resourceType: string;
  /** The function's ARN (ServiceToken). */
  serviceToken: string;
  /** ResourceProperties, ServiceToken included, as the stack context resolves them. */
  properties: Record<string, unknown>;
}

/** The template's custom resources whose Condition holds, in template order (the order of creation here). */
export function customResourcesOf(template: Template, stack: StackContext): CustomResourceOfStack[] {
  const out: CustomResourceOfStack[] = [];
  for (const [logicalId, resource] of Object.entries(template.Resources)) {
    if (resource.Type !== CUSTOM_RESOURCE_TYPE && !resource.Type.startsWith('Custom::')) continue;
    if (resource.Condition !== undefined && !resolveValue({ Condition: resource.Condition }, template, stack)) continue;
    const properties = resolveValue(resource.Properties ?? {}, template, stack) as Record<string, unknown>;
    const serviceToken = properties['ServiceToken'];
    if (typeof serviceToken !== 'string' || !/^arn:[\w-]+:lambda:/.test(serviceToken)) {
      throw new Error(`${logicalId}: ServiceToken ${JSON.stringify(serviceToken)} is not a Lambda function ARN`);
    }
    out.push({ logicalId, resourceType: resource.Type, serviceToken, properties });
  }
  return out;
}

/** What the function PUT to the ResponseURL. */
export interface CustomResourceAnswer {
  Status: 'SUCCESS' | 'FAILED';
  Reason?: string;
  PhysicalResourceId: string;
  StackId: string;
  RequestId: string;
  LogicalResourceId: string;
  Data?: Record<string, unknown>;
}

/** A custom resource answered FAILED (CloudFormation: CREATE_FAILED, DELETE_FAILED…), or not at all. */
export class CustomResourceFailedError extends Error {
  override readonly name = 'CustomResourceFailedError';
  constructor(
    readonly requestType: string,
    readonly logicalId: string,
    readonly reason: string,
  ) {
    super(`${requestType} of custom resource ${logicalId} failed: ${reason}`);
  }
}

export interface CustomResourceRequestOptions {
  requestType: 'Create' | 'Delete';
  /** The stack the resources belong to (`arn:…:cloudformation:…:stack/<name>/<id>`). */
  stackId: string;
  /** Invokes a function asynchronously (LocalLambdaRuntime.invokeAsync, with the stack's account). */
  invokeAsync(functionArn: string, event: unknown): Promise<unknown>;
  /** On Delete: each resource's PhysicalResourceId from its Create; `<logicalId>-<stack id's last part>` otherwise. */
  physicalIds?: ReadonlyMap<string, string>;
  /** How long to wait for an answer; CloudFormation waits an hour, the default here is 5 minutes. */
  timeoutMs?: number;
}

/**
 * Sends one request to each custom resource (a Delete in reverse order, as CloudFormation deletes
 * what was created last first) and waits for each answer before the next. Resolves with the
 * answers by logical id; throws CustomResourceFailedError at the first FAILED or missing answer.
 */
export async function sendCustomResourceRequests(
  resources: readonly CustomResourceOfStack[],
  options: CustomResourceRequestOptions,
): Promise<Map<string, CustomResourceAnswer>> {
  const answers = new Map<string, CustomResourceAnswer>();
  if (resources.length === 0) return answers;
  const server = await ResponseUrlServer.start();
  try {
    const ordered = options.requestType === 'Delete' ? [...resources].reverse() : [...resources];
    for (const resource of ordered) {
      const requestId = randomUUID();
      const physicalResourceId =
        options.physicalIds?.get(resource.logicalId) ??
        `${resource.logicalId}-${options.stackId.split('/').at(-1) ?? 'local'}`;
      const event = {
        RequestType: options.requestType,
        ServiceToken: resource.serviceToken,
        ResponseURL: server.urlFor(requestId),
        StackId: options.stackId,
        RequestId: requestId,
        LogicalResourceId: resource.logicalId,
        ResourceType: resource.resourceType,
        ResourceProperties: resource.properties,
        ...(options.requestType === 'Delete' ? { PhysicalResourceId: physicalResourceId } : {}),
      };
      const answered = server.answerTo(requestId, options.timeoutMs ?? 300_000);
      await options.invokeAsync(resource.serviceToken, event);
      const answer = await answered;
      if (answer === undefined) {
        throw new CustomResourceFailedError(options.requestType, resource.logicalId, 'no answer at the ResponseURL');
      }
      answers.set(resource.logicalId, answer);
      if (answer.Status !== 'SUCCESS') {
        throw new CustomResourceFailedError(options.requestType, resource.logicalId, answer.Reason ?? answer.Status);
      }
    }
    return answers;
  } finally {
    await server.stop();
  }
}

/** The ResponseURLs: a loopback server on a free port that takes each answer once, by request id. */
class ResponseUrlServer {
  private readonly waiting = new Map<string, (answer: CustomResourceAnswer | undefined) => void>();
  private readonly server: Server = createServer((req, res) => {
    void readBody(req).then((body) => {
      const requestId = new URL(req.url ?? '/', 'http://127.0.0.1').pathname.split('/').at(-1) ?? '';
      const deliver = this.waiting.get(requestId);
      let answer: CustomResourceAnswer | undefined;
      try {
        answer = req.method === 'PUT' && deliver ? (JSON.parse(body) as CustomResourceAnswer) : undefined;
      } catch {
        answer = undefined;
      }
      if (!deliver || !answer) {
        res.statusCode = req.method !== 'PUT' ? 405 : deliver ? 400 : 404;
        res.end();
        return;
      }
      this.waiting.delete(requestId);
      deliver(answer);
      res.statusCode = 200;
      res.end();
    });
  });
  private port = 0;

  static async start(): Promise<ResponseUrlServer> {
    const self = new ResponseUrlServer();
    await new Promise<void>((resolve, reject) => {
      self.server.once('error', reject);
      self.server.listen(0, '127.0.0.1', () => resolve());
    });
    self.port = (self.server.address() as AddressInfo).port;
    return self;
  }

  urlFor(requestId: string): string {
    return `http://127.0.0.1:${this.port}/cloudformation-response/${requestId}?X-Amz-Signature=local`;
  }

  /** The answer to a request, or undefined if none came within `timeoutMs`. */
  answerTo(requestId: string, timeoutMs: number): Promise<CustomResourceAnswer | undefined> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.waiting.delete(requestId);
        resolve(undefined);
      }, timeoutMs);
      this.waiting.set(requestId, (answer) => {
        clearTimeout(timer);
        resolve(answer);
      });
    });
  }

  async stop(): Promise<void> {
    for (const deliver of this.waiting.values()) deliver(undefined);
    this.waiting.clear();
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', () => resolve(''));
  });
}
