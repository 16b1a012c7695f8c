import * as z from 'zod/mini';
import { lockdownSchema, stateThresholdsSchema } from './budget-state';
import { defaultTargetSchema } from './organization-target';
import { MAX_REVISION_DIGITS } from './revision';
import { onFirstUse } from './on-first-use';
import { preprocessed, setAsList, transformed } from './zod-helpers';

/**
 * The budget item: what finance edits in the hub table (docs/budget-items.md).
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
 * The spoke parameter document (the validated item plus `schemaVersion`, `revision` and
 * `updatedAt`, as JSON) must fit an SSM Standard parameter: 4 KB, counted in UTF-8 bytes. A
 * longer value would silently go to the Advanced tier (paid, and irreversible), and one over
 * 8 KB would fail PutParameter in the spoke. Validation measures the document with the
 * longest possible revision, so an item that passes fits whatever revision it is delivered at.
 */
export const MAX_PARAMETER_DOCUMENT_BYTES = 4096;
/** The spoke parameter's schema version (defined here so that validation can measure the document). */
export const BUDGET_PARAMETER_SCHEMA_VERSION = 1;

/**
 * Caps on free text and cost filters; characters are Unicode characters (code points), so an
 * emoji counts once. AWS Budgets documents no limit of its own on `CostFilters`, so these are
 * ours: generous for real use, and they name the culprit long before the 4 KB document limit
 * (the overall bound) is reached.
 * - `notes`: at most 1000 characters of any kind (it is never sent to AWS Budgets).
 * - `costFilter.tags`: at most 10 tag keys, each with 1 to 50 values. Keys and values are
 *   what AWS allows in a tag: a key has 1-128 and a value 1-256 characters (an empty value is
 *   refused: it would filter on nothing), made of Unicode letters, digits, spaces and
 *   `_ . : / = + - @`; a key must not start with `aws:` (reserved by AWS, in any case). A `$`
 *   in particular is refused: AWS Budgets writes a tag filter as `user:<key>$<value>`.
 * - `costFilter.services`: at most 50 service names (as AWS Budgets names them, e.g.
 *   "Amazon Elastic Compute Cloud - Compute"), each of 1-100 characters.
 */
export const MAX_NOTES_CHARACTERS = 1000;
export const MAX_COST_FILTER_TAG_KEYS = 10;
export const MAX_COST_FILTER_TAG_VALUES = 50;
export const MAX_TAG_KEY_CHARACTERS = 128;
export const MAX_TAG_VALUE_CHARACTERS = 256;
export const MAX_COST_FILTER_SERVICES = 50;
export const MAX_SERVICE_NAME_CHARACTERS = 100;

/**
 * Attributes the system owns; never propagated, and a change of only these never triggers a
 * propagation (the loop guard): `sync` (the outcome finance reads), `delivered` (what the hub
 * last wrote into the spoke: revision and digest), `repair` (the reconciler's retries),
 * `rollup` (on an organization default: how its accounts stand), the budget's `spend`,
 * `state`, `stateDetail` and `lockdownStatus` (./budget-state.ts), and `outOfReach` (written by
 * expand-org-defaults on an inherited copy just before it deletes it because its account is no
 * longer an active member of the organization: the deletion then reaches no spoke), and
 * `earlyReport` (a spoke's report of a revision that arrived before the hub recorded its delivery:
 * held by record-spoke-status, written into `sync` by propagate-budget-edits when it records that
 * delivery).
 */
export const SYSTEM_ATTRIBUTES = [
  'sync',
  'delivered',
  'repair',
  'rollup',
  'spend',
  'state',
  'stateDetail',
  'lockdownStatus',
  'outOfReach',
  'earlyReport',
] as const;

/**
 * Who made an edit, as the tool that wrote it says (the org-budgets command line writes the
 * caller's identity here: ./edited-by.ts). Never validated, never propagated, never copied from an
 * organization default; a change of only this triggers no propagation. The hub's edit history
 * names it only for the edit that wrote it (docs/history.md).
 */
export const EDIT_RECORD_ATTRIBUTES = ['editedBy'] as const;

/** Slots for the edit record in an item schema: any value, never validated, never propagated. */
export const editRecordFields = onFirstUse(() => ({ editedBy: z.optional(z.unknown()) }));

/** Attributes that are not the budget: the system's and the edit record. */
export const NON_BUDGET_ATTRIBUTES = [...SYSTEM_ATTRIBUTES, ...EDIT_RECORD_ATTRIBUTES] as const;

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

/** Length in Unicode characters (code points), as AWS counts tag keys and values. */
function characterCount(text: string): number {
  return Array.from(text).length;
}

/** Size of a text in UTF-8 bytes, as SSM counts a parameter value. */
function utf8ByteLength(text: string): number {
  return Buffer.byteLength(text, 'utf8');
}

/** Formats a count with thousands separators: 4096 → "4,096". */
function formatCount(n: number): string {
  return String(n).replace(/\B(?=(\d{3})+(?!\d))/g, ',');
}

/** A text quoted for a message, shortened after 40 characters. */
function quote(text: string): string {
  const characters = [...text];
  return JSON.stringify(characters.length > 40 ? `${characters.slice(0, 40).join('')}…` : text);
}

const requiredOrWrongType = (expected: string) => (issue: { input?: unknown }) =>
  issue.input === undefined ? 'is required' : `must be ${expected}, got ${describeValue(issue.input)}`;

const finiteNumber = (expected = 'a number') =>
  z.number({ error: requiredOrWrongType(expected) }).check(
    z.refine(Number.isFinite, {
      abort: true,
      error: (issue) => `must be a finite number, got ${String(issue.input)}`,
    }),
  );

const percent = () =>
  finiteNumber('a number (percent of the amount)').check(
    z.refine((n) => n >= 0, { abort: true, error: (issue) => `must be 0 or more, got ${String(issue.input)}` }),
    z.refine((n) => n <= MAX_THRESHOLD_PERCENT, {
      abort: true,
      error: (issue) => `must be at most ${MAX_THRESHOLD_PERCENT} (percent), got ${String(issue.input)}`,
    }),
  );

const thresholdList = (fallback: number[]) =>
  transformed(
    z._default(
      z
        .array(percent(), { error: requiredOrWrongType('a list of numbers') })
        .check(z.refine((list) => new Set(list).size === list.length, { error: 'must not repeat a threshold' })),
      fallback,
    ),
    (list) => [...list].sort((a, b) => a - b),
  );

export const accountIdSchema = onFirstUse(() =>
  z.string({ error: requiredOrWrongType('a 12-digit AWS account id (text)') }).check(
    z.regex(/^\d{12}$/, {
      error: (issue) => `must be exactly 12 digits, got ${describeValue(issue.input)}`,
    }),
  ),
);

export const budgetNameSchema = onFirstUse(() =>
  z.string({ error: requiredOrWrongType('text') }).check(
    z.minLength(1, { error: 'must not be empty', abort: true }),
    z.maxLength(100, {
      abort: true,
      error: (issue) => `must be at most 100 characters, got ${String((issue.input as string).length)}`,
    }),
    z.regex(/^[A-Za-z0-9_.-]+$/, {
      error: 'may contain only letters, digits, "_", "." and "-"',
    }),
  ),
);

const amountSchema = onFirstUse(() =>
  finiteNumber().check(
    z.refine((n) => n > 0, { abort: true, error: (issue) => `must be greater than 0, got ${String(issue.input)}` }),
    z.refine((n) => n <= MAX_BUDGET_AMOUNT, {
      abort: true,
      error: (issue) => `must be at most ${MAX_BUDGET_AMOUNT}, got ${String(issue.input)}`,
    }),
    z.refine((n) => /^\d+(\.\d{1,2})?$/.test(String(n)), {
      error: (issue) => `must have at most 2 decimals, got ${String(issue.input)}`,
    }),
  ),
);

const emailSchema = onFirstUse(() =>
  z.pipe(
    z.string({ error: requiredOrWrongType('an email address (text)') }).check(z.trim()),
    z.email({ error: (issue) => `is not a valid email address: ${JSON.stringify(issue.input)}` }),
  ),
);

const emailsSchema = onFirstUse(() =>
  transformed(
    z._default(
      preprocessed(
        setAsList,
        z.array(emailSchema, { error: requiredOrWrongType('a list or string set of email addresses') }),
      ).check(
        z.refine((list) => list.length <= MAX_EMAILS, {
          error: (issue) =>
            `may hold at most ${MAX_EMAILS} addresses, got ${String((issue.input as unknown[]).length)}`,
        }),
      ),
      [],
    ),
    (list) => [...new Set(list)].sort(),
  ),
);

/** One character of an AWS tag key or value: a Unicode letter, digit or space, or `_ . : / = + - @`. */
const TAG_CHARACTER = /^[\p{L}\p{Z}\p{N}_.:/=+\-@]$/u;
const TAG_CHARACTERS = 'Unicode letters, digits, spaces and _ . : / = + - @';
const RESERVED_TAG_PREFIX = /^aws:/i;

/** The characters of a text that may not be in a tag, each once, quoted: `"$", "#"`. */
function disallowedTagCharacters(text: string): string {
  return [...new Set([...text].filter((c) => !TAG_CHARACTER.test(c)))].map((c) => JSON.stringify(c)).join(', ');
}

/** Why a tag key is not one AWS allows, or undefined when it is. */
function tagKeyProblem(key: string): string | undefined {
  if (key === '') return 'has an empty tag key';
  const disallowed = disallowedTagCharacters(key);
  if (disallowed) {
    return (
      `has the tag key ${quote(key)} containing ${disallowed}; a tag key may contain only ${TAG_CHARACTERS}` +
      (key.includes('$') ? ' ("$" would corrupt the budget\'s tag filter, written user:<key>$<value>)' : '')
    );
  }
  const length = characterCount(key);
  if (length > MAX_TAG_KEY_CHARACTERS) {
    return `has a tag key of ${length} characters (${quote(key)}); a tag key has at most ${MAX_TAG_KEY_CHARACTERS}`;
  }
  if (RESERVED_TAG_PREFIX.test(key)) {
    return `has the tag key ${quote(key)}; a tag key must not start with "aws:" (reserved by AWS)`;
  }
  return undefined;
}

const tagValueSchema = onFirstUse(() =>
  z.string({ error: requiredOrWrongType('text') }).check(
    z.minLength(1, { error: 'must not be empty', abort: true }),
    z.refine((value) => characterCount(value) <= MAX_TAG_VALUE_CHARACTERS, {
      abort: true,
      error: (issue) =>
        `must be at most ${MAX_TAG_VALUE_CHARACTERS} characters, got ${characterCount(issue.input as string)}`,
    }),
    z.refine((value) => disallowedTagCharacters(value) === '', {
      error: (issue) =>
        `contains ${disallowedTagCharacters(issue.input as string)}; a tag value may contain only ${TAG_CHARACTERS}`,
    }),
  ),
);

const tagValuesSchema = onFirstUse(() =>
  preprocessed(setAsList, z.array(tagValueSchema, { error: requiredOrWrongType('a list of tag values') })).check(
    z.refine((values) => values.length > 0, { error: 'needs at least one value' }),
    z.refine((values) => values.length <= MAX_COST_FILTER_TAG_VALUES, {
      error: (issue) =>
        `may hold at most ${MAX_COST_FILTER_TAG_VALUES} values, got ${String((issue.input as unknown[]).length)}`,
    }),
  ),
);

const isMap = (value: unknown) => typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * Tag keys are checked by the key schema, so that a bad key is reported even when some values
 * are wrong too (validateBudgetItem reports it on the map, `costFilter.tags`, with the key in
 * the reason); the key count is checked in any case as well.
 */
const tagsSchema = onFirstUse(() =>
  z
    .record(
      z.string().check(
        z.superRefine((key, ctx) => {
          const problem = tagKeyProblem(key);
          if (problem) ctx.addIssue({ code: 'custom', input: key, message: problem });
        }),
      ),
      tagValuesSchema,
      {
        error: (issue) =>
          issue.code === 'invalid_key'
            ? issue.issues.map((keyIssue) => keyIssue.message).join('; ')
            : requiredOrWrongType('a map of tag key to a list of values')(issue),
      },
    )
    .check(
      z.refine((tags) => Object.keys(tags).length <= MAX_COST_FILTER_TAG_KEYS, {
        when: (payload) => isMap(payload.value),
        error: (issue) =>
          `may hold at most ${MAX_COST_FILTER_TAG_KEYS} tag keys, got ${Object.keys(issue.input as object).length}`,
      }),
    ),
);

const serviceNameSchema = onFirstUse(() =>
  z.string({ error: requiredOrWrongType('a service name (text)') }).check(
    z.minLength(1, { error: 'must not be empty', abort: true }),
    z.refine((name) => characterCount(name) <= MAX_SERVICE_NAME_CHARACTERS, {
      error: (issue) =>
        `must be at most ${MAX_SERVICE_NAME_CHARACTERS} characters, got ${characterCount(issue.input as string)}`,
    }),
  ),
);

const servicesSchema = onFirstUse(() =>
  preprocessed(setAsList, z.array(serviceNameSchema, { error: requiredOrWrongType('a list of service names') })).check(
    z.refine((values) => values.length > 0, { error: 'needs at least one service' }),
    z.refine((values) => values.length <= MAX_COST_FILTER_SERVICES, {
      error: (issue) =>
        `may hold at most ${MAX_COST_FILTER_SERVICES} services, got ${String((issue.input as unknown[]).length)}`,
    }),
  ),
);

const costFilterSchema = onFirstUse(() =>
  z.strictObject(
    {
      tags: z.optional(tagsSchema),
      services: z.optional(servicesSchema),
    },
    {
      error: (issue) =>
        issue.code === 'unrecognized_keys'
          ? `has unknown keys ${issue.keys.map((k) => `"${k}"`).join(', ')} (allowed: tags, services)`
          : requiredOrWrongType('a map with "tags" and/or "services"')(issue),
    },
  ),
);

const jobQueueNameSchema = onFirstUse(() =>
  z.string({ error: requiredOrWrongType('a job queue name (text)') }).check(
    z.regex(/^[A-Za-z0-9_-]{1,128}$/, {
      error: (issue) => `is not a job queue name (1-128 letters, digits, "-" or "_"): ${describeValue(issue.input)}`,
    }),
  ),
);

const guardianSchema = onFirstUse(() =>
  z
    .strictObject(
      {
        mode: z._default(
          z.enum(GUARDIAN_MODES, {
            error: (issue) => `must be one of ${GUARDIAN_MODES.join(', ')}, got ${describeValue(issue.input)}`,
          }),
          'off',
        ),
        disableQueuesAt: z._default(percent(), 80),
        terminateJobsAt: z._default(percent(), 100),
        jobQueues: z.optional(
          preprocessed(
            setAsList,
            z.array(jobQueueNameSchema, { error: requiredOrWrongType('a list of job queue names') }),
          ),
        ),
      },
      {
        error: (issue) =>
          issue.code === 'unrecognized_keys'
            ? `has unknown keys ${issue.keys.map((k) => `"${k}"`).join(', ')} (allowed: mode, disableQueuesAt, terminateJobsAt, jobQueues)`
            : requiredOrWrongType('a map')(issue),
      },
    )
    .check(
      z.refine((g) => g.disableQueuesAt <= g.terminateJobsAt, {
        error: 'disableQueuesAt must not be above terminateJobsAt',
        path: ['disableQueuesAt'],
      }),
    ),
);

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
  'stateThresholds',
  'lockdown',
  'inheritedFrom',
  'optOut',
  ...EDIT_RECORD_ATTRIBUTES,
  ...SYSTEM_ATTRIBUTES,
] as const;

/** The fields of a budget item, shared by the item and the spoke parameter document. */
export const budgetItemFields = onFirstUse(() => ({
  accountId: accountIdSchema,
  budgetName: budgetNameSchema,
  amount: amountSchema,
  currency: z._default(
    z.string({ error: requiredOrWrongType('a currency code (text)') }).check(
      z.regex(/^[A-Z]{3}$/, {
        error: (issue) => `must be a 3-letter currency code such as USD, got ${describeValue(issue.input)}`,
      }),
    ),
    'USD',
  ),
  period: z._default(
    z.enum(BUDGET_PERIODS, {
      error: (issue) => `must be one of ${BUDGET_PERIODS.join(', ')}, got ${describeValue(issue.input)}`,
    }),
    'MONTHLY',
  ),
  emails: emailsSchema,
  alertAt: thresholdList(DEFAULT_ALERT_AT),
  forecastAlertAt: thresholdList(DEFAULT_FORECAST_ALERT_AT),
  costFilter: z.optional(costFilterSchema),
  guardian: z._default(guardianSchema, DEFAULT_GUARDIAN),
  stateThresholds: z.optional(stateThresholdsSchema),
  lockdown: z.optional(lockdownSchema),
  notes: z.optional(
    z.string({ error: requiredOrWrongType('text') }).check(
      z.refine((notes) => characterCount(notes) <= MAX_NOTES_CHARACTERS, {
        error: (issue) =>
          `must be at most ${MAX_NOTES_CHARACTERS} characters, got ${characterCount(issue.input as string)}`,
      }),
    ),
  ),
}));

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

/** The currency the cost guardian prices AWS Batch jobs in (AWS list prices). */
export const GUARDIAN_CURRENCY = 'USD';

/**
 * The cost guardian adds AWS Batch job costs, priced in USD, to AWS Budgets' figure: on a budget in
 * another currency the sum would be meaningless, so a guardian that is on needs a USD budget.
 */
export const guardianNeedsUsd: [
  (item: { currency: string; guardian: { mode: string } }) => boolean,
  { error: string; path: PropertyKey[] },
] = [
  (item) => item.guardian.mode === 'off' || item.currency === GUARDIAN_CURRENCY,
  {
    error:
      `must be ${GUARDIAN_CURRENCY} while guardian.mode is notify or enforce: the cost guardian prices AWS Batch jobs ` +
      `in ${GUARDIAN_CURRENCY} and cannot add them to a budget in another currency (set guardian.mode to off, or the budget in ${GUARDIAN_CURRENCY})`,
    path: ['currency'],
  },
];

/**
 * The longest revision (MAX_REVISION_DIGITS digits) and an `updatedAt` as toISOString writes it
 * (always 24 characters): the widest envelope the spoke parameter document can get.
 */
const WIDEST_REVISION = '9'.repeat(MAX_REVISION_DIGITS);
const WIDEST_UPDATED_AT = '2026-12-03T10:00:00.000Z';

function documentBytes(item: object): number {
  return utf8ByteLength(
    JSON.stringify({
      schemaVersion: BUDGET_PARAMETER_SCHEMA_VERSION,
      ...item,
      revision: WIDEST_REVISION,
      updatedAt: WIDEST_UPDATED_AT,
    }),
  );
}

/**
 * When the item's spoke parameter document would be over MAX_PARAMETER_DOCUMENT_BYTES: the
 * largest attribute (the one to shorten) and the reason.
 */
export function documentSizeProblem(item: Record<string, unknown>): BudgetItemProblem | undefined {
  const bytes = documentBytes(item);
  if (bytes <= MAX_PARAMETER_DOCUMENT_BYTES) return undefined;
  let largest = { attribute: '', bytes: 0 };
  for (const [attribute, value] of Object.entries(item)) {
    if (value === undefined) continue;
    const size = utf8ByteLength(JSON.stringify(value));
    if (size > largest.bytes) largest = { attribute, bytes: size };
  }
  return {
    attribute: largest.attribute,
    reason:
      `makes the budget document ${formatCount(bytes)} bytes, over the ${formatCount(MAX_PARAMETER_DOCUMENT_BYTES)} ` +
      `bytes of an SSM Standard parameter (UTF-8, with the longest revision); ` +
      `${largest.attribute} is the largest part (${formatCount(largest.bytes)} bytes)`,
  };
}

/**
 * Size in UTF-8 bytes of the spoke parameter document of a valid item, delivered at the longest
 * possible revision; validation refuses an item for which it is over MAX_PARAMETER_DOCUMENT_BYTES.
 */
export function budgetParameterDocumentBytes(item: BudgetItem): number {
  return documentBytes(item);
}

export type SystemAttribute = (typeof SYSTEM_ATTRIBUTES)[number];

/** Slots for the system's attributes in an item schema: any value, never validated, never propagated. */
export const systemAttributeFields = onFirstUse(
  () =>
    Object.fromEntries(SYSTEM_ATTRIBUTES.map((name) => [name, z.optional(z.unknown())])) as Record<
      SystemAttribute,
      z.ZodMiniOptional<z.ZodMiniUnknown>
    >,
);

/** The value without the named attributes (typed). */
export function withoutAttributes<T extends object, K extends PropertyKey>(value: T, names: readonly K[]): Omit<T, K> {
  const copy = { ...value } as Record<PropertyKey, unknown>;
  for (const name of names) delete copy[name];
  return copy as Omit<T, K>;
}

/**
 * A budget item of one account. It may be the hub's copy of an organization default
 * (`inheritedFrom`: the OU or root whose item it copies) and may say `optOut: false` (an opt-out
 * item says `optOut: true` and is validated by validateOptOutItem). Neither goes into the
 * spoke parameter.
 */
export const budgetItemSchema = onFirstUse(() =>
  transformed(
    z
      .strictObject(
        {
          ...budgetItemFields,
          inheritedFrom: z.optional(defaultTargetSchema),
          optOut: z.optional(
            z.literal(false, {
              error: (issue) =>
                issue.input === true
                  ? 'is true: an opt-out item holds only accountId, budgetName, optOut and notes'
                  : `must be true or false, got ${describeValue(issue.input)}`,
            }),
          ),
          ...editRecordFields,
          ...systemAttributeFields,
        },
        { error: unknownAttributeError(KNOWN_ATTRIBUTES) },
      )
      .check(z.refine(...withinNotificationLimit), z.refine(...guardianNeedsUsd)),
    (input, ctx) => {
      const item = withoutAttributes(input, [...NON_BUDGET_ATTRIBUTES, 'inheritedFrom', 'optOut'] as const);
      const oversize = documentSizeProblem(item);
      if (oversize)
        ctx.issues.push({ code: 'custom', input: item, path: [oversize.attribute], message: oversize.reason });
      return item;
    },
  ),
);

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
  return validationOf(budgetItemSchema.safeParse(input));
}

/** A schema's parse as a validation: the value, or the problems named by attribute path. */
export function validationOf<T>(
  result: z.core.util.SafeParseResult<T>,
): { valid: true; item: T } | { valid: false; problems: BudgetItemProblem[]; message: string } {
  if (result.success) return { valid: true, item: result.data };
  const problems = result.error.issues.map((issue) => ({
    // A bad key of a map (a tag key) is a problem of the map; the reason names the key.
    attribute: formatPath(issue.code === 'invalid_key' ? issue.path.slice(0, -1) : issue.path),
    reason: issue.message,
  }));
  return { valid: false, problems, message: formatProblems(problems) };
}

export function formatProblems(problems: readonly BudgetItemProblem[]): string {
  return problems.map((p) => (p.attribute ? `${p.attribute} ${p.reason}` : p.reason)).join('; ');
}

/** The `sync` attribute the system writes back onto an item. */
export const syncStatusSchema = onFirstUse(() =>
  z.object({
    status: z.enum(SYNC_STATUSES),
    /** Where the status was decided: validating at the hub, delivering to the spoke, applying in the spoke. */
    stage: z.enum(['validate', 'deliver', 'apply']),
    message: z.string(),
    revision: z.string().check(z.regex(/^\d+$/)),
    updatedAt: z.string(),
  }),
);
export type SyncStatus = z.infer<typeof syncStatusSchema>;
