/**
 * "Parameter Store Change" events, as Systems Manager puts them on the account's default bus when
 * a parameter is created, updated or deleted:
 *
 *   { "version": "0", "id": "…", "detail-type": "Parameter Store Change", "source": "aws.ssm",
 *     "account": "123456789012", "time": "2017-05-22T16:43:48Z", "region": "us-east-1",
 *     "resources": ["arn:aws:ssm:us-east-1:123456789012:parameter/foo"],
 *     "detail": { "operation": "Create", "name": "foo", "type": "String", "description": "Sample Parameter" } }
 *
 * (AWS Systems Manager User Guide, "Amazon EventBridge event examples for Systems Manager").
 * The resource ARN names the parameter without its leading slash; `detail.name` keeps it.
 */
import { partitionOfRegion } from '../budgets/partition';
import type { EmittedEvent } from './event-bus';
import { eventTime } from './event-bus';

export const PARAMETER_STORE_CHANGE = 'Parameter Store Change';
export const SSM_EVENT_SOURCE = 'aws.ssm';

export type ParameterOperation = 'Create' | 'Update' | 'Delete';

export type ParameterStoreChangeDetail = {
  operation: ParameterOperation;
  name: string;
  /** String, StringList or SecureString. */
  type: string;
  /** The parameter's description, "" when it has none. */
  description: string;
};

export type ParameterStoreChangeEvent = EmittedEvent<ParameterStoreChangeDetail>;

/** What the event tells about a parameter besides its name. */
export interface ParameterFacts {
  type: string;
  description: string;
}

/** One parameter change; `type` or `description` undefined while they are not known yet. */
export interface ParameterChange {
  operation: ParameterOperation;
  name: string;
  type: string | undefined;
  description: string | undefined;
}

/** SSM calls that change parameters and are reported as Parameter Store Change events. */
export const PARAMETER_MUTATIONS: ReadonlySet<string> = new Set([
  'PutParameter',
  'DeleteParameter',
  'DeleteParameters',
]);

export function isParameterMutation(service: string, operation: string): boolean {
  return service === 'ssm' && PARAMETER_MUTATIONS.has(operation);
}

/** The parameters a DeleteParameter(s) request is about to delete (none for other calls). */
export function namesToBeDeleted(operation: string, request: unknown): string[] {
  const fields = asRecord(request);
  if (operation === 'DeleteParameter') return typeof fields.Name === 'string' ? [fields.Name] : [];
  if (operation === 'DeleteParameters') return stringsOf(fields.Names);
  return [];
}

/**
 * The changes a successful PutParameter, DeleteParameter or DeleteParameters made, from its request
 * and response. PutParameter's `Version` 1 means the parameter was created. `known` tells the type
 * and description a parameter had before the call, where known: an overwrite without Type or
 * Description keeps the old ones, as a deletion reports them.
 */
export function parameterChangesOf(
  operation: string,
  request: unknown,
  response: unknown,
  known: (name: string) => ParameterFacts | undefined,
): ParameterChange[] {
  const fields = asRecord(request);
  switch (operation) {
    case 'PutParameter': {
      if (typeof fields.Name !== 'string') return [];
      const created = asRecord(response).Version === 1;
      const before = created ? undefined : known(fields.Name);
      return [
        {
          operation: created ? 'Create' : 'Update',
          name: fields.Name,
          type: typeof fields.Type === 'string' ? fields.Type : before?.type,
          description: typeof fields.Description === 'string' ? fields.Description : created ? '' : before?.description,
        },
      ];
    }
    case 'DeleteParameter':
    case 'DeleteParameters': {
      const deleted =
        operation === 'DeleteParameter'
          ? namesToBeDeleted(operation, request)
          : stringsOf(asRecord(response).DeletedParameters);
      return deleted.map((name) => {
        const before = known(name);
        return { operation: 'Delete', name, type: before?.type, description: before?.description };
      });
    }
    default:
      return [];
  }
}

export function parameterArn(region: string, accountId: string, name: string): string {
  return `arn:${partitionOfRegion(region)}:ssm:${region}:${accountId}:parameter/${name.replace(/^\//, '')}`;
}

/** The event AWS would emit for `detail` in `accountId`/`region`. */
export function parameterStoreChangeEvent(input: {
  detail: ParameterStoreChangeDetail;
  accountId: string;
  region: string;
  id: string;
  time: Date;
}): ParameterStoreChangeEvent {
  const { detail, accountId, region } = input;
  return {
    version: '0',
    id: input.id,
    'detail-type': PARAMETER_STORE_CHANGE,
    source: SSM_EVENT_SOURCE,
    account: accountId,
    time: eventTime(input.time),
    region,
    resources: [parameterArn(region, accountId, detail.name)],
    detail: { operation: detail.operation, name: detail.name, type: detail.type, description: detail.description },
  };
}

/**
 * Type and description of the parameters seen through the front door, per account and region: a
 * deletion's event carries them, though neither the request nor the answer does.
 */
export class ParameterCatalog {
  private readonly facts = new Map<string, ParameterFacts>();

  get(accountId: string, region: string, name: string): ParameterFacts | undefined {
    const facts = this.facts.get(catalogKey(accountId, region, name));
    return facts && { ...facts };
  }

  remember(accountId: string, region: string, name: string, facts: ParameterFacts): void {
    this.facts.set(catalogKey(accountId, region, name), { ...facts });
  }

  forget(accountId: string, region: string, name: string): void {
    this.facts.delete(catalogKey(accountId, region, name));
  }

  clear(): void {
    this.facts.clear();
  }
}

function catalogKey(accountId: string, region: string, name: string): string {
  return JSON.stringify([accountId, region, name]);
}

function asRecord(value: unknown): Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
}

function stringsOf(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((item): item is string => typeof item === 'string') : [];
}
