import { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import { OrganizationsClient } from '@aws-sdk/client-organizations';
import { S3ArtifactStore } from './artifact-store';
import { AwsOrganization } from './organization';
import { CloudFormationStackSets, type CloudFormationDialect } from './stackset-api';

/**
 * Whether the SDK is pointed at the local cloud (moto, directly or behind the front door): the
 * project points it there only through AWS_ENDPOINT_URL (docs/decisions/0003-front-door-before-moto.md).
 */
export function dialectFromEnv(env: NodeJS.ProcessEnv = process.env): CloudFormationDialect {
  return env['AWS_ENDPOINT_URL'] || env['AWS_ENDPOINT_URL_CLOUDFORMATION'] ? 'moto' : 'aws';
}

export interface RolloutClientsOptions {
  /** Region of the StackSet. */
  region: string;
  callAs?: 'SELF' | 'DELEGATED_ADMIN';
  dialect?: CloudFormationDialect;
  report?: (line: string) => void;
}

export interface RolloutClients {
  stackSets: CloudFormationStackSets;
  artifacts: S3ArtifactStore;
  organization: AwsOrganization;
  dialect: CloudFormationDialect;
  destroy(): void;
}

/** SDK-backed adapters with the default credential chain (the management account's). */
export function createRolloutClients(options: RolloutClientsOptions): RolloutClients {
  const dialect = options.dialect ?? dialectFromEnv();
  const cloudFormation = new CloudFormationClient({ region: options.region });
  // Organizations has one endpoint, in us-east-1 (aws partition).
  const organizations = new OrganizationsClient({ region: 'us-east-1' });
  // Over plain http (the local cloud) a TLS-only bucket policy would lock the deploy out: moto
  // evaluates bucket policies.
  const s3Endpoint = process.env['AWS_ENDPOINT_URL_S3'] ?? process.env['AWS_ENDPOINT_URL'];
  const artifacts = new S3ArtifactStore({
    forcePathStyle: dialect === 'moto',
    allowPlainHttp: s3Endpoint?.startsWith('http://') ?? false,
  });
  return {
    stackSets: new CloudFormationStackSets({
      client: cloudFormation,
      callAs: options.callAs ?? 'SELF',
      dialect,
      ...(options.report ? { report: options.report } : {}),
    }),
    artifacts,
    organization: new AwsOrganization(organizations),
    dialect,
    destroy() {
      cloudFormation.destroy();
      organizations.destroy();
      artifacts.destroy();
    },
  };
}

export const realClock = {
  sleep: (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms)),
  now: (): number => Date.now(),
};
