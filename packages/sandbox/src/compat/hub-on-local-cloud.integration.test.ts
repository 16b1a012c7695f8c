import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { DynamoDBClient, GetItemCommand, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { GetParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { marshall, unmarshall } from '@aws-sdk/util-dynamodb';
import { startFrontDoor, startMotoServer, type FrontDoor, type MotoServer } from '@org-budgets/aws-emulator';
import { stopAll } from '@org-budgets/aws-emulator/testing';
import {
  AccountCredentials,
  deployService,
  LocalLambdaRuntime,
  type DeployServiceResult,
} from '@org-budgets/local-lambda';

const HUB = '123456789012';
const MEMBER = '111111111111';
const REGION = 'us-east-1';
const HUB_SERVICE = resolve(__dirname, '../../../../services/hub');
const SPOKE_SERVICE = resolve(__dirname, '../../../../services/spoke');

/**
 * SLOW (about 40 s, most of it two `serverless deploy`s): the real hub, deployed with its own
 * `serverless deploy --stage local` (esbuild bundles, CloudFormation template) to moto behind the
 * front door, and one table edit carried by the deployed propagate-budget-edits bundle, run by
 * the local Lambda runtime from the stream event source mapping the template created; then the
 * real spoke deployed in a member account, and the whole pipeline: edit → parameter → Parameter
 * Store Change → apply-budget → AWS Budget → status event → hub status bus → sync APPLIED.
 */
describe('the hub, deployed with serverless to the local cloud', () => {
  let moto: MotoServer;
  let frontDoor: FrontDoor;
  let credentials: AccountCredentials;
  let runtime: LocalLambdaRuntime | undefined;
  let workDir: string;
  let deployed: DeployServiceResult;
  const progress: string[] = [];

  beforeAll(async () => {
    workDir = mkdtempSync(join(tmpdir(), 'hub-on-local-cloud-'));
    moto = await startMotoServer({ logFile: join(workDir, 'moto.log') });
    frontDoor = await startFrontDoor({ upstream: moto.endpoint, latency: [], faults: [] });
    credentials = new AccountCredentials({ endpoint: frontDoor.endpoint, region: REGION });
    deployed = await deployService({
      serviceDir: HUB_SERVICE,
      stage: 'local',
      endpoint: frontDoor.endpoint,
      accountCredentials: await credentials.forAccount(HUB),
      params: { alertEmail: 'cloud-team@example.org' },
      progress: (line) => progress.push(line),
    });
    // No spoke in the member account yet: moto's AssumeRole does not check that the spoke role
    // exists, so the first edit is delivered all the same (the spoke is deployed further down).
  }, 180_000);

  afterAll(() =>
    stopAll(
      () => runtime?.stop(),
      () => credentials?.close(),
      () => frontDoor?.stop(),
      () => moto?.stop(),
      () => workDir && rmSync(workDir, { recursive: true, force: true }),
    ),
  );

  it('creates the functions, the stream mapping, the rules and the schedule, and says what moto left out', () => {
    expect(deployed).toMatchObject({ account: HUB, stackName: 'org-budgets-hub-local' });
    expect(deployed.resources.map((r) => r.type)).toEqual(
      expect.arrayContaining([
        'AWS::Lambda::Function',
        'AWS::Lambda::EventSourceMapping',
        'AWS::Events::Rule',
        'AWS::IAM::Role',
        'AWS::Logs::LogGroup',
        'AWS::DynamoDB::Table',
      ]),
    );
    expect(deployed.applied.join('\n')).toContain('AWS::Lambda::EventInvokeConfig');
    expect(deployed.applied.join('\n')).toContain('AWS::SNS::Subscription) via Subscribe email cloud-team@example.org');
    expect(deployed.skipped.filter((s) => s.reason === 'not-created').map((s) => s.type)).toEqual(
      expect.arrayContaining(['AWS::CloudWatch::Alarm', 'AWS::SQS::QueuePolicy', 'AWS::Events::EventBusPolicy']),
    );
    expect(deployed.outputs['BudgetsTableName']).toBe('org-budgets-local');
    expect(progress.some((line) => line.includes('Service deployed to stack org-budgets-hub-local'))).toBe(true);
    process.stdout.write(
      `serverless deploy of the hub took ${deployed.deployMs} ms (${deployed.totalMs} ms with the checks)\n`,
    );
  });

  it('carries a table edit to the member account’s parameter through the deployed propagate-budget-edits bundle', async () => {
    const started = Date.now();
    runtime = await LocalLambdaRuntime.start({
      endpoint: frontDoor.endpoint,
      accounts: [HUB],
      region: REGION,
      workDir,
      scheduleTimers: false,
    });
    const startMs = Date.now() - started;
    const ddb = new DynamoDBClient({
      region: REGION,
      endpoint: frontDoor.endpoint,
      credentials: await credentials.forAccount(HUB),
    });

    await ddb.send(
      new PutItemCommand({
        TableName: 'org-budgets-local',
        Item: marshall({ accountId: MEMBER, budgetName: 'research-compute', amount: 5000, emails: ['pi@example.org'] }),
      }),
    );
    const edited = Date.now();
    await runtime.settled();
    const propagateMs = Date.now() - edited;

    const ssm = new SSMClient({
      region: REGION,
      endpoint: frontDoor.endpoint,
      credentials: await credentials.forAccount(MEMBER),
    });
    const { Parameter } = await ssm.send(new GetParameterCommand({ Name: '/org-budgets/budgets/research-compute' }));
    expect(JSON.parse(Parameter?.Value ?? '{}')).toMatchObject({
      accountId: MEMBER,
      budgetName: 'research-compute',
      amount: 5000,
    });
    const { Item } = await ddb.send(
      new GetItemCommand({
        TableName: 'org-budgets-local',
        Key: marshall({ accountId: MEMBER, budgetName: 'research-compute' }),
        ConsistentRead: true,
      }),
    );
    expect(unmarshall(Item ?? {})['sync']).toMatchObject({ status: 'DELIVERED' });
    const [stats] = runtime.streamStats();
    // The edit, then the sync write-back (ignored by the loop guard).
    expect(stats).toMatchObject({ recordsIn: 2, processed: 2, deadLettered: 0, discarded: 0, pending: 0 });
    const log = readFileSync(runtime.logFile(HUB, 'org-budgets-hub-local-propagateBudgetEdits'), 'utf8');
    expect(log).toContain('budget delivered');
    process.stdout.write(`runtime start ${startMs} ms; edit to DELIVERED ${propagateMs} ms\n`);
    ddb.destroy();
    ssm.destroy();
  }, 60_000);

  it('runs the whole pipeline once the spoke is deployed in the member account: the edit comes back APPLIED', async () => {
    const spoke = await deployService({
      serviceDir: SPOKE_SERVICE,
      stage: 'local',
      endpoint: frontDoor.endpoint,
      accountCredentials: await credentials.forAccount(MEMBER),
      params: {
        hubPropagationRoleArn: deployed.outputs['PropagationRoleArn'] as string,
        hubStatusBusArn: deployed.outputs['StatusBusArn'] as string,
      },
      progress: (line) => progress.push(line),
    });
    process.stdout.write(`serverless deploy of the spoke took ${spoke.deployMs} ms\n`);
    await runtime?.stop();
    runtime = await LocalLambdaRuntime.start({
      endpoint: frontDoor.endpoint,
      accounts: [HUB, MEMBER],
      region: REGION,
      workDir,
      scheduleTimers: false,
    });
    runtime.connect(frontDoor);
    const ddb = new DynamoDBClient({
      region: REGION,
      endpoint: frontDoor.endpoint,
      credentials: await credentials.forAccount(HUB),
    });
    const key = { accountId: MEMBER, budgetName: 'gpu' };

    await ddb.send(
      new PutItemCommand({
        TableName: 'org-budgets-local',
        Item: marshall({ ...key, amount: 750, emails: ['pi@example.org'] }),
      }),
    );
    const edited = Date.now();
    await runtime.settled();
    const roundTripMs = Date.now() - edited;

    const { Item } = await ddb.send(
      new GetItemCommand({ TableName: 'org-budgets-local', Key: marshall(key), ConsistentRead: true }),
    );
    expect(unmarshall(Item ?? {})['sync']).toMatchObject({ status: 'APPLIED' });
    expect(frontDoor.budgets()).toEqual(expect.arrayContaining([expect.objectContaining({ accountId: MEMBER })]));
    expect(runtime.asyncFailures).toEqual([]);
    expect(runtime.deadLetters).toEqual([]);
    process.stdout.write(`edit to APPLIED through hub and spoke: ${roundTripMs} ms\n`);
    ddb.destroy();
  }, 120_000);
});
