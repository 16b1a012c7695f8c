import { z } from 'zod';

/**
 * The budget item: what finance edits in the hub table (../shared/DESIGN.md, "The budget item").
 * One item per account and budget; only `accountId`, `budgetName` and `amount` are required.
 */

export const BUDGET_PERIODS = ['MONTHLY', 'QUARTERLY', 'ANNUALLY'] as const;
export const GUARDIAN_MODES = ['off', 'notify', 'enforce'] as const;
export const SYNC_STATUSES = ['PENDING', 'DELIVERED', 'APPLIED', 'REJECTED', 'FAILED'] as const;

/** Largest amount accepted for one budget period, in the budget's currency. */
export const MAX_BUDGET_AMOUNT = 10_000_000_000;
/** AWS Budgets allows ten notifications per budget and ten email subscribers per notification. */
export const MAX_NOTIFICATIONS = 10;
export const MAX_EMAILS = 10;
export const MAX_THRESHOLD_PERCENT = 1000;

/**
 * Attributes the system owns; never propagated, and a change of only these never triggers a
 * propagation (the loop guard): `sync` (the outcome finance reads), `delivered` (what the hub
 * last wrote into the spoke: revision and digest) and `repair` (the reconciler's retries).
 */
export const SYSTEM_ATTRIBUTES = ['sync', 'delivered', 'repair'] as const;

export const DEFAULT_ALERT_AT = [50, 80, 100];
export const DEFAULT_FORECAST_ALERT_AT = [100];

function describeValue(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (value instanceof Set) return 'a set';
  if (typeof value === 'string')
    return `the text ${JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value)}`;
  if (typeof value === 'number') return `the number ${value}`;
  if (typeof value === 'object') return 'a map';
  return `a ${typeof value}`;
}

const requiredOrWrongType = (expected: string) => (issue: { input?: unknown }) =>
  issue.input === undefined ? 'is required' : `must be ${expected}, got ${describeValue(issue.input)}`;

const finiteNumber = (expected = 'a number') =>
  z
    .number({ error: requiredOrWrongType(expected) })
    .refine(Number.isFinite, { abort: true, error: (issue) => `must be a finite number, got ${String(issue.input)}` });

const percent = () =>
  finiteNumber('a number (percent of the amount)')
    .refine((n) => n >= 0, { abort: true, error: (issue) => `must be 0 or more, got ${String(issue.input)}` })
    .refine((n) => n <= MAX_THRESHOLD_PERCENT, {
      abort: true,
      error: (issue) => `must be at most ${MAX_THRESHOLD_PERCENT} (percent), got ${String(issue.input)}`,
    });

const thresholdList = (fallback: number[]) =>
  z
    .array(percent(), { error: requiredOrWrongType('a list of numbers') })
    .refine((list) => new Set(list).size === list.length, { error: 'must not repeat a threshold' })
    .default(fallback)
    .transform((list) => [...list].sort((a, b) => a - b));

export const accountIdSchema = z
  .string({ error: requiredOrWrongType('a 12-digit AWS account id (text)') })
  .regex(/^\d{12}$/, {
    error: (issue) => `must be exactly 12 digits, got ${describeValue(issue.input)}`,
  });

export const budgetNameSchema = z
  .string({ error: requiredOrWrongType('text') })
  .min(1, { error: 'must not be empty', abort: true })
  .max(100, {
    abort: true,
    error: (issue) => `must be at most 100 characters, got ${String((issue.input as string).length)}`,
  })
  .regex(/^[A-Za-z0-9_.-]+$/, {
    error: 'may contain only letters, digits, "_", "." and "-"',
  });

const amountSchema = finiteNumber()
  .refine((n) => n > 0, { abort: true, error: (issue) => `must be greater than 0, got ${String(issue.input)}` })
  .refine((n) => n <= MAX_BUDGET_AMOUNT, {
    abort: true,
    error: (issue) => `must be at most ${MAX_BUDGET_AMOUNT}, got ${String(issue.input)}`,
  })
  .refine((n) => /^\d+(\.\d{1,2})?$/.test(String(n)), {
    error: (issue) => `must have at most 2 decimals, got ${String(issue.input)}`,
  });

const emailSchema = z
  .string({ error: requiredOrWrongType('an email address (text)') })
  .trim()
  .pipe(z.email({ error: (issue) => `is not a valid email address: ${JSON.stringify(issue.input)}` }));

const emailsSchema = z
  .preprocess(
    (value) => (value instanceof Set ? [...value] : value),
    z.array(emailSchema, { error: requiredOrWrongType('a list or string set of email addresses') }),
  )
  .refine((list) => list.length <= MAX_EMAILS, {
    error: (issue) => `may hold at most ${MAX_EMAILS} addresses, got ${String((issue.input as unknown[]).length)}`,
  })
  .default([])
  .transform((list) => [...new Set(list)].sort());

const nonEmptyText = z.string({ error: requiredOrWrongType('text') }).min(1, { error: 'must not be empty' });

const textList = (expected: string) =>
  z.preprocess(
    (value) => (value instanceof Set ? [...value] : value),
    z.array(nonEmptyText, { error: requiredOrWrongType(expected) }),
  );

const costFilterSchema = z.strictObject(
  {
    tags: z
      .record(
        z
          .string()
          .min(1, { error: 'a tag key must not be empty' })
          .max(128, { error: 'a tag key has at most 128 characters' }),
        textList('a list of tag values').refine((values) => values.length > 0, { error: 'needs at least one value' }),
        { error: requiredOrWrongType('a map of tag key to a list of values') },
      )
      .optional(),
    services: textList('a list of service names')
      .refine((values) => values.length > 0, { error: 'needs at least one service' })
      .optional(),
  },
  {
    error: (issue) =>
      issue.code === 'unrecognized_keys'
        ? `has unknown keys ${issue.keys.map((k) => `"${k}"`).join(', ')} (allowed: tags, services)`
        : requiredOrWrongType('a map with "tags" and/or "services"')(issue),
  },
);

const jobQueueNameSchema = z
  .string({ error: requiredOrWrongType('a job queue name (text)') })
  .regex(/^[A-Za-z0-9_-]{1,128}$/, {
    error: (issue) => `is not a job queue name (1-128 letters, digits, "-" or "_"): ${describeValue(issue.input)}`,
  });

const guardianSchema = z
  .strictObject(
    {
      mode: z
        .enum(GUARDIAN_MODES, {
          error: (issue) => `must be one of ${GUARDIAN_MODES.join(', ')}, got ${describeValue(issue.input)}`,
        })
        .default('off'),
      disableQueuesAt: percent().default(80),
      terminateJobsAt: percent().default(100),
      jobQueues: z
        .preprocess(
          (value) => (value instanceof Set ? [...value] : value),
          z.array(jobQueueNameSchema, { error: requiredOrWrongType('a list of job queue names') }),
        )
        .optional(),
    },
    {
      error: (issue) =>
        issue.code === 'unrecognized_keys'
          ? `has unknown keys ${issue.keys.map((k) => `"${k}"`).join(', ')} (allowed: mode, disableQueuesAt, terminateJobsAt, jobQueues)`
          : requiredOrWrongType('a map')(issue),
    },
  )
  .refine((g) => g.disableQueuesAt <= g.terminateJobsAt, {
    error: 'disableQueuesAt must not be above terminateJobsAt',
    path: ['disableQueuesAt'],
  });

const DEFAULT_GUARDIAN = { mode: 'off', disableQueuesAt: 80, terminateJobsAt: 100 } as const;

export const KNOWN_ATTRIBUTES = [
  'accountId',
  'budgetName',
  'amount',
  'currency',
  'period',
  'emails',
  'alertAt',
  'forecastAlertAt',
  'costFilter',
  'guardian',
  'notes',
  ...SYSTEM_ATTRIBUTES,
] as const;

/** The fields of a budget item, shared by the item and the spoke parameter document. */
export const budgetItemFields = {
  accountId: accountIdSchema,
  budgetName: budgetNameSchema,
  amount: amountSchema,
  currency: z
    .string({ error: requiredOrWrongType('a currency code (text)') })
    .regex(/^[A-Z]{3}$/, {
      error: (issue) => `must be a 3-letter currency code such as USD, got ${describeValue(issue.input)}`,
    })
    .default('USD'),
  period: z
    .enum(BUDGET_PERIODS, {
      error: (issue) => `must be one of ${BUDGET_PERIODS.join(', ')}, got ${describeValue(issue.input)}`,
    })
    .default('MONTHLY'),
  emails: emailsSchema,
  alertAt: thresholdList(DEFAULT_ALERT_AT),
  forecastAlertAt: thresholdList(DEFAULT_FORECAST_ALERT_AT),
  costFilter: costFilterSchema.optional(),
  guardian: guardianSchema.default(DEFAULT_GUARDIAN),
  notes: z.string({ error: requiredOrWrongType('text') }).optional(),
};

export const unknownAttributeError =
  (known: readonly string[]) => (issue: { code?: string; keys?: string[]; input?: unknown }) =>
    issue.code === 'unrecognized_keys' && issue.keys
      ? `unknown attribute${issue.keys.length > 1 ? 's' : ''} ${issue.keys.map((k) => `"${k}"`).join(', ')} (known: ${known.join(', ')})`
      : requiredOrWrongType('a map')(issue);

export const withinNotificationLimit: [
  (item: { alertAt: number[]; forecastAlertAt: number[] }) => boolean,
  { error: string; path: PropertyKey[] },
] = [
  (item) => item.alertAt.length + item.forecastAlertAt.length <= MAX_NOTIFICATIONS,
  {
    error: `and forecastAlertAt together may hold at most ${MAX_NOTIFICATIONS} thresholds (AWS Budgets allows ${MAX_NOTIFICATIONS} notifications per budget)`,
    path: ['alertAt'],
  },
];

export const budgetItemSchema = z
  .strictObject(
    {
      ...budgetItemFields,
      sync: z.unknown().optional(),
      delivered: z.unknown().optional(),
      repair: z.unknown().optional(),
    },
    { error: unknownAttributeError(KNOWN_ATTRIBUTES) },
  )
  .refine(...withinNotificationLimit)
  .transform(({ sync: _sync, delivered: _delivered, repair: _repair, ...item }) => item);

/** A valid budget item in normalized form: defaults filled, lists sorted and de-duplicated. */
export type BudgetItem = z.output<typeof budgetItemSchema>;
/** What a finance user may type. */
export type BudgetItemInput = z.input<typeof budgetItemSchema>;

export interface BudgetItemProblem {
  /** Attribute path, e.g. `amount`, `alertAt[2]`, `guardian.mode`; empty for the item as a whole. */
  attribute: string;
  reason: string;
}

export type BudgetItemValidation =
  { valid: true; item: BudgetItem } | { valid: false; problems: BudgetItemProblem[]; message: string };

function formatPath(path: readonly PropertyKey[]): string {
  return path.reduce<string>((out, key) => {
    if (typeof key === 'number') return `${out}[${key}]`;
    return out === '' ? String(key) : `${out}.${String(key)}`;
  }, '');
}

/** Validates an item as it was read from the table (numbers as numbers, sets as Sets or arrays). */
export function validateBudgetItem(input: unknown): BudgetItemValidation {
  const result = budgetItemSchema.safeParse(input);
  if (result.success) return { valid: true, item: result.data };
  const problems = result.error.issues.map((issue) => ({
    attribute: formatPath(issue.path),
    reason: issue.message,
  }));
  return { valid: false, problems, message: formatProblems(problems) };
}

export function formatProblems(problems: readonly BudgetItemProblem[]): string {
  return problems.map((p) => (p.attribute ? `${p.attribute} ${p.reason}` : p.reason)).join('; ');
}

export class BudgetItemInvalidError extends Error {
  override readonly name = 'BudgetItemInvalidError';
  constructor(
    readonly accountId: string,
    readonly budgetName: string,
    readonly problems: BudgetItemProblem[],
  ) {
    super(`budget item ${accountId}/${budgetName} is invalid: ${formatProblems(problems)}`);
  }
}

/** The `sync` attribute the system writes back onto an item. */
export const syncStatusSchema = z.object({
  status: z.enum(SYNC_STATUSES),
  /** Where the status was decided: validating at the hub, delivering to the spoke, applying in the spoke. */
  stage: z.enum(['validate', 'deliver', 'apply']),
  message: z.string(),
  revision: z.string().regex(/^\d+$/),
  updatedAt: z.string(),
});
export type SyncStatus = z.infer<typeof syncStatusSchema>;
