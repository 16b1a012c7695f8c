import { PutEventsCommand, type EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { SPOKE_STATUS_DETAIL_TYPE, SPOKE_STATUS_SOURCE, type SpokeStatusDetail } from '@org-budgets/contracts';
import { StatusNotSentError } from '../errors';

/** Sends a spoke's status report (`org-budgets.spoke` / `Budget Apply Status`) to an event bus. */
export type StatusSender = (detail: SpokeStatusDetail) => Promise<void>;

/**
 * Status reports on `busName` of the spoke's own account (its default bus, whose rule forwards
 * them to the hub); an entry EventBridge does not accept fails with StatusNotSentError.
 */
export function createStatusSender(events: EventBridgeClient, busName: string): StatusSender {
  return async (detail) => {
    const result = await events.send(
      new PutEventsCommand({
        Entries: [
          {
            EventBusName: busName,
            Source: SPOKE_STATUS_SOURCE,
            DetailType: SPOKE_STATUS_DETAIL_TYPE,
            Detail: JSON.stringify(detail),
          },
        ],
      }),
    );
    if (result.FailedEntryCount) {
      const entry = result.Entries?.[0];
      throw new StatusNotSentError(
        `status event not accepted: ${entry?.ErrorCode ?? '?'} ${entry?.ErrorMessage ?? ''}`,
      );
    }
  };
}
