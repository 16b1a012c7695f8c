import * as z from 'zod/mini';
import { accountIdSchema, budgetNameSchema } from './budget-item';
import { revisionSchema } from './revision';
import { onFirstUse } from './on-first-use';

/**
 * The event a spoke sends the hub after it applied (or failed to apply) a budget parameter
 * (docs/architecture.md, "The contracts"). It travels from the spoke's default bus
 * to the hub's status bus; EventBridge sets `account` to the spoke's account, which the hub
 * checks against `detail.accountId`.
 */
export const SPOKE_STATUS_SOURCE = 'org-budgets.spoke';
export const SPOKE_STATUS_DETAIL_TYPE = 'Budget Apply Status';

export const spokeStatusDetailSchema = onFirstUse(() =>
  z.object({
    accountId: accountIdSchema,
    budgetName: budgetNameSchema,
    revision: revisionSchema,
    /**
     * APPLIED or FAILED: the outcome of applying `revision`. DELETED: the spoke deleted the managed
     * budget because its parameter is gone (the item was deleted; `revision`: the one it had applied
     * last); the hub writes it onto the history entry of that deletion (docs/history.md), not onto an
     * item.
     */
    status: z.enum(['APPLIED', 'FAILED', 'DELETED']),
    /**
     * Set on the reports of a deletion: DELETED, and FAILED when the spoke could not delete the
     * budget (then `revision` is the one it had applied last, or "0"). Such a FAILED goes onto the
     * deletion's history entry, never onto an item. Absent: a report of applying `revision`.
     */
    deletion: z.optional(z.literal(true)),
    message: z.string().check(z.maxLength(2000)),
    at: z.iso.datetime(),
    /**
     * Set when the spoke found the AWS Budget changed or deleted behind its back (its scheduled
     * check) and restored it: what it found. The hub alerts the central team with it.
     */
    repaired: z.optional(z.string().check(z.maxLength(1000))),
    /**
     * Set on an APPLIED report when the spoke found nothing for its cost guardian to do about the
     * change: the budget's guardian is off and holds no state from when it was on. The spoke's
     * enforce-spend rule then does not run (applied-status-pattern.json); absent, it runs. The
     * hub ignores it.
     */
    guardianIdle: z.optional(z.literal(true)),
  }),
);
export type SpokeStatusDetail = z.infer<typeof spokeStatusDetailSchema>;
