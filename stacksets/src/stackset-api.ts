import { randomUUID } from 'node:crypto';
import {
  CloudFormationClient,
  CreateStackInstancesCommand,
  CreateStackSetCommand,
  DeleteStackInstancesCommand,
  DeleteStackSetCommand,
  DescribeStackSetCommand,
  DescribeStackSetOperationCommand,
  ListStackInstancesCommand,
  ListStackSetOperationResultsCommand,
  UpdateStackInstancesCommand,
  UpdateStackSetCommand,
  type DeploymentTargets,
  type Parameter,
} from '@aws-sdk/client-cloudformation';
import type { OperationPreferences } from './config';
import type { AutoDeployment, CurrentStackSet, InstanceSummary, InstanceTargets } from './plan';

/**
 * Which CloudFormation answers. `moto` (the local cloud) differs from AWS in ways this adapter
 * makes up for:
 * - DeleteStackInstances and UpdateStackInstances ignore DeploymentTargets and act only on the
 *   top-level Accounts (which AWS refuses for service-managed StackSets): send Accounts.
 * - CreateStackInstances ignores AccountFilterType and deploys to every account of the OUs:
 *   for INTERSECTION send the accounts and an empty OU list.
 * Everything else is the same request.
 */
export type CloudFormationDialect = 'aws' | 'moto';

export interface StackSetWrite {
  name: string;
  description: string;
  templateBody?: string;
  templateUrl?: string;
  parameters: Readonly<Record<string, string>>;
  autoDeployment: AutoDeployment;
  tags: Readonly<Record<string, string>>;
}

/** QUEUED, RUNNING, SUCCEEDED, FAILED, STOPPING or STOPPED. */
export type OperationStatus = string;

export interface OperationState {
  status: OperationStatus;
  action?: string;
  statusReason?: string;
}

export interface OperationResult {
  account: string;
  region: string;
  /** PENDING, RUNNING, SUCCEEDED, FAILED or CANCELLED. */
  status: string;
  statusReason?: string;
  organizationalUnitId?: string;
}

/** The StackSet calls the rollout makes (one StackSet, in the management or delegated admin account). */
export interface StackSetApi {
  describe(name: string): Promise<CurrentStackSet | undefined>;
  listInstances(name: string): Promise<InstanceSummary[]>;
  /** CreateStackSet: synchronous, no operation. */
  create(input: StackSetWrite): Promise<void>;
  /** UpdateStackSet of every instance. Returns the operation id. */
  update(input: StackSetWrite, preferences: OperationPreferences): Promise<string>;
  createInstances(name: string, targets: InstanceTargets, preferences: OperationPreferences): Promise<string>;
  updateInstances(name: string, targets: InstanceTargets, preferences: OperationPreferences): Promise<string>;
  deleteInstances(name: string, targets: InstanceTargets, preferences: OperationPreferences): Promise<string>;
  deleteStackSet(name: string): Promise<void>;
  describeOperation(name: string, operationId: string): Promise<OperationState>;
  listOperationResults(name: string, operationId: string): Promise<OperationResult[]>;
}

export interface CloudFormationStackSetsOptions {
  client: CloudFormationClient;
  callAs?: 'SELF' | 'DELEGATED_ADMIN';
  dialect?: CloudFormationDialect;
  /** Waits between retries of a call refused because another operation runs (AWS runs one at a time). */
  sleep?: (ms: number) => Promise<void>;
  /** How long to keep retrying such a call; 10 minutes by default. */
  busyTimeoutMs?: number;
  report?: (line: string) => void;
}

/** StackSetApi over @aws-sdk/client-cloudformation. */
export class CloudFormationStackSets implements StackSetApi {
  private readonly client: CloudFormationClient;
  private readonly callAs: 'SELF' | 'DELEGATED_ADMIN';
  private readonly dialect: CloudFormationDialect;
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly busyTimeoutMs: number;
  private readonly report: (line: string) => void;

  constructor(options: CloudFormationStackSetsOptions) {
    this.client = options.client;
    this.callAs = options.callAs ?? 'SELF';
    this.dialect = options.dialect ?? 'aws';
    this.sleep = options.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
    this.busyTimeoutMs = options.busyTimeoutMs ?? 600_000;
    this.report = options.report ?? (() => undefined);
  }

  async describe(name: string): Promise<CurrentStackSet | undefined> {
    let stackSet;
    try {
      ({ StackSet: stackSet } = await this.client.send(
        new DescribeStackSetCommand({ StackSetName: name, CallAs: this.callAs }),
      ));
    } catch (error) {
      if ((error as Error).name === 'StackSetNotFoundException') return undefined;
      throw error;
    }
    if (!stackSet || stackSet.Status === 'DELETED') return undefined;
    const auto = stackSet.AutoDeployment;
    return {
      name,
      status: stackSet.Status ?? 'ACTIVE',
      permissionModel: stackSet.PermissionModel,
      autoDeployment:
        auto?.Enabled === undefined
          ? undefined
          : { enabled: auto.Enabled, retainStacksOnAccountRemoval: auto.RetainStacksOnAccountRemoval ?? false },
      description: stackSet.Description,
      templateBody: stackSet.TemplateBody,
      organizationalUnitIds: stackSet.OrganizationalUnitIds,
      instances: await this.listInstances(name),
    };
  }

  async listInstances(name: string): Promise<InstanceSummary[]> {
    const instances: InstanceSummary[] = [];
    let nextToken: string | undefined;
    do {
      const page = await this.client.send(
        new ListStackInstancesCommand({ StackSetName: name, CallAs: this.callAs, NextToken: nextToken }),
      );
      for (const summary of page.Summaries ?? []) {
        if (!summary.Account || !summary.Region) continue;
        instances.push({
          account: summary.Account,
          region: summary.Region,
          ...(summary.OrganizationalUnitId ? { organizationalUnitId: summary.OrganizationalUnitId } : {}),
          ...(summary.Status ? { status: summary.Status } : {}),
          ...(summary.StatusReason ? { statusReason: summary.StatusReason } : {}),
        });
      }
      nextToken = page.NextToken;
    } while (nextToken);
    return instances;
  }

  async create(input: StackSetWrite): Promise<void> {
    await this.client.send(
      new CreateStackSetCommand({
        StackSetName: input.name,
        Description: input.description,
        TemplateBody: input.templateBody,
        TemplateURL: input.templateUrl,
        Parameters: toParameters(input.parameters),
        Capabilities: ['CAPABILITY_NAMED_IAM'],
        PermissionModel: 'SERVICE_MANAGED',
        AutoDeployment: {
          Enabled: input.autoDeployment.enabled,
          RetainStacksOnAccountRemoval: input.autoDeployment.retainStacksOnAccountRemoval,
        },
        Tags: toTags(input.tags),
        CallAs: this.callAs,
        ClientRequestToken: randomUUID(),
      }),
    );
  }

  update(input: StackSetWrite, preferences: OperationPreferences): Promise<string> {
    // No DeploymentTargets and no Regions: CloudFormation updates every instance of the StackSet.
    return this.whenNotBusy(`update ${input.name}`, async () => {
      const { OperationId } = await this.client.send(
        new UpdateStackSetCommand({
          StackSetName: input.name,
          Description: input.description,
          TemplateBody: input.templateBody,
          TemplateURL: input.templateUrl,
          Parameters: toParameters(input.parameters),
          Capabilities: ['CAPABILITY_NAMED_IAM'],
          // PermissionModel is left alone: it cannot change while instances exist (the plan
          // refuses a StackSet that is not service-managed).
          AutoDeployment: {
            Enabled: input.autoDeployment.enabled,
            RetainStacksOnAccountRemoval: input.autoDeployment.retainStacksOnAccountRemoval,
          },
          // The configuration is the truth: an empty list removes tags set by hand.
          Tags: toTags(input.tags),
          OperationPreferences: preferences,
          OperationId: randomUUID(),
          CallAs: this.callAs,
        }),
      );
      return requireOperationId(OperationId, 'UpdateStackSet');
    });
  }

  createInstances(name: string, targets: InstanceTargets, preferences: OperationPreferences): Promise<string> {
    return this.whenNotBusy(`create instances of ${name}`, async () => {
      const moto = this.dialect === 'moto';
      const narrowOnMoto = moto && targets.accountFilter === 'INTERSECTION';
      const { OperationId } = await this.client.send(
        new CreateStackInstancesCommand({
          StackSetName: name,
          Regions: targets.regions,
          DeploymentTargets: narrowOnMoto ? { OrganizationalUnitIds: [] } : deploymentTargets(targets),
          ...(narrowOnMoto ? { Accounts: targets.accounts } : {}),
          OperationPreferences: preferences,
          OperationId: randomUUID(),
          CallAs: this.callAs,
        }),
      );
      return requireOperationId(OperationId, 'CreateStackInstances');
    });
  }

  updateInstances(name: string, targets: InstanceTargets, preferences: OperationPreferences): Promise<string> {
    return this.whenNotBusy(`update instances of ${name}`, async () => {
      const { OperationId } = await this.client.send(
        new UpdateStackInstancesCommand({
          StackSetName: name,
          Regions: targets.regions,
          ...this.accountsOrTargets(targets),
          ParameterOverrides: [],
          OperationPreferences: preferences,
          OperationId: randomUUID(),
          CallAs: this.callAs,
        }),
      );
      return requireOperationId(OperationId, 'UpdateStackInstances');
    });
  }

  deleteInstances(name: string, targets: InstanceTargets, preferences: OperationPreferences): Promise<string> {
    return this.whenNotBusy(`delete instances of ${name}`, async () => {
      const { OperationId } = await this.client.send(
        new DeleteStackInstancesCommand({
          StackSetName: name,
          Regions: targets.regions,
          ...this.accountsOrTargets(targets),
          RetainStacks: false,
          OperationPreferences: preferences,
          OperationId: randomUUID(),
          CallAs: this.callAs,
        }),
      );
      return requireOperationId(OperationId, 'DeleteStackInstances');
    });
  }

  async deleteStackSet(name: string): Promise<void> {
    await this.whenNotBusy(`delete ${name}`, async () => {
      await this.client.send(new DeleteStackSetCommand({ StackSetName: name, CallAs: this.callAs }));
    });
  }

  async describeOperation(name: string, operationId: string): Promise<OperationState> {
    const { StackSetOperation: operation } = await this.client.send(
      new DescribeStackSetOperationCommand({ StackSetName: name, OperationId: operationId, CallAs: this.callAs }),
    );
    return {
      status: operation?.Status ?? 'RUNNING',
      ...(operation?.Action ? { action: operation.Action } : {}),
      ...(operation?.StatusReason ? { statusReason: operation.StatusReason } : {}),
    };
  }

  async listOperationResults(name: string, operationId: string): Promise<OperationResult[]> {
    const results: OperationResult[] = [];
    let nextToken: string | undefined;
    do {
      const page = await this.client.send(
        new ListStackSetOperationResultsCommand({
          StackSetName: name,
          OperationId: operationId,
          CallAs: this.callAs,
          NextToken: nextToken,
        }),
      );
      for (const summary of page.Summaries ?? []) {
        results.push({
          account: summary.Account ?? '?',
          region: summary.Region ?? '?',
          status: summary.Status ?? 'UNKNOWN',
          ...(summary.StatusReason ? { statusReason: summary.StatusReason } : {}),
          ...(summary.OrganizationalUnitId ? { organizationalUnitId: summary.OrganizationalUnitId } : {}),
        });
      }
      nextToken = page.NextToken;
    } while (nextToken);
    return results;
  }

  private accountsOrTargets(targets: InstanceTargets): { Accounts?: string[]; DeploymentTargets?: DeploymentTargets } {
    if (this.dialect === 'moto') return { Accounts: targets.accounts };
    return { DeploymentTargets: deploymentTargets(targets) };
  }

  /** Retries a call that CloudFormation refuses because another operation of the StackSet runs. */
  private async whenNotBusy<T>(what: string, call: () => Promise<T>): Promise<T> {
    const started = Date.now();
    for (let delayMs = 5_000; ; delayMs = Math.min(delayMs * 2, 60_000)) {
      try {
        return await call();
      } catch (error) {
        const busy = (error as Error).name === 'OperationInProgressException';
        if (!busy || Date.now() - started + delayMs > this.busyTimeoutMs) throw error;
        this.report(
          `${what}: another operation of the StackSet is running; retrying in ${Math.round(delayMs / 1000)} s`,
        );
        await this.sleep(delayMs);
      }
    }
  }
}

/** DeploymentTargets for AWS: the OUs, narrowed to the accounts for INTERSECTION. */
export function deploymentTargets(targets: InstanceTargets): DeploymentTargets {
  if (targets.organizationalUnitIds.length === 0) {
    throw new Error(
      `stack instances of account(s) ${targets.accounts.join(', ')} have no known OU; a service-managed StackSet addresses instances through OUs`,
    );
  }
  return targets.accountFilter === 'INTERSECTION'
    ? {
        OrganizationalUnitIds: targets.organizationalUnitIds,
        Accounts: targets.accounts,
        AccountFilterType: 'INTERSECTION',
      }
    : { OrganizationalUnitIds: targets.organizationalUnitIds };
}

function toParameters(parameters: Readonly<Record<string, string>>): Parameter[] {
  return Object.entries(parameters).map(([ParameterKey, ParameterValue]) => ({ ParameterKey, ParameterValue }));
}

function toTags(tags: Readonly<Record<string, string>>): { Key: string; Value: string }[] {
  return Object.entries(tags).map(([Key, Value]) => ({ Key, Value }));
}

function requireOperationId(operationId: string | undefined, call: string): string {
  if (!operationId) throw new Error(`${call} returned no OperationId`);
  return operationId;
}
