import { awsAmountString, javaDoubleToString, spendAmountString } from './amounts';

describe('awsAmountString (BigDecimal.valueOf(double).toString())', () => {
  it.each([
    ['100', '100.0'],
    ['250', '250.0'],
    ['0.5', '0.5'],
    ['.5', '0.5'],
    ['123.45', '123.45'],
    ['000120.100', '120.1'],
    ['0', '0.0'],
    ['0.001', '0.001'],
    ['9999999', '9999999.0'],
    ['10000000', '1.0E+7'],
    ['25100000', '2.51E+7'],
    ['15300000', '1.53E+7'],
    ['0.0001', '0.00010'],
    ['0.00000000012', '1.2E-10'],
  ])('%s -> %s', (input, expected) => {
    expect(awsAmountString(input)).toBe(expected);
  });

  it('prints doubles as Java does', () => {
    expect(javaDoubleToString(1e7)).toBe('1.0E7');
    expect(javaDoubleToString(123456789.5)).toBe('1.234567895E8');
    expect(javaDoubleToString(0.1)).toBe('0.1');
    expect(javaDoubleToString(1e-4)).toBe('1.0E-4');
  });

  it('rejects what is not a number', () => {
    expect(() => awsAmountString('abc')).toThrow('not a finite amount');
  });
});

describe('spendAmountString', () => {
  it('keeps decimal strings and prints numbers without exponents', () => {
    expect(spendAmountString('604.456', 'actual')).toBe('604.456');
    expect(spendAmountString(12.5, 'actual')).toBe('12.5');
    expect(spendAmountString(1e21, 'actual')).toBe('1000000000000000000000');
    expect(spendAmountString(1e-7, 'actual')).toBe('0.0000001');
  });

  it('rejects negative and non-decimal amounts', () => {
    expect(() => spendAmountString(-1, 'actual')).toThrow('actual must be a non-negative decimal number, got -1');
    expect(() => spendAmountString('1e5', 'forecasted')).toThrow('forecasted must be');
  });
});
