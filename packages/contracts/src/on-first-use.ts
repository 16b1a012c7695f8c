/**
 * A value built on its first use rather than at import: `export const accountIdSchema =
 * onFirstUse(() => z.string(…))`. Building zod schemas is work (each schema and check is an
 * object zod initialises, and `.check()` clones the schema it is called on), and a function's
 * bundle imports all of the contracts: built at import, they cost every cold start some
 * milliseconds, whether the function uses them or not (docs/bundles.md, "At load"). Built on
 * first use, a function pays for the schemas it parses with, when it first parses.
 *
 * The value stands in for what `build` returns, with its exact type: a property read, `in`,
 * `Object.keys` or a spread reaches the built value (built once, on the first of them). Meant for
 * zod schemas and plain maps of them; methods are read from the built value, so they run on it.
 */
export function onFirstUse<T extends object>(build: () => T): T {
  let built: T | undefined;
  const value = (): T => (built ??= build());
  return new Proxy(Object.create(null) as T, {
    get: (_, key) => Reflect.get(value(), key),
    has: (_, key) => Reflect.has(value(), key),
    ownKeys: () => Reflect.ownKeys(value()),
    getOwnPropertyDescriptor: (_, key) => {
      const descriptor = Reflect.getOwnPropertyDescriptor(value(), key);
      // A proxy may not report a property its (empty) target lacks as non-configurable.
      return descriptor && { ...descriptor, configurable: true };
    },
    getPrototypeOf: () => Reflect.getPrototypeOf(value()),
    set: (_, key, newValue) => Reflect.set(value(), key, newValue),
    // Defining or deleting a property on the stand-in itself would only hide the built value's.
    defineProperty: () => false,
    deleteProperty: () => false,
  });
}
