import { callsPerRecord, latencyBoundLimit, latencyPerRecordMs, meanDelayMs, renderRows } from './hub-report';

const rules = [
  { service: 'sts', delayMs: 100 },
  { service: 'ssm', delayMs: 30 },
  { service: 'dynamodb', operation: 'UpdateItem', delayMs: 0 },
];
const perEdit = {
  'dynamodb:GetItem': 1000,
  'sts:AssumeRole': 1000,
  'ssm:GetParameter': 1000,
  'ssm:PutParameter': 1000,
  'dynamodb:UpdateItem': 1000,
};

describe('meanDelayMs', () => {
  it('takes the first rule of the service, for every operation or the one named', () => {
    expect(meanDelayMs(rules, 'sts', 'AssumeRole')).toBe(100);
    expect(meanDelayMs(rules, 'SSM', 'putparameter')).toBe(30);
    expect(meanDelayMs(rules, 'dynamodb', 'GetItem')).toBe(0);
    expect(meanDelayMs([{ service: 'sts', delayMs: 10, jitterMs: 20 }], 'sts', 'AssumeRole')).toBe(20);
  });
});

describe('latencyPerRecordMs and latencyBoundLimit', () => {
  it('adds the delays of every call made and spreads them over the records', () => {
    expect(latencyPerRecordMs(perEdit, rules, 1000)).toBe(160);
    expect(latencyPerRecordMs({ 'sts:AssumeRole': 1 }, rules, 4)).toBe(25);
    expect(latencyPerRecordMs(perEdit, rules, 0)).toBe(0);
  });

  it('is concurrency records per record latency', () => {
    expect(latencyBoundLimit(32, 160)).toBe(200);
    expect(latencyBoundLimit(1, 160)).toBe(6.25);
    expect(latencyBoundLimit(32, 0)).toBe(Infinity);
  });
});

describe('renderRows', () => {
  it('prints records per second beside the limit and the share of it reached', () => {
    const lines = renderRows(
      [
        { upstream: 'latency-only', concurrency: 32, records: 1000, seconds: 8, cpuSeconds: 4, calls: perEdit },
        { upstream: 'moto + front door', concurrency: 1, records: 1000, seconds: 200, cpuSeconds: 20, calls: perEdit },
      ],
      rules,
    );

    expect(lines[0]).toMatch(
      /^upstream\s+concurrency\s+records\s+seconds\s+CPU s\s+records\/s\s+latency-bound limit\s+of limit$/,
    );
    expect(lines[1]?.split(/\s{2,}/)).toEqual(['latency-only', '32', '1000', '8.0', '4.0', '125.0', '200.0', '63%']);
    expect(lines[2]?.split(/\s{2,}/)).toEqual(['moto + front door', '1', '1000', '200.0', '20.0', '5.0', '6.3', '80%']);
  });

  it('shows no limit when no latency is injected', () => {
    const [, row] = renderRows(
      [{ upstream: 'x', concurrency: 4, records: 10, seconds: 1, cpuSeconds: 1, calls: perEdit }],
      [],
    );
    expect(
      row
        ?.trim()
        .split(/\s{2,}/)
        .slice(-2),
    ).toEqual(['-', '-']);
  });
});

describe('callsPerRecord', () => {
  it('lists each call per record', () => {
    expect(callsPerRecord({ 'sts:AssumeRole': 1000, 'dynamodb:GetItem': 1500 }, 1000)).toBe(
      'sts:AssumeRole 1, dynamodb:GetItem 1.5',
    );
  });
});
