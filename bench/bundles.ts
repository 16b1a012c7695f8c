/**
 * The functions' packaged bundles, as `serverless package` leaves them in
 * services/<service>/.serverless: which functions there are (serverless-state.json), what their
 * zips hold, how big the handler's JavaScript is, an example environment to load them with, and
 * their size budgets (scripts/bundle-budgets.json). Shared by `pnpm check:bundles`
 * (scripts/check-bundles.ts) and `pnpm bench:init` (bench/init.ts); docs/bundles.md explains the
 * figures.
 */
import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { inflateRawSync } from 'node:zlib';

export const REPO_ROOT = resolve(__dirname, '..');
/** The services whose functions are bundled, in the order they are listed. */
export const SERVICES = ['hub', 'spoke'] as const;
export const BUDGETS_FILE = join(REPO_ROOT, 'scripts', 'bundle-budgets.json');

// --- zip ---------------------------------------------------------------------------------------

export interface ZipEntry {
  name: string;
  /** 0 stored, 8 deflated (the only two serverless writes). */
  method: number;
  compressedSize: number;
  size: number;
  localHeaderOffset: number;
}

const END_OF_CENTRAL_DIRECTORY = 0x06054b50;
const CENTRAL_DIRECTORY_ENTRY = 0x02014b50;
const LOCAL_FILE_HEADER = 0x04034b50;

/** The entries of a zip, from its central directory (no zip64: artifacts stay far below 4 GB). */
export function zipEntries(zip: Buffer): ZipEntry[] {
  let end = -1;
  for (let offset = zip.length - 22; offset >= Math.max(0, zip.length - 22 - 0xffff); offset--) {
    if (zip.readUInt32LE(offset) === END_OF_CENTRAL_DIRECTORY) {
      end = offset;
      break;
    }
  }
  if (end < 0) throw new Error('not a zip file: no end of central directory record');
  const count = zip.readUInt16LE(end + 10);
  let offset = zip.readUInt32LE(end + 16);
  const entries: ZipEntry[] = [];
  for (let i = 0; i < count; i++) {
    if (zip.readUInt32LE(offset) !== CENTRAL_DIRECTORY_ENTRY) {
      throw new Error(`zip central directory entry ${i} is damaged (offset ${offset})`);
    }
    const nameLength = zip.readUInt16LE(offset + 28);
    entries.push({
      name: zip.toString('utf8', offset + 46, offset + 46 + nameLength),
      method: zip.readUInt16LE(offset + 10),
      compressedSize: zip.readUInt32LE(offset + 20),
      size: zip.readUInt32LE(offset + 24),
      localHeaderOffset: zip.readUInt32LE(offset + 42),
    });
    offset += 46 + nameLength + zip.readUInt16LE(offset + 30) + zip.readUInt16LE(offset + 32);
  }
  return entries;
}

/** The content of one entry of `zip`. */
export function zipEntryData(zip: Buffer, entry: ZipEntry): Buffer {
  const header = entry.localHeaderOffset;
  if (zip.readUInt32LE(header) !== LOCAL_FILE_HEADER) throw new Error(`zip entry ${entry.name}: no local header`);
  const start = header + 30 + zip.readUInt16LE(header + 26) + zip.readUInt16LE(header + 28);
  const raw = zip.subarray(start, start + entry.compressedSize);
  if (entry.method === 0) return Buffer.from(raw);
  if (entry.method === 8) return inflateRawSync(raw);
  throw new Error(`zip entry ${entry.name}: compression method ${entry.method} is not supported`);
}

// --- packaged functions ------------------------------------------------------------------------

export interface PackagedFunction {
  /** `<service>/<function key in serverless.yml>`, e.g. hub/propagateBudgetEdits: the budgets' key. */
  id: string;
  service: string;
  name: string;
  /** As in serverless.yml: `src/functions/<fn>/handler.handler`. */
  handler: string;
  /** The zip's absolute path. */
  artifact: string;
  /** The function's environment as deployed, with example values for what CloudFormation fills in. */
  environment: Record<string, string>;
}

type CfnValue = string | number | boolean | null | CfnValue[] | { [key: string]: CfnValue };
interface CfnResource {
  Type: string;
  Properties?: Record<string, CfnValue>;
}

interface ServerlessState {
  service: {
    functions?: Record<string, { handler?: string; name?: string; package?: { artifact?: string } }>;
    provider: { compiledCloudFormationTemplate: { Resources: Record<string, CfnResource> } };
  };
}

/** Account, region and partition of the example environments. */
export const EXAMPLE_ACCOUNT = '123456789012';
export const EXAMPLE_REGION = 'us-east-1';

/**
 * A value of a function's environment in the packaged template, with the intrinsic functions
 * CloudFormation would resolve replaced by plausible values of the same shape: Ref of a table
 * its name, of a topic or queue its ARN or URL, GetAtt …Arn an ARN of the resource's type, Sub
 * with the pseudo parameters. Throws, naming the variable, on anything else.
 */
export function exampleValue(variable: string, value: CfnValue, resources: Record<string, CfnResource>): string {
  const fail = (why: string): never => {
    throw new Error(`cannot make an example value of ${variable} (${JSON.stringify(value)}): ${why}`);
  };
  const pseudo: Record<string, string> = {
    'AWS::Partition': 'aws',
    'AWS::Region': EXAMPLE_REGION,
    'AWS::AccountId': EXAMPLE_ACCOUNT,
    'AWS::URLSuffix': 'amazonaws.com',
    'AWS::StackName': 'org-budgets-bench',
  };
  const ref = (name: string): string => {
    if (pseudo[name] !== undefined) return pseudo[name];
    const resource = resources[name] ?? fail(`no resource ${name}`);
    switch (resource.Type) {
      case 'AWS::DynamoDB::Table':
        return `org-budgets-bench-${name}`;
      case 'AWS::SNS::Topic':
        return `arn:aws:sns:${EXAMPLE_REGION}:${EXAMPLE_ACCOUNT}:${name}`;
      case 'AWS::SQS::Queue':
        return `https://sqs.${EXAMPLE_REGION}.amazonaws.com/${EXAMPLE_ACCOUNT}/${name}`;
      default:
        return `org-budgets-bench-${name}`;
    }
  };
  const arn = (name: string): string => {
    const resource = resources[name] ?? fail(`no resource ${name}`);
    const service: Record<string, string> = {
      'AWS::IAM::Role': `arn:aws:iam::${EXAMPLE_ACCOUNT}:role/${name}`,
      'AWS::SQS::Queue': `arn:aws:sqs:${EXAMPLE_REGION}:${EXAMPLE_ACCOUNT}:${name}`,
      'AWS::SNS::Topic': `arn:aws:sns:${EXAMPLE_REGION}:${EXAMPLE_ACCOUNT}:${name}`,
      'AWS::DynamoDB::Table': `arn:aws:dynamodb:${EXAMPLE_REGION}:${EXAMPLE_ACCOUNT}:table/${ref(name)}`,
      'AWS::Lambda::Function': `arn:aws:lambda:${EXAMPLE_REGION}:${EXAMPLE_ACCOUNT}:function:${name}`,
      'AWS::Events::EventBus': `arn:aws:events:${EXAMPLE_REGION}:${EXAMPLE_ACCOUNT}:event-bus/${name}`,
    };
    return service[resource.Type] ?? fail(`no example ARN for a ${resource.Type}`);
  };
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (value === null || Array.isArray(value)) return fail('not a string');
  const [fn, ...others] = Object.keys(value);
  if (fn === undefined || others.length > 0) return fail('not an intrinsic function');
  const argument = value[fn];
  if (fn === 'Ref' && typeof argument === 'string') return ref(argument);
  if (fn === 'Fn::GetAtt') {
    const [name, attribute] = Array.isArray(argument)
      ? argument
      : typeof argument === 'string'
        ? argument.split('.')
        : [];
    if (typeof name === 'string' && attribute === 'Arn') return arn(name);
    return fail(`GetAtt ${JSON.stringify(attribute)} is not known`);
  }
  if (fn === 'Fn::Sub' && typeof argument === 'string') {
    return argument.replace(/\$\{([^}]+)\}/g, (_, name: string) =>
      name.endsWith('.Arn') ? arn(name.slice(0, -4)) : ref(name),
    );
  }
  return fail(`${fn} is not resolved here`);
}

/** The functions of `services`, read from their packaged state (services/<service>/.serverless). */
export async function readPackagedFunctions(
  root = REPO_ROOT,
  services: readonly string[] = SERVICES,
): Promise<PackagedFunction[]> {
  const functions: PackagedFunction[] = [];
  for (const service of services) {
    const serviceDir = join(root, 'services', service);
    const statePath = join(serviceDir, '.serverless', 'serverless-state.json');
    let state: ServerlessState;
    try {
      state = JSON.parse(await readFile(statePath, 'utf8')) as ServerlessState;
    } catch (error) {
      throw new Error(`${statePath} cannot be read (is ${service} packaged? pnpm compose:package)`, { cause: error });
    }
    const resources = state.service.provider.compiledCloudFormationTemplate.Resources;
    for (const [name, fn] of Object.entries(state.service.functions ?? {})) {
      if (!fn.handler || !fn.package?.artifact)
        throw new Error(`${service}/${name}: no handler or artifact in ${statePath}`);
      const resource = Object.values(resources).find(
        (r) => r.Type === 'AWS::Lambda::Function' && r.Properties?.['FunctionName'] === fn.name,
      );
      const variables = (resource?.Properties?.['Environment'] as { Variables?: Record<string, CfnValue> } | undefined)
        ?.Variables;
      functions.push({
        id: `${service}/${name}`,
        service,
        name,
        handler: fn.handler,
        artifact: resolve(serviceDir, fn.package.artifact),
        environment: Object.fromEntries(
          Object.entries(variables ?? {}).map(([variable, value]) => [
            variable,
            exampleValue(variable, value, resources),
          ]),
        ),
      });
    }
  }
  return functions;
}

// --- sizes -------------------------------------------------------------------------------------

export interface ArtifactSizes {
  /** The zip as deployed. */
  zipBytes: number;
  /** The handler's JavaScript, as Node reads it. */
  handlerBytes: number;
  /** The same, compressed in the zip. */
  handlerZippedBytes: number;
  /** Its source map, when the artifact has one (0 when not). */
  mapBytes: number;
  /** The handler module's path inside the zip. */
  handlerFile: string;
  files: string[];
}

/** The file a handler spec (`src/functions/x/handler.handler`) loads, among `files`: .js, .cjs or .mjs, as Lambda looks. */
export function handlerFileOf(handler: string, files: readonly string[]): string | undefined {
  const dot = handler.lastIndexOf('.');
  const module = dot > 0 ? handler.slice(0, dot) : handler;
  return ['.js', '.cjs', '.mjs'].map((ext) => module + ext).find((file) => files.includes(file));
}

/** The sizes of a function's artifact (`zip`, its bytes) whose handler is `handler`. */
export function artifactSizes(zip: Buffer, handler: string): ArtifactSizes {
  return sizesOf(zip, zipEntries(zip), handler);
}

/** The `sources` of the handler's source map in the artifact; undefined when it has none (or one without `sources`). */
export function handlerMapSources(zip: Buffer, handler: string): string[] | undefined {
  const entries = zipEntries(zip);
  return mapSourcesOf(
    zip,
    entries,
    handlerFileOf(
      handler,
      entries.map((entry) => entry.name),
    ),
  );
}

/** A packaged artifact read once: its entries, its sizes (artifactSizes) and its map's sources (handlerMapSources). */
export interface ArtifactContents {
  entries: ZipEntry[];
  sizes: ArtifactSizes;
  sources: string[] | undefined;
}

/** artifactSizes and handlerMapSources of one artifact, its central directory read once. */
export function readArtifact(zip: Buffer, handler: string): ArtifactContents {
  const entries = zipEntries(zip);
  const sizes = sizesOf(zip, entries, handler);
  return { entries, sizes, sources: mapSourcesOf(zip, entries, sizes.handlerFile) };
}

function sizesOf(zip: Buffer, entries: readonly ZipEntry[], handler: string): ArtifactSizes {
  const files = entries.map((entry) => entry.name);
  const handlerFile = handlerFileOf(handler, files);
  if (handlerFile === undefined)
    throw new Error(`the artifact holds no module for handler ${handler} (${files.join(', ')})`);
  const handlerEntry = entries.find((entry) => entry.name === handlerFile)!;
  return {
    zipBytes: zip.length,
    handlerBytes: handlerEntry.size,
    handlerZippedBytes: handlerEntry.compressedSize,
    mapBytes: entries.find((entry) => entry.name === `${handlerFile}.map`)?.size ?? 0,
    handlerFile,
    files,
  };
}

function mapSourcesOf(
  zip: Buffer,
  entries: readonly ZipEntry[],
  handlerFile: string | undefined,
): string[] | undefined {
  const map = handlerFile === undefined ? undefined : entries.find((entry) => entry.name === `${handlerFile}.map`);
  if (map === undefined) return undefined;
  const { sources } = JSON.parse(zipEntryData(zip, map).toString('utf8')) as { sources?: unknown };
  return Array.isArray(sources) ? sources.filter((source): source is string => typeof source === 'string') : undefined;
}

/**
 * What is wrong with the zod a bundle holds (its source map's `sources`), one sentence each: classic
 * zod (v4's classic layer or v3, ~70 kB more; one `import … from 'zod'` brings it back), zod without its
 * English locale (zod/mini sets none: every message zod writes itself would read "Invalid input"), or
 * other locales (`z.locales.en` instead of `en` by name keeps them all, ~260 kB). Empty when all is
 * well, and for a bundle without zod.
 */
export function zodProblems(sources: readonly string[]): string[] {
  const zod = sources.filter((source) => /(^|\/)node_modules\/(\.pnpm\/[^/]+\/node_modules\/)?zod\//.test(source));
  if (zod.length === 0) return [];
  const problems: string[] = [];
  const classic = zod.filter((source) => source.includes('/zod/v4/classic/') || source.includes('/zod/v3/'));
  if (classic.length > 0) {
    problems.push(
      `holds classic zod (${classic.length} modules, e.g. ${classic[0]!.slice(classic[0]!.indexOf('zod/'))}): write schemas with \`import * as z from 'zod/mini'\``,
    );
  }
  const locales = zod.filter((source) => source.includes('/zod/v4/locales/') && !source.endsWith('/locales/index.js'));
  const others = locales.filter((source) => !source.endsWith('/zod/v4/locales/en.js'));
  if (others.length > 0) {
    problems.push(
      `holds ${others.length} zod locales besides English (e.g. ${others[0]!.slice(others[0]!.indexOf('zod/'))}): import \`en\` by name from 'zod/locales'`,
    );
  }
  if (locales.length === others.length) {
    problems.push(
      'holds zod without its English locale (packages/contracts/src/zod-helpers.ts sets it): zod\'s own messages would read "Invalid input"',
    );
  }
  return problems;
}

// --- budgets -----------------------------------------------------------------------------------

export interface BundleBudget {
  /** At most this many bytes of the handler's JavaScript. */
  handlerBytes: number;
  /** At most this many bytes of the zipped artifact (source map included). */
  zipBytes: number;
}

export type BundleBudgets = Record<string, BundleBudget>;

/** scripts/bundle-budgets.json's content, checked: `{ "<service>/<function>": { handlerBytes, zipBytes } }` (keys starting with `$` are comments). */
export function parseBudgets(json: unknown): BundleBudgets {
  if (typeof json !== 'object' || json === null || Array.isArray(json)) throw new Error('budgets: not an object');
  const budgets: BundleBudgets = {};
  for (const [id, budget] of Object.entries(json as Record<string, unknown>)) {
    if (id.startsWith('$')) continue;
    const { handlerBytes, zipBytes } = (budget ?? {}) as Record<string, unknown>;
    for (const [field, value] of Object.entries({ handlerBytes, zipBytes })) {
      if (typeof value !== 'number' || !Number.isInteger(value) || value <= 0) {
        throw new Error(
          `budgets: ${id}.${field} must be a positive whole number of bytes, got ${JSON.stringify(value)}`,
        );
      }
    }
    budgets[id] = { handlerBytes: handlerBytes as number, zipBytes: zipBytes as number };
  }
  return budgets;
}

export async function readBudgets(file = BUDGETS_FILE): Promise<BundleBudgets> {
  return parseBudgets(JSON.parse(await readFile(file, 'utf8')));
}

export interface MeasuredBundle {
  id: string;
  handlerBytes: number;
  zipBytes: number;
}

/**
 * What breaks the budgets, one sentence each: a bundle over its budget, a function without a
 * budget, a budget of a function that is not packaged any more. Empty when all is well.
 */
export function budgetViolations(measured: readonly MeasuredBundle[], budgets: BundleBudgets): string[] {
  const violations: string[] = [];
  for (const bundle of measured) {
    const budget = budgets[bundle.id];
    if (!budget) {
      violations.push(`${bundle.id} has no budget: add one to scripts/bundle-budgets.json (docs/bundles.md)`);
      continue;
    }
    if (bundle.handlerBytes > budget.handlerBytes) {
      violations.push(
        `${bundle.id}: handler JavaScript is ${formatBytes(bundle.handlerBytes)}, over its budget of ${formatBytes(budget.handlerBytes)} by ${formatBytes(bundle.handlerBytes - budget.handlerBytes)}`,
      );
    }
    if (bundle.zipBytes > budget.zipBytes) {
      violations.push(
        `${bundle.id}: artifact is ${formatBytes(bundle.zipBytes)} zipped, over its budget of ${formatBytes(budget.zipBytes)} by ${formatBytes(bundle.zipBytes - budget.zipBytes)}`,
      );
    }
  }
  for (const id of Object.keys(budgets)) {
    if (!measured.some((bundle) => bundle.id === id)) {
      violations.push(`${id} has a budget but is not packaged: remove it from scripts/bundle-budgets.json`);
    }
  }
  return violations;
}

/** Bytes in decimal kilobytes (1 kB = 1,000 bytes), one decimal: "653.2 kB". */
export function formatBytes(bytes: number): string {
  return `${(bytes / 1000).toFixed(1)} kB`;
}
