import {
  cpuRatioToFloor,
  median,
  ratioToFloor,
  renderInitReport,
  sdkFloorSource,
  sdkModulesOf,
  spreadOf,
  type InitRow,
} from './init-report';

describe('median and spreadOf', () => {
  it('take the middle value of an odd count, whatever the order', () => {
    expect(median([90, 70, 110, 80, 75, 200, 85])).toBe(85);
  });

  it('take the mean of the two middle values of an even count', () => {
    expect(median([4, 1, 3, 2])).toBe(2.5);
  });

  it('refuse no values', () => {
    expect(() => median([])).toThrow(/no values/);
  });

  it('give the median with the min, the max and the number of runs', () => {
    expect(spreadOf([3, 1, 2])).toEqual({ median: 2, min: 1, max: 3, runs: 3 });
  });
});

describe('renderInitReport', () => {
  const floor: InitRow = {
    label: 'floor: one DynamoDBClient',
    handlerBytes: 351_400,
    handlerZippedBytes: 107_400,
    load: spreadOf([40, 38, 44]),
    loadWithSourceMaps: spreadOf([50, 49, 52]),
  };
  const row = (label: string, loadMs: number[], zipBytes = 500_000): InitRow => ({
    label,
    handlerBytes: 653_178,
    handlerZippedBytes: 205_001,
    zipBytes,
    load: spreadOf(loadMs),
    loadWithSourceMaps: spreadOf(loadMs.map((ms) => ms + 20)),
  });

  it('compares each load with the floor', () => {
    expect(ratioToFloor(row('a', [80, 80, 80]), floor)).toBe(2);
  });

  it('prints one aligned line a bundle, the floor last, flags those over the goal and says how many', () => {
    const text = renderInitReport({
      rows: [row('hub/propagateBudgetEdits', [88, 77.2, 115.4]), row('hub/recordSpokeStatus', [55, 50, 60], 440_914)],
      floor,
      goalRatio: 1.5,
    });
    expect(text.split('\n')).toEqual([
      'bundle                     handler.js    zipped  artifact  load median     min–max  × floor  source maps on',
      'hub/propagateBudgetEdits     653.2 kB  205.0 kB  500.0 kB      88.0 ms  77.2–115.4  2.20× !        108.0 ms',
      'hub/recordSpokeStatus        653.2 kB  205.0 kB  440.9 kB      55.0 ms   50.0–60.0    1.38×         75.0 ms',
      'floor: one DynamoDBClient    351.4 kB  107.4 kB         —      40.0 ms   38.0–44.0    1.00×         50.0 ms',
      '',
      'load: require() of the handler module in a fresh node process, median of 3 runs (min–max); goal: within 1.5× the floor (60.0 ms); 1 of 2 bundles are not (!).',
      '',
    ]);
  });

  it('says so when every bundle meets the goal, and leaves out what was not measured', () => {
    const text = renderInitReport({
      rows: [{ ...row('a', [41, 42, 43]), loadWithSourceMaps: undefined }],
      floor: { ...floor, loadWithSourceMaps: undefined },
      goalRatio: 1.5,
    });
    expect(text).toContain('every bundle is.');
    expect(text.split('\n')[1]).toMatch(/1\.05×\s+—$/);
  });

  it('prints the CPU time of the loads and its ratio to the floor when they were measured', () => {
    const text = renderInitReport({
      rows: [{ ...row('hub/recordSpokeStatus', [90, 80, 100]), cpu: spreadOf([60, 66, 63]) }],
      floor: { ...floor, cpu: spreadOf([42, 40, 44]) },
      goalRatio: 1.5,
    });
    const lines = text.split('\n');
    expect(lines[0]).toMatch(/× floor\s+CPU median\s+× floor\s+source maps on$/);
    expect(lines[1]).toMatch(/2\.25× !\s+63\.0 ms\s+1\.50×\s+110\.0 ms$/);
    expect(lines[2]).toMatch(/1\.00×\s+42\.0 ms\s+1\.00×\s+50\.0 ms$/);
    expect(text).toContain('CPU: user + system time of the same loads');
    expect(cpuRatioToFloor(row('a', [1]), floor)).toBeUndefined();
  });
});

describe("a function's SDK alone", () => {
  const pnpm = '../../../../node_modules/.pnpm';
  const sources = [
    `${pnpm}/@aws-sdk+client-ssm@3.1169.0/node_modules/@aws-sdk/client-ssm/dist-es/SSMClient.js`,
    `${pnpm}/@aws-sdk+client-ssm@3.1169.0/node_modules/@aws-sdk/client-ssm/dist-es/commands/PutParameterCommand.js`,
    `${pnpm}/@aws-sdk+client-ssm@3.1169.0/node_modules/@aws-sdk/client-ssm/dist-es/commands/GetParameterCommand.js`,
    `${pnpm}/@aws-sdk+client-ssm@3.1169.0/node_modules/@aws-sdk/client-ssm/dist-es/models/errors.js`,
    `${pnpm}/@aws-sdk+client-sts@3.1173.0/node_modules/@aws-sdk/client-sts/dist-es/commands/AssumeRoleCommand.js`,
    `${pnpm}/@aws-sdk+nested-clients@3.1.0/node_modules/@aws-sdk/nested-clients/dist-es/submodules/sso/SSOClient.js`,
    `${pnpm}/@smithy+core@3.0.0/node_modules/@smithy/core/dist-es/index.js`,
    '../../../../packages/aws/src/ssm/ssm-sdk.ts',
  ];

  it("finds each client package's client class and commands in a source map's sources, nothing else", () => {
    const modules = sdkModulesOf(sources);
    expect([...modules.keys()]).toEqual(['@aws-sdk/client-ssm', '@aws-sdk/client-sts']);
    expect(modules.get('@aws-sdk/client-ssm')).toEqual({
      client: 'SSMClient',
      commands: new Set(['PutParameterCommand', 'GetParameterCommand']),
    });
    expect(modules.get('@aws-sdk/client-sts')).toEqual({ commands: new Set(['AssumeRoleCommand']) });
  });

  it('writes a module that imports them, creates every client at load and keeps every command', () => {
    expect(sdkFloorSource(sdkModulesOf(sources)).split('\n')).toEqual([
      "import { SSMClient, GetParameterCommand, PutParameterCommand } from '@aws-sdk/client-ssm';",
      "import { AssumeRoleCommand } from '@aws-sdk/client-sts';",
      'const clients = [new SSMClient({})];',
      'const commands = [GetParameterCommand, PutParameterCommand, AssumeRoleCommand];',
      'export const handler = async (i: number) => [clients.length, new commands[i]!({} as never)];',
      '',
    ]);
  });

  it('prints its CPU time and ratio to the floor beside each function that has one', () => {
    const floor: InitRow = {
      label: 'floor: one DynamoDBClient',
      handlerBytes: 227_700,
      handlerZippedBytes: 70_000,
      load: spreadOf([60]),
      cpu: spreadOf([50]),
    };
    const fn = (label: string, sdkCpu?: number): InitRow => ({
      label,
      handlerBytes: 535_900,
      handlerZippedBytes: 150_000,
      zipBytes: 427_600,
      load: spreadOf([120]),
      cpu: spreadOf([100]),
      ...(sdkCpu === undefined ? {} : { sdkCpu: spreadOf([sdkCpu]) }),
    });
    const lines = renderInitReport({
      rows: [fn('spoke/applyBudget', 71), fn('hub/other')],
      floor,
      goalRatio: 1.5,
    }).split('\n');
    expect(lines[0]).toMatch(/CPU median\s+× floor\s+its SDK alone\s+× floor\s+source maps on$/);
    expect(lines[1]).toMatch(/100\.0 ms\s+2\.00×\s+71\.0 ms\s+1\.42×\s+—$/);
    expect(lines[2]).toMatch(/100\.0 ms\s+2\.00×\s+—\s+—\s+—$/);
    expect(lines[3]).toMatch(/50\.0 ms\s+1\.00×\s+—\s+—\s+—$/);
    expect(lines.join('\n')).toContain('its SDK alone: the CPU time of loading a bundle of the AWS SDK clients');
  });
});
