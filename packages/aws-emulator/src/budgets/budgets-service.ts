/**
 * The AWS Budgets API on top of a BudgetsStore, without HTTP: one function per call that checks
 * the request against the model, checks that the caller acts in the request's account, and runs
 * the operation; plus the JSON 1.1 rendering of answers and errors.
 */
import type { OutgoingHttpHeaders } from 'node:http';
import { BudgetsError } from './budgets-errors';
import { isPlainObject, validateRequest } from './budgets-model';
import type { BudgetsStore } from './budgets-store';
import type { Budget, Notification, NotificationWithSubscribers, ResourceTag, Subscriber } from './budgets-types';

/** The X-Amz-Target prefix of AWS Budgets (JSON 1.1): `AWSBudgetServiceGateway.CreateBudget`. */
export const BUDGETS_TARGET_PREFIX = 'AWSBudgetServiceGateway';
/** SigV4 signing name of AWS Budgets. */
export const BUDGETS_SIGNING_NAME = 'budgets';

/** Who makes the call: the account the credentials act in, and the partition of the call's region. */
export interface BudgetsCaller {
  accountId: string;
  partition: string;
}

interface OperationSpec {
  /** IAM action AWS authorizes the call as, for AccessDenied messages. */
  action: string;
  run(store: BudgetsStore, input: Record<string, unknown>, caller: BudgetsCaller): Record<string, unknown>;
}

const str = (value: unknown): string => value as string;

/** The operations the emulation serves, by name. */
const OPERATIONS: Readonly<Record<string, OperationSpec>> = {
  CreateBudget: {
    action: 'budgets:ModifyBudget',
    run(store, input) {
      store.createBudget(str(input.AccountId), {
        Budget: input.Budget as Budget,
        ...(input.NotificationsWithSubscribers === undefined
          ? {}
          : { NotificationsWithSubscribers: input.NotificationsWithSubscribers as NotificationWithSubscribers[] }),
        ...(input.ResourceTags === undefined ? {} : { ResourceTags: input.ResourceTags as ResourceTag[] }),
      });
      return {};
    },
  },
  DescribeBudget: {
    action: 'budgets:ViewBudget',
    run: (store, input) => ({
      Budget: store.describeBudget(str(input.AccountId), str(input.BudgetName), input.ShowFilterExpression === true),
    }),
  },
  DescribeBudgets: {
    action: 'budgets:ViewBudget',
    run: (store, input) => ({
      ...store.describeBudgets(str(input.AccountId), pageOf(input, input.ShowFilterExpression)),
    }),
  },
  UpdateBudget: {
    action: 'budgets:ModifyBudget',
    run(store, input) {
      store.updateBudget(str(input.AccountId), input.NewBudget as Budget);
      return {};
    },
  },
  DeleteBudget: {
    action: 'budgets:ModifyBudget',
    run(store, input) {
      store.deleteBudget(str(input.AccountId), str(input.BudgetName));
      return {};
    },
  },
  CreateNotification: {
    action: 'budgets:ModifyBudget',
    run(store, input) {
      store.createNotification(
        str(input.AccountId),
        str(input.BudgetName),
        input.Notification as Notification,
        input.Subscribers as Subscriber[],
      );
      return {};
    },
  },
  UpdateNotification: {
    action: 'budgets:ModifyBudget',
    run(store, input) {
      store.updateNotification(
        str(input.AccountId),
        str(input.BudgetName),
        input.OldNotification as Notification,
        input.NewNotification as Notification,
      );
      return {};
    },
  },
  DeleteNotification: {
    action: 'budgets:ModifyBudget',
    run(store, input) {
      store.deleteNotification(str(input.AccountId), str(input.BudgetName), input.Notification as Notification);
      return {};
    },
  },
  DescribeNotificationsForBudget: {
    action: 'budgets:ViewBudget',
    run: (store, input) => ({
      ...store.describeNotificationsForBudget(str(input.AccountId), str(input.BudgetName), pageOf(input)),
    }),
  },
  CreateSubscriber: {
    action: 'budgets:ModifyBudget',
    run(store, input) {
      store.createSubscriber(
        str(input.AccountId),
        str(input.BudgetName),
        input.Notification as Notification,
        input.Subscriber as Subscriber,
      );
      return {};
    },
  },
  UpdateSubscriber: {
    action: 'budgets:ModifyBudget',
    run(store, input) {
      store.updateSubscriber(
        str(input.AccountId),
        str(input.BudgetName),
        input.Notification as Notification,
        input.OldSubscriber as Subscriber,
        input.NewSubscriber as Subscriber,
      );
      return {};
    },
  },
  DeleteSubscriber: {
    action: 'budgets:ModifyBudget',
    run(store, input) {
      store.deleteSubscriber(
        str(input.AccountId),
        str(input.BudgetName),
        input.Notification as Notification,
        input.Subscriber as Subscriber,
      );
      return {};
    },
  },
  DescribeSubscribersForNotification: {
    action: 'budgets:ViewBudget',
    run: (store, input) => ({
      ...store.describeSubscribersForNotification(
        str(input.AccountId),
        str(input.BudgetName),
        input.Notification as Notification,
        pageOf(input),
      ),
    }),
  },
  TagResource: {
    action: 'budgets:TagResource',
    run(store, input, caller) {
      const arn = budgetArnFor(input, caller, 'budgets:TagResource');
      store.tagBudget(arn.accountId, arn.budgetName, input.ResourceTags as ResourceTag[]);
      return {};
    },
  },
  UntagResource: {
    action: 'budgets:UntagResource',
    run(store, input, caller) {
      const arn = budgetArnFor(input, caller, 'budgets:UntagResource');
      store.untagBudget(arn.accountId, arn.budgetName, input.ResourceTagKeys as string[]);
      return {};
    },
  },
  ListTagsForResource: {
    action: 'budgets:ListTagsForResource',
    run(store, input, caller) {
      const arn = budgetArnFor(input, caller, 'budgets:ListTagsForResource');
      return { ResourceTags: store.listBudgetTags(arn.accountId, arn.budgetName) };
    },
  },
};

/** Names of the Budgets operations the front door answers (all others get UnknownOperationException). */
export const SERVED_BUDGETS_OPERATIONS: readonly string[] = Object.keys(OPERATIONS);

/**
 * Runs one Budgets call: model checks, then the caller's account against the request's, then the
 * operation. Returns the response body; throws BudgetsError.
 */
export function runBudgetsOperation(
  store: BudgetsStore,
  operation: string,
  input: unknown,
  caller: BudgetsCaller,
): Record<string, unknown> {
  const spec = Object.hasOwn(OPERATIONS, operation) ? OPERATIONS[operation] : undefined;
  if (!spec) {
    throw new BudgetsError(
      'UnknownOperationException',
      `${operation} is not an AWS Budgets operation the local front door serves (it serves ${SERVED_BUDGETS_OPERATIONS.join(', ')}).`,
    );
  }
  const request = input ?? {};
  if (!isPlainObject(request))
    throw new BudgetsError('SerializationException', 'The request body must be a JSON object.');
  validateRequest(`${operation}Request`, request);
  if (typeof request.AccountId === 'string' && request.AccountId !== caller.accountId) {
    throw accessDenied(caller, spec.action, budgetArn(caller.partition, request.AccountId, budgetNameIn(request)));
  }
  return spec.run(store, request, caller);
}

export interface BudgetsReply {
  status: number;
  headers: OutgoingHttpHeaders;
  body: Buffer;
}

const JSON_11 = 'application/x-amz-json-1.1';

/** Answers one Budgets HTTP request body (JSON 1.1) for `operation`, never throwing. */
export function answerBudgetsRequest(
  store: BudgetsStore,
  operation: string,
  body: Buffer,
  caller: BudgetsCaller,
  requestId: string,
): BudgetsReply {
  try {
    const output = runBudgetsOperation(store, operation, parseBody(body), caller);
    return reply(200, requestId, output);
  } catch (error) {
    if (error instanceof BudgetsError) return renderBudgetsError(error, requestId);
    const message = error instanceof Error ? error.message : String(error);
    return renderBudgetsError(
      new BudgetsError('InternalErrorException', `front door Budgets failed: ${message}`),
      requestId,
    );
  }
}

/** `{"__type": code, "Message": message}` with the x-amzn-ErrorType header, as the JSON protocol has it. */
export function renderBudgetsError(error: BudgetsError, requestId: string): BudgetsReply {
  const rendered = reply(error.httpStatus, requestId, { __type: error.code, Message: error.message });
  rendered.headers['x-amzn-errortype'] = error.code;
  return rendered;
}

function reply(status: number, requestId: string, value: unknown): BudgetsReply {
  const body = Buffer.from(JSON.stringify(value));
  return {
    status,
    headers: { 'content-type': JSON_11, 'content-length': body.length, 'x-amzn-requestid': requestId },
    body,
  };
}

function parseBody(body: Buffer): unknown {
  if (body.length === 0) return {};
  try {
    return JSON.parse(body.toString('utf8')) as unknown;
  } catch {
    throw new BudgetsError('SerializationException', 'The request body is not valid JSON.');
  }
}

function pageOf(input: Record<string, unknown>, showFilterExpression?: unknown) {
  return {
    ...(typeof input.MaxResults === 'number' ? { MaxResults: input.MaxResults } : {}),
    ...(typeof input.NextToken === 'string' && input.NextToken !== '' ? { NextToken: input.NextToken } : {}),
    ...(showFilterExpression === true ? { ShowFilterExpression: true } : {}),
  };
}

export function budgetArn(partition: string, accountId: string, budgetName?: unknown): string {
  return `arn:${partition}:budgets::${accountId}:budget/${typeof budgetName === 'string' ? budgetName : '*'}`;
}

/** `arn:<partition>:budgets::<account>:budget/<name>` → its parts. */
export function parseBudgetArn(arn: string): { partition: string; accountId: string; budgetName: string } | undefined {
  const match = /^arn:(aws[a-z-]*):budgets::(\d{12}):budget\/([^:\\]+)$/.exec(arn);
  if (!match) return undefined;
  const [, partition = '', accountId = '', budgetName = ''] = match;
  return { partition, accountId, budgetName };
}

/** The budget a request is about: BudgetName, or the name in Budget (CreateBudget) or NewBudget (UpdateBudget). */
function budgetNameIn(request: Record<string, unknown>): unknown {
  for (const definition of [request.Budget, request.NewBudget]) {
    if (isPlainObject(definition) && typeof definition.BudgetName === 'string') return definition.BudgetName;
  }
  return request.BudgetName;
}

function budgetArnFor(
  input: Record<string, unknown>,
  caller: BudgetsCaller,
  action: string,
): { accountId: string; budgetName: string } {
  const arn = str(input.ResourceARN);
  const parsed = parseBudgetArn(arn);
  if (!parsed) {
    throw new BudgetsError(
      'InvalidParameterException',
      `Invalid ResourceARN ${arn}: expected arn:<partition>:budgets::<account id>:budget/<budget name>`,
    );
  }
  if (parsed.budgetName.includes('/action/')) {
    throw new BudgetsError('NotFoundException', `Budget actions are not emulated by the local front door: ${arn}`);
  }
  if (parsed.accountId !== caller.accountId) throw accessDenied(caller, action, arn);
  return parsed;
}

function accessDenied(caller: BudgetsCaller, action: string, resource: string): BudgetsError {
  return new BudgetsError(
    'AccessDeniedException',
    `User: arn:${caller.partition}:iam::${caller.accountId}:root is not authorized to perform: ${action} on resource: ${resource}`,
  );
}
