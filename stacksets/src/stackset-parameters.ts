import type { RolloutConfig } from './config';
import type { BuildManifest } from './manifest';
import type { StackSetParameterName } from './spoke-parameters';

/** The artifact bucket of a region: `<artifactBucketPrefix>-<region>`, as the template's Code says. */
export function artifactBucketName(config: Pick<RolloutConfig, 'artifactBucketPrefix'>, region: string): string {
  return `${config.artifactBucketPrefix}-${region}`;
}

/** The value of every StackSet parameter (see spoke-parameters.ts). */
export function stackSetParameters(
  config: RolloutConfig,
  manifest: BuildManifest,
  organizationId: string,
  spokeExternalId: string,
): Record<StackSetParameterName, string> {
  return {
    HubAccountId: config.hub.accountId,
    HubPropagationRoleArn: config.hub.propagationRoleArn,
    SpokeExternalId: spokeExternalId,
    OrganizationId: organizationId,
    HubStatusBusArn: config.hub.statusBusArn,
    AlertEmail: config.spoke.alertEmail,
    SpokeRoleName: config.spoke.roleName,
    GuardianSchedule: config.spoke.guardianSchedule,
    GuardianPrices: config.spoke.guardianPrices === undefined ? '' : JSON.stringify(config.spoke.guardianPrices),
    ArtifactBucketPrefix: config.artifactBucketPrefix,
    ArtifactKeyPrefix: manifest.artifactKeyPrefix,
  };
}
