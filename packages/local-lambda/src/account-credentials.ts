import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import type { TemporaryCredentials } from './function-container';

/** The role every member account of an organization has for its administrators (and moto accepts anywhere). */
export const ADMIN_ROLE_NAME = 'OrganizationAccountAccessRole';
/** moto's account for credentials it did not issue. */
export const LOCAL_DEFAULT_ACCOUNT_ID = '123456789012';
/** Credentials moto does not know: they act in LOCAL_DEFAULT_ACCOUNT_ID. */
export const LOCAL_CONTROL_CREDENTIALS = { accessKeyId: 'local-cloud', secretAccessKey: 'local-cloud' } as const;

export interface AccountCredentialsOptions {
  /** The front door (or moto) endpoint. */
  endpoint: string;
  region: string;
  /** Who calls STS; moto's default account when left out. */
  controlCredentials?: { accessKeyId: string; secretAccessKey: string; sessionToken?: string };
  partition?: string;
}

/** Credentials are asked for again this long before they expire. */
const REFRESH_MARGIN_MS = 5 * 60_000;

/**
 * Credentials in the local cloud's accounts, by AssumeRole through the front door (so that it
 * learns which account each key acts in): an account's administrator role, or a function's
 * execution role in the function's own account. Cached until shortly before they expire.
 * moto's AssumeRole checks neither the role nor its trust policy: this gives access, it proves
 * nothing about permissions.
 */
export class AccountCredentials {
  private readonly sts: STSClient;
  private readonly cache = new Map<string, Promise<TemporaryCredentials>>();
  private readonly partition: string;

  constructor(options: AccountCredentialsOptions) {
    this.partition = options.partition ?? 'aws';
    this.sts = new STSClient({
      region: options.region,
      endpoint: options.endpoint,
      credentials: options.controlCredentials ?? LOCAL_CONTROL_CREDENTIALS,
    });
  }

  /** Administrator credentials in `account` (its OrganizationAccountAccessRole). */
  forAccount(account: string): Promise<TemporaryCredentials> {
    return this.forRole(`arn:${this.partition}:iam::${account}:role/${ADMIN_ROLE_NAME}`, `local-cloud-${account}`);
  }

  /** Credentials of `roleArn` (in the role's account), e.g. a function's execution role. */
  forRole(roleArn: string, sessionName: string): Promise<TemporaryCredentials> {
    const key = `${roleArn}|${sessionName}`;
    const cached = this.cache.get(key);
    if (cached) {
      return cached.then((credentials) =>
        (credentials.expiration?.getTime() ?? Infinity) - Date.now() > REFRESH_MARGIN_MS
          ? credentials
          : this.assume(key, roleArn, sessionName),
      );
    }
    return this.assume(key, roleArn, sessionName);
  }

  close(): void {
    this.sts.destroy();
  }

  private assume(key: string, roleArn: string, sessionName: string): Promise<TemporaryCredentials> {
    const pending = (async () => {
      const { Credentials: c } = await this.sts.send(
        new AssumeRoleCommand({
          RoleArn: roleArn,
          RoleSessionName: sessionName.replace(/[^\w+=,.@-]/g, '-').slice(0, 64),
          DurationSeconds: 3600,
        }),
      );
      if (!c?.AccessKeyId || !c.SecretAccessKey) throw new Error(`AssumeRole ${roleArn} returned no credentials`);
      return {
        accessKeyId: c.AccessKeyId,
        secretAccessKey: c.SecretAccessKey,
        ...(c.SessionToken === undefined ? {} : { sessionToken: c.SessionToken }),
        ...(c.Expiration === undefined ? {} : { expiration: c.Expiration }),
      };
    })();
    this.cache.set(key, pending);
    pending.catch(() => this.cache.delete(key));
    return pending;
  }
}

/** The parts of an ARN: arn:partition:service:region:account:resource. */
export function parseArn(arn: string): {
  partition: string;
  service: string;
  region: string;
  account: string;
  resource: string;
} {
  const parts = arn.split(':');
  if (parts.length < 6 || parts[0] !== 'arn') throw new Error(`not an ARN: ${arn}`);
  return {
    partition: parts[1] as string,
    service: parts[2] as string,
    region: parts[3] as string,
    account: parts[4] as string,
    resource: parts.slice(5).join(':'),
  };
}
