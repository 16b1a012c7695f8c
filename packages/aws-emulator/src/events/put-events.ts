import { randomUUID } from 'node:crypto';
import type { EmittedEvent } from './event-bus';

/** One event put on a bus by PutEvents: which bus, in which account, and the event as delivered. */
export interface BusPut {
  busAccount: string;
  region: string;
  busName: string;
  event: EmittedEvent;
}

interface PutEventsEntry {
  Source?: unknown;
  DetailType?: unknown;
  Detail?: unknown;
  EventBusName?: unknown;
  Resources?: unknown;
  Time?: unknown;
}

export type PutEventsResultEntry = { EventId: string } | { ErrorCode: string; ErrorMessage: string };

/**
 * Answers an EventBridge PutEvents request as AWS does: each entry is accepted (with an event id)
 * or refused on its own (with an error code); accepted ones become events on their bus.
 * `EventBusName` may be a name (in the caller's account) or a bus ARN (possibly another account).
 */
export function acceptPutEvents(
  request: unknown,
  caller: { accountId: string; region: string },
  now: Date = new Date(),
): { response: { FailedEntryCount: number; Entries: PutEventsResultEntry[] }; puts: BusPut[] } {
  const entries = (request as { Entries?: unknown } | null)?.Entries;
  if (!Array.isArray(entries) || entries.length < 1 || entries.length > 10) {
    throw new PutEventsValidationError(
      "1 validation error detected: Value at 'entries' must have between 1 and 10 items",
    );
  }
  const puts: BusPut[] = [];
  const results = (entries as PutEventsEntry[]).map((entry): PutEventsResultEntry => {
    if (typeof entry.Source !== 'string' || !entry.Source) return invalid('Parameter Source is not valid.');
    if (typeof entry.DetailType !== 'string' || !entry.DetailType) return invalid('Parameter DetailType is not valid.');
    if (typeof entry.Detail !== 'string') return invalid('Parameter Detail is not valid.');
    let detail: unknown;
    try {
      detail = JSON.parse(entry.Detail);
    } catch {
      return { ErrorCode: 'MalformedDetail', ErrorMessage: 'Detail is malformed.' };
    }
    if (typeof detail !== 'object' || detail === null || Array.isArray(detail)) {
      return { ErrorCode: 'MalformedDetail', ErrorMessage: 'Detail is malformed.' };
    }
    const bus = resolveBus(entry.EventBusName, caller);
    if (!bus) return invalid(`Event bus ${String(entry.EventBusName)} does not exist.`);
    const id = randomUUID();
    puts.push({
      ...bus,
      event: {
        version: '0',
        id,
        'detail-type': entry.DetailType,
        source: entry.Source,
        account: caller.accountId,
        time: (typeof entry.Time === 'string' ? new Date(entry.Time) : now).toISOString().replace(/\.\d{3}Z$/, 'Z'),
        region: bus.region,
        resources: Array.isArray(entry.Resources)
          ? entry.Resources.filter((r): r is string => typeof r === 'string')
          : [],
        detail: detail as Record<string, unknown>,
      },
    });
    return { EventId: id };
  });
  return {
    response: { FailedEntryCount: results.filter((r) => 'ErrorCode' in r).length, Entries: results },
    puts,
  };
}

export class PutEventsValidationError extends Error {
  override readonly name = 'ValidationException';
}

function invalid(message: string): PutEventsResultEntry {
  return { ErrorCode: 'InvalidArgument', ErrorMessage: message };
}

function resolveBus(
  name: unknown,
  caller: { accountId: string; region: string },
): { busAccount: string; region: string; busName: string } | undefined {
  if (name === undefined || name === null || name === '')
    return { busAccount: caller.accountId, region: caller.region, busName: 'default' };
  if (typeof name !== 'string') return undefined;
  const arn = /^arn:aws[\w-]*:events:([\w-]+):(\d{12}):event-bus\/([\w./-]+)$/.exec(name);
  if (arn) return { busAccount: arn[2] as string, region: arn[1] as string, busName: arn[3] as string };
  return /^[\w./-]{1,256}$/.test(name)
    ? { busAccount: caller.accountId, region: caller.region, busName: name }
    : undefined;
}
