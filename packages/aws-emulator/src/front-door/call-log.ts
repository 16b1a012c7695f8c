import type { ServerResponse } from 'node:http';
import type { AwsProtocol, CallInfo } from '../aws-call';

/** One call that came through the front door. */
export interface CallRecord {
  id: number;
  service: string;
  operation: string;
  protocol: AwsProtocol;
  method: string;
  path: string;
  region?: string;
  accessKeyId?: string;
  /** Account of the credentials, when they came from an STS AssumeRole through this front door. */
  accountId?: string;
  /** Name of the role whose session the credentials are, known as `accountId` is. */
  roleName?: string;
  /** Epoch milliseconds when the request body had arrived. */
  startedAt: number;
  /** Injected delay in ms (0 if none). */
  delayedMs: number;
  /** Error code of the injected fault, if the front door answered the call itself. */
  fault?: string;
  /** HTTP status sent back; missing while the call is in flight or if it failed. */
  status?: number;
  durationMs?: number;
  /** Why forwarding failed (upstream down...). */
  error?: string;
}

export interface CallCounts {
  calls: number;
  delayed: number;
  faulted: number;
}

export interface CallSummary extends CallCounts {
  byService: Record<string, CallCounts>;
  /** Keyed `service:Operation`, e.g. `sts:AssumeRole`. */
  byOperation: Record<string, CallCounts>;
}

/** The record of every AWS call that came through the front door, oldest first. */
export class CallLog {
  private records: CallRecord[] = [];
  private nextId = 1;

  /**
   * Records a call whose body has arrived; its status and duration are filled in once the
   * answer has been sent. The router fills in delay, fault and error as they happen.
   */
  open(call: CallInfo, res: ServerResponse): CallRecord {
    const record: CallRecord = {
      id: this.nextId++,
      service: call.service,
      operation: call.operation,
      protocol: call.protocol,
      method: call.method,
      path: call.path,
      ...(call.region === undefined ? {} : { region: call.region }),
      ...(call.accessKeyId === undefined ? {} : { accessKeyId: call.accessKeyId }),
      ...(call.accountId === undefined ? {} : { accountId: call.accountId }),
      ...(call.roleName === undefined ? {} : { roleName: call.roleName }),
      startedAt: Date.now(),
      delayedMs: 0,
    };
    this.records.push(record);
    res.once('finish', () => {
      record.status = res.statusCode;
      record.durationMs = Date.now() - record.startedAt;
    });
    return record;
  }

  /** Copies of the records of every call so far, oldest first. */
  copies(): CallRecord[] {
    return this.records.map((record) => ({ ...record }));
  }

  summary(): CallSummary {
    return summarizeCalls(this.records);
  }

  /** Forgets the recorded calls. */
  clear(): void {
    this.records = [];
  }
}

/** Counts calls by service and by `service:Operation`. */
export function summarizeCalls(records: readonly CallRecord[]): CallSummary {
  const summary: CallSummary = { calls: 0, delayed: 0, faulted: 0, byService: {}, byOperation: {} };
  for (const record of records) {
    const service = (summary.byService[record.service] ??= { calls: 0, delayed: 0, faulted: 0 });
    const operation = (summary.byOperation[`${record.service}:${record.operation}`] ??= {
      calls: 0,
      delayed: 0,
      faulted: 0,
    });
    for (const counts of [summary, service, operation]) {
      counts.calls++;
      if (record.delayedMs > 0) counts.delayed++;
      if (record.fault !== undefined) counts.faulted++;
    }
  }
  return summary;
}
