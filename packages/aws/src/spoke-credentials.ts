import { AssumeRoleCommand, type STSClient } from '@aws-sdk/client-sts';
import type { AwsCredentialIdentity } from '@smithy/types';
import { SpokeRoleUnavailableError } from './errors';

export interface SpokeRoleSettings {
  /** `aws`, `aws-cn`, `aws-us-gov`: taken from the deployment, never hard-coded. */
  partition: string;
  roleName: string;
  externalId: string;
  /** Who is asking, for the session name that CloudTrail in the spoke shows. */
  sessionPrefix?: string;
  durationSeconds?: number;
  /** Credentials are renewed this long before they expire. */
  refreshBeforeExpiryMs?: number;
}

export function spokeRoleArn(partition: string, accountId: string, roleName: string): string {
  return `arn:${partition}:iam::${accountId}:role/${roleName}`;
}

export function spokeSessionName(prefix: string, accountId: string): string {
  // Role session names: 2-64 of [\w+=,.@-]
  return `${prefix}-${accountId}`.replace(/[^\w+=,.@-]/g, '-').slice(0, 64);
}

export interface SpokeCredentials {
  /** Credentials for the spoke role in `accountId`, cached until shortly before they expire. */
  forAccount(accountId: string): Promise<AwsCredentialIdentity>;
  /** Forget an account's credentials (after an access error, say). */
  forget(accountId: string): void;
}

const ACCESS_ERRORS = new Set(['AccessDenied', 'AccessDeniedException', 'NoSuchEntity', 'InvalidClientTokenId', 'RegionDisabledException']);

export function createSpokeCredentials(
  sts: STSClient,
  settings: SpokeRoleSettings,
  now: () => number = Date.now,
): SpokeCredentials {
  const refreshBeforeExpiryMs = settings.refreshBeforeExpiryMs ?? 5 * 60_000;
  const cache = new Map<string, Promise<AwsCredentialIdentity>>();

  async function assumeSpokeRole(accountId: string): Promise<AwsCredentialIdentity> {
    const roleArn = spokeRoleArn(settings.partition, accountId, settings.roleName);
    try {
      const { Credentials: c } = await sts.send(
        new AssumeRoleCommand({
          RoleArn: roleArn,
          RoleSessionName: spokeSessionName(settings.sessionPrefix ?? 'org-budgets-hub', accountId),
          ExternalId: settings.externalId,
          DurationSeconds: settings.durationSeconds ?? 900,
        }),
      );
      if (!c?.AccessKeyId || !c.SecretAccessKey || !c.SessionToken || !c.Expiration) {
        throw new Error('AssumeRole returned no credentials');
      }
      return {
        accessKeyId: c.AccessKeyId,
        secretAccessKey: c.SecretAccessKey,
        sessionToken: c.SessionToken,
        expiration: c.Expiration,
        accountId,
      };
    } catch (error) {
      if (ACCESS_ERRORS.has((error as Error).name)) throw new SpokeRoleUnavailableError(accountId, roleArn, error);
      throw error;
    }
  }

  function forAccount(accountId: string): Promise<AwsCredentialIdentity> {
    const cached = cache.get(accountId);
    if (cached) {
      return cached.then((credentials) => {
        if (credentials.expiration && credentials.expiration.getTime() - refreshBeforeExpiryMs > now()) return credentials;
        if (cache.get(accountId) === cached) cache.delete(accountId);
        return forAccount(accountId);
      });
    }
    const pending = assumeSpokeRole(accountId);
    cache.set(accountId, pending);
    // A failed attempt is not cached: the next record of that account tries again.
    pending.catch(() => {
      if (cache.get(accountId) === pending) cache.delete(accountId);
    });
    return pending;
  }

  return {
    forAccount,
    forget(accountId) {
      cache.delete(accountId);
    },
  };
}
