/**
 * Amounts the way AWS Budgets writes them back.
 *
 * AWS keeps a budget limit as a double and answers with it as a Java BigDecimal made from that
 * double (`BigDecimal.valueOf(double).toString()`): "100" comes back as "100.0", "0.5" as "0.5",
 * and from ten million on in scientific notation, "25100000" as "2.51E+7" (seen in the wild:
 * terraform-provider-aws issues 10692 and 47487; UpdateBudget then rejects that very string, as
 * it does not match the NumericValue pattern). Clients that compare amounts must cope with it.
 */

/** The NumericValue pattern of the Budgets model: what requests may carry. */
export const NUMERIC_VALUE_PATTERN = /^([0-9]*\.)?[0-9]+$/;

/** `BigDecimal.valueOf(Number(amount)).toString()`, as Java would print it. */
export function awsAmountString(amount: string | number): string {
  const value = typeof amount === 'number' ? amount : Number(amount);
  if (!Number.isFinite(value)) throw new Error(`not a finite amount: ${String(amount)}`);
  const { digits, scale } = parseDecimal(javaDoubleToString(value));
  return bigDecimalToString(digits, scale, value < 0);
}

/** Java's Double.toString: plain from 10^-3 up to 10^7, else computerized scientific notation. */
export function javaDoubleToString(value: number): string {
  if (value === 0) return Object.is(value, -0) ? '-0.0' : '0.0';
  const magnitude = Math.abs(value);
  const sign = value < 0 ? '-' : '';
  if (magnitude >= 1e-3 && magnitude < 1e7) {
    // JavaScript prints this range in plain notation with the shortest round-trip digits.
    const text = String(magnitude);
    return sign + (text.includes('.') ? text : `${text}.0`);
  }
  const [mantissa = '0', exponent = '0'] = magnitude.toExponential().split('e');
  return `${sign}${mantissa.includes('.') ? mantissa : `${mantissa}.0`}E${Number(exponent)}`;
}

/** Unscaled digits (no sign, no leading zeros) and scale of a decimal like "2.51E7" or "100.0". */
function parseDecimal(text: string): { digits: string; scale: number } {
  const unsigned = text.replace(/^-/, '');
  const [mantissa = '0', exponent = '0'] = unsigned.split('E');
  const [whole = '0', fraction = ''] = mantissa.split('.');
  const digits = (whole + fraction).replace(/^0+(?=\d)/, '');
  return { digits, scale: fraction.length - Number(exponent) };
}

/** java.math.BigDecimal#toString for an unscaled value and scale. */
function bigDecimalToString(digits: string, scale: number, negative: boolean): string {
  const sign = negative ? '-' : '';
  if (scale === 0) return sign + digits;
  const adjusted = -scale + (digits.length - 1);
  if (scale > 0 && adjusted >= -6) {
    if (digits.length > scale) {
      return `${sign}${digits.slice(0, digits.length - scale)}.${digits.slice(digits.length - scale)}`;
    }
    return `${sign}0.${'0'.repeat(scale - digits.length)}${digits}`;
  }
  const mantissa = digits.length > 1 ? `${digits[0]}.${digits.slice(1)}` : digits;
  return `${sign}${mantissa}E${adjusted > 0 ? '+' : ''}${adjusted}`;
}

/** A spend amount given as a number or decimal string, as the decimal string Budgets answers with. */
export function spendAmountString(amount: number | string, what: string): string {
  const text = typeof amount === 'number' ? numberToPlainDecimal(amount) : amount.trim();
  if (!NUMERIC_VALUE_PATTERN.test(text)) {
    throw new Error(`${what} must be a non-negative decimal number, got ${JSON.stringify(amount)}`);
  }
  return text;
}

function numberToPlainDecimal(value: number): string {
  if (!Number.isFinite(value) || value < 0) return String(value);
  const text = String(value);
  if (!/e/i.test(text)) return text;
  // Very small or very large numbers: print every digit rather than exponent notation.
  return value < 1 ? value.toFixed(20).replace(/0+$/, '').replace(/\.$/, '') : BigInt(Math.round(value)).toString();
}
