import { isReportedOrganizationsCall, organizationsEventsOf } from './organizations-events';

describe('organizationsEventsOf', () => {
  const common = { accountId: '123456789012', time: new Date('2026-12-03T10:00:00.123Z'), newId: () => 'id-1' };

  it('reports MoveAccount as CloudTrail does, in us-east-1, with the request in camelCase', () => {
    const events = organizationsEventsOf({
      ...common,
      operation: 'MoveAccount',
      request: { AccountId: '210987654321', SourceParentId: 'r-ab12', DestinationParentId: 'ou-ab12-cdef3456' },
      response: {},
    });
    expect(events).toEqual([
      expect.objectContaining({
        source: 'aws.organizations',
        'detail-type': 'AWS API Call via CloudTrail',
        account: '123456789012',
        region: 'us-east-1',
        time: '2026-12-03T10:00:00Z',
        detail: expect.objectContaining({
          eventSource: 'organizations.amazonaws.com',
          eventName: 'MoveAccount',
          requestParameters: {
            accountId: '210987654321',
            sourceParentId: 'r-ab12',
            destinationParentId: 'ou-ab12-cdef3456',
          },
        }),
      }),
    ]);
  });

  it('adds CreateAccountResult with the new account’s id after CreateAccount', () => {
    const events = organizationsEventsOf({
      ...common,
      operation: 'CreateAccount',
      request: { AccountName: 'lab', Email: 'lab@example.org' },
      response: { CreateAccountStatus: { Id: 'car-1', AccountId: '210987654321', State: 'SUCCEEDED' } },
    });
    expect(events.map((e) => e.detail['eventName'])).toEqual(['CreateAccount', 'CreateAccountResult']);
    expect(events[1]).toMatchObject({
      'detail-type': 'AWS Service Event via CloudTrail',
      detail: { serviceEventDetails: { createAccountStatus: { accountId: '210987654321', state: 'SUCCEEDED' } } },
    });
  });

  it('reports only the calls that change where an account sits', () => {
    expect(isReportedOrganizationsCall({ service: 'organizations', operation: 'MoveAccount' })).toBe(true);
    expect(isReportedOrganizationsCall({ service: 'organizations', operation: 'ListAccounts' })).toBe(false);
    expect(organizationsEventsOf({ ...common, operation: 'ListAccounts', request: {}, response: {} })).toEqual([]);
  });
});
