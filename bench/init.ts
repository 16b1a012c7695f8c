/**
 * pnpm bench:init — what each function's bundle costs before its first line of work: the size of
 * its handler's JavaScript (raw and zipped) and of its artifact, and the time `require` of the
 * handler module takes in a fresh Node process (its configuration read and its clients created,
 * no call made), median of `--runs` runs with min and max; beside the floor, a bundle built in
 * the same run, with the same esbuild and options as the services, that only creates one SDK
 * client (DynamoDBClient), and the ratio to it. The issue's goal is a load within 1.5× the floor.
 * Also the CPU time of the same loads and its ratio to the floor's: on a shared machine it varies
 * less than the load time, which counts the waits for a CPU as well.
 * Also the load with `node --enable-source-maps` (what NODE_OPTIONS on a function would cost).
 * And for each function, "its SDK alone": the CPU time of loading a bundle of only the AWS SDK
 * clients and commands its bundle holds (read from its source map, every client created at load),
 * as a multiple of the floor's: the part of the goal that the SDK's own modules already take.
 *
 * Packages hub and spoke first (scripts/compose-package.sh, offline), unless `--no-package`
 * (then the zips in services/<service>/.serverless are used as they are) or `--from DIR`: the
 * packaged services of another build, DIR/services/<service>/.serverless (serverless-state.json
 * and the zips, copied from an earlier build to compare with), whose floor is built with that
 * build's esbuild options. Rounds interleave the bundles, so that a busy machine slows them
 * alike. Prints figures; asserts nothing.
 *
 *   pnpm bench:init [--runs 7] [--no-package | --from DIR] [--no-source-maps]
 */
import { spawnSync } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, resolve, sep } from 'node:path';
import { parseArgs } from 'node:util';
import { deflateRawSync } from 'node:zlib';
import {
  EXAMPLE_REGION,
  readArtifact,
  readPackagedFunctions,
  REPO_ROOT,
  zipEntryData,
  type PackagedFunction,
} from './bundles';
import { renderInitReport, sdkFloorSource, sdkModulesOf, spreadOf, type InitRow } from './init-report';

const GOAL_RATIO = 1.5;
/** The floor: one SDK client created at load, nothing else. */
const FLOOR_SOURCE = `import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
const client = new DynamoDBClient({});
export const handler = async () => client.config.serviceId;
`;
const FLOOR_LABEL = 'floor: one DynamoDBClient';
/** serverless-esbuild's own options, which esbuild does not take (serverless-esbuild removes them the same way). */
const SERVERLESS_ESBUILD_OPTIONS = [
  'concurrency',
  'zipConcurrency',
  'exclude',
  'nativeZip',
  'packager',
  'packagePath',
  'watch',
  'keepOutputDirectory',
  'packagerOptions',
  'installExtraArgs',
  'outputFileExtension',
  'outputBuildFolder',
  'outputWorkFolder',
  'nodeExternals',
  'skipBuild',
  'skipRebuild',
  'skipBuildExcludeFns',
  'stripEntryResolveExtensions',
  'disposeContext',
];

/** The part of esbuild's API used here (esbuild is the services' dependency, loaded from services/hub). */
interface Esbuild {
  build(options: Record<string, unknown>): Promise<unknown>;
}

interface Bundle {
  label: string;
  /** The service (hub or spoke) whose esbuild options built it. */
  service: string;
  /** The `sources` of its handler's source map (handlerMapSources); undefined when it has none or is built here. */
  sources?: string[];
  /** The directory it runs in (the unzipped artifact), its module and the export to find. */
  dir: string;
  file: string;
  exportName: string;
  env: Record<string, string>;
  row: Omit<InitRow, 'load' | 'loadWithSourceMaps'>;
}

const { values } = parseArgs({
  args: process.argv.slice(2).filter((arg) => arg !== '--'),
  options: {
    runs: { type: 'string', default: '7' },
    'no-package': { type: 'boolean', default: false },
    from: { type: 'string' },
    'no-source-maps': { type: 'boolean', default: false },
  },
});
const runs = Number(values.runs);
if (!Number.isInteger(runs) || runs < 1) throw new Error(`--runs must be a whole number ≥ 1, got ${values.runs}`);

function log(line: string): void {
  process.stderr.write(`[bench:init] ${line}\n`);
}

function packageServices(): void {
  log('packaging hub and spoke (scripts/compose-package.sh ci, offline)');
  const result = spawnSync('bash', [join(REPO_ROOT, 'scripts', 'compose-package.sh'), 'ci'], {
    cwd: REPO_ROOT,
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  if (result.status !== 0) throw new Error(`packaging failed (exit ${String(result.status ?? result.signal)})`);
}

/** The environment a bundle is loaded with: its own, a region and placeholder credentials (no call is made). */
function loadEnvironment(fn: Pick<PackagedFunction, 'environment'> & { functionName: string }, taskRoot: string) {
  return {
    PATH: process.env.PATH ?? '',
    ...fn.environment,
    AWS_REGION: EXAMPLE_REGION,
    AWS_DEFAULT_REGION: EXAMPLE_REGION,
    AWS_ACCESS_KEY_ID: 'AKIAIOSFODNN7EXAMPLE',
    AWS_SECRET_ACCESS_KEY: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
    AWS_LAMBDA_FUNCTION_NAME: fn.functionName,
    LAMBDA_TASK_ROOT: taskRoot,
    // The bench may run on Node 20; Lambda runs nodejs22.x, where the SDK prints no such warning.
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
  };
}

async function unpackFunction(fn: PackagedFunction, workDir: string): Promise<Bundle> {
  const zip = await readFile(fn.artifact);
  const { entries, sizes, sources } = readArtifact(zip, fn.handler);
  const dir = join(workDir, fn.id.replace('/', '-'));
  for (const entry of entries) {
    if (entry.name.endsWith('/')) continue;
    const target = resolve(dir, entry.name);
    if (!target.startsWith(dir + sep))
      throw new Error(`${fn.artifact}: entry ${entry.name} lands outside its directory`);
    await mkdir(dirname(target), { recursive: true });
    await writeFile(target, zipEntryData(zip, entry));
  }
  return {
    label: fn.id,
    service: fn.service,
    ...(sources === undefined ? {} : { sources }),
    dir,
    file: join(dir, sizes.handlerFile),
    exportName: fn.handler.slice(fn.handler.lastIndexOf('.') + 1),
    env: loadEnvironment({ environment: fn.environment, functionName: fn.name }, dir),
    row: {
      label: fn.id,
      handlerBytes: sizes.handlerBytes,
      handlerZippedBytes: sizes.handlerZippedBytes,
      zipBytes: sizes.zipBytes,
    },
  };
}

/**
 * Builds the floor with the hub's esbuild and the hub's custom.esbuild options as packaged under
 * `root` (imports and plugins resolved from the repository's services/hub).
 */
async function buildFloor(root: string, workDir: string): Promise<Bundle> {
  return buildFromSource(root, workDir, 'floor', FLOOR_SOURCE, FLOOR_LABEL, 'hub');
}

interface ServiceBuild {
  serviceDir: string;
  esbuild: Esbuild;
  options: Record<string, unknown>;
}

const serviceBuilds = new Map<string, Promise<ServiceBuild>>();

/**
 * The service's esbuild and its custom.esbuild options as packaged under `root`, plugins loaded
 * (imports and plugins resolved from the repository's services/<service>); read once a run.
 */
function serviceBuildOf(root: string, service: string): Promise<ServiceBuild> {
  const key = `${root}\0${service}`;
  let build = serviceBuilds.get(key);
  if (!build) {
    build = (async () => {
      const serviceDir = join(REPO_ROOT, 'services', service);
      const statePath = join(root, 'services', service, '.serverless', 'serverless-state.json');
      const state = JSON.parse(await readFile(statePath, 'utf8')) as {
        service: { custom?: { esbuild?: Record<string, unknown> } };
      };
      const options: Record<string, unknown> = { ...state.service.custom?.esbuild };
      for (const name of SERVERLESS_ESBUILD_OPTIONS) delete options[name];
      const requireFromService = createRequire(join(serviceDir, 'package.json'));
      if (typeof options['plugins'] === 'string')
        options['plugins'] = requireFromService(resolve(serviceDir, options['plugins']));
      return { serviceDir, esbuild: requireFromService('esbuild') as Esbuild, options };
    })();
    serviceBuilds.set(key, build);
  }
  return build;
}

/** Builds `source` (TypeScript) as a handler module `<name>/<name>.js` under `workDir` with serviceBuildOf's esbuild. */
async function buildFromSource(
  root: string,
  workDir: string,
  name: string,
  source: string,
  label: string,
  service: string,
): Promise<Bundle> {
  const { serviceDir, esbuild, options } = await serviceBuildOf(root, service);
  const dir = join(workDir, name);
  const file = join(dir, `${name}.js`);
  await esbuild.build({
    ...options,
    stdin: { contents: source, resolveDir: serviceDir, sourcefile: `${name}.ts`, loader: 'ts' },
    outfile: file,
    write: true,
    logLevel: 'error',
  });
  const code = await readFile(file);
  return {
    label,
    service,
    dir,
    file,
    exportName: 'handler',
    env: loadEnvironment({ environment: {}, functionName: name }, dir),
    row: { label, handlerBytes: code.length, handlerZippedBytes: deflateRawSync(code).length },
  };
}

/**
 * The bundle of `bundle`'s AWS SDK alone (sdkFloorSource of the SDK modules its source map
 * lists); undefined when the artifact has no source map or no SDK client.
 */
async function buildSdkFloor(root: string, workDir: string, bundle: Bundle): Promise<Bundle | undefined> {
  if (bundle.sources === undefined) {
    log(`${bundle.label}: no source map in its artifact, so no "its SDK alone" figure`);
    return undefined;
  }
  const modules = sdkModulesOf(bundle.sources);
  if (modules.size === 0) return undefined;
  const name = `sdk-of-${bundle.label.replace('/', '-')}`;
  return buildFromSource(
    root,
    workDir,
    name,
    sdkFloorSource(modules),
    `${bundle.label}: its SDK alone`,
    bundle.service,
  );
}

const LOADER = `'use strict';
// Loads a handler module once and prints how long require took and the CPU time it used, in milliseconds.
const [file, exportName] = process.argv.slice(2);
const started = performance.now();
const cpuBefore = process.cpuUsage();
const loaded = require(file);
const elapsed = performance.now() - started;
const cpu = process.cpuUsage(cpuBefore);
if (typeof loaded[exportName] !== 'function') {
  process.stderr.write(file + ' exports no function ' + exportName + '\\n');
  process.exit(2);
}
process.stdout.write(elapsed + ' ' + (cpu.user + cpu.system) / 1000);
`;

/** One load: its time and the CPU time it used, ms. */
function loadOnce(loader: string, bundle: Bundle, sourceMaps: boolean): { elapsed: number; cpu: number } {
  const result = spawnSync(
    process.execPath,
    [...(sourceMaps ? ['--enable-source-maps'] : []), loader, bundle.file, bundle.exportName],
    { cwd: bundle.dir, env: bundle.env, encoding: 'utf8' },
  );
  const [elapsed, cpu] = result.stdout.split(' ').map(Number);
  if (result.status !== 0 || elapsed === undefined || cpu === undefined || !Number.isFinite(elapsed + cpu)) {
    throw new Error(
      `loading ${bundle.label} failed (exit ${String(result.status ?? result.signal)}): ${result.stderr}`,
    );
  }
  return { elapsed, cpu };
}

async function main(): Promise<void> {
  const root = values.from === undefined ? REPO_ROOT : resolve(values.from);
  if (!values['no-package'] && values.from === undefined) packageServices();
  const workDir = await mkdtemp(join(tmpdir(), 'org-budgets-bench-init-'));
  try {
    const functions = await readPackagedFunctions(root);
    const bundles = await Promise.all(functions.map((fn) => unpackFunction(fn, workDir)));
    const floor = await buildFloor(root, workDir);
    const sdkFloors = new Map<Bundle, Bundle>();
    for (const bundle of bundles) {
      const sdk = await buildSdkFloor(root, workDir, bundle);
      if (sdk) sdkFloors.set(bundle, sdk);
    }
    const all = [...bundles, ...sdkFloors.values(), floor];
    const sdkOnly = new Set(sdkFloors.values());
    const loader = join(workDir, 'load-handler.cjs');
    await writeFile(loader, LOADER);

    const sourceMaps = !values['no-source-maps'];
    const times = new Map(
      all.map((bundle) => [bundle, { plain: [] as number[], cpu: [] as number[], maps: [] as number[] }]),
    );
    log(`loading ${all.length} bundles ${runs} times each${sourceMaps ? ', and again with --enable-source-maps' : ''}`);
    for (let round = 1; round <= runs; round++) {
      for (const bundle of all) {
        const { elapsed, cpu } = loadOnce(loader, bundle, false);
        times.get(bundle)!.plain.push(elapsed);
        times.get(bundle)!.cpu.push(cpu);
        if (sourceMaps && !sdkOnly.has(bundle)) times.get(bundle)!.maps.push(loadOnce(loader, bundle, true).elapsed);
      }
      process.stderr.write(`\r[bench:init] round ${round}/${runs}`);
    }
    process.stderr.write('\n');

    const rowOf = (bundle: Bundle): InitRow => {
      const measured = times.get(bundle)!;
      return {
        ...bundle.row,
        load: spreadOf(measured.plain),
        cpu: spreadOf(measured.cpu),
        ...(sourceMaps ? { loadWithSourceMaps: spreadOf(measured.maps) } : {}),
      };
    };
    const functionRowOf = (bundle: Bundle): InitRow => {
      const sdk = sdkFloors.get(bundle);
      return { ...rowOf(bundle), ...(sdk ? { sdkCpu: spreadOf(times.get(sdk)!.cpu) } : {}) };
    };
    process.stdout.write(
      `bench:init — node ${process.version}, ${new Date().toISOString().slice(0, 10)}` +
        `${values.from === undefined ? '' : `, bundles of ${root}`}\n\n` +
        renderInitReport({ rows: bundles.map(functionRowOf), floor: rowOf(floor), goalRatio: GOAL_RATIO }),
    );
  } finally {
    await rm(workDir, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`[bench:init] FAILED: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = 1;
});
