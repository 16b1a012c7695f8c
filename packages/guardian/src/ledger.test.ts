import { parseBatchJobEvent, type JobObservation } from './batch-job-event';
import { LedgerJobMismatchError } from './errors';
import { applyObservation, ledgerWriteCondition, type JobRecord } from './ledger';
import { fargateJobEvent, type FargateEventOptions } from './testing/batch-events';

const ms = (iso: string) => Date.parse(iso);

function observe(options: FargateEventOptions): JobObservation {
  return parseBatchJobEvent(fargateJobEvent(options));
}

/** Applies observations in order, as the track-batch-jobs handler would, keeping the record. */
function replay(observations: JobObservation[]): JobRecord | undefined {
  return observations.reduce<JobRecord | undefined>((record, o) => applyObservation(record, o) ?? record, undefined);
}

function withoutVersion(record: JobRecord | undefined) {
  if (!record) return record;
  const { version: _v, lastEventTime: _t, ...rest } = record;
  return rest;
}

function permutations<T>(items: T[]): T[][] {
  if (items.length <= 1) return [items];
  return items.flatMap((item, i) =>
    permutations([...items.slice(0, i), ...items.slice(i + 1)]).map((rest) => [item, ...rest]),
  );
}

// One job's life: queued, starting, running for ten minutes, succeeded.
const runnable = observe({ status: 'RUNNABLE', time: '2026-11-23T09:59:00Z' });
const starting = observe({ status: 'STARTING', time: '2026-11-23T09:59:40Z' });
const running = observe({ status: 'RUNNING', time: '2026-11-23T10:00:01Z', startedAt: ms('2026-11-23T10:00:00Z') });
const succeeded = observe({
  status: 'SUCCEEDED',
  time: '2026-11-23T10:10:02Z',
  startedAt: ms('2026-11-23T10:00:00Z'),
  stoppedAt: ms('2026-11-23T10:10:00Z'),
  attempts: [{ startedAt: ms('2026-11-23T10:00:00Z'), stoppedAt: ms('2026-11-23T10:10:00Z') }],
});

describe('applyObservation', () => {
  it('creates a record at version 1 from the first event of a job', () => {
    const record = applyObservation(undefined, runnable);

    expect(record).toMatchObject({ jobId: runnable.jobId, status: 'RUNNABLE', version: 1, attempts: [] });
    expect(record?.currentRun).toBeUndefined();
  });

  it('follows a job through its life, one version per change', () => {
    const v1 = applyObservation(undefined, runnable)!;
    const v2 = applyObservation(v1, starting)!;
    const v3 = applyObservation(v2, running)!;
    const v4 = applyObservation(v3, succeeded)!;

    expect([v1, v2, v3, v4].map((r) => [r.status, r.version])).toEqual([
      ['RUNNABLE', 1],
      ['STARTING', 2],
      ['RUNNING', 3],
      ['SUCCEEDED', 4],
    ]);
    expect(v4).toMatchObject({
      startedAt: ms('2026-11-23T10:00:00Z'),
      stoppedAt: ms('2026-11-23T10:10:00Z'),
      currentRun: { attempt: 0, since: ms('2026-11-23T09:59:40Z') },
      lastEventTime: ms('2026-11-23T10:10:02Z'),
    });
  });

  it('returns undefined for a repeated event: nothing to write', () => {
    const record = replay([runnable, starting, running]);

    expect(applyObservation(record, running)).toBeUndefined();
    expect(applyObservation(record, starting)).toBeUndefined();
  });

  it('never reopens a finished job when a RUNNING arrives after SUCCEEDED', () => {
    const record = replay([runnable, starting, running, succeeded])!;

    expect(applyObservation(record, running)).toBeUndefined();
    expect(record.status).toBe('SUCCEEDED');
  });

  it('keeps the status of an earlier event that arrives late, but learns from it', () => {
    const record = replay([runnable, running])!;

    const updated = applyObservation(record, starting);

    expect(updated).toMatchObject({
      status: 'RUNNING',
      version: 3,
      currentRun: { attempt: 0, since: ms('2026-11-23T09:59:40Z') },
    });
  });

  it('ignores a late RUNNABLE once the job runs', () => {
    const record = replay([starting, running]);

    expect(applyObservation(record, runnable)).toBeUndefined();
  });

  it('takes a stoppedAt that a later event adds to a finished job', () => {
    const failedWithoutStop = observe({
      status: 'FAILED',
      time: '2026-11-23T10:10:01Z',
      statusReason: 'Job terminated',
    });
    const failedWithStop = observe({
      status: 'FAILED',
      time: '2026-11-23T10:10:01Z',
      statusReason: 'Job terminated',
      stoppedAt: ms('2026-11-23T10:10:00Z'),
    });
    const record = replay([running, failedWithoutStop])!;

    const updated = applyObservation(record, failedWithStop);

    expect(updated).toMatchObject({
      status: 'FAILED',
      stoppedAt: ms('2026-11-23T10:10:00Z'),
      version: record.version + 1,
    });
  });

  it('ends with the same record whatever order the events arrive in', () => {
    const events = [runnable, starting, running, succeeded];
    const expected = withoutVersion(replay(events));

    for (const order of permutations(events)) {
      expect(withoutVersion(replay(order))).toEqual(expected);
    }
  });

  it('follows a retry: the second attempt is later than the first attempt RUNNING', () => {
    const firstAttempt = {
      startedAt: ms('2026-11-23T10:00:00Z'),
      stoppedAt: ms('2026-11-23T10:03:00Z'),
      exitCode: 137,
    };
    const retrying = observe({ status: 'RUNNABLE', time: '2026-11-23T10:03:05Z', attempts: [firstAttempt] });
    const secondRun = observe({
      status: 'RUNNING',
      time: '2026-11-23T10:05:01Z',
      startedAt: ms('2026-11-23T10:05:00Z'),
      attempts: [firstAttempt],
    });

    const afterRetry = replay([running, retrying])!;
    expect(afterRetry).toMatchObject({
      status: 'RUNNABLE',
      attempts: [{ startedAt: firstAttempt.startedAt, stoppedAt: firstAttempt.stoppedAt }],
    });
    expect(applyObservation(afterRetry, running)).toBeUndefined();

    const second = applyObservation(afterRetry, secondRun)!;
    expect(second).toMatchObject({ status: 'RUNNING', currentRun: { attempt: 1, since: ms('2026-11-23T10:05:00Z') } });
  });

  it('learns Spot or on-demand from a later event, never the other way round', () => {
    const unknown = observe({ status: 'RUNNING', time: '2026-11-23T10:00:01Z' });
    const spot: JobObservation = {
      ...unknown,
      status: 'SUCCEEDED',
      capacity: 'SPOT',
      eventTime: ms('2026-11-23T10:10:00Z'),
    };

    const record = replay([unknown, spot])!;
    const afterUnknown = applyObservation(record, { ...spot, capacity: 'UNKNOWN' });

    expect(record.capacity).toBe('SPOT');
    expect(afterUnknown).toBeUndefined();
  });

  it('refuses an observation of another job', () => {
    const record = applyObservation(undefined, running)!;

    expect(() => applyObservation(record, { ...running, jobId: 'other' })).toThrow(LedgerJobMismatchError);
  });
});

describe('ledgerWriteCondition', () => {
  it('asks DynamoDB to create a new record and to update only the version that was read', () => {
    const record = replay([runnable, running])!;

    expect(ledgerWriteCondition(undefined)).toEqual({ kind: 'create' });
    expect(ledgerWriteCondition(record)).toEqual({ kind: 'update', expectedVersion: 2 });
  });
});
