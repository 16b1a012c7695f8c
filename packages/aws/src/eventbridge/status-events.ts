import { PutEventsCommand, type EventBridgeClient } from '@aws-sdk/client-eventbridge';
import {
  SPOKE_SPEND_DETAIL_TYPE,
  SPOKE_STATUS_DETAIL_TYPE,
  SPOKE_STATUS_SOURCE,
  type SpokeSpendDetail,
  type SpokeStatusDetail,
} from '@org-budgets/contracts';
import { StatusNotSentError } from '../errors';

/** Sends a spoke's status report (`org-budgets.spoke` / `Budget Apply Status`) to an event bus. */
export type StatusSender = (detail: SpokeStatusDetail) => Promise<void>;

/**
 * Puts one spoke report (`org-budgets.spoke`, `detailType`) on `busName`; an entry EventBridge
 * does not accept fails with StatusNotSentError naming `what`.
 */
async function putSpokeReport(
  events: EventBridgeClient,
  busName: string,
  detailType: string,
  detail: object,
  what: string,
): Promise<void> {
  const result = await events.send(
    new PutEventsCommand({
      Entries: [
        { EventBusName: busName, Source: SPOKE_STATUS_SOURCE, DetailType: detailType, Detail: JSON.stringify(detail) },
      ],
    }),
  );
  if (result.FailedEntryCount) {
    const entry = result.Entries?.[0];
    throw new StatusNotSentError(`${what} not accepted: ${entry?.ErrorCode ?? '?'} ${entry?.ErrorMessage ?? ''}`);
  }
}

/**
 * Status reports on `busName` of the spoke's own account (its default bus, whose rule forwards
 * them to the hub); an entry EventBridge does not accept fails with StatusNotSentError.
 */
export function createStatusSender(events: EventBridgeClient, busName: string): StatusSender {
  return (detail) => putSpokeReport(events, busName, SPOKE_STATUS_DETAIL_TYPE, detail, 'status event');
}

/** Sends a spoke's spend report (`org-budgets.spoke` / `Budget Spend Report`) to an event bus. */
export type SpendSender = (detail: SpokeSpendDetail) => Promise<void>;

/** Spend reports on `busName` of the spoke's own account, forwarded to the hub as status reports are. */
export function createSpendSender(events: EventBridgeClient, busName: string): SpendSender {
  return (detail) => putSpokeReport(events, busName, SPOKE_SPEND_DETAIL_TYPE, detail, 'spend report');
}
