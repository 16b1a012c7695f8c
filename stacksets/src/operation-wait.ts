import type { OperationResult, OperationState, StackSetApi } from './stackset-api';

const DONE = new Set(['SUCCEEDED', 'FAILED', 'STOPPED']);

export interface WaitOptions {
  stackSetName: string;
  operationId: string;
  /** What the operation does, for the progress lines ("create stack instances"). */
  label: string;
  timeoutMs: number;
  /** First pause between polls; then ×1.5 up to maxDelayMs. */
  initialDelayMs?: number;
  maxDelayMs?: number;
}

export interface WaitDeps {
  api: Pick<StackSetApi, 'describeOperation' | 'listOperationResults'>;
  sleep: (ms: number) => Promise<void>;
  now: () => number;
  report: (line: string) => void;
}

export interface OperationOutcome {
  operationId: string;
  status: string;
  results: OperationResult[];
}

/** A StackSet operation ended FAILED or STOPPED; names the accounts that failed and why. */
export class StackSetOperationFailedError extends Error {
  override readonly name = 'StackSetOperationFailedError';
  constructor(
    readonly stackSetName: string,
    readonly operationId: string,
    readonly label: string,
    readonly status: string,
    readonly statusReason: string | undefined,
    readonly failures: OperationResult[],
  ) {
    super(
      `StackSet ${stackSetName}: operation ${operationId} (${label}) ended ${status}` +
        (statusReason ? `: ${statusReason}` : '') +
        (failures.length > 0
          ? `\nfailed stack instances (${failures.length}):\n${failures.map((f) => `  ${describeResult(f)}`).join('\n')}`
          : '\n(no stack instance reported a failure)'),
    );
  }

  /** The accounts with a failed or cancelled instance. */
  get failedAccounts(): string[] {
    return [...new Set(this.failures.map((f) => f.account))];
  }
}

/** The operation was still running when the wait ended; it goes on in CloudFormation. */
export class StackSetOperationTimeoutError extends Error {
  override readonly name = 'StackSetOperationTimeoutError';
  constructor(
    readonly stackSetName: string,
    readonly operationId: string,
    readonly label: string,
    readonly lastStatus: string,
    readonly waitedMs: number,
  ) {
    super(
      `StackSet ${stackSetName}: operation ${operationId} (${label}) still ${lastStatus} after ${Math.round(waitedMs / 1000)} s; ` +
        `it goes on in CloudFormation: aws cloudformation describe-stack-set-operation --stack-set-name ${stackSetName} --operation-id ${operationId}`,
    );
  }
}

export function describeResult(result: OperationResult): string {
  return `account ${result.account} ${result.region}: ${result.status}${result.statusReason ? ` (${result.statusReason})` : ''}`;
}

/**
 * Polls DescribeStackSetOperation with growing pauses until the operation ends. Reports each
 * change of status and, every minute, that it is still running. On FAILED or STOPPED reads
 * ListStackSetOperationResults and throws StackSetOperationFailedError naming every failed
 * account; past the timeout throws StackSetOperationTimeoutError.
 */
export async function waitForOperation(options: WaitOptions, deps: WaitDeps): Promise<OperationOutcome> {
  const { stackSetName, operationId, label } = options;
  const started = deps.now();
  let delayMs = options.initialDelayMs ?? 2_000;
  const maxDelayMs = options.maxDelayMs ?? 30_000;
  let lastStatus: string | undefined;
  let lastReport = started;
  for (;;) {
    const state: OperationState = await deps.api.describeOperation(stackSetName, operationId);
    const elapsed = deps.now() - started;
    if (state.status !== lastStatus) {
      deps.report(
        `operation ${operationId} (${label}): ${state.status}${state.statusReason ? ` (${state.statusReason})` : ''} after ${seconds(elapsed)}`,
      );
      lastStatus = state.status;
      lastReport = deps.now();
    } else if (deps.now() - lastReport >= 60_000) {
      deps.report(`operation ${operationId} (${label}): still ${state.status} after ${seconds(elapsed)}`);
      lastReport = deps.now();
    }
    if (DONE.has(state.status)) {
      const results = await deps.api.listOperationResults(stackSetName, operationId);
      if (state.status === 'SUCCEEDED') {
        const failed = results.filter((r) => r.status === 'FAILED');
        // Within the failure tolerance an operation may succeed with failed instances: say so.
        for (const result of failed) deps.report(`operation ${operationId}: ${describeResult(result)}`);
        if (results.length > 0)
          deps.report(
            `operation ${operationId}: ${results.length - failed.length} of ${results.length} stack instance(s) succeeded`,
          );
        return { operationId, status: state.status, results };
      }
      const failures = results.filter((r) => r.status === 'FAILED' || r.status === 'CANCELLED');
      for (const result of results) deps.report(`operation ${operationId}: ${describeResult(result)}`);
      throw new StackSetOperationFailedError(
        stackSetName,
        operationId,
        label,
        state.status,
        state.statusReason,
        failures,
      );
    }
    if (elapsed + delayMs > options.timeoutMs) {
      throw new StackSetOperationTimeoutError(stackSetName, operationId, label, state.status, elapsed);
    }
    await deps.sleep(delayMs);
    delayMs = Math.min(Math.round(delayMs * 1.5), maxDelayMs);
  }
}

function seconds(ms: number): string {
  return `${Math.round(ms / 1000)} s`;
}
