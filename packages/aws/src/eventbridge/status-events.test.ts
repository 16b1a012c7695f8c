import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { StatusNotSentError } from '../errors';
import { createSpendSender, createStatusSender } from './status-events';

const events = mockClient(EventBridgeClient);
const DETAIL = {
  accountId: '111111111111',
  budgetName: 'research',
  revision: '42',
  status: 'APPLIED' as const,
  message: 'budget 100 USD monthly applied',
  at: '2026-11-23T12:00:00.000Z',
};

beforeEach(() => events.reset());

describe('createStatusSender', () => {
  it('puts the report on the bus as org-budgets.spoke / Budget Apply Status', async () => {
    events.on(PutEventsCommand).resolves({ FailedEntryCount: 0, Entries: [{ EventId: 'e1' }] });

    await createStatusSender(new EventBridgeClient({ region: 'us-east-1' }), 'default')(DETAIL);

    expect(events).toHaveReceivedCommandWith(PutEventsCommand, {
      Entries: [
        {
          EventBusName: 'default',
          Source: 'org-budgets.spoke',
          DetailType: 'Budget Apply Status',
          Detail: JSON.stringify(DETAIL),
        },
      ],
    });
  });

  it('fails with StatusNotSentError, naming the error, when EventBridge refuses the entry', async () => {
    events
      .on(PutEventsCommand)
      .resolves({ FailedEntryCount: 1, Entries: [{ ErrorCode: 'AccessDeniedException', ErrorMessage: 'denied' }] });

    const sent = createStatusSender(new EventBridgeClient({ region: 'us-east-1' }), 'default')(DETAIL);

    await expect(sent).rejects.toThrow(StatusNotSentError);
    await expect(sent).rejects.toThrow('status event not accepted: AccessDeniedException denied');
  });
});

describe('createSpendSender', () => {
  it('puts the spend report on the bus as org-budgets.spoke / Budget Spend Report', async () => {
    events.on(PutEventsCommand).resolves({ FailedEntryCount: 0, Entries: [{ EventId: 'e1' }] });
    const spend = {
      accountId: '111111111111',
      budgetName: 'research',
      revision: '42',
      actual: 12.5,
      unit: 'USD',
      readAt: '2026-11-23T12:00:00.000Z',
    };

    await createSpendSender(new EventBridgeClient({ region: 'us-east-1' }), 'default')(spend);

    expect(events).toHaveReceivedCommandWith(PutEventsCommand, {
      Entries: [
        {
          EventBusName: 'default',
          Source: 'org-budgets.spoke',
          DetailType: 'Budget Spend Report',
          Detail: JSON.stringify(spend),
        },
      ],
    });
  });
});
