import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DynamoDBClient, ListTablesCommand, CreateTableCommand } from '@aws-sdk/client-dynamodb';
import { startMotoServer, type MotoServer } from './moto-server';
import { deferredCleanup, stopAll } from './test-support';

jest.setTimeout(60_000);

const credentials = { accessKeyId: 'test', secretAccessKey: 'test' };

describe('startMotoServer', () => {
  let moto: MotoServer;
  let dynamodb: DynamoDBClient;
  const workDir = mkdtempSync(join(tmpdir(), 'moto-server-test-'));
  const logFile = join(workDir, 'moto.log');

  beforeAll(async () => {
    moto = await startMotoServer({ logFile });
    dynamodb = new DynamoDBClient({ endpoint: moto.endpoint, region: 'us-east-1', credentials });
  });

  const defer = deferredCleanup();

  afterAll(() =>
    stopAll(
      () => dynamodb?.destroy(),
      () => moto?.stop(),
      () => rmSync(workDir, { recursive: true, force: true }),
    ),
  );

  it('answers on a loopback endpoint', async () => {
    expect(moto.endpoint).toBe(`http://127.0.0.1:${moto.port}`);
    const { TableNames } = await dynamodb.send(new ListTablesCommand({}));
    expect(TableNames).toEqual([]);
  });

  it('reset() clears all state', async () => {
    await dynamodb.send(
      new CreateTableCommand({
        TableName: 'to-be-reset',
        AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
        KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
        BillingMode: 'PAY_PER_REQUEST',
      }),
    );
    expect((await dynamodb.send(new ListTablesCommand({}))).TableNames).toEqual(['to-be-reset']);
    await moto.reset();
    expect((await dynamodb.send(new ListTablesCommand({}))).TableNames).toEqual([]);
  });

  it('writes its log to logFile', () => {
    expect(readFileSync(logFile, 'utf8')).toMatch(/POST \/moto-api\/reset/);
  });

  it('stop() resolves once the process has exited, and can be called twice', async () => {
    const other = await startMotoServer();
    defer(() => other.stop());
    await other.stop();
    await other.stop();
    // Not a request to its port: once free, another test's server may take it.
    const signalled = (): unknown => {
      try {
        return process.kill(other.pid, 0);
      } catch (error) {
        return error;
      }
    };
    expect(signalled()).toMatchObject({ code: 'ESRCH' });
  });

  it('fails clearly when the port is taken', async () => {
    await expect(startMotoServer({ port: moto.port })).rejects.toThrow(/address already in use/i);
  });

  it('fails at once when the log file cannot be opened', async () => {
    await expect(startMotoServer({ logFile: join(workDir, 'missing-dir', 'moto.log') })).rejects.toThrow(/ENOENT/);
  });

  it('says what to install when Python is missing', async () => {
    await expect(startMotoServer({ python: join(workDir, 'no-such-python') })).rejects.toThrow(
      /not found.*pip install 'moto\[server\]'/s,
    );
  });

  it('says what to install when moto is missing', async () => {
    // A `moto` package that cannot be imported, first on the path: as if moto were not installed.
    const fakePath = join(workDir, 'no-moto');
    mkdirSync(join(fakePath, 'moto'), { recursive: true });
    writeFileSync(join(fakePath, 'moto', '__init__.py'), 'raise ImportError("No module named moto")\n');
    await expect(startMotoServer({ env: { PYTHONPATH: fakePath } })).rejects.toThrow(
      /moto is not installed.*pip install 'moto\[server\]'/s,
    );
  });
});
