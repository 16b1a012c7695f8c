import { join } from 'node:path';
import type { ArtifactStore } from './artifact-store';
import { operationPreferences, type RolloutConfig } from './config';
import type { LoadedBuild } from './manifest';
import { waitForOperation, type OperationOutcome } from './operation-wait';
import type { OrganizationView } from './organization';
import {
  describePlan,
  describeStep,
  fingerprintOf,
  planRollout,
  stackSetDescription,
  type AccountsByOu,
  type DesiredStackSet,
  type InstanceSummary,
  type PlanStep,
  type RolloutPlan,
} from './plan';
import type { StackSetApi, StackSetWrite } from './stackset-api';
import { artifactBucketName, stackSetParameters } from './stackset-parameters';

/** CloudFormation takes a TemplateBody of at most this many bytes; larger templates go through S3. */
export const MAX_TEMPLATE_BODY_BYTES = 51_200;

/** StackSets deploy to accounts already in the OUs; auto-deployment covers those that join later. */
export const AUTO_DEPLOYMENT = { enabled: true, retainStacksOnAccountRemoval: false } as const;

export interface RolloutInput {
  config: RolloutConfig;
  build: LoadedBuild;
  /** The ExternalId the hub passes (never in the configuration file). */
  spokeExternalId: string;
  /** Plan only: no upload, no change. */
  dryRun?: boolean;
  /** Also delete stack instances outside the configured OUs and regions. */
  prune?: boolean;
}

export interface RolloutDeps {
  stackSets: StackSetApi;
  artifacts: ArtifactStore;
  organization: OrganizationView;
  report: (line: string) => void;
  sleep: (ms: number) => Promise<void>;
  now: () => number;
}

export interface RolloutResult {
  plan: RolloutPlan;
  operations: OperationOutcome[];
  /** Instances after the rollout (before it, for a dry run). */
  instances: InstanceSummary[];
  /** Account and region pairs of the target OUs still without an instance. */
  missing: Array<{ account: string; region: string }>;
}

/**
 * Deploys the built spoke to the configured OUs and regions: uploads the function code to the
 * artifact bucket of each region, creates or updates the service-managed StackSet, creates the
 * missing stack instances, and waits for every operation. With dryRun, reports the plan only.
 */
export async function deploySpokeStackSet(input: RolloutInput, deps: RolloutDeps): Promise<RolloutResult> {
  const { config, build } = input;
  const { report } = deps;
  const organizationId = config.organizationId ?? (await deps.organization.organizationId());
  const accountsByOu: AccountsByOu = new Map(
    await Promise.all(
      config.targets.organizationalUnitIds.map(async (ou) => [ou, await deps.organization.accountsUnder(ou)] as const),
    ),
  );
  for (const [ou, accounts] of accountsByOu)
    report(`OU ${ou}: ${accounts.length} active account(s)${accounts.length > 0 ? ` (${accounts.join(', ')})` : ''}`);

  const parameters = stackSetParameters(config, build.manifest, organizationId, input.spokeExternalId);
  // The build's pretty template, without whitespace: the same template, a quarter of the bytes.
  const templateBody = JSON.stringify(JSON.parse(build.templateBody));
  const desired: DesiredStackSet = {
    name: config.stackSetName,
    templateBody,
    parameters,
    tags: config.tags,
    autoDeployment: AUTO_DEPLOYMENT,
    targets: config.targets,
  };
  const current = await deps.stackSets.describe(config.stackSetName);
  report(
    current
      ? `StackSet ${config.stackSetName}: ${current.status}, ${current.instances.length} stack instance(s)`
      : `StackSet ${config.stackSetName}: none yet`,
  );
  const plan = planRollout(desired, current, accountsByOu, { prune: input.prune ?? false });
  const writesStackSet = plan.steps.some((s) => s.kind === 'create-stack-set' || s.kind === 'update-stack-set');
  const templateBucketRegion = config.stackSetRegion;
  const templateViaS3 = Buffer.byteLength(templateBody) > MAX_TEMPLATE_BODY_BYTES;

  const uploadRegions = [...new Set([...config.targets.regions, ...(templateViaS3 ? [templateBucketRegion] : [])])];
  if (input.dryRun) {
    report(
      `dry run: would upload ${build.manifest.artifacts.length} artifact(s) to ${uploadRegions.map((r) => artifactBucketName(config, r)).join(', ')} (skipping unchanged ones)`,
    );
    for (const line of describePlan(plan)) report(line);
    return {
      plan,
      operations: [],
      instances: current?.instances ?? [],
      missing: missingInstances(accountsByOu, config.targets.regions, current?.instances ?? []),
    };
  }

  for (const region of uploadRegions) {
    const bucket = artifactBucketName(config, region);
    const bucketOutcome = await deps.artifacts.ensureBucket(bucket, region, organizationId);
    report(
      `bucket ${bucket} (${region}): ${bucketOutcome}; versioned, encrypted, public access blocked, readable by ${organizationId}`,
    );
    for (const artifact of build.manifest.artifacts) {
      const outcome = await deps.artifacts.upload({
        bucket,
        region,
        key: artifact.key,
        file: join(build.dir, artifact.file),
        sha256: artifact.sha256,
      });
      report(`s3://${bucket}/${artifact.key}: ${outcome}`);
    }
  }
  let templateUrl: string | undefined;
  if (templateViaS3 && writesStackSet) {
    const bucket = artifactBucketName(config, templateBucketRegion);
    const key = `${build.manifest.artifactKeyPrefix}/${build.manifest.template.file}`;
    const outcome = await deps.artifacts.upload({
      bucket,
      region: templateBucketRegion,
      key,
      file: join(build.dir, build.manifest.template.file),
      sha256: build.manifest.template.sha256,
      contentType: 'application/json',
    });
    report(`s3://${bucket}/${key}: ${outcome} (the template is over ${MAX_TEMPLATE_BODY_BYTES} bytes)`);
    templateUrl = s3ObjectUrl(bucket, templateBucketRegion, key);
  }

  for (const line of describePlan(plan)) report(line);
  const write: StackSetWrite = {
    name: config.stackSetName,
    description: stackSetDescription(fingerprintOf(templateBody, parameters, config.tags)),
    ...(templateUrl ? { templateUrl } : { templateBody }),
    parameters,
    autoDeployment: AUTO_DEPLOYMENT,
    tags: config.tags,
  };
  const operations: OperationOutcome[] = [];
  for (const step of plan.steps) {
    const operation = await runStep(step, write, config, deps);
    if (operation) operations.push(operation);
  }

  const instances =
    plan.steps.length > 0 ? await deps.stackSets.listInstances(config.stackSetName) : (current?.instances ?? []);
  const missing = missingInstances(accountsByOu, config.targets.regions, instances);
  const notCurrent = instances.filter((i) => i.status !== undefined && i.status !== 'CURRENT');
  report(
    `StackSet ${config.stackSetName}: ${instances.length} stack instance(s), ${instances.length - notCurrent.length} CURRENT` +
      (missing.length > 0 ? `; ${missing.length} account/region pair(s) of the target OUs without an instance` : ''),
  );
  for (const i of notCurrent)
    report(`  ${i.account} ${i.region}: ${i.status ?? '?'}${i.statusReason ? ` (${i.statusReason})` : ''}`);
  return { plan, operations, instances, missing };
}

async function runStep(
  step: PlanStep,
  write: StackSetWrite,
  config: RolloutConfig,
  deps: RolloutDeps,
): Promise<OperationOutcome | undefined> {
  const preferences = operationPreferences(config.operationPreferences);
  const name = config.stackSetName;
  deps.report(`start: ${describeStep(step)}`);
  let operationId: string;
  switch (step.kind) {
    case 'create-stack-set':
      await deps.stackSets.create(write);
      deps.report(`StackSet ${name} created`);
      return undefined;
    case 'update-stack-set':
      operationId = await deps.stackSets.update(write, preferences);
      break;
    case 'create-instances':
      operationId = await deps.stackSets.createInstances(name, step, preferences);
      break;
    case 'update-instances':
      operationId = await deps.stackSets.updateInstances(name, step, preferences);
      break;
    case 'delete-instances':
      operationId = await deps.stackSets.deleteInstances(name, step, preferences);
      break;
  }
  return waitForOperation(
    {
      stackSetName: name,
      operationId,
      label: step.kind.replace('-', ' '),
      timeoutMs: config.operationTimeoutMinutes * 60_000,
    },
    { api: deps.stackSets, sleep: deps.sleep, now: deps.now, report: deps.report },
  );
}

/** Accounts of the target OUs without an instance in a target region. */
export function missingInstances(
  accountsByOu: AccountsByOu,
  regions: readonly string[],
  instances: readonly InstanceSummary[],
): Array<{ account: string; region: string }> {
  const have = new Set(instances.map((i) => `${i.account}|${i.region}`));
  const accounts = [...new Set([...accountsByOu.values()].flat())];
  return accounts.flatMap((account) =>
    regions.filter((region) => !have.has(`${account}|${region}`)).map((region) => ({ account, region })),
  );
}

export function s3ObjectUrl(bucket: string, region: string, key: string): string {
  const domain = region.startsWith('cn-') ? 'amazonaws.com.cn' : 'amazonaws.com';
  return `https://${bucket}.s3.${region}.${domain}/${key.split('/').map(encodeURIComponent).join('/')}`;
}
