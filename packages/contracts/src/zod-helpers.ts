import * as z from 'zod/mini';
import { en } from 'zod/locales';

/**
 * How this repository writes zod schemas: `import * as z from 'zod/mini'` (the lint forbids classic
 * `zod`). The same parser, checks and messages as classic zod, without its method-carrying schema
 * classes: 67–70 kB less JavaScript in every Lambda bundle (docs/bundles.md, "zod/mini").
 *
 * zod's own messages in English. Classic zod sets its English locale when it builds its first
 * schema; `zod/mini` leaves the locale to the application, and without one every message zod
 * writes itself ("Invalid input: expected string, received undefined", "Unrecognized key: …")
 * would read "Invalid input". Every function's bundle imports the contracts, so this runs at load
 * in each of them, before any parse (check:bundles fails a bundle without the English locale); a
 * locale set before it is kept.
 */
if (!z.config().localeError) z.config(en());

/** The two compositions `zod/mini` writes as pipes, named for what they do. */

/** `schema`, then `fn` on what it parsed (classic zod's `schema.transform(fn)`). */
export function transformed<S extends z.core.$ZodType, O>(
  schema: S,
  fn: (value: z.output<S>, payload: z.core.ParsePayload) => O,
) {
  return z.pipe(schema, z.transform(fn));
}

/** `fn` on the raw input, then `schema` on its result (classic zod's `z.preprocess(fn, schema)`). */
export function preprocessed<S extends z.core.$ZodType>(fn: (value: unknown) => unknown, schema: S) {
  return z.pipe(z.transform(fn), schema);
}

/** A DynamoDB string set (read as a Set) as a list; anything else as it is. */
export const setAsList = (value: unknown): unknown => (value instanceof Set ? [...value] : value);
