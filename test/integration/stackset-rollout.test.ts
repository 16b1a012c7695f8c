/**
 * The spoke StackSet on moto: built from the spoke service, deployed by the real deploy code as
 * the management account to an OU of three member accounts, then checked from inside each
 * member account. The tests run in order on one organization: deploy, redeploy, update,
 * auto-deployment of an account that joins (and one that leaves), removal.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startMotoServer, type MotoServer } from '@org-budgets/aws-emulator';
import {
  applyAutoDeployment,
  buildSpokeStackSet,
  createMemberAccount,
  createOrganizationalUnit,
  createOrganizationsClient,
  createRolloutClients,
  deploySpokeStackSet,
  ensureOrganization,
  inspectSpoke,
  loadBuild,
  memberAccountCredentials,
  moveAccount,
  parseRolloutConfig,
  realClock,
  removeSpokeStackSet,
  type CfnTemplate,
  type LoadedBuild,
  type LocalOrganization,
  type RolloutClients,
  type RolloutConfig,
  type RolloutResult,
  type SpokeView,
} from '@org-budgets/stacksets';

const REGION = 'us-east-1';
const HUB_ACCOUNT_ID = '123456789012'; // moto's default account: the management account
const HUB_PROPAGATION_ROLE_ARN = `arn:aws:iam::${HUB_ACCOUNT_ID}:role/org-budgets-hub-test-propagation`;
const HUB_STATUS_BUS_ARN = `arn:aws:events:${REGION}:${HUB_ACCOUNT_ID}:event-bus/org-budgets-test-status`;
const EXTERNAL_ID = 'org-budgets-stackset-test-external-id';
const SPOKE_ROLE_NAME = 'org-budgets-spoke';

const ENV_KEYS = [
  'AWS_ENDPOINT_URL',
  'AWS_REGION',
  'AWS_ACCESS_KEY_ID',
  'AWS_SECRET_ACCESS_KEY',
  'AWS_SESSION_TOKEN',
  'AWS_PROFILE',
];

describe('spoke StackSet rollout on moto', () => {
  const savedEnv = Object.fromEntries(ENV_KEYS.map((key) => [key, process.env[key]]));
  let moto: MotoServer | undefined;
  let buildDir: string;
  let build: LoadedBuild;
  let template: CfnTemplate;
  let organizations: ReturnType<typeof createOrganizationsClient>;
  let clients: RolloutClients;
  let org: LocalOrganization;
  let spokesOu: string;
  let stagingOu: string;
  let members: string[];
  let newcomer: string;
  let config: RolloutConfig;
  const progress: string[] = [];

  const deps = () => ({
    ...clients,
    ...realClock,
    sleep: () => Promise.resolve(),
    report: (line: string) => progress.push(line),
  });
  const deploy = (overrides: Partial<RolloutConfig> = {}, options: { dryRun?: boolean } = {}): Promise<RolloutResult> =>
    deploySpokeStackSet(
      { config: { ...config, ...overrides }, build, spokeExternalId: EXTERNAL_ID, ...options },
      deps(),
    );
  const spokeOf = async (accountId: string): Promise<SpokeView> =>
    inspectSpoke(accountId, await memberAccountCredentials(accountId, REGION), REGION, SPOKE_ROLE_NAME);

  beforeAll(async () => {
    buildDir = await mkdtemp(join(tmpdir(), 'org-budgets-stackset-test-'));
    const built = await buildSpokeStackSet({ outDir: buildDir, stage: 'test' });
    template = built.template;
    build = await loadBuild(buildDir);

    moto = await startMotoServer();
    Object.assign(process.env, {
      AWS_ENDPOINT_URL: moto.endpoint,
      AWS_REGION: REGION,
      AWS_ACCESS_KEY_ID: 'management-account',
      AWS_SECRET_ACCESS_KEY: 'management-account',
    });
    delete process.env['AWS_SESSION_TOKEN'];
    delete process.env['AWS_PROFILE'];

    organizations = createOrganizationsClient(REGION);
    org = await ensureOrganization(organizations);
    spokesOu = await createOrganizationalUnit(organizations, org.rootId, 'spokes');
    stagingOu = await createOrganizationalUnit(organizations, org.rootId, 'staging');
    members = [];
    for (const n of [1, 2, 3]) {
      const account = await createMemberAccount(organizations, `member-${n}`, `member-${n}@example.com`);
      await moveAccount(organizations, account, spokesOu);
      members.push(account);
    }
    newcomer = await createMemberAccount(organizations, 'newcomer', 'newcomer@example.com');
    await moveAccount(organizations, newcomer, stagingOu);

    config = parseRolloutConfig(
      {
        stackSetName: 'org-budgets-spoke-test',
        stackSetRegion: REGION,
        targets: { organizationalUnitIds: [spokesOu], regions: [REGION] },
        artifactBucketPrefix: 'org-budgets-test-artifacts',
        hub: {
          accountId: HUB_ACCOUNT_ID,
          propagationRoleArn: HUB_PROPAGATION_ROLE_ARN,
          statusBusArn: HUB_STATUS_BUS_ARN,
        },
        spoke: { roleName: SPOKE_ROLE_NAME, alertEmail: '' },
      },
      'test configuration',
    );
    clients = createRolloutClients({ region: REGION });
  }, 120_000);

  afterAll(async () => {
    clients?.destroy();
    organizations?.destroy();
    await moto?.stop();
    if (buildDir) await rm(buildDir, { recursive: true, force: true });
    for (const [key, value] of Object.entries(savedEnv)) {
      if (value === undefined) delete process.env[key];
      else process.env[key] = value;
    }
  });

  afterEach(() => {
    progress.length = 0;
  });

  it('talks to moto in its dialect', () => {
    expect(clients.dialect).toBe('moto');
  });

  it('plans a dry run without changing anything', async () => {
    const result = await deploy({}, { dryRun: true });

    expect(result.plan.steps).toEqual([
      { kind: 'create-stack-set' },
      expect.objectContaining({
        kind: 'create-instances',
        organizationalUnitIds: [spokesOu],
        regions: [REGION],
        accountFilter: 'NONE',
      }),
    ]);
    expect(await clients.stackSets.describe(config.stackSetName)).toBeUndefined();
    expect(progress.join('\n')).toContain('dry run: would upload');
  });

  it('deploys the spoke to every account of the OU', async () => {
    const result = await deploy();

    expect(result.missing).toEqual([]);
    expect(result.instances.map((i) => i.account).sort()).toEqual([...members].sort());
    expect(result.operations.map((o) => o.status)).toEqual(['SUCCEEDED']);
    expect(progress.some((line) => /operation \S+ \(create instances\): SUCCEEDED/.test(line))).toBe(true);
  });

  it('gives each member account the spoke role, trusting only the hub propagation role with ExternalId and organization', async () => {
    for (const account of members) {
      const spoke = await spokeOf(account);

      expect(spoke.role?.arn).toBe(`arn:aws:iam::${account}:role/${SPOKE_ROLE_NAME}`);
      expect(spoke.role?.trustPolicy).toEqual({
        Version: '2012-10-17',
        Statement: [
          {
            Sid: 'HubPropagationRoleOnly',
            Effect: 'Allow',
            Principal: { AWS: HUB_PROPAGATION_ROLE_ARN },
            Action: 'sts:AssumeRole',
            Condition: { StringEquals: { 'sts:ExternalId': EXTERNAL_ID, 'aws:PrincipalOrgID': org.id } },
          },
        ],
      });
      expect(spoke.role?.inlinePolicyNames).toEqual(['org-budgets-parameters']);
    }
  });

  it("gives each member account the template's functions, with the built code", async () => {
    const expected = Object.values(template.Resources)
      .filter((r) => r.Type === 'AWS::Lambda::Function')
      .map((r) => ({
        name: r.Properties?.['FunctionName'],
        handler: r.Properties?.['Handler'],
        runtime: r.Properties?.['Runtime'],
        environmentNames: Object.keys((r.Properties?.['Environment'] as { Variables: object }).Variables).sort(),
      }));
    // Each function's code, by function name: the zip whose logical ids name its resource.
    const codeOf = new Map<string, string>();
    for (const artifact of build.manifest.artifacts) {
      for (const logicalId of artifact.logicalIds) {
        const name = template.Resources[logicalId]?.Properties?.['FunctionName'];
        if (typeof name === 'string') codeOf.set(name, Buffer.from(artifact.sha256, 'hex').toString('base64'));
      }
    }
    expect(expected.length).toBeGreaterThan(0);
    expect(codeOf.size).toBe(expected.length);

    for (const account of members) {
      const spoke = await spokeOf(account);

      expect(
        spoke.functions.map(({ name, handler, runtime, environmentNames }) => ({
          name,
          handler,
          runtime,
          environmentNames,
        })),
      ).toEqual(expect.arrayContaining(expected));
      expect(
        spoke.functions.every(
          (f) => f.codeSha256 === codeOf.get(f.name) && f.role?.startsWith(`arn:aws:iam::${account}:role/`),
        ),
      ).toBe(true);
    }
  });

  it("gives each member account the template's EventBridge rules and targets", async () => {
    const expectedPatterns = Object.values(template.Resources)
      .filter((r) => r.Type === 'AWS::Events::Rule')
      .map((r) => r.Properties?.['EventPattern']);
    expect(expectedPatterns.length).toBeGreaterThanOrEqual(2);

    for (const account of members) {
      const spoke = await spokeOf(account);

      expect(spoke.rules.map((r) => r.eventPattern)).toEqual(expect.arrayContaining(expectedPatterns));
      const applyRule = spoke.rules.find((r) => JSON.stringify(r.eventPattern).includes('Parameter Store Change'));
      expect(applyRule?.targets.map((t) => t.arn)).toEqual([
        expect.stringMatching(new RegExp(`^arn:aws:lambda:${REGION}:${account}:function:`)),
      ]);
      const forwardRule = spoke.rules.find((r) => r.targets.some((t) => t.arn === HUB_STATUS_BUS_ARN));
      expect(forwardRule?.targets[0]?.roleArn).toMatch(new RegExp(`^arn:aws:iam::${account}:role/`));
    }
  });

  it('keeps the code in a versioned, encrypted, private bucket that only the organization can read', async () => {
    const bucket = await clients.artifacts.describeBucket(`org-budgets-test-artifacts-${REGION}`, REGION);

    expect(bucket).toMatchObject({
      versioning: 'Enabled',
      encryption: 'AES256',
      publicAccessBlock: {
        BlockPublicAcls: true,
        IgnorePublicAcls: true,
        BlockPublicPolicy: true,
        RestrictPublicBuckets: true,
      },
    });
    expect(bucket.policy).toMatchObject({
      Statement: expect.arrayContaining([
        expect.objectContaining({
          Effect: 'Allow',
          Action: 's3:GetObject',
          Condition: { StringEquals: { 'aws:PrincipalOrgID': org.id } },
        }),
      ]),
    });
  });

  it('changes nothing when deployed again with the same build', async () => {
    const result = await deploy();

    expect(result.plan.steps).toEqual([]);
    expect(result.operations).toEqual([]);
    const uploads = progress.filter((line) => line.startsWith('s3://'));
    expect(uploads).toHaveLength(build.manifest.artifacts.length);
    expect(uploads.every((line) => line.endsWith(': unchanged'))).toBe(true);
    expect((await clients.stackSets.listInstances(config.stackSetName)).length).toBe(members.length);
  });

  it('updates the StackSet when a parameter changes', async () => {
    const result = await deploy({
      spoke: { roleName: SPOKE_ROLE_NAME, alertEmail: 'finance@example.com', guardianSchedule: 'rate(5 minutes)' },
    });

    expect(result.plan.steps).toEqual([
      { kind: 'update-stack-set', reasons: [expect.stringMatching(/^parameters or tags changed/)] },
    ]);
    expect(result.operations.map((o) => o.status)).toEqual(['SUCCEEDED']);
    const again = await deploy({
      spoke: { roleName: SPOKE_ROLE_NAME, alertEmail: 'finance@example.com', guardianSchedule: 'rate(5 minutes)' },
    });
    expect(again.plan.steps).toEqual([]);
  });

  it('deploys to an account that joins the OU (auto-deployment, which moto lacks)', async () => {
    await moveAccount(organizations, newcomer, spokesOu);

    const result = await applyAutoDeployment(
      newcomer,
      { stackSetName: config.stackSetName, targetOrganizationalUnitIds: [spokesOu] },
      {
        stackSets: clients.stackSets,
        organization: clients.organization,
        ...realClock,
        report: (line) => progress.push(line),
      },
    );

    expect(result).toMatchObject({
      accountId: newcomer,
      organizationalUnitId: spokesOu,
      createdRegions: [REGION],
      deletedRegions: [],
    });
    const spoke = await spokeOf(newcomer);
    expect(spoke.role?.arn).toBe(`arn:aws:iam::${newcomer}:role/${SPOKE_ROLE_NAME}`);
    expect(spoke.functions.length).toBeGreaterThan(0);
    const instances = await clients.stackSets.listInstances(config.stackSetName);
    expect(instances.map((i) => i.account).sort()).toEqual([...members, newcomer].sort());
  });

  it('does nothing for an account that is already deployed', async () => {
    const result = await applyAutoDeployment(
      newcomer,
      { stackSetName: config.stackSetName, targetOrganizationalUnitIds: [spokesOu] },
      {
        stackSets: clients.stackSets,
        organization: clients.organization,
        ...realClock,
        report: (line) => progress.push(line),
      },
    );

    expect(result.operations).toEqual([]);
    expect((await clients.stackSets.listInstances(config.stackSetName)).length).toBe(members.length + 1);
  });

  it('removes the spoke from an account that leaves the OU', async () => {
    await moveAccount(organizations, newcomer, stagingOu);

    const result = await applyAutoDeployment(
      newcomer,
      { stackSetName: config.stackSetName, targetOrganizationalUnitIds: [spokesOu] },
      {
        stackSets: clients.stackSets,
        organization: clients.organization,
        ...realClock,
        report: (line) => progress.push(line),
      },
    );

    expect(result).toMatchObject({ createdRegions: [], deletedRegions: [REGION] });
    expect((await spokeOf(newcomer)).role).toBeUndefined();
    expect((await clients.stackSets.listInstances(config.stackSetName)).map((i) => i.account).sort()).toEqual(
      [...members].sort(),
    );
  });

  it('removes every stack instance and then the StackSet', async () => {
    const result = await removeSpokeStackSet(
      { stackSetName: config.stackSetName, preferences: {}, timeoutMs: 60_000 },
      { stackSets: clients.stackSets, ...realClock, report: (line) => progress.push(line) },
    );

    expect(result.existed).toBe(true);
    expect(await clients.stackSets.describe(config.stackSetName)).toBeUndefined();
    for (const account of members) expect((await spokeOf(account)).role).toBeUndefined();
  });
});
