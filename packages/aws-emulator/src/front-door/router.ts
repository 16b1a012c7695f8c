/**
 * Where each call through the front door goes: its control API, or, for an AWS call (recorded,
 * delayed or faulted as the rules say), the services the front door emulates itself (Budgets,
 * Batch jobs, PutEvents once routed, Lambda Invoke once a runtime takes it, roles that must
 * exist) or the upstream, watching what the emulated events need (parameter changes, SNS
 * publishes, Scheduler schedules, AssumeRole answers, moto's reset).
 */
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { headerValue, identifyCall, type CallInfo } from '../aws-call';
import { renderAwsError } from '../aws-error';
import { answerBatchRequest, isSimulatedBatchCall } from '../batch/batch-service';
import type { BatchJobSimulator } from '../batch/batch-simulator';
import { answerBudgetsRequest, BUDGETS_SIGNING_NAME, BUDGETS_TARGET_PREFIX } from '../budgets/budgets-service';
import type { BudgetsStore } from '../budgets/budgets-store';
import { partitionOfRegion } from '../budgets/partition';
import type { LocalEventBus } from '../events/event-bus';
import { isReportedOrganizationsCall, organizationsEventsOf } from '../events/organizations-events';
import type { ParameterCall, ParameterChangeObserver } from '../events/parameter-change-observer';
import { isParameterMutation } from '../events/parameter-store-change';
import { acceptPutEvents, type BusPut } from '../events/put-events';
import type { CallLog, CallRecord } from './call-log';
import type { CallerAccounts } from './caller-accounts';
import { CONTROL_PREFIX } from './control-api';
import { readBody, sleep } from './http';
import type { Injections } from './injections';
import {
  lambdaError,
  lambdaInvokeOf,
  renderLambdaInvokeOutcome,
  type LambdaInvokeHandler,
  type LambdaReply,
} from './lambda-invoke';
import {
  deletedScheduleOf,
  isScheduleChange,
  scheduleOf,
  type ScheduleId,
  type SchedulerSchedule,
} from './scheduler-schedules';
import { snsPublishOf, type SnsPublish } from './sns-publish';
import type { Upstream } from './upstream';
import { batchLookup, parameterLookup } from './upstream-lookups';

/** What the router reads, changes and calls. */
export interface RouterParts {
  upstream: Upstream;
  injections: Injections;
  calls: CallLog;
  accounts: CallerAccounts;
  /** Aborted once the front door stops: delayed calls are then dropped. */
  shutdown: AbortSignal;
  budgetsStore: BudgetsStore;
  bus: LocalEventBus;
  batchSimulator: BatchJobSimulator;
  parameterChanges: ParameterChangeObserver;
  /** Role names whose AssumeRole is refused when the role does not exist (FrontDoorOptions.requireExistingRoles). */
  requiredRoles: ReadonlySet<string>;
  snsListeners: ReadonlySet<(publish: SnsPublish) => void | Promise<void>>;
  /** The handler of PutEvents entries, once the events are routed by a runtime (FrontDoor.routeBusEvents). */
  busPutHandler(): ((put: BusPut) => void) | undefined;
  /** The handler of Lambda Invoke calls, once a runtime takes them (FrontDoor.onLambdaInvoke). */
  lambdaInvokeHandler(): LambdaInvokeHandler | undefined;
  /** Who hears of the Scheduler schedules moto created, replaced or deleted (FrontDoor.onScheduleCreated...). */
  scheduleListeners: {
    created: ReadonlySet<(schedule: SchedulerSchedule) => void | Promise<void>>;
    deleted: ReadonlySet<(schedule: ScheduleId) => void | Promise<void>>;
  };
  /** The control API, for calls under CONTROL_PREFIX. */
  control(method: string, url: string, body: Buffer, res: ServerResponse): void;
}

/** The front door's request handler. */
export function createRouter(parts: RouterParts): (req: IncomingMessage, res: ServerResponse) => Promise<void> {
  const { upstream, injections, calls, accounts, shutdown, budgetsStore, bus, batchSimulator, parameterChanges } =
    parts;
  const { requiredRoles, snsListeners, scheduleListeners } = parts;

  /** Passes the call on, learning the accounts of the credentials AssumeRole answers issue. */
  const forward = (
    req: IncomingMessage,
    res: ServerResponse,
    body: Buffer,
    record: CallRecord,
    onSuccess?: (response: unknown, raw: string) => void,
  ): Promise<void> =>
    upstream.forward(req, res, body, record, {
      onAnswer: (incoming) => {
        if (record.service === 'sts' && record.operation.startsWith('AssumeRole') && incoming.statusCode === 200) {
          accounts.learnFrom(incoming);
        }
      },
      ...(onSuccess === undefined ? {} : { onSuccess }),
    });

  /** EventBridge PutEvents, once the runtime routes events itself (see routeBusEvents). */
  const servePutEvents = (res: ServerResponse, call: CallInfo, body: Buffer, handler: (put: BusPut) => void): void => {
    const headers = { 'content-type': 'application/x-amz-json-1.1', 'x-amzn-requestid': randomUUID() };
    try {
      const { response, puts } = acceptPutEvents(JSON.parse(body.toString('utf8') || '{}'), {
        accountId: accounts.of(call),
        region: call.region ?? 'us-east-1',
      });
      res.writeHead(200, headers);
      res.end(JSON.stringify(response));
      for (const put of puts) {
        // Counted in eventsSettled, like the events the door emits itself.
        void bus.track(
          new Promise<void>((delivered) => {
            setImmediate(() => {
              try {
                handler(put);
              } catch (error) {
                process.stderr.write(`front door: routing event ${put.event.id} failed: ${String(error)}\n`);
              }
              delivered();
            });
          }),
        );
      }
    } catch (error) {
      const reply = renderAwsError(
        'json',
        { code: 'ValidationException', message: (error as Error).message, httpStatus: 400 },
        headers['x-amzn-requestid'],
        'application/x-amz-json-1.1',
      );
      res.writeHead(reply.status, reply.headers);
      res.end(reply.body);
    }
  };

  /**
   * Lambda Invoke, once a runtime takes it: answered with what the runtime made of it (an
   * asynchronous invocation accepted, the function's result or error, or no such function).
   */
  const serveLambdaInvoke = async (
    res: ServerResponse,
    call: CallInfo,
    body: Buffer,
    handler: LambdaInvokeHandler,
  ): Promise<void> => {
    const requestId = randomUUID();
    const invoke = lambdaInvokeOf(call, body, accounts.of(call));
    let reply: LambdaReply;
    if ('code' in invoke) {
      reply = lambdaError(invoke, requestId);
    } else {
      try {
        reply = renderLambdaInvokeOutcome(await handler(invoke), invoke, requestId);
      } catch (error) {
        reply = lambdaError(
          { code: 'ServiceException', message: `the local Lambda runtime failed: ${String(error)}`, httpStatus: 500 },
          requestId,
        );
      }
    }
    res.writeHead(reply.status, { ...reply.headers, 'content-length': reply.body.length });
    res.end(reply.body);
  };

  /** Calls `listener` with `value` after the call was answered, counted in eventsSettled. */
  const notify = <T>(what: string, listener: (value: T) => void | Promise<void>, value: T): void => {
    void bus.track(
      Promise.resolve()
        .then(() => listener(value))
        .catch((error: unknown) => {
          process.stderr.write(`front door: ${what} listener failed: ${String(error)}\n`);
        }),
    );
  };

  /** AWS Budgets: answered here from the in-memory store, never forwarded (moto lacks most of it). */
  const serveBudgets = (res: ServerResponse, call: CallInfo, body: Buffer): void => {
    const caller = { accountId: accounts.of(call), partition: partitionOfRegion(call.region) };
    const reply = answerBudgetsRequest(budgetsStore, call.operation, body, caller, randomUUID());
    res.writeHead(reply.status, reply.headers);
    res.end(reply.body);
  };

  /** AWS Batch job calls: answered by the simulator, which reads queues and job definitions from moto. */
  const serveBatch = async (req: IncomingMessage, res: ServerResponse, call: CallInfo, body: Buffer): Promise<void> => {
    const queryStart = (req.url ?? '').indexOf('?');
    const reply = await answerBatchRequest(
      batchSimulator,
      {
        operation: call.operation,
        path: call.path,
        search: new URLSearchParams(queryStart === -1 ? '' : (req.url ?? '').slice(queryStart + 1)),
        body,
      },
      { accountId: accounts.of(call), region: call.region ?? 'us-east-1', lookup: batchLookup(upstream, req.headers) },
      randomUUID(),
    );
    res.writeHead(reply.status, reply.headers);
    res.end(reply.body);
  };

  return async (req, res) => {
    const url = req.url ?? '/';
    const body = await readBody(req);
    if (url.startsWith(CONTROL_PREFIX)) {
      parts.control(req.method ?? 'GET', url, body, res);
      return;
    }

    const call = identifyCall({ method: req.method ?? 'GET', url, headers: req.headers, body });
    const accountId = accounts.ofAccessKey(call.accessKeyId);
    if (accountId !== undefined) call.accountId = accountId;
    const roleName = accounts.roleOfAccessKey(call.accessKeyId);
    if (roleName !== undefined) call.roleName = roleName;
    const record = calls.open(call, res);

    record.delayedMs = injections.delayFor(call);
    if (record.delayedMs > 0) {
      const completed = await sleep(record.delayedMs, shutdown);
      if (!completed) {
        res.destroy();
        return;
      }
    }

    const fault = injections.faultFor(call);
    if (fault) {
      record.fault = fault.code;
      const requestId = randomUUID();
      const reply = renderAwsError(call.protocol, fault, requestId, headerValue(req.headers, 'content-type'));
      res.writeHead(reply.status, { ...reply.headers, 'content-length': reply.body.length });
      res.end(req.method === 'HEAD' ? undefined : reply.body);
      return;
    }

    if (isBudgetsCall(call)) {
      serveBudgets(res, call, body);
      return;
    }

    if (isSimulatedBatchCall(call.service, call.operation, call.path)) {
      await serveBatch(req, res, call, body);
      return;
    }

    if (requiredRoles.size > 0 && call.service === 'sts' && call.operation === 'AssumeRole') {
      const roleArn = (call.body as { RoleArn?: unknown } | undefined)?.RoleArn;
      const target =
        typeof roleArn === 'string' ? /^arn:[\w-]+:iam::(\d{12}):role\/(?:.*\/)?([\w+=,.@-]+)$/.exec(roleArn) : null;
      if (
        target &&
        requiredRoles.has(target[2] as string) &&
        !(await upstream.roleExists(target[1] as string, target[2] as string))
      ) {
        record.fault = 'AccessDenied';
        const reply = renderAwsError(
          call.protocol,
          {
            code: 'AccessDenied',
            message: `User: ${accounts.of(call)} is not authorized to perform: sts:AssumeRole on resource: ${String(roleArn)}`,
            httpStatus: 403,
          },
          randomUUID(),
          headerValue(req.headers, 'content-type'),
        );
        res.writeHead(reply.status, { ...reply.headers, 'content-length': reply.body.length });
        res.end(reply.body);
        return;
      }
    }

    const busPutHandler = parts.busPutHandler();
    if (busPutHandler && call.service === 'events' && call.operation === 'PutEvents') {
      servePutEvents(res, call, body, busPutHandler);
      return;
    }

    const lambdaInvokeHandler = parts.lambdaInvokeHandler();
    if (lambdaInvokeHandler && call.service === 'lambda' && call.operation === 'Invoke') {
      await serveLambdaInvoke(res, call, body, lambdaInvokeHandler);
      return;
    }

    if (isScheduleChange(call) && scheduleListeners.created.size + scheduleListeners.deleted.size > 0) {
      const accountId = accounts.of(call);
      await forward(req, res, body, record, (response) => {
        if (call.operation === 'DeleteSchedule') {
          const deleted = deletedScheduleOf(call, accountId);
          if (deleted === undefined) return;
          for (const listener of [...scheduleListeners.deleted]) notify(`schedule ${deleted.arn}`, listener, deleted);
          return;
        }
        const schedule = scheduleOf(call, response, accountId);
        if (schedule === undefined) return;
        for (const listener of [...scheduleListeners.created]) notify(`schedule ${schedule.arn}`, listener, schedule);
      });
      return;
    }

    if (isReportedOrganizationsCall(call) && call.protocol === 'json') {
      const accountId = accounts.of(call);
      await forward(req, res, body, record, (response) => {
        const events = organizationsEventsOf({
          accountId,
          operation: call.operation,
          request: call.body,
          response,
          time: new Date(),
          newId: randomUUID,
        });
        for (const event of events) bus.emit(event);
      });
      return;
    }

    const parameterCall: ParameterCall | undefined =
      isParameterMutation(call.service, call.operation) && call.protocol === 'json'
        ? {
            accountId: accounts.of(call),
            region: call.region ?? 'us-east-1',
            operation: call.operation,
            request: call.body,
          }
        : undefined;
    if (parameterCall) {
      const lookup = parameterLookup(upstream, req.headers);
      await parameterChanges.beforeForward(parameterCall, lookup);
      await forward(req, res, body, record, (response) => {
        void bus.track(parameterChanges.afterSuccess(parameterCall, response, lookup));
      });
      return;
    }

    if (call.service === 'sns' && call.operation === 'Publish' && snsListeners.size > 0) {
      const request = (call.body ?? {}) as Record<string, unknown>;
      await forward(req, res, body, record, (response, raw) => {
        const publish = snsPublishOf(request, response, raw, new Date());
        if (publish === undefined) return;
        for (const listener of [...snsListeners]) {
          void bus.track(
            Promise.resolve()
              .then(() => listener(publish))
              .catch((error: unknown) => {
                process.stderr.write(
                  `front door: SNS listener failed for message ${publish.messageId}: ${String(error)}\n`,
                );
              }),
          );
        }
      });
      return;
    }

    // moto forgets every parameter and job queue: so does what the front door learned about them.
    if (call.method === 'POST' && call.path === '/moto-api/reset') {
      parameterChanges.clear();
      batchSimulator.reset();
    }
    await forward(req, res, body, record);
  };
}

/** A call to AWS Budgets: signed for `budgets`, or with its X-Amz-Target (as from an unsigned client). */
function isBudgetsCall(call: CallInfo): boolean {
  return (
    call.service === BUDGETS_SIGNING_NAME ||
    (headerValue(call.headers, 'x-amz-target') ?? '').startsWith(`${BUDGETS_TARGET_PREFIX}.`)
  );
}
