import * as z from 'zod/mini';
import { onFirstUse } from './on-first-use';

describe('onFirstUse', () => {
  it('builds nothing until the value is first used, then builds it once', () => {
    const build = jest.fn(() => z.string().check(z.minLength(2)));
    const schema = onFirstUse(build);

    expect(build).not.toHaveBeenCalled();
    expect(schema.safeParse('ab').success).toBe(true);
    expect(schema.safeParse('a').success).toBe(false);
    expect(build).toHaveBeenCalledTimes(1);
  });

  it('stands in for a zod schema inside another schema, with its messages', () => {
    const name = onFirstUse(() => z.string({ error: 'must be text' }));
    const item = z.strictObject({ name });

    expect(item.safeParse({ name: 'x' })).toEqual({ success: true, data: { name: 'x' } });
    expect(item.safeParse({ name: 1 }).error?.issues[0]?.message).toBe('must be text');
    expect(name instanceof z.ZodMiniString).toBe(true);
    expect(z.optional(name).safeParse(undefined).success).toBe(true);
  });

  it('spreads, lists and answers `in` as the built map does', () => {
    const fields = onFirstUse(() => ({ a: z.number(), b: z.string() }));

    expect(Object.keys(fields)).toEqual(['a', 'b']);
    expect('a' in fields).toBe(true);
    expect(z.object({ ...fields }).safeParse({ a: 1, b: 'x' }).success).toBe(true);
  });

  it('writes through to the built value and refuses to define or delete on the stand-in', () => {
    const built: { n: number } = { n: 1 };
    const value = onFirstUse(() => built);

    value.n = 2;

    expect(built.n).toBe(2);
    expect(Reflect.defineProperty(value, 'm', { value: 1 })).toBe(false);
    expect(Reflect.deleteProperty(value, 'n')).toBe(false);
    expect(Object.getPrototypeOf(value)).toBe(Object.prototype);
  });
});
