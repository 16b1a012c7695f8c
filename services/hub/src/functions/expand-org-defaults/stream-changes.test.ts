import { budgetItem, budgetItemRecord } from '@org-budgets/test-fixtures';
import type { EventBridgeEvent } from 'aws-lambda';
import { accountOfOrganizationsEvent } from './organizations-events';
import { defaultsWork } from './stream-changes';

const OU = 'ou-ab12-cdef3456';
const copy = (amount: number) => ({ ...budgetItem({ budgetName: 'baseline', amount }), inheritedFrom: OU });

describe('defaultsWork', () => {
  it('expands a default whose content changed, not one whose status changed', () => {
    const ouItem = { accountId: OU, budgetName: 'baseline', amount: 10 };
    const work = defaultsWork([
      budgetItemRecord(ouItem, { sequenceNumber: '5' }),
      budgetItemRecord(
        { ...ouItem, budgetName: 'other', sync: { status: 'APPLIED' } },
        {
          oldImage: { ...ouItem, budgetName: 'other' },
          sequenceNumber: '6',
        },
      ),
    ]);
    expect([...work.defaults.values()]).toEqual([{ key: { accountId: OU, budgetName: 'baseline' }, revision: '5' }]);
  });

  it('rolls up a default when a copy’s status changes, checks a copy whose content changed, resolves an account whose own item went', () => {
    const work = defaultsWork([
      budgetItemRecord({ ...copy(10), sync: { status: 'APPLIED' } }, { oldImage: copy(10), sequenceNumber: '7' }),
      budgetItemRecord(copy(20), { oldImage: copy(10), sequenceNumber: '8' }),
      budgetItemRecord(budgetItem({ accountId: '222222222222', budgetName: 'baseline' }), {
        eventName: 'REMOVE',
        sequenceNumber: '9',
      }),
    ]);
    expect([...work.rollups.values()]).toEqual([{ accountId: OU, budgetName: 'baseline' }]);
    expect([...work.copies.keys()]).toEqual(['111111111111/baseline']);
    expect([...work.accounts]).toEqual(['222222222222']);
  });

  it('an own item or opt-out written over a copy needs no resolution: its default is recounted', () => {
    const work = defaultsWork([
      budgetItemRecord(budgetItem({ budgetName: 'baseline' }), { oldImage: copy(10) }),
      budgetItemRecord(
        { accountId: '222222222222', budgetName: 'baseline', optOut: true },
        { oldImage: { ...copy(10), accountId: '222222222222' } },
      ),
    ]);
    expect(work.accounts.size + work.copies.size).toBe(0);
    expect([...work.recount.values()]).toEqual([{ accountId: OU, budgetName: 'baseline' }]);
  });
});

describe('accountOfOrganizationsEvent', () => {
  const event = (detail: unknown) =>
    ({ 'detail-type': 'AWS API Call via CloudTrail', detail }) as EventBridgeEvent<string, unknown>;

  it('reads the account of MoveAccount and of CreateAccountResult; none from an accepted invitation', () => {
    expect(
      accountOfOrganizationsEvent(
        event({ eventName: 'MoveAccount', requestParameters: { accountId: '123456789012' } }),
      ),
    ).toBe('123456789012');
    expect(
      accountOfOrganizationsEvent(
        event({
          eventName: 'CreateAccountResult',
          serviceEventDetails: { createAccountStatus: { accountId: '210987654321' } },
        }),
      ),
    ).toBe('210987654321');
    expect(
      accountOfOrganizationsEvent(event({ eventName: 'AcceptHandshake', requestParameters: { handshakeId: 'h-1' } })),
    ).toBeUndefined();
  });
});
