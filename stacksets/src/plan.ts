/**
 * What a rollout must do, decided from the configuration, the StackSet as it is and the accounts
 * of the target OUs. Pure: no SDK, no clock.
 */
import { sha256 } from './manifest';

export interface AutoDeployment {
  enabled: boolean;
  retainStacksOnAccountRemoval: boolean;
}

export interface InstanceSummary {
  account: string;
  region: string;
  /** The OU the instance was deployed through (AWS reports it; moto does not). */
  organizationalUnitId?: string;
  /** CURRENT, OUTDATED or INOPERABLE. */
  status?: string;
  statusReason?: string;
}

export interface CurrentStackSet {
  name: string;
  status: string;
  permissionModel?: string;
  /** Undefined when the API does not say (moto). */
  autoDeployment?: AutoDeployment;
  description?: string;
  templateBody?: string;
  /** The OUs the StackSet targets (AWS reports them for service-managed StackSets; moto does not). */
  organizationalUnitIds?: string[];
  instances: InstanceSummary[];
}

export interface Targets {
  organizationalUnitIds: readonly string[];
  regions: readonly string[];
}

export interface DesiredStackSet {
  name: string;
  templateBody: string;
  /** All parameter values, the NoEcho ExternalId included. */
  parameters: Readonly<Record<string, string>>;
  /** Tags of the StackSet. */
  tags?: Readonly<Record<string, string>>;
  autoDeployment: AutoDeployment;
  targets: Targets;
}

/** The active accounts under each target OU (in any OU below it too). */
export type AccountsByOu = ReadonlyMap<string, readonly string[]>;

export interface InstanceTargets {
  organizationalUnitIds: string[];
  regions: string[];
  /** The accounts concerned (expected ones for NONE; the filter for INTERSECTION). */
  accounts: string[];
  /** NONE: every account of the OUs; INTERSECTION: only `accounts` of the OUs. */
  accountFilter: 'NONE' | 'INTERSECTION';
}

export type PlanStep =
  | { kind: 'create-stack-set' }
  | { kind: 'update-stack-set'; reasons: string[] }
  | ({ kind: 'update-instances'; reason: string } & InstanceTargets)
  | ({ kind: 'create-instances' } & InstanceTargets)
  | ({ kind: 'delete-instances'; reason: string } & InstanceTargets);

export interface RolloutPlan {
  stackSetName: string;
  steps: PlanStep[];
  /** Instances outside the targets that are kept (no --prune). */
  stale: InstanceSummary[];
  notes: string[];
}

export class PlanError extends Error {
  override readonly name = 'PlanError';
}

export interface Fingerprint {
  template: string;
  parameters: string;
}

/** Short hashes of the template and of the parameter values and tags, kept in the StackSet's description. */
export function fingerprintOf(
  templateBody: string,
  parameters: Readonly<Record<string, string>>,
  tags: Readonly<Record<string, string>> = {},
): Fingerprint {
  const sorted = (record: Readonly<Record<string, string>>) =>
    Object.keys(record)
      .sort()
      .map((key) => [key, record[key]]);
  const settings = Object.keys(tags).length > 0 ? [sorted(parameters), sorted(tags)] : sorted(parameters);
  return { template: sha256(templateBody).slice(0, 16), parameters: sha256(JSON.stringify(settings)).slice(0, 16) };
}

const DESCRIPTION_PREFIX = 'org-budgets spoke, rolled out to organizational units';

/**
 * The StackSet's description: says what it is and carries the fingerprint, so that a later
 * deploy can tell whether anything changed although DescribeStackSet hides NoEcho values.
 */
export function stackSetDescription(fingerprint: Fingerprint): string {
  return `${DESCRIPTION_PREFIX} (template ${fingerprint.template}, parameters ${fingerprint.parameters})`;
}

export function fingerprintFromDescription(description: string | undefined): Fingerprint | undefined {
  const match = /\(template ([0-9a-f]{16}), parameters ([0-9a-f]{16})\)/.exec(description ?? '');
  return match ? { template: match[1] ?? '', parameters: match[2] ?? '' } : undefined;
}

/** The target OU each account of the organization view belongs to (the first listed that holds it). */
export function ouOfAccount(accountsByOu: AccountsByOu): Map<string, string> {
  const owner = new Map<string, string>();
  for (const [ou, accounts] of accountsByOu)
    for (const account of accounts) if (!owner.has(account)) owner.set(account, ou);
  return owner;
}

export function planRollout(
  desired: DesiredStackSet,
  current: CurrentStackSet | undefined,
  accountsByOu: AccountsByOu,
  options: { prune?: boolean } = {},
): RolloutPlan {
  const steps: PlanStep[] = [];
  const notes: string[] = [];
  const instances = current?.instances ?? [];
  const owner = ouOfAccount(accountsByOu);
  const instanceOu = (instance: InstanceSummary): string | undefined =>
    instance.organizationalUnitId ?? owner.get(instance.account);

  if (!current) {
    steps.push({ kind: 'create-stack-set' });
  } else {
    if (current.permissionModel && current.permissionModel !== 'SERVICE_MANAGED') {
      throw new PlanError(
        `StackSet ${current.name} has permission model ${current.permissionModel}; this rollout needs SERVICE_MANAGED: remove it first (stackset:remove)`,
      );
    }
    const reasons = updateReasons(desired, current);
    if (reasons.length > 0) steps.push({ kind: 'update-stack-set', reasons });
    else {
      const outdated = instances.filter(
        (i) => i.status === 'OUTDATED' && isTargeted(i, instanceOu(i), desired.targets),
      );
      steps.push(
        ...groupInstances(outdated, instanceOu).map((t) => ({
          kind: 'update-instances' as const,
          reason: 'OUTDATED after an earlier operation',
          ...t,
        })),
      );
    }
    const inoperable = instances.filter((i) => i.status === 'INOPERABLE');
    for (const i of inoperable) {
      notes.push(
        `stack instance ${i.account} ${i.region} is INOPERABLE${i.statusReason ? ` (${i.statusReason})` : ''}: see the CloudFormation console`,
      );
    }
  }

  steps.push(...planCreates(desired, current, instances, accountsByOu));

  const stale = instances.filter((i) => !isTargeted(i, instanceOu(i), desired.targets));
  if (stale.length > 0 && options.prune) {
    steps.push(
      ...groupInstances(stale, instanceOu).map((t) => ({
        kind: 'delete-instances' as const,
        reason: 'outside the configured OUs and regions',
        ...t,
      })),
    );
  } else if (stale.length > 0) {
    notes.push(
      `${stale.length} stack instance(s) outside the configured OUs and regions are kept; --prune deletes them`,
    );
  }
  for (const ou of desired.targets.organizationalUnitIds) {
    if ((accountsByOu.get(ou) ?? []).length === 0)
      notes.push(`OU ${ou} has no active accounts yet; accounts that join it get the spoke by auto-deployment`);
  }
  return { stackSetName: desired.name, steps, stale: options.prune ? [] : stale, notes };
}

function updateReasons(desired: DesiredStackSet, current: CurrentStackSet): string[] {
  const reasons: string[] = [];
  const want = fingerprintOf(desired.templateBody, desired.parameters, desired.tags);
  const have = fingerprintFromDescription(current.description);
  if (!have) {
    reasons.push(
      current.templateBody === desired.templateBody
        ? 'parameters unknown (no fingerprint in the description)'
        : 'template changed',
    );
  } else {
    if (have.template !== want.template) reasons.push(`template changed (${have.template} → ${want.template})`);
    if (have.parameters !== want.parameters)
      reasons.push(`parameters or tags changed (${have.parameters} → ${want.parameters})`);
  }
  const auto = current.autoDeployment;
  if (
    auto &&
    (auto.enabled !== desired.autoDeployment.enabled ||
      auto.retainStacksOnAccountRemoval !== desired.autoDeployment.retainStacksOnAccountRemoval)
  ) {
    reasons.push(`auto-deployment ${describeAuto(auto)} → ${describeAuto(desired.autoDeployment)}`);
  }
  return reasons;
}

function describeAuto(auto: AutoDeployment): string {
  return `${auto.enabled ? 'enabled' : 'disabled'}${auto.retainStacksOnAccountRemoval ? ', retain stacks' : ''}`;
}

function isTargeted(instance: InstanceSummary, ou: string | undefined, targets: Targets): boolean {
  return ou !== undefined && targets.organizationalUnitIds.includes(ou) && targets.regions.includes(instance.region);
}

/**
 * Instances for every account of the target OUs in every target region that has none:
 * whole OUs (one operation for all OUs missing the same regions) where no account of the OU has
 * the region yet, else just the missing accounts (INTERSECTION), e.g. accounts that joined while
 * auto-deployment was off, or whose instance failed.
 */
function planCreates(
  desired: DesiredStackSet,
  current: CurrentStackSet | undefined,
  instances: readonly InstanceSummary[],
  accountsByOu: AccountsByOu,
): PlanStep[] {
  const have = new Set(instances.map((i) => `${i.account}|${i.region}`));
  const wholeByRegions = new Map<string, { ous: string[]; regions: string[]; accounts: string[] }>();
  const partial: PlanStep[] = [];
  for (const ou of desired.targets.organizationalUnitIds) {
    const accounts = [...new Set(accountsByOu.get(ou) ?? [])];
    let wholeRegions: string[];
    const missingByRegion = new Map<string, string[]>();
    if (accounts.length === 0) {
      // Nothing to deploy now, but the OU must be a target for auto-deployment to cover it.
      wholeRegions = current?.organizationalUnitIds?.includes(ou) ? [] : [...desired.targets.regions];
    } else {
      wholeRegions = [];
      for (const region of desired.targets.regions) {
        const missing = accounts.filter((account) => !have.has(`${account}|${region}`));
        if (missing.length === accounts.length) wholeRegions.push(region);
        else if (missing.length > 0) missingByRegion.set(region, missing);
      }
    }
    if (wholeRegions.length > 0) {
      const key = wholeRegions.join(',');
      const group = wholeByRegions.get(key) ?? { ous: [], regions: wholeRegions, accounts: [] };
      group.ous.push(ou);
      group.accounts.push(...accounts);
      wholeByRegions.set(key, group);
    }
    // Regions with the same missing accounts go in one INTERSECTION operation.
    const regionsByAccounts = new Map<string, { accounts: string[]; regions: string[] }>();
    for (const [region, missing] of missingByRegion) {
      const key = missing.join(',');
      const group = regionsByAccounts.get(key) ?? { accounts: missing, regions: [] };
      group.regions.push(region);
      regionsByAccounts.set(key, group);
    }
    for (const group of regionsByAccounts.values()) {
      partial.push({
        kind: 'create-instances',
        organizationalUnitIds: [ou],
        regions: group.regions,
        accounts: group.accounts,
        accountFilter: 'INTERSECTION',
      });
    }
  }
  const whole: PlanStep[] = [...wholeByRegions.values()].map((group) => ({
    kind: 'create-instances',
    organizationalUnitIds: group.ous,
    regions: group.regions,
    accounts: [...new Set(group.accounts)],
    accountFilter: 'NONE',
  }));
  return [...whole, ...partial];
}

/**
 * Groups instances into operations by OU and then by the set of regions: all instances of an
 * OU in the same regions go together (NONE) when they are all its instances there, else with
 * the accounts named (INTERSECTION).
 */
export function groupInstances(
  instances: readonly InstanceSummary[],
  instanceOu: (instance: InstanceSummary) => string | undefined,
): InstanceTargets[] {
  const byOu = new Map<string, InstanceSummary[]>();
  for (const instance of instances) {
    const ou = instanceOu(instance) ?? '';
    byOu.set(ou, [...(byOu.get(ou) ?? []), instance]);
  }
  const groups: InstanceTargets[] = [];
  for (const [ou, list] of byOu) {
    const regionsByAccounts = new Map<string, { accounts: string[]; regions: string[] }>();
    const regions = [...new Set(list.map((i) => i.region))];
    for (const region of regions) {
      const accounts = [...new Set(list.filter((i) => i.region === region).map((i) => i.account))].sort();
      const key = accounts.join(',');
      const group = regionsByAccounts.get(key) ?? { accounts, regions: [] };
      group.regions.push(region);
      regionsByAccounts.set(key, group);
    }
    for (const group of regionsByAccounts.values()) {
      groups.push({
        organizationalUnitIds: ou ? [ou] : [],
        regions: group.regions,
        accounts: group.accounts,
        accountFilter: ou ? 'INTERSECTION' : 'NONE',
      });
    }
  }
  return groups;
}

/** Lines that say what a plan will do, for --dry-run and the deploy's progress. */
export function describePlan(plan: RolloutPlan): string[] {
  const lines: string[] = [];
  if (plan.steps.length === 0) lines.push(`StackSet ${plan.stackSetName} is up to date: nothing to do`);
  plan.steps.forEach((step, index) => lines.push(`${index + 1}. ${describeStep(step)}`));
  for (const note of plan.notes) lines.push(`note: ${note}`);
  return lines;
}

export function describeStep(step: PlanStep): string {
  switch (step.kind) {
    case 'create-stack-set':
      return 'create the StackSet (service-managed, auto-deployment on)';
    case 'update-stack-set':
      return `update the StackSet and all its instances: ${step.reasons.join('; ')}`;
    case 'create-instances':
      return `create stack instances: ${describeTargets(step)}`;
    case 'update-instances':
      return `update stack instances (${step.reason}): ${describeTargets(step)}`;
    case 'delete-instances':
      return `delete stack instances (${step.reason}): ${describeTargets(step)}`;
  }
}

function describeTargets(targets: InstanceTargets): string {
  const ous = targets.organizationalUnitIds.length > 0 ? `OU ${targets.organizationalUnitIds.join(', ')}` : 'no OU';
  const accounts =
    targets.accountFilter === 'INTERSECTION'
      ? `, only account(s) ${targets.accounts.join(', ')}`
      : ` (${targets.accounts.length} account(s) now${targets.accounts.length > 0 ? `: ${targets.accounts.join(', ')}` : ''})`;
  return `${ous}${accounts}, region(s) ${targets.regions.join(', ')}`;
}

export interface AccountMove {
  accountId: string;
  /** The account's parents from its OU up to the root. */
  ancestors: readonly string[];
}

/**
 * What auto-deployment does when an account moves: an account now under a target OU gets an
 * instance in each of the StackSet's regions it lacks; an account no longer under one loses its
 * instances (RetainStacksOnAccountRemoval false). Pure; the local cloud's stand-in for AWS.
 */
export function planAccountMove(
  move: AccountMove,
  targetOus: readonly string[],
  regions: readonly string[],
  instances: readonly InstanceSummary[],
  retainStacksOnAccountRemoval: boolean,
): PlanStep[] {
  const own = instances.filter((i) => i.account === move.accountId);
  const ou = move.ancestors.find((parent) => targetOus.includes(parent));
  if (ou) {
    const missing = regions.filter((region) => !own.some((i) => i.region === region));
    return missing.length === 0
      ? []
      : [
          {
            kind: 'create-instances',
            organizationalUnitIds: [ou],
            regions: missing,
            accounts: [move.accountId],
            accountFilter: 'INTERSECTION',
          },
        ];
  }
  if (own.length === 0 || retainStacksOnAccountRemoval) return [];
  return groupInstances(own, (i) => i.organizationalUnitId).map((t) => ({
    kind: 'delete-instances' as const,
    reason: 'the account left the target OUs',
    ...t,
  }));
}
