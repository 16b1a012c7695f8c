import { appendFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import {
  DeleteItemCommand,
  DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
  ScanCommand,
  type AttributeValue,
} from '@aws-sdk/client-dynamodb';
import { GetQueueAttributesCommand, GetQueueUrlCommand, ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { OrganizationsClient } from '@aws-sdk/client-organizations';
import { GetParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { marshall, unmarshall } from '@aws-sdk/util-dynamodb';
import { createMemberAccount, createOrganizationalUnit, ensureOrganization, moveAccount } from '@org-budgets/stacksets';
import {
  MOTO_DEFAULT_ACCOUNT_ID,
  startFrontDoor,
  startMotoServer,
  type BudgetRecord,
  type FaultRule,
  type FrontDoor,
  type LatencyRule,
  type MotoServer,
} from '@org-budgets/aws-emulator';
import {
  AccountCredentials,
  deployService,
  LocalLambdaRuntime,
  type DeployServiceResult,
  type LocalLambdaRuntimeOptions,
  type StoredEmail,
} from '@org-budgets/local-lambda';
import { buildSpokeTemplate, SpokeStackSet, type StaticCredentials } from './spoke-rollout';
import { SyncWatcher, type ItemKey, type ItemSync, type SyncOutcome, type WaitForSyncOptions } from './sync-watcher';

/** The repository root (packages/sandbox/src → three up). */
const REPO_ROOT = resolve(__dirname, '..', '..', '..');
export const HUB_SERVICE_DIR = join(REPO_ROOT, 'services', 'hub');
export const SPOKE_SERVICE_DIR = join(REPO_ROOT, 'services', 'spoke');
export const SPOKE_ROLE_NAME = 'org-budgets-spoke';
/** The hub's and spokes' `local` stage default (services/*\/serverless.yml params.local). */
export const LOCAL_SPOKE_EXTERNAL_ID = 'org-budgets-local-external-id';
/** Warm function processes at once, by default (see LocalLambdaRuntimeOptions.maxWorkerProcesses). */
export const DEFAULT_MAX_WORKER_PROCESSES = 96;
/** Static keys moto maps to its default account: the management account. */
export const MANAGEMENT_CREDENTIALS: StaticCredentials = {
  accessKeyId: 'management-account',
  secretAccessKey: 'management-account',
};

export interface LocalCloudOptions {
  /**
   * The member accounts that get the spoke: a number of accounts to create in moto's
   * organization (moto picks their ids), or account ids (moto cannot create an account with a
   * chosen id: those are rolled out to by id, outside moto's organization).
   */
  memberAccounts: number | readonly string[];
  /** Accounts created in the organization outside the spokes' OU: no spoke until `joinSpokeOu`. */
  accountsOutsideOu?: number;
  /**
   * For a cloud a person uses: schedules fire on time (the hourly reconciler) and the working
   * directory (function logs, email outbox, moto's log) is kept after stop.
   */
  keep?: boolean;
  /** Milestones, one line each, with timings. Quiet when left out. */
  progress?: (line: string) => void;
  /** Everything serverless and the StackSet rollout print; appended to `<workDir>/deploy.log` when left out. */
  detail?: (line: string) => void;
  region?: string;
  /** The stage of hub and spokes; `local`. */
  stage?: string;
  /** The working directory; a new temporary one when left out (deleted on stop unless `keep`). */
  workDir?: string;
  /** Latency and faults at the front door from the start (deploys included); env or none when left out. */
  latency?: LatencyRule[];
  faults?: FaultRule[];
  /**
   * Whether the EventBridge rules' schedules fire on their own; `keep` by default, else only
   * through runtime.fireSchedule. EventBridge Scheduler's one-time schedules (at(), the cost
   * guardian's later checks) fire on time either way, on the functions' clock (see
   * `runtime.oneTimeScheduleTimers`).
   */
  scheduleTimers?: boolean;
  /** Stop everything on SIGINT and SIGTERM, then exit (130, 143); true by default. */
  handleSignals?: boolean;
  /** Email of the hub's alerts topic; cloud-team@example.org by default. */
  alertEmail?: string;
  /** Further parameters of the hub's deploy (services/hub/serverless.yml `params`), e.g. reconcileStuckAfterMinutes. */
  hubParams?: Record<string, string>;
  /**
   * Further options of the local Lambda runtime. `shiftableClock: true` lets a test show the
   * functions another time (`setFunctionsClock` in guardian-lab.ts).
   */
  runtime?: Pick<
    LocalLambdaRuntimeOptions,
    | 'pollIntervalMs'
    | 'streamRetryDelayMs'
    | 'asyncRetryDelaysMs'
    | 'targetRetryDelayMs'
    | 'nodePath'
    | 'maxWorkerProcesses'
    | 'maxConcurrentColdStarts'
    | 'spreadRateSchedules'
    | 'shiftableClock'
    | 'oneTimeScheduleTimers'
  >;
}

/**
 * A cost guardian check that waits inside enforce-spend for the time it is for (the event
 * `createGuardianChecks` in @org-budgets/aws sends: `source` org-budgets.guardian-check,
 * `notBefore`): like a delayed message in a queue, it is not work in progress until its time,
 * so `settled()` does not wait for it before then (see LocalLambdaRuntimeOptions.deferredInvocation).
 */
export function isWaitingGuardianCheck(invocation: { event: unknown }, functionsNow: Date): boolean {
  const event = invocation.event as { source?: unknown; notBefore?: unknown } | null;
  if (typeof event !== 'object' || event === null || event.source !== 'org-budgets.guardian-check') return false;
  const notBefore = typeof event.notBefore === 'string' ? Date.parse(event.notBefore) : Number.NaN;
  return Number.isFinite(notBefore) && notBefore > functionsNow.getTime();
}

/** A budget item as finance types it (`sync` is the pipeline's). */
export type BudgetItemInput = ItemKey & Record<string, unknown>;

/** An edit made through the helpers: the key and when it was sent (epoch ms). */
export interface ItemEdit {
  key: ItemKey;
  at: number;
}

export interface LocalCloud {
  /** The front door: AWS_ENDPOINT_URL for everything. */
  endpoint: string;
  region: string;
  stage: string;
  managementAccountId: string;
  /** Static credentials of the management account (for the AWS CLI and SDK). */
  credentials: StaticCredentials;
  tableName: string;
  organization: { id: string; rootId: string; spokeOuId: string };
  /** Accounts with the spoke. */
  memberAccounts: string[];
  /** Accounts of the organization outside the spokes' OU (until joinSpokeOu). */
  outsideAccounts: string[];
  hub: DeployServiceResult;
  stackSet: SpokeStackSet;
  /** Milliseconds of each step of the start. */
  timings: Record<string, number>;
  workDir: string;
  moto: MotoServer;
  frontDoor: FrontDoor;
  runtime: LocalLambdaRuntime;
  watcher: SyncWatcher;
  accountCredentials: AccountCredentials;

  /** Puts an item (a finance edit). */
  putItem(item: BudgetItemInput): Promise<ItemEdit>;
  deleteItem(key: ItemKey): Promise<ItemEdit>;
  /** The item as unmarshall reads it (numbers beyond 2^53, as sync.revision, are bigints). */
  getItem(key: ItemKey): Promise<Record<string, unknown> | undefined>;
  /** The item's `sync`, its revision as a string. */
  getSync(key: ItemKey): Promise<ItemSync | undefined>;
  /** Every item of the table. */
  items(): Promise<Record<string, unknown>[]>;
  /** Waits until each item's latest edit has a final status (see SyncWatcher.waitFor). */
  waitForSync(keys: readonly ItemKey[], options?: WaitForSyncOptions): Promise<Map<string, SyncOutcome>>;
  /** The AWS Budgets of every member account (or of one), as the front door serves them. */
  budgets(accountId?: string): BudgetRecord[];
  /** The spoke's parameter of a budget, as the member account holds it; undefined if none. */
  spokeParameter(key: ItemKey): Promise<Record<string, unknown> | undefined>;
  /** Emails delivered to an address (the runtime's outbox). */
  outbox(address: string): Promise<StoredEmail[]>;
  /** Messages in the hub's dead-letter queue (visible and in flight). */
  hubDeadLetterCount(): Promise<number>;
  /**
   * The bodies of the messages in the hub's dead-letter queue that are visible now; each is
   * then invisible for `visibilityTimeoutSeconds` (60), as after a receive.
   */
  readHubDeadLetters(visibilityTimeoutSeconds?: number): Promise<string[]>;
  /** Messages in a member account's spoke dead-letter queue. */
  spokeDeadLetterCount(accountId: string): Promise<number>;
  /**
   * Moves an account of the organization into the spokes' OU; the StackSet's auto-deployment
   * (emulated, as moto has none) gives it the spoke; the runtime then runs its functions.
   */
  joinSpokeOu(accountId: string): Promise<void>;
  /**
   * Moves a member account out of the spokes' OU (to the organization's root): the StackSet's
   * auto-deployment (emulated) deletes its stack instance, after the spoke's custom resources got
   * their Delete (GuardianQueuesRelease gives back the queues the cost guardian holds). A custom
   * resource that answers FAILED stops it with a CustomResourceFailedError: the instance stays.
   * The retained ledger table stays in the account.
   */
  leaveSpokeOu(accountId: string): Promise<void>;
  /** Fires the hub's reconcile-budgets schedule now. */
  reconcileNow(): number;
  /** Fires the hub's lockdown sweep (record-budget-spend's schedule) now. */
  sweepLockdownsNow(): number;
  /**
   * Fires the spokes' hourly check of their managed budgets against their parameters now, in one
   * member account or in all; returns how many fired.
   */
  verifySpokesNow(accountId?: string): number;
  /** Resolves when the runtime and the front door are quiet (runtime.settled). */
  settled(timeoutMs?: number): Promise<void>;
  /**
   * Stops everything it started; the working directory is deleted unless `keep` (or
   * `keepWorkDir`, e.g. to read the logs after a failure). Idempotent.
   */
  stop(options?: { keepWorkDir?: boolean }): Promise<void>;
}

/** SIGINT or SIGTERM stopped the local cloud while it started (the signal handler exits the process). */
export class LocalCloudInterruptedError extends Error {
  override readonly name = 'LocalCloudInterruptedError';
}

/** Something the start made and stop() undoes, newest first. */
type Cleanup = { name: string; run: () => Promise<void> | void };

/**
 * Starts org-budgets on one machine, as it runs on AWS: moto and the front door on free loopback
 * ports, an organization with an OU of member accounts, the hub deployed with `serverless
 * deploy --stage local` into the management account (moto's default account), the spoke rolled
 * out to the OU with the real StackSet code (stacksets/src), and the local Lambda runtime running
 * the deployed bundles. Stops everything again on failure, on stop(), and on SIGINT/SIGTERM.
 */
export async function startLocalCloud(options: LocalCloudOptions): Promise<LocalCloud> {
  const region = options.region ?? 'us-east-1';
  const stage = options.stage ?? 'local';
  const keep = options.keep ?? false;
  const progress = options.progress ?? (() => undefined);
  const workDir = options.workDir ?? mkdtempSync(join(tmpdir(), 'org-budgets-local-cloud-'));
  const ownsWorkDir = options.workDir === undefined;
  const detail =
    options.detail ??
    ((line: string) => {
      try {
        appendFileSync(join(workDir, 'deploy.log'), `${line}\n`);
      } catch {
        // the deploy log is a convenience
      }
    });
  const timings: Record<string, number> = {};
  const started = Date.now();
  const timed = async <T>(name: string, task: () => Promise<T>): Promise<T> => {
    const at = Date.now();
    try {
      return await task();
    } finally {
      timings[name] = Date.now() - at;
    }
  };
  const seconds = (ms: number | undefined): string => `${((ms ?? 0) / 1000).toFixed(1)} s`;

  const cleanups: Cleanup[] = [];
  let stopping: Promise<void> | undefined;
  const stop = (stopOptions: { keepWorkDir?: boolean } = {}): Promise<void> => {
    stopping ??= (async () => {
      const errors: string[] = [];
      for (const cleanup of cleanups.splice(0).reverse()) {
        try {
          await cleanup.run();
        } catch (error) {
          errors.push(`${cleanup.name}: ${String(error)}`);
        }
      }
      if (ownsWorkDir && !keep && !stopOptions.keepWorkDir) rmSync(workDir, { recursive: true, force: true });
      if (errors.length > 0) throw new Error(`the local cloud did not stop cleanly: ${errors.join('; ')}`);
    })();
    return stopping;
  };

  let startup: Promise<unknown> = Promise.resolve();
  let signalled = false;
  const onSignal = (signal: NodeJS.Signals): void => {
    signalled = true;
    progress(`${signal}: stopping the local cloud`);
    void stop()
      .then(() => progress(`stopped${keep ? `; logs, email outbox and moto's log kept in ${workDir}` : ''}`))
      .catch((error: unknown) => process.stderr.write(`${String(error)}\n`))
      // A deploy in flight fails at once without moto; let it end before exiting.
      .then(() => Promise.race([startup.catch(() => undefined), new Promise((r) => setTimeout(r, 15_000))]))
      .finally(() => process.exit(signal === 'SIGINT' ? 130 : 143));
  };
  if (options.handleSignals ?? true) {
    process.once('SIGINT', onSignal);
    process.once('SIGTERM', onSignal);
    cleanups.push({
      name: 'signal handlers',
      run: () => {
        process.off('SIGINT', onSignal);
        process.off('SIGTERM', onSignal);
      },
    });
  }

  const start = async (): Promise<LocalCloud> => {
    const moto = await timed('moto', () => startMotoServer({ logFile: join(workDir, 'moto.log') }));
    cleanups.push({ name: 'moto', run: () => moto.stop() });
    const spokes = typeof options.memberAccounts === 'number' ? options.memberAccounts : options.memberAccounts.length;
    const frontDoor = await startFrontDoor({
      upstream: moto.endpoint,
      // moto creates every stack instance within the one CreateStackInstances call: 500 spokes
      // take it past the front door's default 60 s (answered 504, which CloudFormation's XML
      // client cannot even parse).
      upstreamTimeoutMs: upstreamTimeoutFor(spokes + (options.accountsOutsideOu ?? 0)),
      ...(options.latency ? { latency: options.latency } : {}),
      ...(options.faults ? { faults: options.faults } : {}),
      // As on AWS, an account without its spoke refuses the hub: moto alone would let it in.
      requireExistingRoles: [SPOKE_ROLE_NAME],
    });
    cleanups.push({ name: 'front door', run: () => frontDoor.stop() });
    const endpoint = frontDoor.endpoint;
    progress(`moto ${moto.endpoint} and the front door ${endpoint} started (${seconds(timings['moto'])})`);

    const accountCredentials = new AccountCredentials({ endpoint, region });
    cleanups.push({ name: 'credentials', run: () => accountCredentials.close() });
    const managementClient = { region, endpoint, credentials: MANAGEMENT_CREDENTIALS };

    // The organization: an OU for the spokes, its accounts, and the accounts outside it.
    const organizations = new OrganizationsClient(managementClient);
    cleanups.push({ name: 'organizations client', run: () => organizations.destroy() });
    const { org, spokeOuId, created, outside } = await timed('organization', async () => {
      const org = await ensureOrganization(organizations);
      const spokeOuId = await createOrganizationalUnit(organizations, org.rootId, 'budgets');
      const count = typeof options.memberAccounts === 'number' ? options.memberAccounts : 0;
      const created = await forEachLimited(
        Array.from({ length: count }, (_, i) => i + 1),
        8,
        async (n) => {
          const account = await createMemberAccount(organizations, `member-${n}`, `member-${n}@example.org`);
          await moveAccount(organizations, account, spokeOuId);
          return account;
        },
      );
      const outside = await forEachLimited(
        Array.from({ length: options.accountsOutsideOu ?? 0 }, (_, i) => i + 1),
        8,
        (n) => createMemberAccount(organizations, `newcomer-${n}`, `newcomer-${n}@example.org`),
      );
      return { org, spokeOuId, created, outside };
    });
    if (org.managementAccountId !== MOTO_DEFAULT_ACCOUNT_ID) {
      throw new Error(`the organization's management account is ${org.managementAccountId}, not moto's default`);
    }
    const accountsById = typeof options.memberAccounts === 'number' ? [] : [...options.memberAccounts];
    const memberAccounts = [...created, ...accountsById];
    progress(
      `organization ${org.id}: OU ${spokeOuId} with ${memberAccounts.length} member account(s)` +
        (outside.length > 0 ? `, ${outside.length} outside it` : '') +
        ` (${seconds(timings['organization'])})`,
    );

    // The hub's deploy and the spoke's StackSet build (serverless package) run side by side.
    progress('deploying the hub (serverless deploy --stage local) and building the spoke StackSet template');
    const alertEmail = options.alertEmail ?? 'cloud-team@example.org';
    const [hub, build] = await Promise.all([
      timed('hub deploy', () =>
        deployService({
          serviceDir: HUB_SERVICE_DIR,
          stage,
          region,
          endpoint,
          accountCredentials: MANAGEMENT_CREDENTIALS,
          params: {
            ...options.hubParams,
            organizationId: org.id,
            spokeExternalId: LOCAL_SPOKE_EXTERNAL_ID,
            alertEmail,
          },
          progress: (line) => detail(`[hub] ${line}`),
        }),
      ),
      timed('spoke build', () =>
        buildSpokeTemplate({
          buildDir: join(workDir, 'stackset-build'),
          stage,
          report: (line) => detail(`[stackset:build] ${line}`),
        }),
      ),
    ]);
    progress(
      `hub ${hub.stackName} deployed in account ${hub.account} (${seconds(timings['hub deploy'])}); ` +
        `spoke StackSet template built (${seconds(timings['spoke build'])})`,
    );
    const propagationRoleArn = requireOutput(hub, 'PropagationRoleArn');
    const statusBusArn = requireOutput(hub, 'StatusBusArn');
    const tableName = requireOutput(hub, 'BudgetsTableName');
    const hubDlqUrl = requireOutput(hub, 'HubDeadLetterQueueUrl');

    const stackSet = new SpokeStackSet({
      endpoint,
      region,
      stage,
      managementCredentials: MANAGEMENT_CREDENTIALS,
      accountCredentials,
      organizations,
      organizationId: org.id,
      organizationalUnitId: spokeOuId,
      hub: { accountId: MOTO_DEFAULT_ACCOUNT_ID, propagationRoleArn, statusBusArn },
      spokeExternalId: LOCAL_SPOKE_EXTERNAL_ID,
      spokeRoleName: SPOKE_ROLE_NAME,
      accountsById,
      build,
      report: (line) => detail(`[stackset] ${line}`),
    });
    cleanups.push({ name: 'stackset clients', run: () => stackSet.destroy() });
    progress(`rolling the spoke out to OU ${spokeOuId} with the StackSet ${stackSet.stackSetName}`);
    const rollout = await timed('spoke rollout', () => stackSet.deploy());
    progress(
      `StackSet ${stackSet.stackSetName}: ${rollout.instances.length} stack instance(s), code in s3://${stackSet.artifactBucket} (${seconds(timings['spoke rollout'])})`,
    );

    const runtime = await timed('runtime start', () =>
      LocalLambdaRuntime.start({
        // Each warm function process takes some 80 MB: hundreds of spokes would not fit.
        maxWorkerProcesses: DEFAULT_MAX_WORKER_PROCESSES,
        deferredInvocation: isWaitingGuardianCheck,
        // The hub's cold starts take turns with the member accounts' instead of queueing behind
        // hundreds of them: on AWS the management account's functions start on hardware of their own.
        coldStartLaneOf: (account) => (account === MOTO_DEFAULT_ACCOUNT_ID ? 'management account' : 'member accounts'),
        ...options.runtime,
        endpoint,
        accounts: [MOTO_DEFAULT_ACCOUNT_ID, ...memberAccounts, ...outside],
        region,
        workDir,
        scheduleTimers: options.scheduleTimers ?? keep,
        controlCredentials: MANAGEMENT_CREDENTIALS,
        codeBuckets: [stackSet.artifactBucket],
      }),
    );
    cleanups.push({ name: 'runtime', run: () => runtime.stop() });
    // From here on Lambda Invoke calls (the functions' own, e.g. the guardian's checks) run here,
    // and the Scheduler schedules moto keeps run at their time (one-time ones, see OneTimeSchedules).
    runtime.connect(frontDoor);
    // CloudFormation sends each new stack instance's custom resources a Create; moto does not.
    const invokeAsync = (account: string, functionArn: string, event: unknown) =>
      runtime.invokeAsync(functionArn, event, { account });
    const inventory = runtime.inventory();
    progress(
      `local Lambda runtime: ${inventory.functions.length} function(s), ${inventory.streamMappings.length} stream mapping(s), ` +
        `${inventory.rules.length} rule(s) (${seconds(timings['runtime start'])})`,
    );
    for (const line of inventory.skipped) detail(`[runtime] skipped: ${line}`);
    await timed('custom resources', () => stackSet.sendCustomResourceRequests(memberAccounts, 'Create', invokeAsync));
    progress(
      `custom resources: the spoke's answered Create in ${memberAccounts.length} account(s) (${seconds(timings['custom resources'])})`,
    );

    const watcher = await SyncWatcher.start({ endpoint, region, credentials: MANAGEMENT_CREDENTIALS, tableName });
    cleanups.push({ name: 'sync watcher', run: () => watcher.stop() });
    const ddb = new DynamoDBClient(managementClient);
    const sqs = new SQSClient(managementClient);
    cleanups.push({
      name: 'clients',
      run: () => {
        ddb.destroy();
        sqs.destroy();
      },
    });
    timings['total'] = Date.now() - started;
    progress(`the local cloud is up (${seconds(timings['total'])})`);

    const keyOf = (key: ItemKey): Record<string, AttributeValue> =>
      marshall({ accountId: key.accountId, budgetName: key.budgetName });
    const queueDepth = async (client: SQSClient, queueUrl: string): Promise<number> => {
      const { Attributes } = await client.send(
        new GetQueueAttributesCommand({
          QueueUrl: queueUrl,
          AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'],
        }),
      );
      return (
        Number(Attributes?.['ApproximateNumberOfMessages'] ?? 0) +
        Number(Attributes?.['ApproximateNumberOfMessagesNotVisible'] ?? 0)
      );
    };
    const memberClient = (accountId: string) => ({
      region,
      endpoint,
      credentials: () => accountCredentials.forAccount(accountId),
    });

    /** Fires now the schedules of a hub function (its EventBridge rules with a schedule); returns how many. */
    const fireHubSchedules = (functionName: string): number => {
      const target = `:function:${hub.stackName}-${functionName}`;
      const rules = runtime
        .inventory()
        .rules.filter((rule) => rule.schedule && rule.targets.some((arn) => arn.endsWith(target)));
      return rules.reduce((fired, rule) => fired + runtime.fireSchedule(rule.name), 0);
    };
    const cloud: LocalCloud = {
      endpoint,
      region,
      stage,
      managementAccountId: MOTO_DEFAULT_ACCOUNT_ID,
      credentials: { ...MANAGEMENT_CREDENTIALS },
      tableName,
      organization: { id: org.id, rootId: org.rootId, spokeOuId },
      memberAccounts,
      outsideAccounts: outside,
      hub,
      stackSet,
      timings,
      workDir,
      moto,
      frontDoor,
      runtime,
      watcher,
      accountCredentials,
      async putItem(item) {
        const at = Date.now();
        await ddb.send(
          new PutItemCommand({ TableName: tableName, Item: marshall(item, { removeUndefinedValues: true }) }),
        );
        return { key: { accountId: item.accountId, budgetName: item.budgetName }, at };
      },
      async deleteItem(key) {
        const at = Date.now();
        await ddb.send(new DeleteItemCommand({ TableName: tableName, Key: keyOf(key) }));
        return { key: { accountId: key.accountId, budgetName: key.budgetName }, at };
      },
      async getItem(key) {
        const { Item } = await ddb.send(
          new GetItemCommand({ TableName: tableName, Key: keyOf(key), ConsistentRead: true }),
        );
        return Item ? unmarshall(Item) : undefined;
      },
      async getSync(key) {
        const sync = (await cloud.getItem(key))?.['sync'] as Record<string, unknown> | undefined;
        if (!sync) return undefined;
        // The revision is a 22-digit Number: unmarshall makes it a bigint; ItemSync says string.
        return Object.fromEntries(
          Object.entries(sync).map(([name, value]) => [name, typeof value === 'bigint' ? String(value) : value]),
        ) as unknown as ItemSync;
      },
      async items() {
        const out: Record<string, unknown>[] = [];
        let start: Record<string, AttributeValue> | undefined;
        do {
          const page = await ddb.send(
            new ScanCommand({ TableName: tableName, ConsistentRead: true, ExclusiveStartKey: start }),
          );
          out.push(...(page.Items ?? []).map((item) => unmarshall(item)));
          start = page.LastEvaluatedKey;
        } while (start);
        return out;
      },
      waitForSync: (keys, waitOptions) => watcher.waitFor(keys, waitOptions),
      budgets: (accountId) => frontDoor.budgets().filter((b) => accountId === undefined || b.accountId === accountId),
      async spokeParameter(key) {
        const ssm = new SSMClient(memberClient(key.accountId));
        try {
          const { Parameter } = await ssm.send(
            new GetParameterCommand({ Name: `/org-budgets/budgets/${key.budgetName}` }),
          );
          return Parameter?.Value === undefined ? undefined : (JSON.parse(Parameter.Value) as Record<string, unknown>);
        } catch (error) {
          if ((error as Error).name === 'ParameterNotFound') return undefined;
          throw error;
        } finally {
          ssm.destroy();
        }
      },
      outbox: (address) => runtime.outbox.read(address),
      hubDeadLetterCount: () => queueDepth(sqs, hubDlqUrl),
      async readHubDeadLetters(visibilityTimeoutSeconds = 60) {
        const bodies = new Map<string, string>();
        for (;;) {
          const { Messages } = await sqs.send(
            new ReceiveMessageCommand({
              QueueUrl: hubDlqUrl,
              MaxNumberOfMessages: 10,
              VisibilityTimeout: visibilityTimeoutSeconds,
            }),
          );
          const fresh = (Messages ?? []).filter((m) => m.MessageId && !bodies.has(m.MessageId));
          if (fresh.length === 0) return [...bodies.values()];
          for (const m of fresh) bodies.set(m.MessageId as string, m.Body ?? '');
        }
      },
      async spokeDeadLetterCount(accountId) {
        const client = new SQSClient(memberClient(accountId));
        try {
          const { QueueUrl } = await client.send(
            new GetQueueUrlCommand({ QueueName: `org-budgets-${stage}-spoke-dlq` }),
          );
          return await queueDepth(client, QueueUrl ?? '');
        } finally {
          client.destroy();
        }
      },
      async joinSpokeOu(accountId) {
        const at = Date.now();
        await moveAccount(organizations, accountId, spokeOuId);
        const result = await stackSet.accountMoved(accountId);
        if (!cloud.memberAccounts.includes(accountId)) cloud.memberAccounts.push(accountId);
        const index = cloud.outsideAccounts.indexOf(accountId);
        if (index >= 0) cloud.outsideAccounts.splice(index, 1);
        await runtime.refresh();
        if (result.createdRegions.length > 0) {
          await stackSet.sendCustomResourceRequests([accountId], 'Create', invokeAsync);
        }
        progress(
          `account ${accountId} joined OU ${spokeOuId}: spoke ${result.createdRegions.length > 0 ? `deployed in ${result.createdRegions.join(', ')}` : 'already there'} (${seconds(Date.now() - at)})`,
        );
      },
      async leaveSpokeOu(accountId) {
        const at = Date.now();
        await moveAccount(organizations, accountId, org.rootId);
        const result = await stackSet.accountLeft(accountId, invokeAsync);
        const index = cloud.memberAccounts.indexOf(accountId);
        if (index >= 0) cloud.memberAccounts.splice(index, 1);
        if (!cloud.outsideAccounts.includes(accountId)) cloud.outsideAccounts.push(accountId);
        await runtime.refresh();
        progress(
          `account ${accountId} left OU ${spokeOuId}: spoke ${result.deletedRegions.length > 0 ? `removed from ${result.deletedRegions.join(', ')}` : 'not there'} (${seconds(Date.now() - at)})`,
        );
      },
      reconcileNow: () => fireHubSchedules('reconcileBudgets'),
      sweepLockdownsNow: () => fireHubSchedules('recordBudgetSpend'),
      verifySpokesNow(accountId) {
        const verifier = /:function:[^:]*-spoke-[^:]*-(applyBudget|verifyBudgets)$/;
        const rules = runtime
          .inventory()
          .rules.filter(
            (rule) =>
              rule.schedule &&
              rule.account !== MOTO_DEFAULT_ACCOUNT_ID &&
              (accountId === undefined || rule.account === accountId) &&
              rule.targets.some((target) => verifier.test(target)),
          );
        return rules.reduce(
          (fired, rule) => fired + runtime.fireSchedule(`arn:aws:events:${region}:${rule.account}:rule/${rule.name}`),
          0,
        );
      },
      settled: (timeoutMs) => runtime.settled(timeoutMs),
      stop,
    };
    return cloud;
  };

  const starting = start();
  startup = starting;
  try {
    return await starting;
  } catch (error) {
    if (signalled)
      throw new LocalCloudInterruptedError('the local cloud was stopped while it started', { cause: error });
    progress(
      `the local cloud failed to start (logs kept in ${workDir}): ${error instanceof Error ? error.message : String(error)}`,
    );
    await stop({ keepWorkDir: true }).catch((stopError: unknown) => progress(String(stopError)));
    throw error;
  }
}

/**
 * How long the front door waits for moto's answer to one call: 60 s, or 1 s per account when
 * more (moto's CreateStackInstances creates every account's stack before it answers).
 */
export function upstreamTimeoutFor(accounts: number): number {
  return Math.max(60_000, accounts * 1000);
}

function requireOutput(deployed: DeployServiceResult, name: string): string {
  const value = deployed.outputs[name];
  if (!value) throw new Error(`the ${deployed.stackName} stack has no output ${name}`);
  return value;
}

/** Runs `task` over `items` with at most `limit` at once; results in the items' order. */
export async function forEachLimited<T, R>(
  items: readonly T[],
  limit: number,
  task: (item: T, index: number) => Promise<R>,
): Promise<R[]> {
  const results: R[] = new Array<R>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const index = next++;
      results[index] = await task(items[index] as T, index);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}
