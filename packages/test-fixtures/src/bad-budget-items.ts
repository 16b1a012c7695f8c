/**
 * Bad budget items a finance user could type, each with the attribute the rejection must name
 * and a fragment of the reason. Used by the contract tests and the integration tests.
 */
export interface BadBudgetItem {
  name: string;
  /** Attributes to put on top of a valid item; `undefined` removes the attribute. */
  change: Record<string, unknown>;
  attribute: string;
  reason: RegExp;
}

export const BAD_BUDGET_ITEMS: BadBudgetItem[] = [
  { name: 'missing amount', change: { amount: undefined }, attribute: 'amount', reason: /is required/ },
  {
    name: 'non-numeric amount',
    change: { amount: 'a lot' },
    attribute: 'amount',
    reason: /must be a number, got the text "a lot"/,
  },
  { name: 'amount typed as text', change: { amount: '100' }, attribute: 'amount', reason: /must be a number/ },
  { name: 'negative amount', change: { amount: -50 }, attribute: 'amount', reason: /greater than 0, got -50/ },
  { name: 'zero amount', change: { amount: 0 }, attribute: 'amount', reason: /greater than 0, got 0/ },
  { name: 'NaN amount', change: { amount: 'NaN' }, attribute: 'amount', reason: /must be a number/ },
  { name: 'huge amount', change: { amount: 1e15 }, attribute: 'amount', reason: /at most 10000000000/ },
  { name: 'three decimals', change: { amount: 10.005 }, attribute: 'amount', reason: /at most 2 decimals/ },
  {
    name: '11-digit account',
    change: { accountId: '11111111111' },
    attribute: 'accountId',
    reason: /exactly 12 digits/,
  },
  {
    name: '13-digit account',
    change: { accountId: '1111111111111' },
    attribute: 'accountId',
    reason: /exactly 12 digits/,
  },
  {
    name: 'account with letters',
    change: { accountId: '11111111111a' },
    attribute: 'accountId',
    reason: /exactly 12 digits/,
  },
  {
    name: 'bad email',
    change: { emails: ['finance@'] },
    attribute: 'emails[0]',
    reason: /not a valid email address: "finance@"/,
  },
  {
    name: 'emails not a list',
    change: { emails: 'finance@example.com' },
    attribute: 'emails',
    reason: /must be a list or string set/,
  },
  {
    name: 'eleven emails',
    change: { emails: Array.from({ length: 11 }, (_, i) => `p${i}@example.com`) },
    attribute: 'emails',
    reason: /at most 10 addresses/,
  },
  { name: 'threshold over 1000', change: { alertAt: [50, 1001] }, attribute: 'alertAt[1]', reason: /at most 1000/ },
  { name: 'threshold below 0', change: { alertAt: [-10] }, attribute: 'alertAt[0]', reason: /0 or more/ },
  { name: 'repeated threshold', change: { alertAt: [80, 80] }, attribute: 'alertAt', reason: /must not repeat/ },
  {
    name: 'forecast threshold as text',
    change: { forecastAlertAt: ['100'] },
    attribute: 'forecastAlertAt[0]',
    reason: /must be a number/,
  },
  {
    name: 'too many notifications',
    change: { alertAt: [10, 20, 30, 40, 50, 60, 70, 80, 90], forecastAlertAt: [100, 110] },
    attribute: 'alertAt',
    reason: /at most 10 thresholds/,
  },
  {
    name: 'unknown period',
    change: { period: 'WEEKLY' },
    attribute: 'period',
    reason: /one of MONTHLY, QUARTERLY, ANNUALLY/,
  },
  { name: 'period in lower case', change: { period: 'monthly' }, attribute: 'period', reason: /one of MONTHLY/ },
  {
    name: 'currency not a code',
    change: { currency: 'dollars' },
    attribute: 'currency',
    reason: /3-letter currency code/,
  },
  { name: 'empty budget name', change: { budgetName: '' }, attribute: 'budgetName', reason: /must not be empty/ },
  {
    name: 'budget name with a space',
    change: { budgetName: 'team a' },
    attribute: 'budgetName',
    reason: /only letters, digits/,
  },
  {
    name: 'budget name too long',
    change: { budgetName: 'b'.repeat(101) },
    attribute: 'budgetName',
    reason: /at most 100 characters/,
  },
  { name: 'misspelt attribute', change: { amout: 10 }, attribute: '', reason: /unknown attribute "amout"/ },
  {
    name: 'guardian mode unknown',
    change: { guardian: { mode: 'kill' } },
    attribute: 'guardian.mode',
    reason: /one of off, notify, enforce/,
  },
  {
    name: 'guardian thresholds reversed',
    change: { guardian: { mode: 'enforce', disableQueuesAt: 120, terminateJobsAt: 100 } },
    attribute: 'guardian.disableQueuesAt',
    reason: /must not be above terminateJobsAt/,
  },
  {
    name: 'guardian on a budget that is not in USD',
    change: { currency: 'EUR', guardian: { mode: 'enforce' } },
    attribute: 'currency',
    reason: /must be USD while guardian.mode is notify or enforce/,
  },
  {
    name: 'guardian queue name invalid',
    change: { guardian: { mode: 'enforce', jobQueues: ['my queue'] } },
    attribute: 'guardian.jobQueues[0]',
    reason: /not a job queue name/,
  },
  {
    name: 'cost filter with empty tag values',
    change: { costFilter: { tags: { team: [] } } },
    attribute: 'costFilter.tags.team',
    reason: /at least one value/,
  },
  {
    name: 'cost filter with unknown key',
    change: { costFilter: { regions: ['us-east-1'] } },
    attribute: 'costFilter',
    reason: /unknown keys "regions"/,
  },
  { name: 'cost filter not a map', change: { costFilter: 'team=a' }, attribute: 'costFilter', reason: /must be a map/ },
  {
    name: 'notes over 1000 characters',
    change: { notes: 'n'.repeat(1001) },
    attribute: 'notes',
    reason: /must be at most 1000 characters, got 1001/,
  },
  {
    // 1000 characters, but 4000 bytes of UTF-8: SSM counts bytes.
    name: 'budget document over 4 KB (notes of 1000 emoji)',
    change: { notes: '\u{1F4B8}'.repeat(1000) },
    attribute: 'notes',
    reason:
      /makes the budget document [\d,]+ bytes, over the 4,096 bytes of an SSM Standard parameter .*; notes is the largest part \(4,002 bytes\)/,
  },
  {
    name: 'budget document over 4 KB (long cost filter)',
    change: {
      costFilter: {
        tags: {
          project: Array.from({ length: 10 }, (_, i) => `project-${i}-${'p'.repeat(240)}`),
          team: Array.from({ length: 10 }, (_, i) => `team-${i}-${'t'.repeat(240)}`),
        },
      },
    },
    attribute: 'costFilter',
    reason: /over the 4,096 bytes of an SSM Standard parameter .*; costFilter is the largest part/,
  },
  {
    name: 'cost filter with eleven tag keys',
    change: { costFilter: { tags: Object.fromEntries(Array.from({ length: 11 }, (_, i) => [`key${i}`, ['a']])) } },
    attribute: 'costFilter.tags',
    reason: /may hold at most 10 tag keys, got 11/,
  },
  {
    name: 'cost filter with 51 values for a tag',
    change: { costFilter: { tags: { team: Array.from({ length: 51 }, (_, i) => `team-${i}`) } } },
    attribute: 'costFilter.tags.team',
    reason: /may hold at most 50 values, got 51/,
  },
  {
    name: 'cost filter tag value over 256 characters',
    change: { costFilter: { tags: { team: ['t'.repeat(257)] } } },
    attribute: 'costFilter.tags.team[0]',
    reason: /must be at most 256 characters, got 257/,
  },
  {
    name: 'cost filter tag value with "$"',
    change: { costFilter: { tags: { team: ['a$b'] } } },
    attribute: 'costFilter.tags.team[0]',
    reason: /contains "\$"; a tag value may contain only Unicode letters, digits, spaces and _ \. : \/ = \+ - @/,
  },
  {
    name: 'cost filter tag key with "$"',
    change: { costFilter: { tags: { team$a: ['b'] } } },
    attribute: 'costFilter.tags',
    reason: /has the tag key "team\$a" containing "\$"; a tag key may contain only .*user:<key>\$<value>/,
  },
  {
    name: 'cost filter tag key with the reserved aws: prefix',
    change: { costFilter: { tags: { 'AWS:createdBy': ['someone'] } } },
    attribute: 'costFilter.tags',
    reason: /has the tag key "AWS:createdBy"; a tag key must not start with "aws:"/,
  },
  {
    name: 'cost filter tag key over 128 characters',
    change: { costFilter: { tags: { ['k'.repeat(129)]: ['a'] } } },
    attribute: 'costFilter.tags',
    reason: /has a tag key of 129 characters .*at most 128/,
  },
  {
    name: 'cost filter with 51 services',
    change: { costFilter: { services: Array.from({ length: 51 }, (_, i) => `Service ${i}`) } },
    attribute: 'costFilter.services',
    reason: /may hold at most 50 services, got 51/,
  },
  {
    name: 'cost filter service name over 100 characters',
    change: { costFilter: { services: ['s'.repeat(101)] } },
    attribute: 'costFilter.services[0]',
    reason: /must be at most 100 characters, got 101/,
  },
];

/** Applies a bad item's change to a valid item. */
export function applyChange(item: Record<string, unknown>, change: Record<string, unknown>): Record<string, unknown> {
  const out = { ...item };
  for (const [name, value] of Object.entries(change)) {
    if (value === undefined) delete out[name];
    else out[name] = value;
  }
  return out;
}
