// zod's messages are English wherever the contracts are loaded (packages/contracts/src/zod-helpers.ts).
import { onFirstUse, transformed } from '@org-budgets/contracts';
import * as z from 'zod/mini';
import { isTerminalStatus, type Architecture } from './batch-job-event';
import { PriceOverridesInvalidError } from './errors';
import type { JobRecord } from './ledger';

/**
 * What the guardian's tracked Batch jobs cost, in USD, from list prices.
 *
 * Formula, per job:
 *   hourly rate = vCPU × perVcpuHour + (memory MiB / 1024) × perGbHour + GPUs × perGpuHour
 *                 + max(0, ephemeral storage GiB − 20) × ephemeralStoragePerGbHour   (Fargate only)
 *                 then × (1 − Spot discount) when the job is known to run on Spot
 *   billed time = Σ over its attempts of max(60 s, duration rounded up to the whole second)
 *   cost        = hourly rate × billed time / 3600
 *
 * - Fargate bills "from the time you start to download your container image until the task
 *   terminates, rounded up to the nearest second", with a one-minute minimum, per vCPU-hour and
 *   GB-hour of the task size (https://aws.amazon.com/fargate/pricing/). Each Batch attempt is its
 *   own Fargate task, so each attempt carries its own minimum. A run starts at the earliest of its
 *   STARTING event and its `startedAt` (the image pull happens in STARTING).
 * - A running attempt is counted up to `until`/`now`, and gets its one-minute minimum as soon as it
 *   starts: a running job is never under-counted.
 * - Memory is billed in GB of 1024 MiB (a 512 MiB task is 0.5 GB-hours per hour).
 * - Fargate task sizes: a Fargate task must have one of the supported vCPU/memory combinations;
 *   a multi-container job whose containers add up to something else is priced at the next size up
 *   (`roundToFargateSize`). Single-container Batch jobs are already valid sizes.
 * - EC2 jobs: AWS bills the instances, not the jobs. Unless EC2 rates are configured, a job on an
 *   EC2 compute environment is priced at the Fargate rates of its region and architecture for the
 *   vCPU and memory it reserved — roughly what the same reservation costs on Fargate, usually a bit
 *   more than its share of an on-demand instance. Idle instance time (minimum vCPUs, scale-down
 *   delay) and GPUs are not counted unless configured (`ec2`, `queues` in `PriceOverrides`); AWS
 *   Budgets' actual spend catches them at its next refresh.
 * - Array and multi-node parents cost nothing: their children are billed.
 */

export interface ComputeRate {
  /** USD per vCPU-hour. */
  perVcpuHour: number;
  /** USD per GB-hour (GB = 1024 MiB). */
  perGbHour: number;
  /** USD per GPU-hour (EC2 only; Fargate has no GPUs). */
  perGpuHour: number;
}

type LinuxRates = Record<Architecture, { perVcpuHour: number; perGbHour: number }>;

const rates = (x86: [number, number], arm: [number, number]): LinuxRates => ({
  X86_64: { perVcpuHour: x86[0], perGbHour: x86[1] },
  ARM64: { perVcpuHour: arm[0], perGbHour: arm[1] },
});

/**
 * Fargate Linux on-demand list prices, USD per vCPU-hour and per GB-hour, read on 2026-11-23.
 *
 * Sources:
 * - us-east-1: AWS Fargate pricing page (https://aws.amazon.com/fargate/pricing/), the defaults
 *   (docs/cost-guardian.md): x86 0.04048 / 0.004445, ARM 0.03238 / 0.00356.
 * - x86 rates of the other regions: the same page's regional tables (rendered by script, read
 *   through a public transcription of it) and the AWS Price List API, offer AmazonECS, usage types
 *   `<region prefix>-Fargate-vCPU-Hours:perCPU` and `<prefix>-Fargate-GB-Hours`
 *   (https://pricing.us-east-1.amazonaws.com/offers/v1.0/aws/AmazonECS/current/<region>/index.json).
 * - ARM rates (usage types `<prefix>-Fargate-ARM-vCPU-Hours:perCPU`, `<prefix>-Fargate-ARM-GB-Hours`):
 *   published figures for us-east-1, eu-west-1, ap-southeast-2, sa-east-1 and ap-northeast-1 (GB);
 *   us-east-2 and us-west-2 share us-east-1's price tier (identical x86 rates) and its ARM rates.
 *   Where marked "derived", the ARM rate is 80% of the x86 rate rounded up to 5 decimals — the
 *   ratio of every published pair — so that it errs high; check it against the Price List and
 *   override it when it differs.
 * Regions not listed here fall back to the dearest listed rates (see `resolvePriceBook`).
 */
export const FARGATE_LINUX_PRICES: Readonly<Record<string, LinuxRates>> = {
  'us-east-1': rates([0.04048, 0.004445], [0.03238, 0.00356]),
  'us-east-2': rates([0.04048, 0.004445], [0.03238, 0.00356]),
  'us-west-2': rates([0.04048, 0.004445], [0.03238, 0.00356]),
  'eu-west-1': rates([0.04048, 0.004445], [0.03238, 0.00356]),
  'us-west-1': rates([0.04656, 0.00511], [0.03725, 0.00409]), // ARM derived
  'eu-central-1': rates([0.04656, 0.00511], [0.03725, 0.00409]), // ARM derived
  'eu-west-2': rates([0.04656, 0.00511], [0.03725, 0.00409]), // ARM derived
  'ca-central-1': rates([0.04456, 0.004865], [0.03565, 0.0039]), // ARM derived
  'ap-northeast-1': rates([0.05056, 0.00553], [0.04045, 0.00442]), // ARM vCPU derived
  'ap-southeast-1': rates([0.05056, 0.00553], [0.04045, 0.00443]), // ARM derived
  'ap-southeast-2': rates([0.04856, 0.00532], [0.03885, 0.00426]),
  'sa-east-1': rates([0.0696, 0.0076], [0.0557, 0.00612]),
};

/**
 * Spot discount applied when a job is known to run on Spot: 0, i.e. Spot is priced as on-demand.
 * AWS documents only an upper bound ("up to a 70% discount off the regular Fargate price"); the
 * real Fargate Spot price floats by region and over time (between about 60% and 70% off in the
 * Price List) and EC2 Spot prices float more. Any positive default could under-count, while
 * counting Spot at the on-demand rate over-counts only the Batch spend since the last AWS Budgets
 * refresh — a few hours — after which the actual (discounted) spend replaces the estimate. The
 * guardian would rather disable queues a little early than let a budget be blown. Configure
 * `fargateSpotDiscount` (e.g. 0.6) to trade that margin for fewer early stops.
 */
export const DEFAULT_SPOT_DISCOUNT = 0;

/** Fargate bills at least one minute per task. */
export const MINIMUM_BILLED_SECONDS = 60;
/** Fargate includes 20 GiB of ephemeral storage per task; more is billed per GB-hour. */
export const INCLUDED_EPHEMERAL_STORAGE_GIB = 20;
/** us-east-1 price of ephemeral storage above the included 20 GiB, USD per GB-hour (Fargate pricing page). */
export const DEFAULT_EPHEMERAL_STORAGE_PER_GB_HOUR = 0.000111;

// A finite rate: zod 4's `z.number()` already rejects Infinity and NaN.
const rate = onFirstUse(() => z.number().check(z.nonnegative()));
const fraction = onFirstUse(() => z.number().check(z.gte(0), z.lte(1)));
const rateOverrideSchema = onFirstUse(() =>
  z.strictObject({
    perVcpuHour: z.optional(rate),
    perGbHour: z.optional(rate),
    perGpuHour: z.optional(rate),
  }),
);
const byArchitectureSchema = onFirstUse(() =>
  z.strictObject({
    X86_64: z.optional(rateOverrideSchema),
    ARM64: z.optional(rateOverrideSchema),
  }),
);
const regionName = onFirstUse(() =>
  z.string().check(z.regex(/^[a-z]{2}(-[a-z]+)+-\d$/, { error: 'must be a region name such as us-east-1' })),
);

/**
 * Price configuration, JSON-able (e.g. an SSM parameter or an environment variable holding JSON).
 * Every field is optional and is merged over the defaults.
 */
export const priceOverridesSchema = onFirstUse(() =>
  z.strictObject({
    /** Fargate rates by region and architecture. */
    fargate: z.optional(z.record(regionName, byArchitectureSchema)),
    /** Rates for jobs on EC2 compute environments by region and architecture (default: the Fargate rates). */
    ec2: z.optional(z.record(regionName, byArchitectureSchema)),
    /** Rates for the jobs of one job queue, by queue name: e.g. a GPU queue's instance price per GPU-hour. */
    queues: z.optional(
      z.record(
        z.string().check(z.regex(/^[A-Za-z0-9_-]{1,128}$/, { error: 'must be a job queue name' })),
        z.extend(rateOverrideSchema, { spotDiscount: z.optional(fraction) }),
      ),
    ),
    /** Fraction taken off Fargate jobs known to run on Fargate Spot, 0–1 (default 0). */
    fargateSpotDiscount: z.optional(fraction),
    /** Fraction taken off EC2 jobs known to run on Spot instances, 0–1 (default 0). */
    ec2SpotDiscount: z.optional(fraction),
    /** USD per GB-hour of Fargate ephemeral storage above 20 GiB. */
    ephemeralStoragePerGbHour: z.optional(rate),
  }),
);

export type PriceOverrides = z.input<typeof priceOverridesSchema>;

/** Validates price overrides read from configuration; throws `PriceOverridesInvalidError`. */
export function parsePriceOverrides(input: unknown): PriceOverrides {
  const result = priceOverridesSchema.safeParse(input);
  if (result.success) return result.data;
  throw new PriceOverridesInvalidError(
    result.error.issues.map((issue) => `${issue.path.map(String).join('.') || 'overrides'}: ${issue.message}`),
  );
}

/**
 * A function setting (`GUARDIAN_PRICES`) holding a JSON `PriceOverrides` document, or nothing
 * (the listed prices): for the zod schema of a function's environment.
 */
export const priceOverridesSetting = transformed(z._default(z.string(), ''), (text, payload): PriceOverrides => {
  if (text.trim() === '') return {};
  try {
    return parsePriceOverrides(JSON.parse(text));
  } catch (error) {
    payload.issues.push({ code: 'custom', message: (error as Error).message, input: text });
    return z.NEVER;
  }
});

/** Prices for one region, defaults and overrides merged. */
export interface PriceBook {
  region: string;
  /** False when the region has no default prices and none were configured: the dearest listed ones apply. */
  regionKnown: boolean;
  fargate: Record<Architecture, ComputeRate>;
  ec2: Record<Architecture, ComputeRate>;
  queues: Record<string, Partial<ComputeRate> & { spotDiscount?: number }>;
  fargateSpotDiscount: number;
  ec2SpotDiscount: number;
  ephemeralStoragePerGbHour: number;
  includedEphemeralStorageGiB: number;
  minimumBilledSeconds: number;
}

const ARCHITECTURES: Architecture[] = ['X86_64', 'ARM64'];

/** The dearest listed rate per architecture: used for regions without prices, so as never to under-count. */
function dearestListed(): LinuxRates {
  const all = Object.values(FARGATE_LINUX_PRICES);
  const pick = (arch: Architecture) => ({
    perVcpuHour: Math.max(...all.map((r) => r[arch].perVcpuHour)),
    perGbHour: Math.max(...all.map((r) => r[arch].perGbHour)),
  });
  return { X86_64: pick('X86_64'), ARM64: pick('ARM64') };
}

/**
 * The price book for `region`. A region without default prices gets the dearest listed rates
 * (`regionKnown: false`; log it) unless `overrides.fargate[region]` supplies both rates for both
 * architectures.
 */
export function resolvePriceBook(region: string, overrides: PriceOverrides = {}): PriceBook {
  const listed = FARGATE_LINUX_PRICES[region];
  const fargateOverride = overrides.fargate?.[region];
  const fullyConfigured = ARCHITECTURES.every(
    (arch) => fargateOverride?.[arch]?.perVcpuHour !== undefined && fargateOverride[arch]?.perGbHour !== undefined,
  );
  const base = listed ?? dearestListed();
  const fargate = byArchitecture((arch) => ({ ...base[arch], perGpuHour: 0, ...definedOnly(fargateOverride?.[arch]) }));
  const ec2Override = overrides.ec2?.[region];
  const ec2 = byArchitecture((arch) => ({ ...fargate[arch], ...definedOnly(ec2Override?.[arch]) }));
  return {
    region,
    regionKnown: listed !== undefined || fullyConfigured,
    fargate,
    ec2,
    queues: { ...overrides.queues },
    fargateSpotDiscount: overrides.fargateSpotDiscount ?? DEFAULT_SPOT_DISCOUNT,
    ec2SpotDiscount: overrides.ec2SpotDiscount ?? DEFAULT_SPOT_DISCOUNT,
    ephemeralStoragePerGbHour: overrides.ephemeralStoragePerGbHour ?? DEFAULT_EPHEMERAL_STORAGE_PER_GB_HOUR,
    includedEphemeralStorageGiB: INCLUDED_EPHEMERAL_STORAGE_GIB,
    minimumBilledSeconds: MINIMUM_BILLED_SECONDS,
  };
}

function definedOnly<T extends object>(value: T | undefined): Partial<T> {
  return Object.fromEntries(Object.entries(value ?? {}).filter(([, v]) => v !== undefined)) as Partial<T>;
}

function byArchitecture(make: (arch: Architecture) => ComputeRate): Record<Architecture, ComputeRate> {
  return { X86_64: make('X86_64'), ARM64: make('ARM64') };
}

/**
 * Supported Fargate task sizes (AWS Batch API reference, ResourceRequirement, and the ECS task
 * size table): vCPU → memory choices in MiB.
 */
const FARGATE_SIZES: ReadonlyArray<{ vcpus: number; memoryMiB: readonly number[] }> = [
  { vcpus: 0.25, memoryMiB: [512, 1024, 2048] },
  { vcpus: 0.5, memoryMiB: steps(1024, 4096, 1024) },
  { vcpus: 1, memoryMiB: steps(2048, 8192, 1024) },
  { vcpus: 2, memoryMiB: steps(4096, 16384, 1024) },
  { vcpus: 4, memoryMiB: steps(8192, 30720, 1024) },
  { vcpus: 8, memoryMiB: steps(16384, 61440, 4096) },
  { vcpus: 16, memoryMiB: steps(32768, 122880, 8192) },
];

function steps(from: number, to: number, step: number): number[] {
  return Array.from({ length: (to - from) / step + 1 }, (_, i) => from + i * step);
}

/** The smallest supported Fargate task size that holds `vcpus` and `memoryMiB`; unchanged when none does. */
export function roundToFargateSize(vcpus: number, memoryMiB: number): { vcpus: number; memoryMiB: number } {
  for (const size of FARGATE_SIZES) {
    if (size.vcpus < vcpus) continue;
    const memory = size.memoryMiB.find((m) => m >= memoryMiB);
    if (memory !== undefined) return { vcpus: size.vcpus, memoryMiB: memory };
  }
  return { vcpus, memoryMiB };
}

/** What pricing a job needs: a ledger record, or a job observation. */
export type PricedJob = Pick<
  JobRecord,
  'billable' | 'resources' | 'platform' | 'jobQueueName' | 'architecture' | 'capacity'
>;

/** USD per hour while one attempt of the job runs (after any Spot discount); 0 for parents. */
export function jobHourlyRate(job: PricedJob, prices: PriceBook): number {
  const resources = job.resources;
  if (!job.billable || !resources) return 0;
  const fargate = job.platform === 'FARGATE';
  const queue = prices.queues[job.jobQueueName];
  const base = (fargate ? prices.fargate : prices.ec2)[job.architecture];
  const rate: ComputeRate = {
    perVcpuHour: queue?.perVcpuHour ?? base.perVcpuHour,
    perGbHour: queue?.perGbHour ?? base.perGbHour,
    perGpuHour: queue?.perGpuHour ?? base.perGpuHour,
  };
  const size = fargate ? roundToFargateSize(resources.vcpus, resources.memoryMiB) : resources;
  const extraStorage = fargate
    ? Math.max(0, (resources.ephemeralStorageGiB ?? 0) - prices.includedEphemeralStorageGiB)
    : 0;
  const perHour =
    size.vcpus * rate.perVcpuHour +
    (size.memoryMiB / 1024) * rate.perGbHour +
    resources.gpus * rate.perGpuHour +
    extraStorage * prices.ephemeralStoragePerGbHour;
  const discount =
    job.capacity === 'SPOT'
      ? (queue?.spotDiscount ?? (fargate ? prices.fargateSpotDiscount : prices.ec2SpotDiscount))
      : 0;
  return perHour * (1 - discount);
}

/** A billed stretch of one attempt, epoch ms; `end` undefined while it runs. */
export interface BilledInterval {
  start: number;
  end?: number;
}

/** The attempts of a job as billed stretches (see the file comment for where each starts and ends). */
export function billedIntervals(job: JobRecord): BilledInterval[] {
  if (!job.billable || !job.resources) return [];
  const finished = isTerminalStatus(job.status);
  const finalEnd = job.stoppedAt ?? job.lastEventTime;
  const run = job.currentRun;
  const intervals: BilledInterval[] = job.attempts.map((attempt, i) => {
    const start = run?.attempt === i ? Math.min(attempt.startedAt, run.since) : attempt.startedAt;
    const next = job.attempts[i + 1];
    const end = attempt.stoppedAt ?? next?.startedAt ?? (finished ? finalEnd : undefined);
    return end === undefined ? { start } : { start, end: Math.max(start, end) };
  });
  if (run && run.attempt >= job.attempts.length) {
    intervals.push(finished ? { start: run.since, end: Math.max(run.since, finalEnd) } : { start: run.since });
  } else if (!run && job.attempts.length === 0 && finished && job.startedAt !== undefined) {
    intervals.push({ start: job.startedAt, end: Math.max(job.startedAt, finalEnd) });
  }
  return intervals;
}

/** Seconds billed for an interval by time `t`: 0 before it starts, then max(minimum, whole seconds so far). */
export function billedSecondsAt(interval: BilledInterval, t: number, minimumSeconds = MINIMUM_BILLED_SECONDS): number {
  if (t <= interval.start) return 0;
  const end = interval.end === undefined ? t : Math.min(interval.end, t);
  return Math.max(minimumSeconds, Math.ceil((end - interval.start) / 1000));
}

/** Estimated cost (USD) of a job from its start up to `until`, counting a running attempt up to then. */
export function estimateJobCost(job: JobRecord, until: Date, prices: PriceBook): number {
  const t = until.getTime();
  const seconds = billedIntervals(job).reduce(
    (sum, interval) => sum + billedSecondsAt(interval, t, prices.minimumBilledSeconds),
    0,
  );
  return (jobHourlyRate(job, prices) * seconds) / 3600;
}

/**
 * Tracked Batch cost (USD) accrued in the window (`since`, `now`]: for every job, the cost billed by
 * `now` minus the cost billed by `since`. Running jobs count up to `now`; an attempt that starts
 * inside the window brings its whole one-minute minimum into it.
 */
export function accruedSince(jobs: Iterable<JobRecord>, since: Date, now: Date, prices: PriceBook): number {
  const from = since.getTime();
  const to = now.getTime();
  if (to <= from) return 0;
  let total = 0;
  for (const job of jobs) {
    const rate = jobHourlyRate(job, prices);
    if (rate === 0) continue;
    const seconds = billedIntervals(job).reduce(
      (sum, interval) =>
        sum +
        billedSecondsAt(interval, to, prices.minimumBilledSeconds) -
        billedSecondsAt(interval, from, prices.minimumBilledSeconds),
      0,
    );
    total += (rate * seconds) / 3600;
  }
  return total;
}
