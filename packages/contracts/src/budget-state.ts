import * as z from 'zod/mini';
import { onFirstUse } from './on-first-use';
import { preprocessed, setAsList, transformed } from './zod-helpers';

/**
 * A budget's state, its spend and its lockdown (docs/budget-states.md): what finance configures
 * on an item (`stateThresholds`, `lockdown`) and what the hub writes onto it (`spend`, `state`,
 * `stateDetail`, `lockdownStatus`, system attributes).
 */

/**
 * The states, from the least to the most severe (after Unknown): how a budget stands, from AWS
 * Budgets' actual and forecasted spend against the amount (budgetStateOf in @org-budgets/budgets).
 */
export const BUDGET_STATES = ['Unknown', 'Unused', 'Under', 'On target', 'Over', 'Critical', 'Shutdown'] as const;
export type BudgetState = (typeof BUDGET_STATES)[number];

/** The states a lockdown may be set to apply at. */
export const LOCKDOWN_STATES = ['Over', 'Critical', 'Shutdown'] as const satisfies readonly BudgetState[];
export type LockdownState = (typeof LOCKDOWN_STATES)[number];

export const LOCKDOWN_MODES = ['off', 'notify', 'enforce'] as const;
export type LockdownMode = (typeof LOCKDOWN_MODES)[number];

/** Percent of the amount. Defaults: docs/budget-states.md. */
export interface StateThresholds {
  /** Unused: actual and forecast both below this. */
  unusedBelow: number;
  /** On target: the forecast (or actual, if higher) at or above this. */
  onTargetAt: number;
  /** Over: the forecast (or actual, if higher) at or above this. */
  overAt: number;
  /** Critical: actual at or above this. */
  criticalAt: number;
  /** Shutdown: actual at or above this. */
  shutdownAt: number;
}

export const DEFAULT_STATE_THRESHOLDS: Readonly<StateThresholds> = {
  unusedBelow: 1,
  onTargetAt: 80,
  overAt: 100,
  criticalAt: 90,
  shutdownAt: 100,
};

/**
 * The APIs a lockdown denies when the item names none: what starts new spend at scale (instances,
 * databases, warehouses, notebooks and endpoints, model invocations). Running resources keep
 * running: a lockdown stops new spend, it stops nothing.
 */
export const DEFAULT_LOCKDOWN_APIS = [
  'ec2:RunInstances',
  'ec2:StartInstances',
  'rds:CreateDBCluster',
  'rds:CreateDBInstance',
  'rds:StartDB*',
  'redshift:CreateCluster',
  'redshift:ResumeCluster',
  'sagemaker:Create*',
  'bedrock:InvokeModel',
  'bedrock:InvokeModelWithResponseStream',
] as const;

/** At most this many APIs in one lockdown (a service control policy holds at most 5,120 characters). */
export const MAX_LOCKDOWN_APIS = 30;

/**
 * Services org-budgets itself needs in a member account (its spoke, the hub's way in, its
 * reports): a lockdown must not deny them, or it would cut the account off from the very
 * system that lifts it again.
 */
export const LOCKDOWN_PROTECTED_SERVICES = [
  'batch',
  'budgets',
  'cloudformation',
  'cloudwatch',
  'dynamodb',
  'events',
  'iam',
  'kms',
  'lambda',
  'logs',
  'organizations',
  'scheduler',
  'sns',
  'sqs',
  'ssm',
  'sts',
] as const;

const percentOfAmount = (name: string) =>
  z.number({ error: `${name} must be a number (percent of the amount)` }).check(
    z.refine(Number.isFinite, { abort: true, error: `${name} must be a finite number` }),
    z.refine((n) => n >= 0 && n <= 1000, {
      error: (issue) => `must be 0 to 1000 (percent), got ${String(issue.input)}`,
    }),
  );

/** `stateThresholds`: the item's own thresholds, each optional (the defaults fill the rest). */
export const stateThresholdsSchema = onFirstUse(() =>
  z
    .strictObject(
      {
        unusedBelow: z.optional(percentOfAmount('unusedBelow')),
        onTargetAt: z.optional(percentOfAmount('onTargetAt')),
        overAt: z.optional(percentOfAmount('overAt')),
        criticalAt: z.optional(percentOfAmount('criticalAt')),
        shutdownAt: z.optional(percentOfAmount('shutdownAt')),
      },
      {
        error: (issue) =>
          issue.code === 'unrecognized_keys'
            ? `has unknown keys ${issue.keys.map((k) => `"${k}"`).join(', ')} (allowed: ${Object.keys(DEFAULT_STATE_THRESHOLDS).join(', ')})`
            : 'must be a map of thresholds (percent of the amount)',
      },
    )
    .check(
      z.refine(
        (given) => {
          const t = { ...DEFAULT_STATE_THRESHOLDS, ...given };
          return t.unusedBelow <= t.onTargetAt && t.onTargetAt <= t.overAt && t.criticalAt <= t.shutdownAt;
        },
        {
          error:
            'must keep unusedBelow ≤ onTargetAt ≤ overAt and criticalAt ≤ shutdownAt (with the defaults ' +
            `${JSON.stringify(DEFAULT_STATE_THRESHOLDS)} for those not given)`,
        },
      ),
    ),
);
export type StateThresholdsInput = z.output<typeof stateThresholdsSchema>;

/** The thresholds that apply to an item: its own, the defaults for the rest. */
export function stateThresholdsOf(given: StateThresholdsInput | undefined): StateThresholds {
  const thresholds = { ...DEFAULT_STATE_THRESHOLDS };
  for (const [key, value] of Object.entries(given ?? {}) as [keyof StateThresholds, number | undefined][]) {
    if (value !== undefined) thresholds[key] = value;
  }
  return thresholds;
}

const API_PATTERN = /^[a-z0-9-]{2,40}:[A-Za-z0-9*]{1,100}$/;

const lockdownApiSchema = onFirstUse(() =>
  z.string({ error: 'must be an API name such as "ec2:RunInstances"' }).check(
    z.regex(API_PATTERN, {
      abort: true,
      error: (issue) =>
        `must be service:Action (wildcard * allowed in the action) such as "ec2:RunInstances", got ${JSON.stringify(issue.input)}`,
    }),
    z.refine((api) => !(LOCKDOWN_PROTECTED_SERVICES as readonly string[]).includes(api.split(':')[0] ?? ''), {
      error: (issue) =>
        `must not deny ${JSON.stringify(issue.input)}: org-budgets needs ${String(issue.input).split(':')[0]} in the ` +
        `account to report and lift the lockdown (protected: ${LOCKDOWN_PROTECTED_SERVICES.join(', ')})`,
    }),
  ),
);

/** `lockdown`: when and what to deny in the account (docs/budget-states.md, "Lockdown"). */
export const lockdownSchema = onFirstUse(() =>
  z.strictObject(
    {
      mode: z._default(
        z.enum(LOCKDOWN_MODES, {
          error: (issue) => `must be one of ${LOCKDOWN_MODES.join(', ')}, got ${JSON.stringify(issue.input)}`,
        }),
        'notify',
      ),
      at: z._default(
        z.enum(LOCKDOWN_STATES, {
          error: (issue) => `must be one of ${LOCKDOWN_STATES.join(', ')}, got ${JSON.stringify(issue.input)}`,
        }),
        'Shutdown',
      ),
      apis: z.optional(
        transformed(
          preprocessed(
            setAsList,
            z.array(lockdownApiSchema, { error: 'must be a list of API names such as "ec2:RunInstances"' }),
          ).check(
            z.refine((list) => list.length > 0, { error: 'needs at least one API (or leave it out for the defaults)' }),
            z.refine((list) => list.length <= MAX_LOCKDOWN_APIS, {
              error: (issue) => `may hold at most ${MAX_LOCKDOWN_APIS} APIs, got ${(issue.input as unknown[]).length}`,
            }),
          ),
          (list) => [...new Set(list)].sort(),
        ),
      ),
    },
    {
      error: (issue) =>
        issue.code === 'unrecognized_keys'
          ? `has unknown keys ${issue.keys.map((k) => `"${k}"`).join(', ')} (allowed: mode, at, apis)`
          : 'must be a map with mode, at and apis',
    },
  ),
);
export type LockdownConfig = z.output<typeof lockdownSchema>;

/** The APIs a lockdown denies: the item's, or the defaults. */
export function lockdownApisOf(lockdown: LockdownConfig): string[] {
  return lockdown.apis ?? [...DEFAULT_LOCKDOWN_APIS];
}

/** The item's `spend` (system attribute, written by the hub's record-budget-spend). */
export interface BudgetSpendAttribute {
  /** AWS Budgets' actual spend in the period (never lower than an earlier figure of the same period). */
  actual: number;
  /** AWS Budgets' forecast for the period; absent while AWS has too little history. */
  forecasted?: number;
  currency: string;
  /** Percent of the amount, rounded to 0.1. */
  actualPercent: number;
  forecastedPercent?: number;
  /** When AWS last calculated the figures (the budget's LastUpdatedTime). */
  awsUpdatedAt?: string;
  /** The guardian's estimate (AWS's figure plus the Batch jobs since), where a guardian runs. */
  guardianEstimate?: number;
  guardianEstimatePercent?: number;
  guardianEstimatedAt?: string;
  /** When the spoke read the figures, and for which revision the hub delivered. */
  readAt: string;
  revision: string;
  /** The budget period the figures belong to (its first day), by the hub's clock. */
  periodStart: string;
  /** What the figures are computed for (period, currency, cost filter): a change starts afresh. */
  basis: string;
  updatedAt: string;
}

/** The item's `stateDetail`: why the state is what it is. */
export interface BudgetStateDetail {
  /** e.g. "actual 103.7% of the amount, at or above shutdownAt 100%". */
  reason: string;
  /** When the budget entered this state. */
  since: string;
  thresholds: StateThresholds;
  updatedAt: string;
}

export const LOCKDOWN_STATUSES = ['LOCKED', 'LIFTED', 'WOULD_LOCK', 'WOULD_LIFT', 'FAILED'] as const;
export type LockdownStatusName = (typeof LOCKDOWN_STATUSES)[number];

/** The item's `lockdownStatus`: the last lockdown decision for this budget. */
export interface LockdownStatusAttribute {
  status: LockdownStatusName;
  /** True while this budget's APIs are in the account's lockdown policy (attached). */
  locked: boolean;
  mode: LockdownMode;
  /** The state and figures that caused it. */
  state: BudgetState;
  message: string;
  apis: string[];
  /** The account's lockdown policy (a service control policy of org-budgets). */
  policyId?: string;
  at: string;
}
