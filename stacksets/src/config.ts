import { parsePriceOverrides } from '@org-budgets/guardian';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { en } from 'zod/locales';
import * as z from 'zod/mini';
import { REPO_ROOT } from './package-service';

export const DEFAULT_CONFIG_PATH = join(REPO_ROOT, 'stacksets', 'config.json');

// zod/mini registers no locale (classic zod registers English when it builds its first schema):
// without one, every message the schemas below leave to zod would read "Invalid input". (The
// functions get it from packages/contracts/src/zod-helpers.ts; this tooling sets it itself rather
// than count on what else it loads.) `en` by name: `z.locales.en` would keep every locale.
if (!z.config().localeError) z.config(en());

const accountId = z.string().check(z.regex(/^\d{12}$/, 'must be a 12-digit account id'));
const region = z.string().check(z.regex(/^[a-z]{2}(-[a-z]+)+-\d$/, 'must be a region name such as us-east-1'));
const ouId = z
  .string()
  .check(
    z.regex(/^(ou-[a-z0-9]{4,32}-[a-z0-9]{8,32}|r-[a-z0-9]{4,32})$/, 'must be an OU id (ou-…) or the root id (r-…)'),
  );
const arnAccount = (arn: string): string | undefined => arn.split(':')[4];

/**
 * How fast a StackSet operation goes through the accounts. Unset fields take the defaults in
 * operationPreferences(); the API's names, in camelCase.
 */
const OperationPreferencesSchema = z
  .strictObject({
    regionConcurrencyType: z.optional(z.enum(['SEQUENTIAL', 'PARALLEL'])),
    regionOrder: z.optional(z.array(region)),
    maxConcurrentPercentage: z.optional(z.number().check(z.int(), z.gte(1), z.lte(100))),
    maxConcurrentCount: z.optional(z.number().check(z.int(), z.gte(1))),
    failureTolerancePercentage: z.optional(z.number().check(z.int(), z.gte(0), z.lte(100))),
    failureToleranceCount: z.optional(z.number().check(z.int(), z.gte(0))),
    concurrencyMode: z.optional(z.enum(['STRICT_FAILURE_TOLERANCE', 'SOFT_FAILURE_TOLERANCE'])),
  })
  .check(
    z.refine((p) => p.maxConcurrentPercentage === undefined || p.maxConcurrentCount === undefined, {
      message: 'set maxConcurrentPercentage or maxConcurrentCount, not both',
    }),
    z.refine((p) => p.failureTolerancePercentage === undefined || p.failureToleranceCount === undefined, {
      message: 'set failureTolerancePercentage or failureToleranceCount, not both',
    }),
  );

export const RolloutConfigSchema = z
  .strictObject({
    $comment: z.optional(z.string()),
    /** Name of the StackSet in the management account. */
    stackSetName: z._default(z.string().check(z.regex(/^[a-zA-Z][-a-zA-Z0-9]{0,127}$/)), 'org-budgets-spoke'),
    /** Region where the StackSet itself lives (its instances go to targets.regions). */
    stackSetRegion: z._default(region, 'us-east-1'),
    /** SELF in the management account; DELEGATED_ADMIN from a delegated administrator account. */
    callAs: z._default(z.enum(['SELF', 'DELEGATED_ADMIN']), 'SELF'),
    targets: z.strictObject({
      organizationalUnitIds: z.array(ouId).check(z.minLength(1)),
      regions: z.array(region).check(z.minLength(1)),
    }),
    /** Artifact buckets are named <prefix>-<region> (S3 names are global: include the account id). */
    artifactBucketPrefix: z
      .string()
      .check(z.regex(/^[a-z0-9][a-z0-9.-]{1,46}$/, 'must be 3 to 47 lowercase letters, digits, dots or hyphens')),
    hub: z
      .strictObject({
        accountId,
        propagationRoleArn: z
          .string()
          .check(z.regex(/^arn:aws[a-z-]*:iam::\d{12}:role\/[\w+=,.@/-]+$/, 'must be an IAM role ARN')),
        statusBusArn: z
          .string()
          .check(z.regex(/^arn:aws[a-z-]*:events:[a-z0-9-]+:\d{12}:event-bus\/[\w.-]+$/, 'must be an event bus ARN')),
      })
      .check(
        z.refine((hub) => arnAccount(hub.propagationRoleArn) === hub.accountId, {
          message: 'propagationRoleArn is not in hub.accountId',
          path: ['propagationRoleArn'],
        }),
        z.refine((hub) => arnAccount(hub.statusBusArn) === hub.accountId, {
          message: 'statusBusArn is not in hub.accountId',
          path: ['statusBusArn'],
        }),
      ),
    /** Left out: read from Organizations (DescribeOrganization). */
    organizationId: z.optional(z.string().check(z.regex(/^o-[a-z0-9]{10,32}$/))),
    spoke: z._default(
      z.strictObject({
        roleName: z._default(z.string().check(z.regex(/^[\w+=,.@-]{1,64}$/)), 'org-budgets-spoke'),
        alertEmail: z._default(z.union([z.literal(''), z.email()]), ''),
        /** How often the cost guardian checks every budget of an account. */
        guardianSchedule: z._default(
          z
            .string()
            .check(
              z.regex(
                /^(rate\(\d+ (minute|minutes|hour|hours|day|days)\)|cron\(.+\))$/,
                'must be a schedule expression such as rate(5 minutes)',
              ),
            ),
          'rate(5 minutes)',
        ),
        /** Price overrides of the guardian's cost model (README, "Cost guardian"). */
        guardianPrices: z.optional(z.unknown()).check(
          z.superRefine((value, context) => {
            if (value === undefined) return;
            try {
              parsePriceOverrides(value);
            } catch (error) {
              context.addIssue({ code: 'custom', message: (error as Error).message });
            }
          }),
        ),
      }),
      { roleName: 'org-budgets-spoke', alertEmail: '', guardianSchedule: 'rate(5 minutes)' },
    ),
    /** Environment variable that holds the ExternalId (never in this file; the hub's spokeExternalId). */
    spokeExternalIdEnv: z._default(z.string().check(z.regex(/^[A-Z_][A-Z0-9_]*$/)), 'SPOKE_EXTERNAL_ID'),
    operationPreferences: z._default(OperationPreferencesSchema, {}),
    /** How long to wait for one StackSet operation before giving up (it goes on in CloudFormation). */
    operationTimeoutMinutes: z._default(z.number().check(z.positive(), z.lte(24 * 60)), 120),
    /** Tags on the StackSet (CloudFormation passes them on to the stacks and their resources). */
    tags: z._default(
      z.record(z.string().check(z.minLength(1), z.maxLength(128)), z.string().check(z.maxLength(256))),
      {},
    ),
  })
  .check(
    z.superRefine((config, context) => {
      // The spoke is one per account: its role is IAM (global, a fixed name) and AWS Budgets is
      // account-wide, so a second region would fail on the role; and the hub writes the budget
      // parameters in its own region, where the spoke's rule must listen.
      const hubRegion = config.hub.statusBusArn.split(':')[3];
      if (config.targets.regions.length !== 1 || config.targets.regions[0] !== hubRegion) {
        context.addIssue({
          code: 'custom',
          path: ['targets', 'regions'],
          message: `must be exactly the hub's region, [${JSON.stringify(hubRegion)}] (the region of hub.statusBusArn): the spoke is one per account (its IAM role is global) and the hub writes budget parameters in its own region`,
        });
      }
    }),
  );

export type RolloutConfig = z.infer<typeof RolloutConfigSchema>;
export type OperationPreferencesConfig = z.infer<typeof OperationPreferencesSchema>;

/** The OperationPreferences of the CloudFormation API. */
export interface OperationPreferences {
  RegionConcurrencyType?: 'SEQUENTIAL' | 'PARALLEL';
  RegionOrder?: string[];
  MaxConcurrentPercentage?: number;
  MaxConcurrentCount?: number;
  FailureTolerancePercentage?: number;
  FailureToleranceCount?: number;
  ConcurrencyMode?: 'STRICT_FAILURE_TOLERANCE' | 'SOFT_FAILURE_TOLERANCE';
}

/**
 * The configured preferences over safe defaults:
 * - RegionConcurrencyType SEQUENTIAL: one region at a time, so a bad template stops in the first
 *   region instead of failing everywhere at once.
 * - MaxConcurrentPercentage 25: at most a quarter of the accounts of a region at a time, so
 *   with the tolerance below a failure stops the rollout before most accounts are touched,
 *   yet a large organization is not done one account after another.
 * - FailureTolerancePercentage 0: the first failed account stops the operation (no further
 *   accounts are started), so a broken spoke never spreads; the deploy then names it.
 * - ConcurrencyMode left to CloudFormation (STRICT_FAILURE_TOLERANCE).
 * A count given in the configuration replaces the matching default percentage.
 */
export function operationPreferences(config: OperationPreferencesConfig): OperationPreferences {
  const preferences: OperationPreferences = {
    RegionConcurrencyType: config.regionConcurrencyType ?? 'SEQUENTIAL',
  };
  if (config.regionOrder) preferences.RegionOrder = config.regionOrder;
  if (config.maxConcurrentCount !== undefined) preferences.MaxConcurrentCount = config.maxConcurrentCount;
  else preferences.MaxConcurrentPercentage = config.maxConcurrentPercentage ?? 25;
  if (config.failureToleranceCount !== undefined) preferences.FailureToleranceCount = config.failureToleranceCount;
  else preferences.FailureTolerancePercentage = config.failureTolerancePercentage ?? 0;
  if (config.concurrencyMode) preferences.ConcurrencyMode = config.concurrencyMode;
  return preferences;
}

export class RolloutConfigError extends Error {
  override readonly name = 'RolloutConfigError';
}

export function parseRolloutConfig(data: unknown, source: string): RolloutConfig {
  const parsed = RolloutConfigSchema.safeParse(data);
  if (!parsed.success)
    throw new RolloutConfigError(`${source} is not a valid rollout configuration:\n${z.prettifyError(parsed.error)}`);
  return parsed.data;
}

export async function loadRolloutConfig(path: string = DEFAULT_CONFIG_PATH): Promise<RolloutConfig> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new RolloutConfigError(
      code === 'ENOENT'
        ? `no rollout configuration at ${path}: copy stacksets/config.example.json to stacksets/config.json and fill it in, or pass --config`
        : `cannot read ${path}: ${(error as Error).message}`,
    );
  }
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (error) {
    throw new RolloutConfigError(`${path} is not JSON: ${(error as Error).message}`);
  }
  return parseRolloutConfig(data, path);
}

/** The ExternalId from the environment variable the configuration names. */
export function spokeExternalId(config: RolloutConfig, env: NodeJS.ProcessEnv = process.env): string {
  const value = env[config.spokeExternalIdEnv];
  if (!value) {
    throw new RolloutConfigError(
      `environment variable ${config.spokeExternalIdEnv} is not set: set it to the ExternalId the hub uses (its spokeExternalId parameter)`,
    );
  }
  if (!/^[\w+=,.@:/-]{2,1224}$/.test(value)) {
    throw new RolloutConfigError(
      `${config.spokeExternalIdEnv} is not a valid ExternalId (2 to 1224 of A-Za-z0-9_+=,.@:/-)`,
    );
  }
  return value;
}
