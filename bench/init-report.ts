/**
 * The pure half of `pnpm bench:init` (bench/init.ts): the spread of a bundle's load times and the
 * table it prints.
 */
import { formatBytes } from './bundles';

/** The median of `values` (the mean of the two middle ones for an even count). */
export function median(values: readonly number[]): number {
  if (values.length === 0) throw new Error('median of no values');
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

export interface Spread {
  median: number;
  min: number;
  max: number;
  runs: number;
}

export function spreadOf(values: readonly number[]): Spread {
  return { median: median(values), min: Math.min(...values), max: Math.max(...values), runs: values.length };
}

export interface InitRow {
  /** `hub/propagateBudgetEdits`, or the floor's label. */
  label: string;
  handlerBytes: number;
  /** The handler's JavaScript compressed (as in the zip). */
  handlerZippedBytes: number;
  /** The whole artifact; undefined for the floor, which has none. */
  zipBytes?: number;
  load: Spread;
  /**
   * The CPU time of the same loads (user + system, all the process's threads): unlike the load
   * time, not lengthened by waiting for a CPU that other processes hold. Undefined when not measured.
   */
  cpu?: Spread;
  /** The same load with `node --enable-source-maps`; undefined when not measured. */
  loadWithSourceMaps?: Spread;
  /**
   * The CPU time of loading the function's AWS SDK alone (`sdkFloorSource`); undefined when not
   * measured (the floor's row, or a bundle without a source map).
   */
  sdkCpu?: Spread;
}

/** The AWS SDK modules a bundle holds: per client package, its client class (when bundled) and commands. */
export type SdkModules = Map<string, { client?: string; commands: Set<string> }>;

const SDK_MODULE =
  /(@aws-sdk\/client-[a-z0-9-]+)\/dist-es\/(?:commands\/([A-Za-z0-9]+Command)|([A-Za-z0-9]+Client))\.js$/;

/** The SDK clients and commands of a bundle, from the `sources` of its source map. */
export function sdkModulesOf(sources: readonly string[]): SdkModules {
  const modules: SdkModules = new Map();
  for (const source of sources) {
    const match = SDK_MODULE.exec(source);
    if (!match) continue;
    const [, pkg, command, client] = match as unknown as [string, string, string | undefined, string | undefined];
    const entry = modules.get(pkg) ?? { commands: new Set<string>() };
    if (command) entry.commands.add(command);
    if (client) entry.client = client;
    modules.set(pkg, entry);
  }
  return modules;
}

/**
 * A module that holds those SDK modules and nothing else: every client created at load (also one
 * the function imports only on first use), every command kept by a reference.
 */
export function sdkFloorSource(modules: SdkModules): string {
  const packages = [...modules.keys()].sort();
  const imports = packages.map((pkg) => {
    const { client, commands } = modules.get(pkg)!;
    const names = [...(client ? [client] : []), ...[...commands].sort()];
    return `import { ${names.join(', ')} } from '${pkg}';`;
  });
  const clients = packages.flatMap((pkg) => {
    const client = modules.get(pkg)!.client;
    return client ? [`new ${client}({})`] : [];
  });
  const commands = packages.flatMap((pkg) => [...modules.get(pkg)!.commands].sort());
  return [
    ...imports,
    `const clients = [${clients.join(', ')}];`,
    `const commands = [${commands.join(', ')}];`,
    'export const handler = async (i: number) => [clients.length, new commands[i]!({} as never)];',
    '',
  ].join('\n');
}

export interface InitReport {
  rows: readonly InitRow[];
  floor: InitRow;
  /** The goal of the load time, as a multiple of the floor's (1.5). */
  goalRatio: number;
}

/** The load time of `row` as a multiple of the floor's, medians compared. */
export function ratioToFloor(row: InitRow, floor: InitRow): number {
  return row.load.median / floor.load.median;
}

/** The CPU time of `row`'s loads as a multiple of the floor's, medians compared; undefined when not measured. */
export function cpuRatioToFloor(row: InitRow, floor: InitRow): number | undefined {
  return row.cpu && floor.cpu ? row.cpu.median / floor.cpu.median : undefined;
}

const ms = (value: number) => `${value.toFixed(1)} ms`;

/** The figures as an aligned text table: one line a function, then the floor, then the goal. */
export function renderInitReport(report: InitReport): string {
  const withCpu = report.floor.cpu !== undefined;
  const withSdk = withCpu && report.rows.some((row) => row.sdkCpu !== undefined);
  const sdkRatio = (row: InitRow) =>
    row.sdkCpu && report.floor.cpu ? `${(row.sdkCpu.median / report.floor.cpu.median).toFixed(2)}×` : '—';
  const header = [
    'bundle',
    'handler.js',
    'zipped',
    'artifact',
    'load median',
    'min–max',
    '× floor',
    ...(withCpu ? ['CPU median', '× floor'] : []),
    ...(withSdk ? ['its SDK alone', '× floor'] : []),
    'source maps on',
  ];
  const line = (row: InitRow, ratio: string): string[] => [
    row.label,
    formatBytes(row.handlerBytes),
    formatBytes(row.handlerZippedBytes),
    row.zipBytes === undefined ? '—' : formatBytes(row.zipBytes),
    ms(row.load.median),
    `${row.load.min.toFixed(1)}–${row.load.max.toFixed(1)}`,
    ratio,
    ...(withCpu
      ? [row.cpu === undefined ? '—' : ms(row.cpu.median), `${(cpuRatioToFloor(row, report.floor) ?? NaN).toFixed(2)}×`]
      : []),
    ...(withSdk ? [row.sdkCpu === undefined ? '—' : ms(row.sdkCpu.median), sdkRatio(row)] : []),
    row.loadWithSourceMaps === undefined ? '—' : ms(row.loadWithSourceMaps.median),
  ];
  const lines = [
    header,
    ...report.rows.map((row) => {
      const ratio = ratioToFloor(row, report.floor);
      return line(row, `${ratio.toFixed(2)}×${ratio > report.goalRatio ? ' !' : ''}`);
    }),
    line(report.floor, '1.00×'),
  ];
  const widths = header.map((_, column) => Math.max(...lines.map((cells) => cells[column]!.length)));
  const text = lines.map((cells) =>
    cells
      .map((cell, column) => (column === 0 ? cell.padEnd(widths[column]!) : cell.padStart(widths[column]!)))
      .join('  ')
      .trimEnd(),
  );
  const over = report.rows.filter((row) => ratioToFloor(row, report.floor) > report.goalRatio).length;
  const runs = report.floor.load.runs;
  text.push(
    '',
    `load: require() of the handler module in a fresh node process, median of ${runs} runs (min–max); ` +
      `goal: within ${report.goalRatio}× the floor (${ms(report.floor.load.median * report.goalRatio)}); ` +
      (over === 0 ? 'every bundle is.' : `${over} of ${report.rows.length} bundles are not (!).`),
    ...(withCpu
      ? [
          'CPU: user + system time of the same loads, all threads; on a busy machine it varies less than the load time, ' +
            'which also counts the waits for a CPU.',
        ]
      : []),
    ...(withSdk
      ? [
          "its SDK alone: the CPU time of loading a bundle of the AWS SDK clients and commands the function's bundle holds " +
            '(from its source map) and nothing else, every client created at load: what the function cannot weigh less than ' +
            'without changing the SDK (for a client the function imports on first use, an upper bound).',
        ]
      : []),
  );
  return `${text.join('\n')}\n`;
}
