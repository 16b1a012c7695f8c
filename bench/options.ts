import { parseArgs } from 'node:util';

/**
 * The numeric `--name value` options of a benchmark, each with its default; `pnpm bench:x -- …`
 * passes the `--` on, which is skipped. A value that is not a non-negative number stops the
 * benchmark with a message naming the option.
 */
export function numberOptions<Name extends string>(
  defaults: Record<Name, number>,
  argv: readonly string[] = process.argv.slice(2),
): Record<Name, number> {
  const names = Object.keys(defaults) as Name[];
  const { values } = parseArgs({
    args: argv.filter((arg) => arg !== '--'),
    options: Object.fromEntries(names.map((name) => [name, { type: 'string' as const }])),
  });
  const result = {} as Record<Name, number>;
  for (const name of names) {
    const given = values[name];
    const value = given === undefined ? defaults[name] : Number(given);
    if (!Number.isFinite(value) || value < 0) throw new Error(`--${name} must be a number, got ${String(given)}`);
    result[name] = value;
  }
  return result;
}
