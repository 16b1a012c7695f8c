import { NodeHttpHandler } from '@smithy/node-http-handler';
import { Agent } from 'node:https';

/**
 * Timeouts and retries for every AWS SDK client of the functions. Without them one hung call
 * holds the function until its own timeout and fails the whole batch; with them the call fails
 * in seconds, is retried by the SDK, and a lasting failure fails only its record.
 */
export interface AwsClientSettings {
  /** Time to open a connection, ms (default 3,000). */
  connectionTimeoutMs?: number;
  /** Time to wait for the whole response once connected, ms (default 10,000). */
  requestTimeoutMs?: number;
  /** SDK attempts per call, the first included (default 4). */
  maxAttempts?: number;
  /**
   * `adaptive` adds client-side rate limiting after throttling (AWS Budgets allows a few calls per
   * second per account); `standard` otherwise.
   */
  retryMode?: 'standard' | 'adaptive';
}

export const DEFAULT_CLIENT_SETTINGS: Required<AwsClientSettings> = {
  connectionTimeoutMs: 3_000,
  requestTimeoutMs: 10_000,
  maxAttempts: 4,
  retryMode: 'standard',
};

/** The part of an SDK v3 client's configuration these settings fill. */
export interface AwsClientConfig {
  maxAttempts: number;
  retryMode: 'standard' | 'adaptive';
  requestHandler: NodeHttpHandler;
}

/**
 * Client configuration with timeouts, retries and a keep-alive agent (connections reused across
 * calls and warm invocations): `new BudgetsClient({ ...awsClientConfig({ retryMode: 'adaptive' }) })`.
 */
export function awsClientConfig(settings: AwsClientSettings = {}): AwsClientConfig {
  const s = { ...DEFAULT_CLIENT_SETTINGS, ...settings };
  return {
    maxAttempts: s.maxAttempts,
    retryMode: s.retryMode,
    requestHandler: new NodeHttpHandler({
      connectionTimeout: s.connectionTimeoutMs,
      requestTimeout: s.requestTimeoutMs,
      // Without it, @smithy/node-http-handler only warns when requestTimeout passes, and the call
      // goes on waiting: the timeout would hold nothing.
      throwOnRequestTimeout: true,
      httpsAgent: new Agent({ keepAlive: true, maxSockets: 50 }),
    }),
  };
}
