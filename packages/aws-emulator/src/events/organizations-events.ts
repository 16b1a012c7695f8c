import type { EmittedEvent } from './event-bus';

/**
 * The events AWS Organizations sends (through CloudTrail, to the management account's default bus
 * in us-east-1) when an account is created, moved, removed or closed; moto sends none. Shapes as
 * AWS documents them: an API call is "AWS API Call via CloudTrail" with the request's parameters in
 * camelCase; an account's creation finishes later as the service event CreateAccountResult.
 */

/** The Organizations calls the front door reports as events. */
const REPORTED = new Set(['CreateAccount', 'MoveAccount', 'RemoveAccountFromOrganization', 'CloseAccount']);

/** Organizations is a global service whose events arrive in us-east-1. */
export const ORGANIZATIONS_EVENTS_REGION = 'us-east-1';

export function isReportedOrganizationsCall(call: { service: string; operation: string }): boolean {
  return call.service === 'organizations' && REPORTED.has(call.operation);
}

function camelCase(request: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(request).map(([name, value]) => [name.charAt(0).toLowerCase() + name.slice(1), value]),
  );
}

/**
 * The events of one successful Organizations call by the management account `accountId`:
 * the CloudTrail API call, and for CreateAccount (which moto finishes at once) its
 * CreateAccountResult.
 */
export function organizationsEventsOf(input: {
  accountId: string;
  operation: string;
  request: unknown;
  response: unknown;
  time: Date;
  newId: () => string;
}): EmittedEvent[] {
  if (!REPORTED.has(input.operation)) return [];
  const request = (input.request ?? {}) as Record<string, unknown>;
  const time = input.time.toISOString().replace(/\.\d{3}Z$/, 'Z');
  const base = {
    version: '0',
    account: input.accountId,
    time,
    region: ORGANIZATIONS_EVENTS_REGION,
    resources: [] as string[],
    source: 'aws.organizations',
  };
  const events: EmittedEvent[] = [
    {
      ...base,
      id: input.newId(),
      'detail-type': 'AWS API Call via CloudTrail',
      detail: {
        eventVersion: '1.08',
        eventSource: 'organizations.amazonaws.com',
        eventName: input.operation,
        awsRegion: ORGANIZATIONS_EVENTS_REGION,
        eventTime: time,
        requestParameters: camelCase(request),
        responseElements: null,
      },
    } as EmittedEvent,
  ];
  if (input.operation === 'CreateAccount') {
    const status = (input.response as { CreateAccountStatus?: Record<string, unknown> } | null)?.CreateAccountStatus;
    if (status?.['AccountId']) {
      events.push({
        ...base,
        id: input.newId(),
        'detail-type': 'AWS Service Event via CloudTrail',
        detail: {
          eventVersion: '1.08',
          eventSource: 'organizations.amazonaws.com',
          eventName: 'CreateAccountResult',
          awsRegion: ORGANIZATIONS_EVENTS_REGION,
          eventTime: time,
          serviceEventDetails: {
            createAccountStatus: {
              id: status['Id'],
              state: status['State'] ?? 'SUCCEEDED',
              accountName: status['AccountName'],
              accountId: status['AccountId'],
            },
          },
        },
      } as EmittedEvent);
    }
  }
  return events;
}
