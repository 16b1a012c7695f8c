import * as z from 'zod/mini';
import { preprocessed, setAsList, transformed } from './index';

describe("zod's messages", () => {
  it('are English wherever the contracts are loaded (zod/mini sets no locale of its own)', () => {
    const result = z.strictObject({ revision: z.string() }).safeParse({ extra: 1 });

    expect(result.error?.issues.map((issue) => issue.message)).toEqual([
      'Invalid input: expected string, received undefined',
      'Unrecognized key: "extra"',
    ]);
  });
});

describe('transformed and preprocessed', () => {
  it('run the function after, or before, the schema', () => {
    const sortedNumbers = transformed(z.array(z.number()), (list) => [...list].sort((a, b) => a - b));
    const fromSet = preprocessed(setAsList, z.array(z.string()));

    expect(sortedNumbers.parse([3, 1, 2])).toEqual([1, 2, 3]);
    expect(sortedNumbers.safeParse(['x']).success).toBe(false);
    expect(fromSet.parse(new Set(['a', 'b']))).toEqual(['a', 'b']);
    expect(fromSet.parse(['c'])).toEqual(['c']);
  });
});
