/**
 * Auto-deployment for the local cloud. On AWS a StackSet with AutoDeployment enabled deploys to
 * an account by itself when the account joins a target OU (and, with
 * RetainStacksOnAccountRemoval false, deletes its instances when it leaves). moto does neither,
 * so the local cloud calls applyAutoDeployment after it moves an account.
 */
import { createRolloutClients, realClock } from './clients';
import { operationPreferences, type OperationPreferences } from './config';
import { waitForOperation, type OperationOutcome } from './operation-wait';
import type { OrganizationView } from './organization';
import { planAccountMove, type PlanStep } from './plan';
import type { CloudFormationDialect, StackSetApi } from './stackset-api';

export interface AutoDeployOptions {
  stackSetName: string;
  /** The StackSet's target OUs; by default those the StackSet reports (AWS does, moto does not). */
  targetOrganizationalUnitIds?: readonly string[];
  /**
   * Regions for an account whose OU has no instance yet; otherwise the account gets the regions
   * the other accounts of its OU have (as AWS auto-deployment does).
   */
  regions?: readonly string[];
  /** As the StackSet's AutoDeployment says; false (this project's setting) by default. */
  retainStacksOnAccountRemoval?: boolean;
  preferences?: OperationPreferences;
  /** How long to wait for each operation; 10 minutes by default. */
  timeoutMs?: number;
}

export interface AutoDeployDeps {
  stackSets: StackSetApi;
  organization: OrganizationView;
  report: (line: string) => void;
  sleep: (ms: number) => Promise<void>;
  now: () => number;
}

export interface AutoDeployResult {
  accountId: string;
  /** The target OU the account is now under, if any. */
  organizationalUnitId?: string;
  /** Regions where the account got a stack instance. */
  createdRegions: string[];
  /** Regions where its stack instance was deleted (it left the target OUs). */
  deletedRegions: string[];
  operations: OperationOutcome[];
}

/** Makes an account's stack instances match where it now is in the organization, and waits. */
export async function applyAutoDeployment(
  accountId: string,
  options: AutoDeployOptions,
  deps: AutoDeployDeps,
): Promise<AutoDeployResult> {
  const name = options.stackSetName;
  const current = await deps.stackSets.describe(name);
  if (!current) throw new Error(`StackSet ${name} does not exist: deploy it first (stackset:deploy)`);
  const targetOus = options.targetOrganizationalUnitIds ?? current.organizationalUnitIds;
  if (!targetOus) throw new Error(`StackSet ${name} does not report its target OUs: pass targetOrganizationalUnitIds`);

  const ancestors = await deps.organization.ancestorsOf(accountId);
  const ou = ancestors.find((parent) => targetOus.includes(parent));
  let regions: string[] = [];
  if (ou) {
    const ouAccounts = new Set(await deps.organization.accountsUnder(ou));
    regions = [
      ...new Set(
        current.instances
          .filter((i) => i.account !== accountId && (i.organizationalUnitId === ou || ouAccounts.has(i.account)))
          .map((i) => i.region),
      ),
    ];
    if (regions.length === 0) regions = [...(options.regions ?? [])];
    if (regions.length === 0) {
      throw new Error(
        `no other account of OU ${ou} has the StackSet ${name} and no regions were given: cannot tell where to deploy`,
      );
    }
  }
  const steps = planAccountMove(
    { accountId, ancestors },
    targetOus,
    regions,
    current.instances,
    options.retainStacksOnAccountRemoval ?? false,
  );
  const result: AutoDeployResult = {
    accountId,
    ...(ou ? { organizationalUnitId: ou } : {}),
    createdRegions: [],
    deletedRegions: [],
    operations: [],
  };
  if (steps.length === 0) {
    deps.report(
      `account ${accountId}: ${ou ? `under target OU ${ou}, already deployed` : 'not under a target OU, nothing deployed'}`,
    );
    return result;
  }
  const preferences = options.preferences ?? operationPreferences({});
  for (const step of steps) {
    const operationId = await start(step, name, preferences, deps.stackSets);
    deps.report(
      `account ${accountId}: ${step.kind} in ${step.kind === 'create-instances' || step.kind === 'delete-instances' ? step.regions.join(', ') : ''}`,
    );
    result.operations.push(
      await waitForOperation(
        {
          stackSetName: name,
          operationId,
          label: `auto-deployment of ${accountId}`,
          timeoutMs: options.timeoutMs ?? 600_000,
        },
        { api: deps.stackSets, sleep: deps.sleep, now: deps.now, report: deps.report },
      ),
    );
    if (step.kind === 'create-instances') result.createdRegions.push(...step.regions);
    if (step.kind === 'delete-instances') result.deletedRegions.push(...step.regions);
  }
  return result;
}

function start(step: PlanStep, name: string, preferences: OperationPreferences, api: StackSetApi): Promise<string> {
  switch (step.kind) {
    case 'create-instances':
      return api.createInstances(name, step, preferences);
    case 'delete-instances':
      return api.deleteInstances(name, step, preferences);
    default:
      throw new Error(`auto-deployment does not ${step.kind}`);
  }
}

export interface AutoDeployerOptions extends AutoDeployOptions {
  /** Region of the StackSet. */
  region: string;
  callAs?: 'SELF' | 'DELEGATED_ADMIN';
  dialect?: CloudFormationDialect;
  report?: (line: string) => void;
}

export interface AutoDeployer {
  /** Call after an account moved (into or out of a target OU). */
  accountMoved(accountId: string): Promise<AutoDeployResult>;
  close(): void;
}

/** applyAutoDeployment with SDK clients from the environment (AWS_ENDPOINT_URL: the local cloud). */
export function createAutoDeployer(options: AutoDeployerOptions): AutoDeployer {
  const clients = createRolloutClients({
    region: options.region,
    ...(options.callAs ? { callAs: options.callAs } : {}),
    ...(options.dialect ? { dialect: options.dialect } : {}),
  });
  const report = options.report ?? (() => undefined);
  return {
    accountMoved: (accountId) =>
      applyAutoDeployment(accountId, options, {
        stackSets: clients.stackSets,
        organization: clients.organization,
        ...realClock,
        report,
      }),
    close: () => clients.destroy(),
  };
}
