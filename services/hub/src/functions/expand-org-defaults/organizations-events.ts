import type { EventBridgeEvent } from 'aws-lambda';

/**
 * The account an Organizations event (CloudTrail, in the management account's us-east-1 default
 * bus) is about: MoveAccount, RemoveAccountFromOrganization, CloseAccount name it in their request;
 * CreateAccountResult (a service event) in its createAccountStatus. Undefined when the event names
 * no single account (an accepted invitation, say): the caller then sweeps the whole organization.
 */
export function accountOfOrganizationsEvent(event: EventBridgeEvent<string, unknown>): string | undefined {
  const detail = (event.detail ?? {}) as {
    requestParameters?: { accountId?: unknown };
    serviceEventDetails?: { createAccountStatus?: { accountId?: unknown; state?: unknown } };
  };
  const candidates = [detail.requestParameters?.accountId, detail.serviceEventDetails?.createAccountStatus?.accountId];
  const id = candidates.find((value): value is string => typeof value === 'string' && /^\d{12}$/.test(value));
  return id;
}
