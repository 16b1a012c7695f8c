import * as z from 'zod/mini';
import { accountIdSchema, budgetNameSchema } from './budget-item';
import { revisionSchema } from './revision';
import { SPOKE_STATUS_SOURCE } from './status-event';
import { onFirstUse } from './on-first-use';

/**
 * The event a spoke sends the hub with a budget's spend (docs/budget-states.md): after every apply
 * and at every hourly check. It travels as status reports do (the spoke's default bus, then the
 * hub's status bus); the hub records it only for the revision it delivered to that account.
 */
export const SPOKE_SPEND_DETAIL_TYPE = 'Budget Spend Report';
export { SPOKE_STATUS_SOURCE as SPOKE_SPEND_SOURCE };

const amount = onFirstUse(() =>
  z.number().check(z.refine(Number.isFinite, { error: 'must be a finite number' }), z.gte(0), z.lte(1e12)),
);

export const spokeSpendDetailSchema = onFirstUse(() =>
  z.strictObject({
    accountId: accountIdSchema,
    budgetName: budgetNameSchema,
    /** The revision of the parameter the budget was applied from. */
    revision: revisionSchema,
    /** AWS Budgets' CalculatedSpend: actual and (when AWS has one) forecasted, in `unit`. */
    actual: amount,
    forecasted: z.optional(amount),
    unit: z.string().check(z.regex(/^[A-Z]{3}$/)),
    /** The budget's LastUpdatedTime: when AWS last calculated (or the budget last changed). */
    awsUpdatedAt: z.optional(z.iso.datetime()),
    /** When the spoke read the figures. */
    readAt: z.iso.datetime(),
    /** The cost guardian's latest estimate (USD), where a guardian runs. */
    guardianEstimate: z.optional(z.strictObject({ amount, at: z.iso.datetime() })),
  }),
);
export type SpokeSpendDetail = z.infer<typeof spokeSpendDetailSchema>;
