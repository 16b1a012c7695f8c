import { countCalls, renderCalls, secondsOrNot } from './ou-report';

describe('bench:ou report', () => {
  it('counts calls by side: the management account’s own and its assumed sessions are the hub, member accounts the spokes', () => {
    const { hub, spokes, polling } = countCalls(
      [
        { service: 'dynamodb', operation: 'UpdateItem' },
        { service: 'dynamodb', operation: 'UpdateItem', accountId: '000000000000' },
        { service: 'dynamodb', operation: 'GetRecords', accountId: '000000000000' },
        { service: 'ssm', operation: 'PutParameter', accountId: '111111111111' },
        { service: 'budgets', operation: 'CreateBudget', accountId: '111111111111' },
      ],
      '000000000000',
    );
    expect([...hub]).toEqual([['dynamodb:UpdateItem', 2]]);
    expect([...polling]).toEqual([['dynamodb:GetRecords', 1]]);
    expect([...spokes]).toEqual([
      ['ssm:PutParameter', 1],
      ['budgets:CreateBudget', 1],
    ]);
  });

  it('renders the most frequent first, with a total and per-account figures', () => {
    const lines = renderCalls(
      new Map([
        ['a:One', 10],
        ['b:Two', 30],
      ]),
      10,
    );
    expect(lines[0]).toMatch(/^ {4}b:Two +30 {3}3\.00 per account$/);
    expect(lines.at(-1)).toMatch(/in all +40 {3}4\.00 per account$/);
    expect(secondsOrNot(undefined)).toBe('not reached');
    expect(secondsOrNot(1234)).toBe('1.2 s');
  });
});
