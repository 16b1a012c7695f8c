import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import type { AwsCredentialIdentity } from '@smithy/types';
import { awsClientConfig } from '../client-config';
import { SpokeRoleUnavailableError } from '../errors';

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
  /**
   * The hub's spoke access role: when set, the spoke role is assumed from a session of this
   * role (role chaining), the one hub role that every spoke trusts.
   */
  accessRoleArn?: string;
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

const ACCESS_ERRORS = new Set([
  'AccessDenied',
  'AccessDeniedException',
  'NoSuchEntity',
  'InvalidClientTokenId',
  'RegionDisabledException',
]);

export function createSpokeCredentials(
  sts: STSClient,
  settings: SpokeRoleSettings,
  now: () => number = Date.now,
  /** How to make an STS client signing with the access role's credentials (tests replace it). */
  stsWith: (credentials: () => Promise<AwsCredentialIdentity>) => STSClient = (credentials) =>
    new STSClient({ ...awsClientConfig(), credentials }),
): SpokeCredentials {
  const refreshBeforeExpiryMs = settings.refreshBeforeExpiryMs ?? 5 * 60_000;
  const cache = new Map<string, Promise<AwsCredentialIdentity>>();
  const sessionPrefix = settings.sessionPrefix ?? 'org-budgets-hub';

  /** Runs `assume` once per key and hands out its credentials until shortly before they expire. */
  function cached(key: string, assume: () => Promise<AwsCredentialIdentity>): Promise<AwsCredentialIdentity> {
    const hit = cache.get(key);
    if (hit) {
      return hit.then((credentials) => {
        if (credentials.expiration && credentials.expiration.getTime() - refreshBeforeExpiryMs > now())
          return credentials;
        if (cache.get(key) === hit) cache.delete(key);
        return cached(key, assume);
      });
    }
    const pending = assume();
    cache.set(key, pending);
    // A failed attempt is not cached: the next record of that account tries again.
    pending.catch(() => {
      if (cache.get(key) === pending) cache.delete(key);
    });
    return pending;
  }

  // With an access role, the hub's functions reach the spokes through it (role chaining), so
  // that every spoke trusts exactly one hub role whatever function asks.
  const accessRoleArn = settings.accessRoleArn;
  const accessCredentials = accessRoleArn
    ? () =>
        cached(`access:${accessRoleArn}`, () =>
          assumeRole(sts, accessRoleArn, `${sessionPrefix}-access`, undefined, settings.durationSeconds),
        )
    : undefined;
  const spokeSts = accessCredentials ? stsWith(accessCredentials) : sts;

  async function assumeSpokeRole(accountId: string): Promise<AwsCredentialIdentity> {
    const roleArn = spokeRoleArn(settings.partition, accountId, settings.roleName);
    // The access role first, so that its failure is told apart from the spoke's.
    if (accessCredentials) await accessCredentials();
    try {
      return {
        ...(await assumeRole(
          spokeSts,
          roleArn,
          spokeSessionName(sessionPrefix, accountId),
          settings.externalId,
          settings.durationSeconds,
        )),
        accountId,
      };
    } catch (error) {
      if (ACCESS_ERRORS.has((error as Error).name)) throw new SpokeRoleUnavailableError(accountId, roleArn, error);
      throw error;
    }
  }

  return {
    forAccount: (accountId) => cached(accountId, () => assumeSpokeRole(accountId)),
    forget(accountId) {
      cache.delete(accountId);
    },
  };
}

async function assumeRole(
  sts: STSClient,
  roleArn: string,
  sessionName: string,
  externalId: string | undefined,
  durationSeconds = 900,
): Promise<AwsCredentialIdentity> {
  const { Credentials: c } = await sts.send(
    new AssumeRoleCommand({
      RoleArn: roleArn,
      RoleSessionName: sessionName,
      ...(externalId ? { ExternalId: externalId } : {}),
      DurationSeconds: durationSeconds,
    }),
  );
  if (!c?.AccessKeyId || !c.SecretAccessKey || !c.SessionToken || !c.Expiration) {
    throw new Error(`AssumeRole ${roleArn} returned no credentials`);
  }
  return {
    accessKeyId: c.AccessKeyId,
    secretAccessKey: c.SecretAccessKey,
    sessionToken: c.SessionToken,
    expiration: c.Expiration,
  };
}
