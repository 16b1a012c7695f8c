/**
 * A member account that joins the organization after its budget items were written: the
 * StackSet rolls the spoke out to the OU (three accounts), the fourth account joins the OU, gets
 * its spoke by auto-deployment, and the hub's reconciler then delivers its existing items.
 * All on one moto, behind the front door, which refuses AssumeRole of a spoke role that does
 * not exist (as AWS would).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  applyAutoDeployment,
  buildSpokeStackSet,
  createMemberAccount,
  createOrganizationalUnit,
  createOrganizationsClient,
  createRolloutClients,
  deploySpokeStackSet,
  ensureOrganization,
  loadBuild,
  moveAccount,
  parseRolloutConfig,
  realClock,
  type RolloutClients,
} from '@org-budgets/stacksets';
import { HubSandbox, MANAGEMENT_ACCOUNT_ID, SPOKE_EXTERNAL_ID, SPOKE_ROLE_NAME } from '../support/hub-sandbox';

const REGION = 'us-east-1';

let sandbox: HubSandbox;
let buildDir: string;
let clients: RolloutClients;
let organizations: ReturnType<typeof createOrganizationsClient>;
let members: string[];
let newcomer: string;
let spokesOu: string;
const progress: string[] = [];

const propagate = () => sandbox.propagateHandler();
const reconcile = () => sandbox.reconcile();

beforeAll(async () => {
  buildDir = await mkdtemp(join(tmpdir(), 'org-budgets-onboarding-'));
  await buildSpokeStackSet({ outDir: buildDir, stage: 'test' });
  sandbox = await HubSandbox.start({ spokeAccounts: [], tableName: 'org-budgets-onboarding' });

  organizations = createOrganizationsClient(REGION);
  const org = await ensureOrganization(organizations);
  spokesOu = await createOrganizationalUnit(organizations, org.rootId, 'research');
  members = [];
  for (const n of [1, 2, 3]) {
    const account = await createMemberAccount(organizations, `lab-${n}`, `lab-${n}@example.com`);
    await moveAccount(organizations, account, spokesOu);
    members.push(account);
  }
  newcomer = await createMemberAccount(organizations, 'lab-4', 'lab-4@example.com');
  clients = createRolloutClients({ region: REGION });
}, 180_000);

afterAll(async () => {
  clients?.destroy();
  organizations?.destroy();
  await sandbox?.stop();
  if (buildDir) await rm(buildDir, { recursive: true, force: true });
});

describe('onboarding a member account', () => {
  it('rolls the spoke out to the OU; the items of those accounts are delivered, the newcomer’s fail', async () => {
    for (const account of [...members, newcomer]) {
      await sandbox.putItem({ accountId: account, budgetName: 'compute', amount: 100 });
    }
    await sandbox.putItem({ accountId: newcomer, budgetName: 'storage', amount: 20 });

    const rollout = await deploySpokeStackSet(
      {
        config: parseRolloutConfig(
          {
            stackSetName: 'org-budgets-spoke-onboarding',
            stackSetRegion: REGION,
            targets: { organizationalUnitIds: [spokesOu], regions: [REGION] },
            artifactBucketPrefix: 'org-budgets-onboarding-artifacts',
            hub: {
              accountId: MANAGEMENT_ACCOUNT_ID,
              propagationRoleArn: `arn:aws:iam::${MANAGEMENT_ACCOUNT_ID}:role/org-budgets-test-us-east-1-spoke-access`,
              statusBusArn: `arn:aws:events:${REGION}:${MANAGEMENT_ACCOUNT_ID}:event-bus/org-budgets-test-status`,
            },
            spoke: { roleName: SPOKE_ROLE_NAME, alertEmail: '' },
          },
          'onboarding test',
        ),
        build: await loadBuild(buildDir),
        spokeExternalId: SPOKE_EXTERNAL_ID,
      },
      { ...clients, ...realClock, sleep: () => Promise.resolve(), report: (line: string) => progress.push(line) },
    );
    const result = await sandbox.processEdits(propagate());

    expect(rollout.instances.map((i) => i.account).sort()).toEqual([...members].sort());
    expect(result.failedRecords).toHaveLength(2); // the newcomer's two items
    for (const account of members) {
      expect(await sandbox.spokeParameter(account, 'compute')).toMatchObject({ valid: true });
      expect(await sandbox.getSync(account, 'compute')).toMatchObject({ status: 'DELIVERED' });
    }
    expect(await sandbox.getSync(newcomer, 'compute')).toMatchObject({
      status: 'FAILED',
      message: expect.stringContaining(`cannot assume arn:aws:iam::${newcomer}:role/${SPOKE_ROLE_NAME}`),
    });
    await sandbox.processEdits(propagate()); // write-backs
  });

  it('reports the newcomer as unreachable while it has no spoke', async () => {
    const report = await reconcile();

    expect(report.spokesUnreachable).toEqual([
      { accountId: newcomer, items: 2, reason: expect.stringContaining('AccessDenied') },
    ]);
    expect(report.repaired).toEqual([]);
  });

  it('delivers the newcomer’s existing items once it joined the OU and got its spoke', async () => {
    await moveAccount(organizations, newcomer, spokesOu);
    const deployment = await applyAutoDeployment(
      newcomer,
      { stackSetName: 'org-budgets-spoke-onboarding', targetOrganizationalUnitIds: [spokesOu] },
      {
        stackSets: clients.stackSets,
        organization: clients.organization,
        ...realClock,
        report: (line) => progress.push(line),
      },
    );

    const report = await reconcile();
    const delivery = await sandbox.processEdits(propagate());

    expect(deployment.createdRegions).toEqual([REGION]);
    expect(report.repaired.map((r) => `${r.accountId}/${r.budgetName}`).sort()).toEqual([
      `${newcomer}/compute`,
      `${newcomer}/storage`,
    ]);
    expect(delivery.failedRecords).toEqual([]);
    expect(await sandbox.spokeParameter(newcomer, 'compute')).toMatchObject({ parameter: { amount: 100 } });
    expect(await sandbox.spokeParameter(newcomer, 'storage')).toMatchObject({ parameter: { amount: 20 } });
    expect(await sandbox.getSync(newcomer, 'storage')).toMatchObject({ status: 'DELIVERED' });
  });
});
