import { startLocalCloud, type LocalCloud, type LocalCloudOptions } from '@org-budgets/sandbox';

/** The local cloud for one test file: started once, quiet, no signal handlers (jest owns the process). */
export async function startE2eCloud(options: Omit<LocalCloudOptions, 'handleSignals'>): Promise<LocalCloud> {
  const lines: string[] = [];
  try {
    return await startLocalCloud({
      handleSignals: false,
      progress: (line) => lines.push(line),
      ...options,
    });
  } catch (error) {
    process.stderr.write(`local cloud start:\n  ${lines.join('\n  ')}\n`);
    throw error;
  }
}

/** Whether a stream sequence number lies in a dead-lettered batch. */
export function inBatch(sequenceNumber: string, batch: { start: string; end: string }): boolean {
  const n = BigInt(sequenceNumber);
  return BigInt(batch.start) <= n && n <= BigInt(batch.end);
}

/** Reports a timing on stdout, as the integration tests do. */
export function report(message: string): void {
  process.stdout.write(`${message}\n`);
}

export function percentile(values: readonly number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] as number;
}

/** What the hub's dead-letter queue holds, by kind of failure record. */
export interface DeadLetterLedger {
  /** Stream batches given up on (propagate-budget-edits' mapping's OnFailure): records in them. */
  streamRecords: number;
  /** Where those batches are in the stream. */
  streamBatches: { start: string; end: string; size: number }[];
  /** Asynchronous invocations given up on (record-spoke-status's OnFailure). */
  invocations: number;
  /** EventBridge deliveries given up on (the status rule's DeadLetterConfig). */
  events: number;
  other: string[];
}

export function classifyDeadLetters(bodies: readonly string[]): DeadLetterLedger {
  const ledger: DeadLetterLedger = { streamRecords: 0, streamBatches: [], invocations: 0, events: 0, other: [] };
  for (const body of bodies) {
    let message: Record<string, unknown>;
    try {
      message = JSON.parse(body) as Record<string, unknown>;
    } catch {
      ledger.other.push(body);
      continue;
    }
    const batch = message['DDBStreamBatchInfo'] as
      { batchSize?: number; startSequenceNumber?: string; endSequenceNumber?: string } | undefined;
    if (batch) {
      ledger.streamRecords += batch.batchSize ?? 1;
      ledger.streamBatches.push({
        start: batch.startSequenceNumber ?? '',
        end: batch.endSequenceNumber ?? '',
        size: batch.batchSize ?? 1,
      });
    } else if (message['requestContext']) ledger.invocations += 1;
    else if (message['detail-type']) ledger.events += 1;
    else ledger.other.push(body);
  }
  return ledger;
}
