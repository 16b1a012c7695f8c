/**
 * The `wildcard` operator of EventBridge event patterns: `*` matches any run of characters (including none).
 * A backslash escapes the two special characters: `\*` is a literal `*` and `\\` a literal `\`; escaping any
 * other character is an error, and so are two unescaped `*` in a row.
 */

export interface WildcardMatcher {
  (value: string): boolean;
  readonly source: string;
}

/** Splits the pattern at its unescaped `*`; throws an Error with a readable reason when it is not valid. */
function splitWildcard(pattern: string): string[] {
  const parts: string[] = [];
  let literal = '';
  let previousWasStar = false;
  for (let i = 0; i < pattern.length; i += 1) {
    const ch = pattern.charAt(i);
    if (ch === '\\') {
      const next = pattern.charAt(i + 1);
      if (next !== '*' && next !== '\\') {
        throw new Error(
          `Invalid escape character at position ${i + 1} of wildcard "${pattern}": only \\* and \\\\ may be escaped`,
        );
      }
      literal += next;
      i += 1;
      previousWasStar = false;
    } else if (ch === '*') {
      if (previousWasStar) {
        throw new Error(`Consecutive wildcard characters at position ${i + 1} of wildcard "${pattern}"`);
      }
      parts.push(literal);
      literal = '';
      previousWasStar = true;
    } else {
      literal += ch;
      previousWasStar = false;
    }
  }
  parts.push(literal);
  return parts;
}

export function compileWildcard(pattern: string): WildcardMatcher {
  const parts = splitWildcard(pattern);
  const first = parts[0] ?? '';
  const last = parts[parts.length - 1] ?? '';
  const middle = parts.slice(1, -1);
  const test = (value: string): boolean => {
    if (parts.length === 1) return value === first;
    if (value.length < first.length + last.length) return false;
    if (!value.startsWith(first) || !value.endsWith(last)) return false;
    // Leftmost placement of each middle literal is optimal when `*` is the only metacharacter.
    const end = value.length - last.length;
    let position = first.length;
    for (const part of middle) {
      const found = value.indexOf(part, position);
      if (found < 0 || found + part.length > end) return false;
      position = found + part.length;
    }
    return true;
  };
  return Object.assign(test, { source: pattern });
}
