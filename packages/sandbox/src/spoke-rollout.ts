import { createHash } from 'node:crypto';
import { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import {
  DeleteFunctionEventInvokeConfigCommand,
  LambdaClient,
  PutFunctionEventInvokeConfigCommand,
} from '@aws-sdk/client-lambda';
import type { OrganizationsClient } from '@aws-sdk/client-organizations';
import { S3Client } from '@aws-sdk/client-s3';
import { SNSClient, SubscribeCommand } from '@aws-sdk/client-sns';
import {
  applyAutoDeployment,
  artifactBucketName,
  type AutoDeployResult,
  AwsOrganization,
  buildSpokeStackSet,
  CloudFormationStackSets,
  deploySpokeStackSet,
  loadBuild,
  type LoadedBuild,
  operationPreferences,
  type OrganizationView,
  parseRolloutConfig,
  type RolloutConfig,
  type RolloutResult,
  S3ArtifactStore,
  stackSetParameters,
  waitForOperation,
} from '@org-budgets/stacksets';
import {
  customResourcesOf,
  eventInvokeConfigsToApply,
  resolveValue,
  sendCustomResourceRequests,
  subscriptionsToApply,
  UnresolvableValueError,
  type AccountCredentials,
  type StackContext,
  type StackResource,
  type Template,
} from '@org-budgets/local-lambda';

export interface StaticCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
}

export interface SpokeStackSetOptions {
  endpoint: string;
  region: string;
  /** The spoke's stage: names its resources (org-budgets-spoke-<stage>-applyBudget…). */
  stage: string;
  /** Credentials of the management account, which owns the StackSet and the artifact bucket. */
  managementCredentials: StaticCredentials;
  /** Credentials in the member accounts (to fill what moto's CloudFormation leaves out). */
  accountCredentials: AccountCredentials;
  organizations: OrganizationsClient;
  organizationId: string;
  /** The OU the StackSet targets. */
  organizationalUnitId: string;
  hub: { accountId: string; propagationRoleArn: string; statusBusArn: string };
  spokeExternalId: string;
  spokeRoleName: string;
  /** Subscribed to each spoke's budget alerts topic; empty for none. */
  alertEmail?: string;
  /**
   * Member accounts given by id: moto cannot create an account with a chosen id, so these are
   * not in moto's organization. The rollout sees them as accounts of the OU and they get their
   * stack instance by account id (as CloudFormation does for an INTERSECTION filter).
   */
  accountsById?: readonly string[];
  /** The StackSet build (buildSpokeTemplate). */
  build: LoadedBuild;
  report: (line: string) => void;
}

/**
 * `serverless package` of services/spoke turned into the StackSet template, with its code
 * (stacksets/src/spoke-build), into `buildDir`.
 */
export async function buildSpokeTemplate(options: {
  buildDir: string;
  stage: string;
  report: (line: string) => void;
}): Promise<LoadedBuild> {
  await buildSpokeStackSet({ outDir: options.buildDir, stage: options.stage, report: options.report });
  return loadBuild(options.buildDir);
}

/** Invokes a function asynchronously in an account (LocalLambdaRuntime.invokeAsync). */
export type InvokeAsync = (account: string, functionArn: string, event: unknown) => Promise<unknown>;

/** The spoke StackSet on the local cloud: the real build, rollout and auto-deployment code. */
export class SpokeStackSet {
  readonly stackSetName: string;
  readonly artifactBucket: string;
  readonly config: RolloutConfig;
  private readonly build: LoadedBuild;
  private readonly cloudFormation: CloudFormationClient;
  private readonly stackSets: CloudFormationStackSets;
  private readonly artifacts: S3ArtifactStore;
  private readonly organization: OrganizationView;
  /** Each account's custom resources' PhysicalResourceIds, from their Create answers. */
  private readonly customResourceIds = new Map<string, Map<string, string>>();

  constructor(private readonly options: SpokeStackSetOptions) {
    const { endpoint, region } = options;
    this.build = options.build;
    this.stackSetName = `org-budgets-spoke-${options.stage}`;
    this.config = parseRolloutConfig(
      {
        stackSetName: this.stackSetName,
        stackSetRegion: region,
        targets: { organizationalUnitIds: [options.organizationalUnitId], regions: [region] },
        artifactBucketPrefix: `org-budgets-${options.stage}-artifacts`,
        hub: options.hub,
        organizationId: options.organizationId,
        spoke: { roleName: options.spokeRoleName, alertEmail: options.alertEmail ?? '' },
      },
      'the local cloud',
    );
    this.artifactBucket = artifactBucketName(this.config, region);
    const credentials = options.managementCredentials;
    this.cloudFormation = new CloudFormationClient({ region, endpoint, credentials });
    this.stackSets = new CloudFormationStackSets({
      client: this.cloudFormation,
      callAs: 'SELF',
      dialect: 'moto',
      sleep: () => Promise.resolve(),
      report: options.report,
    });
    this.artifacts = new S3ArtifactStore({
      forcePathStyle: true,
      // Over plain http a TLS-only bucket policy would lock the deploy out (moto evaluates it).
      allowPlainHttp: true,
      clientFor: (bucketRegion) => new S3Client({ region: bucketRegion, endpoint, forcePathStyle: true, credentials }),
    });
    const real = new AwsOrganization(options.organizations);
    const byId = new Set(options.accountsById ?? []);
    const ou = options.organizationalUnitId;
    this.organization =
      byId.size === 0
        ? real
        : {
            organizationId: () => real.organizationId(),
            accountsUnder: async (parent) => [
              ...new Set([...(await real.accountsUnder(parent)), ...(parent === ou ? byId : [])]),
            ],
            ancestorsOf: async (account) => (byId.has(account) ? [ou] : real.ancestorsOf(account)),
          };
  }

  /**
   * deploySpokeStackSet on the OU: uploads the code to the management account's artifact
   * bucket, creates the service-managed StackSet and its stack instances; then the accounts
   * given by id get theirs, and every new instance gets what moto's CloudFormation skipped.
   */
  async deploy(): Promise<RolloutResult> {
    const build = this.build;
    const deps = { ...this.deps(), artifacts: this.artifacts, now: () => Date.now() };
    const result = await deploySpokeStackSet(
      { config: this.config, build, spokeExternalId: this.options.spokeExternalId },
      deps,
    );
    const byId = new Set(this.options.accountsById ?? []);
    const missingById = result.missing.filter((m) => byId.has(m.account)).map((m) => m.account);
    if (missingById.length > 0) {
      this.options.report(
        `${missingById.length} account(s) given by id (not in moto's organization): stack instances by account id`,
      );
      const operationId = await this.stackSets.createInstances(
        this.stackSetName,
        {
          organizationalUnitIds: [this.options.organizationalUnitId],
          regions: [this.options.region],
          accounts: missingById,
          accountFilter: 'INTERSECTION',
        },
        operationPreferences(this.config.operationPreferences),
      );
      result.operations.push(
        await waitForOperation(
          { stackSetName: this.stackSetName, operationId, label: 'create instances by id', timeoutMs: 600_000 },
          { api: this.stackSets, sleep: deps.sleep, now: deps.now, report: this.options.report },
        ),
      );
      result.instances = await this.stackSets.listInstances(this.stackSetName);
      const have = new Set(result.instances.map((i) => i.account));
      result.missing = result.missing.filter((m) => !have.has(m.account));
    }
    if (result.missing.length > 0) {
      throw new Error(
        `accounts of OU ${this.options.organizationalUnitId} still without the spoke: ${result.missing.map((m) => m.account).join(', ')}`,
      );
    }
    await this.fillTemplateGaps(result.instances.map((i) => i.account));
    return result;
  }

  /**
   * An account was moved into the OU: AWS auto-deployment would give it the spoke; moto does
   * not, so applyAutoDeployment (stacksets/src/auto-deploy) does, as the local cloud's emulation.
   */
  async accountMoved(accountId: string): Promise<AutoDeployResult> {
    const result = await applyAutoDeployment(
      accountId,
      { stackSetName: this.stackSetName, targetOrganizationalUnitIds: [this.options.organizationalUnitId] },
      { ...this.deps(), now: () => Date.now() },
    );
    if (result.createdRegions.length > 0) await this.fillTemplateGaps([accountId]);
    return result;
  }

  /**
   * An account was moved out of the OU: AWS auto-deployment deletes its stack instance, and
   * CloudFormation first sends each custom resource of the stack a Delete. moto does neither
   * (and never invokes a custom resource's function), so this does, in that order: a custom
   * resource that answers FAILED stops the deletion (the instance stays, as in DELETE_FAILED on
   * AWS) with a CustomResourceFailedError that gives its reason.
   */
  async accountLeft(accountId: string, invokeAsync: InvokeAsync): Promise<AutoDeployResult> {
    const current = await this.stackSets.describe(this.stackSetName);
    if (current?.instances.some((i) => i.account === accountId)) {
      await this.sendCustomResourceRequests([accountId], 'Delete', invokeAsync);
    }
    const result = await applyAutoDeployment(
      accountId,
      { stackSetName: this.stackSetName, targetOrganizationalUnitIds: [this.options.organizationalUnitId] },
      { ...this.deps(), now: () => Date.now() },
    );
    this.customResourceIds.delete(accountId);
    return result;
  }

  /**
   * Sends the spoke's custom resources in each account the request CloudFormation sends them
   * (Create once a stack instance is created, Delete before it is deleted), through the local
   * Lambda runtime, and waits for their answers; throws CustomResourceFailedError at a FAILED one.
   */
  async sendCustomResourceRequests(
    accounts: readonly string[],
    requestType: 'Create' | 'Delete',
    invokeAsync: InvokeAsync,
  ): Promise<void> {
    const template = JSON.parse(this.build.templateBody) as Template;
    const parameters = stackSetParameters(
      this.config,
      this.build.manifest,
      this.options.organizationId,
      this.options.spokeExternalId,
    );
    await forEachAccount(accounts, 8, async (account) => {
      const context = hiddenStackContext(template, {
        stackName: `StackSet-${this.stackSetName}`,
        account,
        region: this.options.region,
        partition: 'aws',
        parameters,
      });
      const answers = await sendCustomResourceRequests(customResourcesOf(template, context), {
        requestType,
        stackId: localStackId(this.stackSetName, account, this.options.region),
        invokeAsync: (functionArn, event) => invokeAsync(account, functionArn, event),
        ...(requestType === 'Delete' ? { physicalIds: this.customResourceIds.get(account) ?? new Map() } : {}),
      });
      if (requestType === 'Create') {
        this.customResourceIds.set(
          account,
          new Map([...answers].map(([logicalId, answer]) => [logicalId, answer.PhysicalResourceId])),
        );
      }
    });
  }

  destroy(): void {
    this.cloudFormation.destroy();
    this.artifacts.destroy();
  }

  private deps() {
    return {
      stackSets: this.stackSets,
      organization: this.organization,
      report: this.options.report,
      sleep: () => Promise.resolve(),
    };
  }

  /**
   * moto's CloudFormation skips AWS::Lambda::EventInvokeConfig and AWS::SNS::Subscription, and a
   * service-managed StackSet's stacks are hidden in moto (no stack to read back in the member
   * account): resolves the template against the names it gives its resources and puts what it
   * says through the Lambda and SNS APIs, in each account, as deployService does for a stack.
   */
  private async fillTemplateGaps(accounts: readonly string[]): Promise<void> {
    const build = this.build;
    const template = JSON.parse(build.templateBody) as Template;
    const parameters = stackSetParameters(
      this.config,
      build.manifest,
      this.options.organizationId,
      this.options.spokeExternalId,
    );
    await forEachAccount(accounts, 8, (account) => this.fillAccount(account, template, parameters));
  }

  private async fillAccount(account: string, template: Template, parameters: Record<string, string>): Promise<void> {
    const context = hiddenStackContext(template, {
      stackName: `StackSet-${this.stackSetName}`,
      account,
      region: this.options.region,
      partition: 'aws',
      parameters,
    });
    const clientConfig = {
      region: this.options.region,
      endpoint: this.options.endpoint,
      credentials: () => this.options.accountCredentials.forAccount(account),
    };
    const lambda = new LambdaClient(clientConfig);
    const sns = new SNSClient(clientConfig);
    try {
      for (const config of eventInvokeConfigsToApply(template, context)) {
        const { logicalId: _logicalId, ...input } = config;
        await lambda
          .send(new DeleteFunctionEventInvokeConfigCommand({ FunctionName: input.FunctionName }))
          .catch(() => undefined);
        await lambda.send(new PutFunctionEventInvokeConfigCommand(input));
      }
      for (const subscription of subscriptionsToApply(template, context)) {
        const { logicalId: _logicalId, ...input } = subscription;
        await sns.send(new SubscribeCommand({ ...input, ReturnSubscriptionArn: true }));
      }
    } finally {
      lambda.destroy();
      sns.destroy();
    }
  }
}

/** Runs `task` for each account, at most `limit` at once. */
async function forEachAccount(
  accounts: readonly string[],
  limit: number,
  task: (account: string) => Promise<void>,
): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < accounts.length) await task(accounts[next++] as string);
  };
  await Promise.all(Array.from({ length: Math.min(limit, accounts.length) }, worker));
}

/**
 * The id of an account's stack instance as the local cloud names it in custom resource
 * requests (moto keeps a service-managed StackSet's stacks hidden): the stack name AWS gives
 * them, `StackSet-<StackSet name>-<uuid>`, with a uuid made from the account. moto knows no
 * such stack, as CloudFormation knows no deleted one.
 */
export function localStackId(stackSetName: string, account: string, region: string): string {
  const hex = createHash('sha256').update(`${stackSetName}/${account}/${region}`).digest('hex');
  const uuid = `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-8${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
  return `arn:aws:cloudformation:${region}:${account}:stack/StackSet-${stackSetName}-${uuid}/${uuid}`;
}

/** Types moto's CloudFormation does not create (see deploy/template-gaps.ts). */
const SKIPPED_BY_MOTO = new Set([
  'AWS::Lambda::EventInvokeConfig',
  'AWS::SNS::Subscription',
  'AWS::CloudWatch::Alarm',
  'AWS::Events::EventBusPolicy',
  'AWS::SQS::QueuePolicy',
  'AWS::S3::BucketPolicy',
  'AWS::SNS::TopicPolicy',
  'AWS::CloudFormation::CustomResource',
]);

/** The name property of each resource type whose Ref the spoke's template uses. */
const NAME_PROPERTY: Record<string, string> = {
  'AWS::Lambda::Function': 'FunctionName',
  'AWS::SQS::Queue': 'QueueName',
  'AWS::SNS::Topic': 'TopicName',
  'AWS::IAM::Role': 'RoleName',
  'AWS::Logs::LogGroup': 'LogGroupName',
  'AWS::Events::Rule': 'Name',
};

/**
 * A StackContext for a stack moto keeps hidden (a service-managed StackSet's instance): every
 * resource moto creates is taken as created, with the physical id its name property gives it
 * (an SQS queue's URL and an SNS topic's ARN as AWS forms them).
 */
export function hiddenStackContext(template: Template, stack: Omit<StackContext, 'resources'>): StackContext {
  const context: StackContext = { ...stack, resources: [] };
  const resources: StackResource[] = [];
  for (const [logicalId, resource] of Object.entries(template.Resources)) {
    if (SKIPPED_BY_MOTO.has(resource.Type)) continue;
    const property = NAME_PROPERTY[resource.Type];
    let name: string = logicalId;
    if (property !== undefined && resource.Properties?.[property] !== undefined) {
      try {
        name = String(resolveValue(resource.Properties[property], template, context));
      } catch (error) {
        if (!(error instanceof UnresolvableValueError)) throw error;
      }
    }
    const physicalId =
      resource.Type === 'AWS::SQS::Queue'
        ? `https://sqs.${stack.region}.amazonaws.com/${stack.account}/${name}`
        : resource.Type === 'AWS::SNS::Topic'
          ? `arn:${stack.partition}:sns:${stack.region}:${stack.account}:${name}`
          : name;
    resources.push({ logicalId, type: resource.Type, physicalId });
  }
  context.resources = resources;
  return context;
}
