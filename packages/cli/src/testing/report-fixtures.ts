import { marshall } from '@aws-sdk/util-dynamodb';
import type { OrganizationTree } from '@org-budgets/aws';
import { tableEntry, type TableEntry } from '../budget-table';
import { OrganizationDirectory } from '../organization-directory';

/**
 * A small organization and table with something of everything the report shows (own items and
 * copies of an OU default, two currencies, every state, lockdowns, a guardian estimate, REJECTED
 * and FAILED items, an account outside the organization), and text that would inject HTML or
 * script if the page did not escape it (each sets `window.__injected` if it ever ran).
 */
export const INJECTED_ACCOUNT_NAME = '<img src=x onerror="window.__injected=1">';
export const INJECTED_BUDGET_NAME = 'x</script><script>window.__injected=2</script><!--';
export const INJECTED_MESSAGE = 'emails has "<script>window.__injected=3</script>", which is not an email address';

export function reportFixtureDirectory(): OrganizationDirectory {
  const tree: OrganizationTree = {
    units: new Map([
      ['r-ab12', { id: 'r-ab12', name: 'Root' }],
      ['ou-ab12-research', { id: 'ou-ab12-research', name: 'Research', parentId: 'r-ab12' }],
      ['ou-ab12-genomics', { id: 'ou-ab12-genomics', name: 'Genomics', parentId: 'ou-ab12-research' }],
      ['ou-ab12-shop', { id: 'ou-ab12-shop', name: 'Shop', parentId: 'r-ab12' }],
    ]),
    accounts: new Map(
      (
        [
          ['111111111111', 'genomics-lab', 'ou-ab12-genomics'],
          ['222222222222', 'research-hpc', 'ou-ab12-research'],
          ['333333333333', 'shop-prod', 'ou-ab12-shop'],
          ['444444444444', INJECTED_ACCOUNT_NAME, 'ou-ab12-shop'],
          ['555555555555', 'research-ml', 'ou-ab12-research'],
        ] as const
      ).map(([id, name, parentId]) => [id, { id, name, state: 'ACTIVE', parentId }]),
    ),
  };
  return new OrganizationDirectory(tree);
}

const sync = (status: string, updatedAt: string, message = status) => ({
  status,
  stage: 'apply',
  message,
  revision: 7,
  updatedAt,
});
const spend = (actual: number, forecasted: number | undefined, amount: number, currency = 'USD', extra = {}) => ({
  actual,
  ...(forecasted === undefined ? {} : { forecasted, forecastedPercent: Math.round((forecasted / amount) * 1000) / 10 }),
  currency,
  actualPercent: Math.round((actual / amount) * 1000) / 10,
  awsUpdatedAt: '2026-12-03T08:00:00.000Z',
  readAt: '2026-12-03T08:05:00.000Z',
  revision: '7',
  periodStart: '2026-12-01',
  basis: `MONTHLY ${currency}`,
  updatedAt: '2026-12-03T08:05:01.000Z',
  ...extra,
});
const stateDetail = (reason: string) => ({
  reason,
  since: '2026-12-03T08:05:01.000Z',
  updatedAt: '2026-12-03T08:05:01.000Z',
});

/** The items of the fixture table, as plain values. */
export function reportFixtureItems(): Record<string, unknown>[] {
  return [
    {
      accountId: '111111111111',
      budgetName: 'research-compute',
      amount: 5000,
      emails: new Set(['pi@example.org']),
      sync: sync('APPLIED', '2026-12-02T10:00:00.000Z'),
      spend: spend(4800, 6200, 5000),
      state: 'Critical',
      stateDetail: stateDetail('actual 96% of the amount, at or above criticalAt 90%'),
      lockdown: { mode: 'enforce', at: 'Critical' },
      lockdownStatus: {
        status: 'LOCKED',
        locked: true,
        mode: 'enforce',
        state: 'Critical',
        message: 'denied ec2:RunInstances in account 111111111111 (state Critical)',
        apis: ['ec2:RunInstances'],
        policyId: 'p-12345678',
        at: '2026-12-03T08:05:02.000Z',
      },
    },
    {
      accountId: '111111111111',
      budgetName: 'baseline',
      amount: 500,
      inheritedFrom: 'ou-ab12-research',
      sync: sync('APPLIED', '2026-12-01T09:00:00.000Z'),
      spend: spend(120, 300, 500),
      state: 'Under',
    },
    {
      accountId: '222222222222',
      budgetName: 'baseline',
      amount: 500,
      inheritedFrom: 'ou-ab12-research',
      sync: sync('APPLIED', '2026-12-01T09:00:00.000Z'),
      spend: spend(480, 560, 500),
      state: 'Over',
      lockdownStatus: {
        status: 'WOULD_LOCK',
        locked: false,
        mode: 'notify',
        state: 'Over',
        message: 'would deny the default APIs in account 222222222222 (state Over)',
        apis: ['ec2:RunInstances'],
        at: '2026-12-03T07:00:00.000Z',
      },
    },
    {
      accountId: '222222222222',
      budgetName: 'hpc-batch',
      amount: 1000,
      guardian: { mode: 'enforce' },
      sync: sync('APPLIED', '2026-12-01T09:30:00.000Z'),
      spend: spend(800, 950, 1000, 'USD', {
        guardianEstimate: 1150,
        guardianEstimatePercent: 115,
        guardianEstimatedAt: '2026-12-03T08:10:00.000Z',
      }),
      state: 'On target',
      lockdownStatus: {
        status: 'LIFTED',
        locked: false,
        mode: 'enforce',
        state: 'On target',
        message: 'lifted in account 222222222222: the amount was raised',
        apis: ['ec2:RunInstances'],
        at: '2026-12-02T12:00:00.000Z',
      },
    },
    {
      accountId: '222222222222',
      budgetName: 'gpu',
      amount: 2000,
      emails: new Set(['<script>window.__injected=3</script>']),
      sync: sync('REJECTED', '2026-12-03T09:00:00.000Z', INJECTED_MESSAGE),
    },
    {
      accountId: '555555555555',
      budgetName: 'baseline',
      amount: 500,
      inheritedFrom: 'ou-ab12-research',
      sync: sync('DELIVERED', '2026-12-03T09:10:00.000Z'),
      spend: spend(2, undefined, 500),
      state: 'Unused',
    },
    {
      accountId: '333333333333',
      budgetName: 'production',
      amount: 1500.5,
      currency: 'EUR',
      period: 'QUARTERLY',
      sync: sync('APPLIED', '2026-11-30T09:00:00.000Z'),
      spend: spend(300, 900, 1500.5, 'EUR'),
      state: 'Under',
    },
    {
      accountId: '333333333333',
      budgetName: 'experiments',
      amount: 300,
      sync: sync('FAILED', '2026-12-03T09:20:00.000Z', 'could not reach account 333333333333: AccessDenied'),
      spend: spend(330, 400, 300),
      state: 'Shutdown',
    },
    {
      accountId: '444444444444',
      budgetName: INJECTED_BUDGET_NAME,
      amount: 100,
      sync: sync(
        'REJECTED',
        '2026-12-03T09:30:00.000Z',
        'budgetName may contain only letters, digits, "_", "." and "-"',
      ),
    },
    { accountId: '444444444444', budgetName: 'shop-ops', amount: 100 },
    {
      accountId: 'ou-ab12-research',
      budgetName: 'baseline',
      amount: 500,
      sync: sync('DELIVERED', '2026-12-03T09:10:00.000Z', 'APPLIED in 2 of 3 accounts; 1 on their way'),
      rollup: {
        accounts: 3,
        applied: 2,
        pending: 1,
        failed: 0,
        overridden: 0,
        optedOut: 0,
        failedAccounts: [],
        spend: { actual: 602, forecasted: 862, currency: 'USD', accounts: 3 },
        states: { Under: 1, Over: 1, Unused: 1 },
        accountsOver: [{ accountId: '222222222222', state: 'Over' }],
        updatedAt: '2026-12-03T09:10:00.000Z',
      },
    },
    {
      accountId: '999999999999',
      budgetName: 'left-behind',
      amount: 50,
      sync: sync('APPLIED', '2026-10-01T09:00:00.000Z'),
    },
  ];
}

/** The fixture items as the command line reads them from the table. */
export function reportFixtureEntries(items = reportFixtureItems()): TableEntry[] {
  return items.map((item) =>
    tableEntry(marshall(item, { removeUndefinedValues: true, convertClassInstanceToMap: false }) as never),
  );
}
