import { spawnSync } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { deflateRawSync } from 'node:zlib';
import {
  artifactSizes,
  budgetViolations,
  exampleValue,
  formatBytes,
  handlerFileOf,
  handlerMapSources,
  parseBudgets,
  readArtifact,
  REPO_ROOT,
  zipEntries,
  zipEntryData,
  zodProblems,
} from './bundles';

/** A zip as serverless writes one: local headers, central directory, end record (CRCs left 0: not read). */
function makeZip(files: { name: string; data: string; deflate?: boolean; comment?: string }[]): Buffer {
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  for (const file of files) {
    const raw = Buffer.from(file.data);
    const stored = file.deflate ? deflateRawSync(raw) : raw;
    const name = Buffer.from(file.name);
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(file.deflate ? 8 : 0, 8);
    local.writeUInt32LE(stored.length, 18);
    local.writeUInt32LE(raw.length, 22);
    local.writeUInt16LE(name.length, 26);
    locals.push(local, name, stored);
    const comment = Buffer.from(file.comment ?? '');
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE(file.deflate ? 8 : 0, 10);
    central.writeUInt32LE(stored.length, 20);
    central.writeUInt32LE(raw.length, 24);
    central.writeUInt16LE(name.length, 28);
    central.writeUInt16LE(comment.length, 32);
    central.writeUInt32LE(offset, 42);
    centrals.push(central, name, comment);
    offset += 30 + name.length + stored.length;
  }
  const directory = Buffer.concat(centrals);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(files.length, 8);
  end.writeUInt16LE(files.length, 10);
  end.writeUInt32LE(directory.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, directory, end]);
}

const handlerJs = 'exports.handler = async () => 1;\n'.repeat(50);
const artifact = makeZip([
  { name: 'src/functions/apply-budget/handler.js', data: handlerJs, deflate: true },
  { name: 'src/functions/apply-budget/handler.js.map', data: '{"version":3}', comment: 'the map' },
]);

describe('zipEntries and zipEntryData', () => {
  it('list every entry with its sizes, and give back stored and deflated content', () => {
    const entries = zipEntries(artifact);
    expect(entries.map((e) => [e.name, e.method, e.size])).toEqual([
      ['src/functions/apply-budget/handler.js', 8, handlerJs.length],
      ['src/functions/apply-budget/handler.js.map', 0, 13],
    ]);
    expect(entries[0]!.compressedSize).toBeLessThan(handlerJs.length);
    expect(entries.map((e) => zipEntryData(artifact, e).toString())).toEqual([handlerJs, '{"version":3}']);
  });

  it('refuses what is not a zip', () => {
    expect(() => zipEntries(Buffer.from('not a zip at all, just some text'))).toThrow(/not a zip/);
  });
});

describe('handlerFileOf and artifactSizes', () => {
  it('find the handler module as Lambda does: .js, then .cjs, then .mjs', () => {
    expect(handlerFileOf('src/x/handler.handler', ['src/x/handler.mjs', 'src/x/handler.cjs'])).toBe(
      'src/x/handler.cjs',
    );
    expect(handlerFileOf('src/x/handler.handler', ['src/y/handler.js'])).toBeUndefined();
  });

  it("measure the artifact, the handler's JavaScript raw and zipped, and its source map", () => {
    expect(artifactSizes(artifact, 'src/functions/apply-budget/handler.handler')).toEqual({
      zipBytes: artifact.length,
      handlerBytes: handlerJs.length,
      handlerZippedBytes: zipEntries(artifact)[0]!.compressedSize,
      mapBytes: 13,
      handlerFile: 'src/functions/apply-budget/handler.js',
      files: ['src/functions/apply-budget/handler.js', 'src/functions/apply-budget/handler.js.map'],
    });
  });

  it('name the files of an artifact that lacks the handler', () => {
    expect(() => artifactSizes(artifact, 'src/functions/enforce-spend/handler.handler')).toThrow(
      /no module for handler src\/functions\/enforce-spend\/handler\.handler \(src\/functions\/apply-budget\/handler\.js, /,
    );
  });
});

describe('handlerMapSources and zodProblems', () => {
  const store = '../../node_modules/.pnpm/zod@4.6.7/node_modules/zod';
  const mini = [`${store}/v4/core/core.js`, `${store}/v4/mini/schemas.js`, `${store}/v4/locales/en.js`];

  it("read the handler's source map out of the artifact", () => {
    const sources = ['../../src/a.ts', `${store}/v4/mini/schemas.js`];
    const zip = makeZip([
      { name: 'src/functions/apply-budget/handler.js', data: handlerJs },
      {
        name: 'src/functions/apply-budget/handler.js.map',
        data: JSON.stringify({ version: 3, sources }),
        deflate: true,
      },
    ]);

    expect(handlerMapSources(zip, 'src/functions/apply-budget/handler.handler')).toEqual(sources);
    const read = readArtifact(zip, 'src/functions/apply-budget/handler.handler');
    expect(read).toEqual({
      entries: zipEntries(zip),
      sizes: artifactSizes(zip, 'src/functions/apply-budget/handler.handler'),
      sources,
    });
    expect(
      handlerMapSources(
        makeZip([{ name: 'src/functions/apply-budget/handler.js', data: handlerJs }]),
        'src/functions/apply-budget/handler.handler',
      ),
    ).toBeUndefined();
    expect(
      handlerMapSources(
        makeZip([
          { name: 'src/functions/apply-budget/handler.js', data: handlerJs },
          { name: 'src/functions/apply-budget/handler.js.map', data: '{"version":3}' },
        ]),
        'src/functions/apply-budget/handler.handler',
      ),
    ).toBeUndefined();
  });

  it('pass zod/mini with its English locale, and a bundle without zod', () => {
    expect(zodProblems(mini)).toEqual([]);
    expect(zodProblems(['../../src/a.ts', '../../node_modules/@smithy/core/dist-es/index.js'])).toEqual([]);
  });

  it('name classic zod, and zod without its English locale', () => {
    expect(zodProblems([...mini, `${store}/v4/classic/schemas.js`, `${store}/v4/classic/external.js`])).toEqual([
      "holds classic zod (2 modules, e.g. zod/v4/classic/schemas.js): write schemas with `import * as z from 'zod/mini'`",
    ]);
    expect(zodProblems([...mini, `${store}/v3/types.js`])).toEqual([
      "holds classic zod (1 modules, e.g. zod/v3/types.js): write schemas with `import * as z from 'zod/mini'`",
    ]);
    expect(zodProblems([...mini, `${store}/v4/locales/index.js`, `${store}/v4/locales/de.js`])).toEqual([
      "holds 1 zod locales besides English (e.g. zod/v4/locales/de.js): import `en` by name from 'zod/locales'",
    ]);
    expect(zodProblems(mini.slice(0, 2))).toEqual([
      'holds zod without its English locale (packages/contracts/src/zod-helpers.ts sets it): zod\'s own messages would read "Invalid input"',
    ]);
  });
});

describe('exampleValue', () => {
  const resources = {
    BudgetsTable: { Type: 'AWS::DynamoDB::Table' },
    AlertsTopic: { Type: 'AWS::SNS::Topic' },
    SchedulerRole: { Type: 'AWS::IAM::Role' },
    DeadLetterQueue: { Type: 'AWS::SQS::Queue' },
    Alarm: { Type: 'AWS::CloudWatch::Alarm' },
  };

  it('keeps plain values and fills in what CloudFormation resolves with values of the same shape', () => {
    expect(exampleValue('A', 'rate(5 minutes)', resources)).toBe('rate(5 minutes)');
    expect(exampleValue('A', 32, resources)).toBe('32');
    expect(exampleValue('A', { Ref: 'AWS::Partition' }, resources)).toBe('aws');
    expect(exampleValue('A', { Ref: 'BudgetsTable' }, resources)).toBe('org-budgets-bench-BudgetsTable');
    expect(exampleValue('A', { Ref: 'AlertsTopic' }, resources)).toBe('arn:aws:sns:us-east-1:123456789012:AlertsTopic');
    expect(exampleValue('A', { 'Fn::GetAtt': ['SchedulerRole', 'Arn'] }, resources)).toBe(
      'arn:aws:iam::123456789012:role/SchedulerRole',
    );
    expect(exampleValue('A', { 'Fn::GetAtt': 'DeadLetterQueue.Arn' }, resources)).toBe(
      'arn:aws:sqs:us-east-1:123456789012:DeadLetterQueue',
    );
    expect(
      exampleValue(
        'A',
        { 'Fn::Sub': 'arn:${AWS::Partition}:lambda:${AWS::Region}:${AWS::AccountId}:function:f' },
        resources,
      ),
    ).toBe('arn:aws:lambda:us-east-1:123456789012:function:f');
  });

  it('names the variable it cannot make a value for', () => {
    expect(() => exampleValue('ALARM_ARN', { 'Fn::GetAtt': ['Alarm', 'Arn'] }, resources)).toThrow(
      /ALARM_ARN .*no example ARN for a AWS::CloudWatch::Alarm/,
    );
    expect(() => exampleValue('X', { 'Fn::ImportValue': 'other-stack' }, resources)).toThrow(
      /X .*Fn::ImportValue is not resolved here/,
    );
    expect(() => exampleValue('Y', { Ref: 'Missing' }, resources)).toThrow(/Y .*no resource Missing/);
  });
});

describe('parseBudgets and budgetViolations', () => {
  const budgets = parseBudgets({
    $comment: 'ignored',
    'hub/propagateBudgetEdits': { handlerBytes: 720_000, zipBytes: 560_000 },
    'hub/recordSpokeStatus': { handlerBytes: 590_000, zipBytes: 490_000 },
  });

  it('reads one budget a function, comments left out', () => {
    expect(Object.keys(budgets)).toEqual(['hub/propagateBudgetEdits', 'hub/recordSpokeStatus']);
  });

  it('refuses a budget that is not a positive whole number of bytes', () => {
    expect(() => parseBudgets({ 'hub/x': { handlerBytes: '1 MB', zipBytes: 1 } })).toThrow(
      /hub\/x\.handlerBytes must be a positive whole number of bytes, got "1 MB"/,
    );
    expect(() => parseBudgets({ 'hub/x': { handlerBytes: 1 } })).toThrow(/hub\/x\.zipBytes/);
  });

  it('finds nothing wrong when every bundle is within its budget, the budget itself included', () => {
    expect(
      budgetViolations(
        [
          { id: 'hub/propagateBudgetEdits', handlerBytes: 720_000, zipBytes: 500_000 },
          { id: 'hub/recordSpokeStatus', handlerBytes: 534_810, zipBytes: 440_914 },
        ],
        budgets,
      ),
    ).toEqual([]);
  });

  it('names a bundle over its budget, by how much, a function without a budget and a budget without a function', () => {
    expect(
      budgetViolations(
        [
          { id: 'hub/propagateBudgetEdits', handlerBytes: 2_896_253, zipBytes: 583_669 },
          { id: 'spoke/newFunction', handlerBytes: 1, zipBytes: 1 },
        ],
        budgets,
      ),
    ).toEqual([
      'hub/propagateBudgetEdits: handler JavaScript is 2896.3 kB, over its budget of 720.0 kB by 2176.3 kB',
      'hub/propagateBudgetEdits: artifact is 583.7 kB zipped, over its budget of 560.0 kB by 23.7 kB',
      'spoke/newFunction has no budget: add one to scripts/bundle-budgets.json (docs/bundles.md)',
      'hub/recordSpokeStatus has a budget but is not packaged: remove it from scripts/bundle-budgets.json',
    ]);
  });

  it('formats bytes in decimal kilobytes', () => {
    expect(formatBytes(653_178)).toBe('653.2 kB');
    expect(formatBytes(0)).toBe('0.0 kB');
  });
});

describe("the bundles' esbuild plugin (scripts/esbuild-plugins.cjs)", () => {
  const requireFromHub = createRequire(join(REPO_ROOT, 'services', 'hub', 'package.json'));
  const plugins = requireFromHub(join(REPO_ROOT, 'scripts', 'esbuild-plugins.cjs')) as unknown[] & {
    withSdkDeepExports(source: string, packageDir: (name: string) => string): string | undefined;
  };
  const esbuild = requireFromHub('esbuild') as {
    build(options: Record<string, unknown>): Promise<{ outputFiles: { text: string }[] }>;
  };

  describe('aws-sdk-lazy-modules', () => {
    const awsNodeModules = join(REPO_ROOT, 'packages', 'aws', 'node_modules');
    const requireFromAws = createRequire(join(REPO_ROOT, 'packages', 'aws', 'package.json'));
    const packageDir = (name: string) => join(requireFromAws.resolve(`${name}/package.json`), '..');

    it("rewrites a lazy module's exports as exports from the modules of the package's ES build that declare them", () => {
      const rewritten = plugins.withSdkDeepExports(
        "// comment\nexport { ConflictException, CreateScheduleCommand, SchedulerClient } from '@aws-sdk/client-scheduler';\n",
        packageDir,
      );
      const root = join(packageDir('@aws-sdk/client-scheduler'), 'dist-es');
      expect(rewritten).toBe(
        '// comment\n' +
          `export { ConflictException } from ${JSON.stringify(join(root, 'models', 'errors.js'))};\n` +
          `export { CreateScheduleCommand } from ${JSON.stringify(join(root, 'commands', 'CreateScheduleCommand.js'))};\n` +
          `export { SchedulerClient } from ${JSON.stringify(join(root, 'SchedulerClient.js'))};\n`,
      );
      expect(
        plugins.withSdkDeepExports("import { SNSClient } from '@aws-sdk/client-sns';\n", packageDir),
      ).toBeUndefined();
      expect(() =>
        plugins.withSdkDeepExports("export { PublishEverythingCommand } from '@aws-sdk/client-sns';\n", packageDir),
      ).toThrow('@aws-sdk/client-sns: PublishEverythingCommand is declared in none of');
    });

    const build = async (files: Record<string, string>) => {
      const dir = await mkdtemp(join(tmpdir(), 'org-budgets-plugin-'));
      try {
        for (const [name, text] of Object.entries(files)) await writeFile(join(dir, name), text);
        const { outputFiles } = await esbuild.build({
          entryPoints: [join(dir, 'entry.ts')],
          nodePaths: [awsNodeModules],
          bundle: true,
          write: false,
          platform: 'node',
          format: 'cjs',
          mainFields: ['module', 'main'],
          logLevel: 'silent',
          plugins,
        });
        return outputFiles[0]!.text;
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    };
    const LAZY_MODULE = "export { PublishCommand, SNSClient } from '@aws-sdk/client-sns';\n";

    it('bundles only the client and commands a lazy module names, and gives them when it is imported', async () => {
      const code = await build({
        'sns-sdk.ts': LAZY_MODULE,
        'entry.ts': "export const publish = async () => (await import('./sns-sdk')).PublishCommand;\n",
      });
      // Another command of SNS, and the aggregated client that would bring every command.
      expect(code).not.toContain('SubscribeCommand');
      expect(code).not.toMatch(/class SNS extends/);
      const dir = await mkdtemp(join(tmpdir(), 'org-budgets-plugin-'));
      try {
        await writeFile(join(dir, 'bundle.cjs'), code);
        const loaded = createRequire(join(dir, 'bundle.cjs'))('./bundle.cjs') as {
          publish(): Promise<{ name: string }>;
        };
        expect((await loaded.publish()).name).toBe('PublishCommand');
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    });

    describe('lambda-credential-provider', () => {
      const CLIENT =
        "import { SNSClient } from '@aws-sdk/client-sns';\nexport const client = new SNSClient({ region: 'us-east-1' });\n";
      /** Runs the bundle in a node process of its own with `env` and prints what its client's credentials resolve to. */
      const credentialsIn = async (code: string, env: Record<string, string>) => {
        const dir = await mkdtemp(join(tmpdir(), 'org-budgets-plugin-'));
        try {
          await writeFile(join(dir, 'bundle.cjs'), code);
          const script =
            "require('./bundle.cjs').client.config.credentials().then(" +
            '(c) => console.log(`key ${c.accessKeyId} token ${c.sessionToken}`), (e) => console.log(`error ${e.message}`));';
          const run = spawnSync(process.execPath, ['-e', script], {
            cwd: dir,
            env: { PATH: process.env.PATH ?? '', AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true', ...env },
            encoding: 'utf8',
          });
          return run.stdout.trim();
        } finally {
          await rm(dir, { recursive: true, force: true });
        }
      };

      it("leaves the SDK's profile, SSO and web identity providers (and their clients) out of a bundle", async () => {
        const code = await build({ 'entry.ts': CLIENT });
        for (const left of ['credential-provider-ini', 'credential-provider-sso', 'fromTokenFile', 'SSOOIDCClient']) {
          expect({ left, found: code.includes(left) }).toEqual({ left, found: false });
        }
      });

      it("gives a client the environment's credentials, as Lambda sets them", async () => {
        const code = await build({ 'entry.ts': CLIENT });
        await expect(
          credentialsIn(code, {
            AWS_ACCESS_KEY_ID: 'AKIDLAMBDA',
            AWS_SECRET_ACCESS_KEY: 'secret',
            AWS_SESSION_TOKEN: 'session',
          }),
        ).resolves.toBe('key AKIDLAMBDA token session');
      });

      it('fails with a message that says where credentials were looked for when there are none', async () => {
        const code = await build({ 'entry.ts': CLIENT });
        await expect(credentialsIn(code, { AWS_EC2_METADATA_DISABLED: 'true' })).resolves.toMatch(
          /^error No AWS credentials: org-budgets functions read their execution role credentials from the environment/,
        );
      });
    });

    it('fails a build that imports the same client package on first use and through its index', async () => {
      await expect(
        build({
          'sns-sdk.ts': LAZY_MODULE,
          'entry.ts':
            "import { SNSClient } from '@aws-sdk/client-sns';\n" +
            'export const client = new SNSClient({});\n' +
            "export const publish = async () => (await import('./sns-sdk')).PublishCommand;\n",
        }),
      ).rejects.toThrow(
        /@aws-sdk\/client-sns is imported on first use by .*sns-sdk\.ts and through its index by .*entry\.ts/,
      );
    });
  });
});

describe("serverless-esbuild's packaging (patches/serverless-esbuild@1.57.2.patch)", () => {
  it('removes the directory it stages each artifact in', async () => {
    const requireFromHub = createRequire(join(REPO_ROOT, 'services', 'hub', 'package.json'));
    const { zip } = requireFromHub('serverless-esbuild/dist/utils') as {
      zip: (zipPath: string, files: { rootPath: string; localPath: string }[], useNativeZip?: boolean) => Promise<void>;
    };
    const dir = await mkdtemp(join(tmpdir(), 'org-budgets-zip-'));
    try {
      await writeFile(join(dir, 'handler.js'), 'exports.handler = async () => 1;\n');
      const name = `org-budgets-staging-check-${Date.now()}`;
      await zip(join(dir, `${name}.zip`), [{ rootPath: join(dir, 'handler.js'), localPath: 'src/handler.js' }]);

      expect(zipEntries(await readFile(join(dir, `${name}.zip`))).map((entry) => entry.name)).toEqual([
        'src/handler.js',
      ]);
      // Unpatched, `<name>-<pid>-<time>-<hex>` stays under the OS temp dir after every packaging.
      expect((await readdir(tmpdir())).filter((entry) => entry.startsWith(`${name}-`))).toEqual([]);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
