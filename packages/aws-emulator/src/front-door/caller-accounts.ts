import type { IncomingMessage } from 'node:http';
import { headerValue, type CallInfo } from '../aws-call';

/** moto's account for credentials it does not know. */
export const MOTO_DEFAULT_ACCOUNT_ID = '123456789012';

/**
 * Which account a call acts in: the account of credentials the front door saw issued by an STS
 * AssumeRole, else what moto decides (its x-moto-account-id header, else its default account).
 */
export class CallerAccounts {
  /** Access key id → account, learned from AssumeRole answers passing through. */
  private readonly keyAccounts = new Map<string, string>();
  /** Access key id → name of the role assumed, learned from the same answers. */
  private readonly keyRoles = new Map<string, string>();

  constructor(private readonly defaultAccountId: string) {}

  /** The account of credentials issued by an AssumeRole through the front door, if they were. */
  ofAccessKey(accessKeyId: string | undefined): string | undefined {
    return accessKeyId === undefined ? undefined : this.keyAccounts.get(accessKeyId);
  }

  /** The name of the role whose AssumeRole through the front door issued these credentials, if one did. */
  roleOfAccessKey(accessKeyId: string | undefined): string | undefined {
    return accessKeyId === undefined ? undefined : this.keyRoles.get(accessKeyId);
  }

  /** The account the call's credentials act in, as moto decides it. */
  of(call: CallInfo): string {
    return call.accountId ?? headerValue(call.headers, 'x-moto-account-id') ?? this.defaultAccountId;
  }

  /** Remembers which account (and role) the credentials of an AssumeRole answer (XML or JSON) act in. */
  learnFrom(incoming: IncomingMessage): void {
    const chunks: Buffer[] = [];
    incoming.on('data', (chunk: Buffer) => chunks.push(chunk));
    incoming.once('end', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      const accessKeyId = /<AccessKeyId>([^<]+)<\/AccessKeyId>|"AccessKeyId"\s*:\s*"([^"]+)"/.exec(text);
      const account = /arn:aws[\w-]*:sts::(\d{12}):assumed-role\/([\w+=,.@-]+)\//.exec(text);
      const key = accessKeyId?.[1] ?? accessKeyId?.[2];
      if (key !== undefined && account?.[1] !== undefined) this.keyAccounts.set(key, account[1]);
      if (key !== undefined && account?.[2] !== undefined) this.keyRoles.set(key, account[2]);
    });
  }
}
