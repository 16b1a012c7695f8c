import { parseBatchJobEvent } from './batch-job-event';
import {
  accruedSince,
  billedIntervals,
  estimateJobCost,
  FARGATE_LINUX_PRICES,
  parsePriceOverrides,
  resolvePriceBook,
  roundToFargateSize,
} from './cost-model';
import { PriceOverridesInvalidError } from './errors';
import { applyObservation, type JobRecord } from './ledger';
import { eksJobEvent, fargateJobEvent } from './testing/batch-events';
import { finishedJob, jobRecord, runningJob } from './testing/job-records';

const at = (iso: string) => new Date(iso);
const usEast1 = resolvePriceBook('us-east-1');
/** 1 vCPU + 2 GB on Fargate x86 in us-east-1: 0.04048 + 2 × 0.004445 = 0.04937 USD per hour. */
const ONE_VCPU_TWO_GB_PER_HOUR = 0.04937;

describe('estimateJobCost', () => {
  it('prices a finished Fargate job per second: 10 minutes of 1 vCPU and 2 GB', () => {
    const job = finishedJob('2026-11-23T10:00:00Z', '2026-11-23T10:10:00Z');

    // 0.04937 × 600 / 3600 = 0.0082283…
    expect(estimateJobCost(job, at('2026-11-23T12:00:00Z'), usEast1)).toBeCloseTo(0.00822833, 8);
  });

  it('rounds a partial second up', () => {
    const job = finishedJob('2026-11-23T10:00:00.000Z', '2026-11-23T10:01:30.400Z');

    // 90.4 s billed as 91 s: 0.04937 × 91 / 3600 = 4.49267 / 3600 = 0.001247964 (90.4 s would be 0.001239738)
    expect(estimateJobCost(job, at('2026-11-23T12:00:00Z'), usEast1)).toBeCloseTo(0.001247964, 9);
  });

  it('bills at least one minute', () => {
    const job = finishedJob('2026-11-23T10:00:00Z', '2026-11-23T10:00:20Z');

    // 20 s billed as 60 s: 0.04937 / 60 = 0.00082283
    expect(estimateJobCost(job, at('2026-11-23T12:00:00Z'), usEast1)).toBeCloseTo(0.00082283, 8);
  });

  it('prices ARM at the ARM rates: 0.25 vCPU and 512 MiB for an hour', () => {
    const job = finishedJob('2026-11-23T10:00:00Z', '2026-11-23T11:00:00Z', {
      architecture: 'ARM64',
      resources: { vcpus: 0.25, memoryMiB: 512, gpus: 0 },
    });

    // 0.25 × 0.03238 + 0.5 × 0.00356 = 0.008095 + 0.00178 = 0.009875
    expect(estimateJobCost(job, at('2026-11-23T12:00:00Z'), usEast1)).toBeCloseTo(0.009875, 9);
  });

  it('counts Spot at the on-demand rate by default, and at the configured discount', () => {
    const job = finishedJob('2026-11-23T10:00:00Z', '2026-11-23T11:00:00Z', { capacity: 'SPOT' });

    expect(estimateJobCost(job, at('2026-11-23T12:00:00Z'), usEast1)).toBeCloseTo(ONE_VCPU_TWO_GB_PER_HOUR, 9);
    // 0.04937 × (1 − 0.7) = 0.014811
    const discounted = resolvePriceBook('us-east-1', { fargateSpotDiscount: 0.7 });
    expect(estimateJobCost(job, at('2026-11-23T12:00:00Z'), discounted)).toBeCloseTo(0.014811, 9);
  });

  it('does not discount a job whose capacity is unknown', () => {
    const job = finishedJob('2026-11-23T10:00:00Z', '2026-11-23T11:00:00Z', { capacity: 'UNKNOWN' });

    expect(
      estimateJobCost(job, at('2026-11-23T12:00:00Z'), resolvePriceBook('us-east-1', { fargateSpotDiscount: 0.7 })),
    ).toBeCloseTo(ONE_VCPU_TWO_GB_PER_HOUR, 9);
  });

  it('uses the prices of the region, and overrides of them', () => {
    const job = finishedJob('2026-11-23T10:00:00Z', '2026-11-23T11:00:00Z');

    // eu-central-1: 0.04656 + 2 × 0.00511 = 0.05678
    expect(estimateJobCost(job, at('2026-11-23T12:00:00Z'), resolvePriceBook('eu-central-1'))).toBeCloseTo(0.05678, 9);
    // overridden vCPU rate: 0.05 + 2 × 0.00511 = 0.06022
    const overridden = resolvePriceBook('eu-central-1', {
      fargate: { 'eu-central-1': { X86_64: { perVcpuHour: 0.05 } } },
    });
    expect(estimateJobCost(job, at('2026-11-23T12:00:00Z'), overridden)).toBeCloseTo(0.06022, 9);
  });

  it('counts a job still running up to the given time', () => {
    const job = runningJob('2026-11-23T10:00:00Z');

    // 30 minutes: 0.04937 / 2 = 0.024685
    expect(estimateJobCost(job, at('2026-11-23T10:30:00Z'), usEast1)).toBeCloseTo(0.024685, 9);
    // just started: already the one-minute minimum
    expect(estimateJobCost(job, at('2026-11-23T10:00:05Z'), usEast1)).toBeCloseTo(0.00082283, 8);
  });

  it('starts billing at the STARTING event, when the image is pulled', () => {
    const events = [
      fargateJobEvent({ status: 'STARTING', time: '2026-11-23T09:59:30Z' }),
      fargateJobEvent({
        status: 'RUNNING',
        time: '2026-11-23T10:00:01Z',
        startedAt: Date.parse('2026-11-23T10:00:00Z'),
      }),
    ];
    const job = events.reduce<JobRecord | undefined>(
      (r, e) => applyObservation(r, parseBatchJobEvent(e)) ?? r,
      undefined,
    )!;

    // 09:59:30 → 10:29:30 = 1800 s
    expect(estimateJobCost(job, at('2026-11-23T10:29:30Z'), usEast1)).toBeCloseTo(0.024685, 9);
  });

  it('bills every attempt of a retried job with its own minimum', () => {
    const first = { startedAt: Date.parse('2026-11-23T10:00:00Z'), stoppedAt: Date.parse('2026-11-23T10:03:00Z') };
    const second = { startedAt: Date.parse('2026-11-23T10:05:00Z'), stoppedAt: Date.parse('2026-11-23T10:05:30Z') };
    const job = jobRecord({ status: 'SUCCEEDED', attempts: [first, second], stoppedAt: second.stoppedAt });

    // 180 s + 60 s (30 s at the minimum) = 240 s: 0.04937 × 240 / 3600 = 0.00329133
    expect(estimateJobCost(job, at('2026-11-23T12:00:00Z'), usEast1)).toBeCloseTo(0.00329133, 8);
  });

  it('costs nothing for a job that never started', () => {
    expect(
      estimateJobCost(
        jobRecord({ status: 'FAILED', stoppedAt: Date.parse('2026-11-23T10:00:00Z') }),
        at('2026-11-23T12:00:00Z'),
        usEast1,
      ),
    ).toBe(0);
  });

  it('costs nothing for an array parent: its children are billed', () => {
    const parent = finishedJob('2026-11-23T10:00:00Z', '2026-11-23T11:00:00Z', {
      kind: 'ARRAY_PARENT',
      billable: false,
    });

    expect(estimateJobCost(parent, at('2026-11-23T12:00:00Z'), usEast1)).toBe(0);
  });

  it('prices a multi-container Fargate job at the next Fargate size up', () => {
    const job = finishedJob('2026-11-23T10:00:00Z', '2026-11-23T11:00:00Z', {
      resources: { vcpus: 1.25, memoryMiB: 2560, gpus: 0 },
    });

    // billed as 2 vCPU and 4 GB: 2 × 0.04048 + 4 × 0.004445 = 0.09874
    expect(estimateJobCost(job, at('2026-11-23T12:00:00Z'), usEast1)).toBeCloseTo(0.09874, 9);
  });

  it('adds ephemeral storage above the 20 GiB included', () => {
    const job = finishedJob('2026-11-23T10:00:00Z', '2026-11-23T11:00:00Z', {
      resources: { vcpus: 1, memoryMiB: 2048, gpus: 0, ephemeralStorageGiB: 120 },
    });

    // 0.04937 + 100 × 0.000111 = 0.06047
    expect(estimateJobCost(job, at('2026-11-23T12:00:00Z'), usEast1)).toBeCloseTo(0.06047, 9);
  });

  it('prices an EC2 job at the Fargate rates unless EC2 or queue rates are configured', () => {
    const job = finishedJob('2026-11-23T10:00:00Z', '2026-11-23T11:00:00Z', {
      platform: 'EC2',
      resources: { vcpus: 4, memoryMiB: 16000, gpus: 0 },
    });

    // 4 × 0.04048 + 15.625 × 0.004445 = 0.16192 + 0.069453125 = 0.231373125 (no rounding to Fargate sizes)
    expect(estimateJobCost(job, at('2026-11-23T12:00:00Z'), usEast1)).toBeCloseTo(0.231373125, 9);
    const ec2 = resolvePriceBook('us-east-1', {
      ec2: { 'us-east-1': { X86_64: { perVcpuHour: 0.048, perGbHour: 0.006 } } },
    });
    // 4 × 0.048 + 15.625 × 0.006 = 0.192 + 0.09375 = 0.28575
    expect(estimateJobCost(job, at('2026-11-23T12:00:00Z'), ec2)).toBeCloseTo(0.28575, 9);
  });

  it('prices the GPUs of a GPU queue when the queue has a GPU rate', () => {
    const job = applyObservation(undefined, parseBatchJobEvent(eksJobEvent()))!;
    const prices = resolvePriceBook('us-east-1', { queues: { [job.jobQueueName]: { perGpuHour: 0.526 } } });

    // 1.5 × 0.04048 + 4 × 0.004445 + 1 × 0.526 = 0.06072 + 0.01778 + 0.526 = 0.6045 per hour, 1 hour
    expect(estimateJobCost(job, at('2026-11-23T11:00:00Z'), prices)).toBeCloseTo(0.6045, 9);
  });
});

describe('accruedSince', () => {
  it('counts only the part of a job inside the window', () => {
    const job = finishedJob('2026-11-23T09:00:00Z', '2026-11-23T11:00:00Z');

    expect(accruedSince([job], at('2026-11-23T10:00:00Z'), at('2026-11-23T12:00:00Z'), usEast1)).toBeCloseTo(
      ONE_VCPU_TWO_GB_PER_HOUR,
      9,
    );
  });

  it('counts running jobs up to now', () => {
    const jobs = [runningJob('2026-11-23T09:00:00Z'), runningJob('2026-11-23T10:30:00Z', { jobId: 'job-2' })];

    // 60 min + 30 min = 1.5 h
    expect(accruedSince(jobs, at('2026-11-23T10:00:00Z'), at('2026-11-23T11:00:00Z'), usEast1)).toBeCloseTo(
      1.5 * ONE_VCPU_TWO_GB_PER_HOUR,
      9,
    );
  });

  it('brings the whole minimum of an attempt that starts in the window, and none of one already billed', () => {
    const startsInside = runningJob('2026-11-23T10:00:10Z');
    const startedBefore = runningJob('2026-11-23T09:59:50Z', { jobId: 'job-2' });
    const since = at('2026-11-23T10:00:00Z');

    expect(accruedSince([startsInside], since, at('2026-11-23T10:00:30Z'), usEast1)).toBeCloseTo(
      ONE_VCPU_TWO_GB_PER_HOUR / 60,
      9,
    );
    // by 10:00 it had 10 s, billed 60 s; by 10:00:30 it has 40 s, still 60 s: nothing new
    expect(accruedSince([startedBefore], since, at('2026-11-23T10:00:30Z'), usEast1)).toBe(0);
    // by 10:01:30 it has 100 s: 40 s new
    expect(accruedSince([startedBefore], since, at('2026-11-23T10:01:30Z'), usEast1)).toBeCloseTo(
      (ONE_VCPU_TWO_GB_PER_HOUR * 40) / 3600,
      9,
    );
  });

  it('adds up to the job cost when windows are chained', () => {
    const job = finishedJob('2026-11-23T09:59:45Z', '2026-11-23T10:17:31.200Z');
    const t = ['2026-11-23T09:00:00Z', '2026-11-23T10:00:00Z', '2026-11-23T10:05:00Z', '2026-11-23T12:00:00Z'].map(at);

    const pieces = [0, 1, 2].map((i) => accruedSince([job], t[i]!, t[i + 1]!, usEast1));

    expect(pieces.reduce((a, b) => a + b, 0)).toBeCloseTo(estimateJobCost(job, t[3]!, usEast1), 12);
  });

  it('is 0 for an empty or reversed window', () => {
    const job = runningJob('2026-11-23T09:00:00Z');

    expect(accruedSince([job], at('2026-11-23T11:00:00Z'), at('2026-11-23T10:00:00Z'), usEast1)).toBe(0);
  });
});

describe('billedIntervals', () => {
  it('leaves the running attempt open and closes finished ones', () => {
    const first = { startedAt: Date.parse('2026-11-23T10:00:00Z'), stoppedAt: Date.parse('2026-11-23T10:03:00Z') };
    const job = jobRecord({
      status: 'RUNNING',
      attempts: [first],
      currentRun: { attempt: 1, since: Date.parse('2026-11-23T10:05:00Z') },
    });

    expect(billedIntervals(job)).toEqual([
      { start: first.startedAt, end: first.stoppedAt },
      { start: Date.parse('2026-11-23T10:05:00Z') },
    ]);
  });
});

describe('resolvePriceBook', () => {
  it('has the documented us-east-1 defaults', () => {
    expect(usEast1.fargate).toEqual({
      X86_64: { perVcpuHour: 0.04048, perGbHour: 0.004445, perGpuHour: 0 },
      ARM64: { perVcpuHour: 0.03238, perGbHour: 0.00356, perGpuHour: 0 },
    });
    expect(usEast1).toMatchObject({
      regionKnown: true,
      fargateSpotDiscount: 0,
      ec2SpotDiscount: 0,
      minimumBilledSeconds: 60,
    });
  });

  it('falls back to the dearest listed rates in a region without prices, and says so', () => {
    const book = resolvePriceBook('ap-east-2');

    expect(book.regionKnown).toBe(false);
    expect(book.fargate.X86_64.perVcpuHour).toBe(
      Math.max(...Object.values(FARGATE_LINUX_PRICES).map((r) => r.X86_64.perVcpuHour)),
    );
  });

  it('knows a region whose rates are fully configured', () => {
    const rate = { perVcpuHour: 0.05, perGbHour: 0.005 };

    expect(resolvePriceBook('ap-east-2', { fargate: { 'ap-east-2': { X86_64: rate, ARM64: rate } } }).regionKnown).toBe(
      true,
    );
  });

  it('lists ARM cheaper than x86 in every region, by about a fifth', () => {
    for (const [region, rates] of Object.entries(FARGATE_LINUX_PRICES)) {
      const ratio = rates.ARM64.perVcpuHour / rates.X86_64.perVcpuHour;
      expect([region, ratio > 0.79 && ratio < 0.81]).toEqual([region, true]);
    }
  });
});

describe('parsePriceOverrides', () => {
  it('accepts a JSON document of overrides', () => {
    const json = JSON.parse(
      '{"fargate":{"eu-central-1":{"ARM64":{"perVcpuHour":0.0372}}},"queues":{"gpu-queue":{"perGpuHour":1.006}},"fargateSpotDiscount":0.6}',
    ) as unknown;

    expect(parsePriceOverrides(json)).toEqual({
      fargate: { 'eu-central-1': { ARM64: { perVcpuHour: 0.0372 } } },
      queues: { 'gpu-queue': { perGpuHour: 1.006 } },
      fargateSpotDiscount: 0.6,
    });
  });

  it('names every bad value', () => {
    expect(() =>
      parsePriceOverrides({ fargateSpotDiscount: 70, fargate: { 'us-east-1': { X86_64: { perVcpuHour: -1 } } } }),
    ).toThrow(PriceOverridesInvalidError);
    expect(() => parsePriceOverrides({ spot: 0.5 })).toThrow(/unrecognized key|spot/i);
  });
});

describe('roundToFargateSize', () => {
  it.each([
    [0.25, 512, 0.25, 512],
    [1.25, 2560, 2, 4096],
    [0.5, 5000, 1, 5120],
    [8, 20000, 8, 20480],
    [20, 1024, 20, 1024],
  ])('takes %p vCPU and %p MiB to %p vCPU and %p MiB', (vcpus, memoryMiB, expectedVcpus, expectedMemory) => {
    expect(roundToFargateSize(vcpus, memoryMiB)).toEqual({ vcpus: expectedVcpus, memoryMiB: expectedMemory });
  });
});
